"""Frozen, typed views of the messages that are not on the KDC's hot path.

Same conventions as ``protocol.messages.types`` (snake_case ASN.1 names, ints for times
and flags, tuples for SEQUENCE OF, None for absent OPTIONAL). ``protocol.messages.reference``
encodes and decodes them all; the ASN.1 is in ``protocol.asn1`` (one module per source).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protocol.constants import PVNO, MessageType
from protocol.messages.types import (
    AuthorizationData,
    Checksum,
    EncryptedData,
    EncryptionKey,
    HostAddress,
    KDCReqBody,
    PAData,
    PrincipalName,
    Ticket,
)

__all__ = [
    "KRBSafeBody",
    "KRBSafe",
    "KRBPriv",
    "EncKrbPrivPart",
    "KRBCred",
    "EncKrbCredPart",
    "KrbCredInfo",
    "ADKDCIssued",
    "ADAndOr",
    "PAForUser",
    "S4UUserID",
    "PAS4UX509User",
    "PAPacRequest",
    "KDCProxyMessage",
    "ChangePasswdData",
    "KrbFastArmor",
    "KrbFastArmoredReq",
    "PAFxFastRequest",
    "KrbFastReq",
    "KrbFastArmoredRep",
    "PAFxFastReply",
    "KrbFastResponse",
    "KrbFastFinished",
    "PAAuthenticationSetElem",
]


# ---------------------------------------------------------------- RFC 4120 section 5.6-5.8


@dataclass(frozen=True, slots=True)
class KRBSafeBody:
    """KRB-SAFE-BODY ::= SEQUENCE { user-data [0] OCTET STRING, timestamp [1] KerberosTime OPTIONAL,
    usec [2] Microseconds OPTIONAL, seq-number [3] UInt32 OPTIONAL, s-address [4] HostAddress,
    r-address [5] HostAddress OPTIONAL }"""

    user_data: bytes
    s_address: HostAddress
    timestamp: int | None = None
    usec: int | None = None
    seq_number: int | None = None
    r_address: HostAddress | None = None


@dataclass(frozen=True, slots=True)
class KRBSafe:
    """KRB-SAFE ::= [APPLICATION 20] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (20),
    safe-body [2] KRB-SAFE-BODY, cksum [3] Checksum }"""

    safe_body: KRBSafeBody
    cksum: Checksum
    pvno: int = PVNO
    msg_type: MessageType = MessageType.KRB_SAFE


@dataclass(frozen=True, slots=True)
class KRBPriv:
    """KRB-PRIV ::= [APPLICATION 21] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (21),
    enc-part [3] EncryptedData -- EncKrbPrivPart }"""

    enc_part: EncryptedData
    pvno: int = PVNO
    msg_type: MessageType = MessageType.KRB_PRIV


@dataclass(frozen=True, slots=True)
class EncKrbPrivPart:
    """EncKrbPrivPart ::= [APPLICATION 28] SEQUENCE { user-data [0] OCTET STRING,
    timestamp [1] KerberosTime OPTIONAL, usec [2] Microseconds OPTIONAL,
    seq-number [3] UInt32 OPTIONAL, s-address [4] HostAddress, r-address [5] HostAddress OPTIONAL }

    ``user_data`` is hidden from repr: kpasswd carries passwords in it.
    """

    user_data: bytes = field(repr=False)
    s_address: HostAddress
    timestamp: int | None = None
    usec: int | None = None
    seq_number: int | None = None
    r_address: HostAddress | None = None


@dataclass(frozen=True, slots=True)
class KrbCredInfo:
    """KrbCredInfo ::= SEQUENCE { key [0] EncryptionKey, prealm [1] Realm OPTIONAL,
    pname [2] PrincipalName OPTIONAL, flags [3] TicketFlags OPTIONAL,
    authtime [4] KerberosTime OPTIONAL, starttime [5] KerberosTime OPTIONAL,
    endtime [6] KerberosTime OPTIONAL, renew-till [7] KerberosTime OPTIONAL,
    srealm [8] Realm OPTIONAL, sname [9] PrincipalName OPTIONAL, caddr [10] HostAddresses OPTIONAL }"""

    key: EncryptionKey
    prealm: str | None = None
    pname: PrincipalName | None = None
    flags: int | None = None
    authtime: int | None = None
    starttime: int | None = None
    endtime: int | None = None
    renew_till: int | None = None
    srealm: str | None = None
    sname: PrincipalName | None = None
    caddr: tuple[HostAddress, ...] | None = None


@dataclass(frozen=True, slots=True)
class KRBCred:
    """KRB-CRED ::= [APPLICATION 22] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (22),
    tickets [2] SEQUENCE OF Ticket, enc-part [3] EncryptedData -- EncKrbCredPart }"""

    tickets: tuple[Ticket, ...]
    enc_part: EncryptedData
    pvno: int = PVNO
    msg_type: MessageType = MessageType.KRB_CRED


@dataclass(frozen=True, slots=True)
class EncKrbCredPart:
    """EncKrbCredPart ::= [APPLICATION 29] SEQUENCE { ticket-info [0] SEQUENCE OF KrbCredInfo,
    nonce [1] UInt32 OPTIONAL, timestamp [2] KerberosTime OPTIONAL, usec [3] Microseconds OPTIONAL,
    s-address [4] HostAddress OPTIONAL, r-address [5] HostAddress OPTIONAL }"""

    ticket_info: tuple[KrbCredInfo, ...]
    nonce: int | None = None
    timestamp: int | None = None
    usec: int | None = None
    s_address: HostAddress | None = None
    r_address: HostAddress | None = None


# ---------------------------------------------------------------- RFC 4120 section 5.2.6


@dataclass(frozen=True, slots=True)
class ADKDCIssued:
    """AD-KDCIssued ::= SEQUENCE { ad-checksum [0] Checksum, i-realm [1] Realm OPTIONAL,
    i-sname [2] PrincipalName OPTIONAL, elements [3] AuthorizationData }"""

    ad_checksum: Checksum
    elements: AuthorizationData
    i_realm: str | None = None
    i_sname: PrincipalName | None = None


@dataclass(frozen=True, slots=True)
class ADAndOr:
    """AD-AND-OR ::= SEQUENCE { condition-count [0] Int32, elements [1] AuthorizationData }"""

    condition_count: int
    elements: AuthorizationData


# ---------------------------------------------------------------- MS-SFU, MS-KILE, MS-KKDCP, RFC 3244


@dataclass(frozen=True, slots=True)
class PAForUser:
    """PA-FOR-USER ::= SEQUENCE { userName [0] PrincipalName, userRealm [1] Realm,
    cksum [2] Checksum, auth-package [3] KerberosString } ([MS-SFU] 2.2.1)"""

    user_name: PrincipalName
    user_realm: str
    cksum: Checksum
    auth_package: str = "Kerberos"


@dataclass(frozen=True, slots=True)
class S4UUserID:
    """S4UUserID ::= SEQUENCE { nonce [0] UInt32, cname [1] PrincipalName OPTIONAL,
    crealm [2] Realm, subject-certificate [3] OCTET STRING OPTIONAL,
    options [4] BIT STRING OPTIONAL, ... } ([MS-SFU] 2.2.2); options as a 32-bit int"""

    nonce: int
    crealm: str
    cname: PrincipalName | None = None
    subject_certificate: bytes | None = None
    options: int | None = None


@dataclass(frozen=True, slots=True)
class PAS4UX509User:
    """PA-S4U-X509-USER ::= SEQUENCE { user-id [0] S4UUserID, checksum [1] Checksum }"""

    user_id: S4UUserID
    checksum: Checksum


@dataclass(frozen=True, slots=True)
class PAPacRequest:
    """KERB-PA-PAC-REQUEST ::= SEQUENCE { include-pac [0] BOOLEAN } ([MS-KILE] 2.2.3)"""

    include_pac: bool


@dataclass(frozen=True, slots=True)
class KDCProxyMessage:
    """KDC-PROXY-MESSAGE ::= SEQUENCE { kerb-message [0] OCTET STRING,
    target-domain [1] KERB-REALM OPTIONAL, dclocator-hint [2] INTEGER OPTIONAL } ([MS-KKDCP] 2.2.2)"""

    kerb_message: bytes
    target_domain: str | None = None
    dclocator_hint: int | None = None


@dataclass(frozen=True, slots=True)
class ChangePasswdData:
    """ChangePasswdData ::= SEQUENCE { newpasswd [0] OCTET STRING,
    targname [1] PrincipalName OPTIONAL, targrealm [2] Realm OPTIONAL } (RFC 3244 section 2)

    ``newpasswd`` is a password: never shown by repr.
    """

    newpasswd: bytes = field(repr=False)
    targname: PrincipalName | None = None
    targrealm: str | None = None


# ---------------------------------------------------------------- RFC 6113 FAST


@dataclass(frozen=True, slots=True)
class KrbFastArmor:
    """KrbFastArmor ::= SEQUENCE { armor-type [0] Int32, armor-value [1] OCTET STRING, ... }"""

    armor_type: int
    armor_value: bytes


@dataclass(frozen=True, slots=True)
class KrbFastArmoredReq:
    """KrbFastArmoredReq ::= SEQUENCE { armor [0] KrbFastArmor OPTIONAL, req-checksum [1] Checksum,
    enc-fast-req [2] EncryptedData -- KrbFastReq --, ... }"""

    req_checksum: Checksum
    enc_fast_req: EncryptedData
    armor: KrbFastArmor | None = None


@dataclass(frozen=True, slots=True)
class PAFxFastRequest:
    """PA-FX-FAST-REQUEST ::= CHOICE { armored-data [0] KrbFastArmoredReq, ... }"""

    armored_data: KrbFastArmoredReq


@dataclass(frozen=True, slots=True)
class KrbFastReq:
    """KrbFastReq ::= SEQUENCE { fast-options [0] FastOptions, padata [1] SEQUENCE OF PA-DATA,
    req-body [2] KDC-REQ-BODY, ... }; ``req_body.raw`` holds the received octets."""

    fast_options: int
    padata: tuple[PAData, ...]
    req_body: KDCReqBody


@dataclass(frozen=True, slots=True)
class KrbFastArmoredRep:
    """KrbFastArmoredRep ::= SEQUENCE { enc-fast-rep [0] EncryptedData -- KrbFastResponse --, ... }"""

    enc_fast_rep: EncryptedData


@dataclass(frozen=True, slots=True)
class PAFxFastReply:
    """PA-FX-FAST-REPLY ::= CHOICE { armored-data [0] KrbFastArmoredRep, ... }"""

    armored_data: KrbFastArmoredRep


@dataclass(frozen=True, slots=True)
class KrbFastFinished:
    """KrbFastFinished ::= SEQUENCE { timestamp [0] KerberosTime, usec [1] Microseconds,
    crealm [2] Realm, cname [3] PrincipalName, ticket-checksum [4] Checksum, ... }"""

    timestamp: int
    usec: int
    crealm: str
    cname: PrincipalName
    ticket_checksum: Checksum


@dataclass(frozen=True, slots=True)
class KrbFastResponse:
    """KrbFastResponse ::= SEQUENCE { padata [0] SEQUENCE OF PA-DATA,
    strengthen-key [1] EncryptionKey OPTIONAL, finished [2] KrbFastFinished OPTIONAL,
    nonce [3] UInt32, ... }"""

    padata: tuple[PAData, ...]
    nonce: int
    strengthen_key: EncryptionKey | None = None
    finished: KrbFastFinished | None = None


@dataclass(frozen=True, slots=True)
class PAAuthenticationSetElem:
    """PA-AUTHENTICATION-SET-ELEM ::= SEQUENCE { pa-type [0] Int32, pa-hint [1] OCTET STRING OPTIONAL,
    pa-value [2] OCTET STRING OPTIONAL, ... }"""

    pa_type: int
    pa_hint: bytes | None = None
    pa_value: bytes | None = None
