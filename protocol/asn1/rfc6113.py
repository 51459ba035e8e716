"""RFC 6113 (FAST, Kerberos pre-authentication framework) ASN.1, as pyasn1 specs.

Module KerberosPreauthFramework, ``DEFINITIONS EXPLICIT TAGS``. The ``...`` extension
markers are not modelled: an extension that no RFC defines is refused by the strict
decoder rather than silently dropped (nothing would be able to verify it anyway).
"""

from __future__ import annotations

from pyasn1.type import namedtype, univ

from protocol.asn1._util import field, optional, seq_of
from protocol.asn1.rfc4120 import (
    Checksum,
    EncryptedData,
    EncryptionKey,
    Int32,
    KDCReqBody,
    KerberosFlags,
    KerberosTime,
    Microseconds,
    PAData,
    PrincipalName,
    Realm,
    UInt32,
)


class PAAuthenticationSetElem(univ.Sequence):
    """PA-AUTHENTICATION-SET-ELEM ::= SEQUENCE { pa-type [0] Int32, pa-hint [1] OCTET STRING OPTIONAL,
    pa-value [2] OCTET STRING OPTIONAL, ... }"""

    componentType = namedtype.NamedTypes(
        field("pa-type", 0, Int32()),
        optional("pa-hint", 1, univ.OctetString()),
        optional("pa-value", 2, univ.OctetString()),
    )


class PAAuthenticationSet(univ.SequenceOf):
    """PA-AUTHENTICATION-SET ::= SEQUENCE OF PA-AUTHENTICATION-SET-ELEM"""

    componentType = PAAuthenticationSetElem()


class KrbFastArmor(univ.Sequence):
    """KrbFastArmor ::= SEQUENCE { armor-type [0] Int32, armor-value [1] OCTET STRING, ... }"""

    componentType = namedtype.NamedTypes(
        field("armor-type", 0, Int32()),
        field("armor-value", 1, univ.OctetString()),
    )


class KrbFastArmoredReq(univ.Sequence):
    """KrbFastArmoredReq ::= SEQUENCE { armor [0] KrbFastArmor OPTIONAL,
    req-checksum [1] Checksum, enc-fast-req [2] EncryptedData -- KrbFastReq --, ... }"""

    componentType = namedtype.NamedTypes(
        optional("armor", 0, KrbFastArmor()),
        field("req-checksum", 1, Checksum()),
        field("enc-fast-req", 2, EncryptedData()),
    )


class PAFxFastRequest(univ.Choice):
    """PA-FX-FAST-REQUEST ::= CHOICE { armored-data [0] KrbFastArmoredReq, ... }"""

    componentType = namedtype.NamedTypes(field("armored-data", 0, KrbFastArmoredReq()))


class FastOptions(KerberosFlags):
    """FastOptions ::= KerberosFlags -- reserved(0), hide-client-names(1), kdc-follow-referrals(16)"""


class KrbFastReq(univ.Sequence):
    """KrbFastReq ::= SEQUENCE { fast-options [0] FastOptions, padata [1] SEQUENCE OF PA-DATA,
    req-body [2] KDC-REQ-BODY, ... }"""

    componentType = namedtype.NamedTypes(
        field("fast-options", 0, FastOptions()),
        field("padata", 1, seq_of(PAData())),
        field("req-body", 2, KDCReqBody()),
    )


class KrbFastArmoredRep(univ.Sequence):
    """KrbFastArmoredRep ::= SEQUENCE { enc-fast-rep [0] EncryptedData -- KrbFastResponse --, ... }"""

    componentType = namedtype.NamedTypes(field("enc-fast-rep", 0, EncryptedData()))


class PAFxFastReply(univ.Choice):
    """PA-FX-FAST-REPLY ::= CHOICE { armored-data [0] KrbFastArmoredRep, ... }"""

    componentType = namedtype.NamedTypes(field("armored-data", 0, KrbFastArmoredRep()))


class KrbFastFinished(univ.Sequence):
    """KrbFastFinished ::= SEQUENCE { timestamp [0] KerberosTime, usec [1] Microseconds,
    crealm [2] Realm, cname [3] PrincipalName, ticket-checksum [4] Checksum, ... }"""

    componentType = namedtype.NamedTypes(
        field("timestamp", 0, KerberosTime()),
        field("usec", 1, Microseconds()),
        field("crealm", 2, Realm()),
        field("cname", 3, PrincipalName()),
        field("ticket-checksum", 4, Checksum()),
    )


class KrbFastResponse(univ.Sequence):
    """KrbFastResponse ::= SEQUENCE { padata [0] SEQUENCE OF PA-DATA,
    strengthen-key [1] EncryptionKey OPTIONAL, finished [2] KrbFastFinished OPTIONAL,
    nonce [3] UInt32, ... }"""

    componentType = namedtype.NamedTypes(
        field("padata", 0, seq_of(PAData())),
        optional("strengthen-key", 1, EncryptionKey()),
        optional("finished", 2, KrbFastFinished()),
        field("nonce", 3, UInt32()),
    )


class EncryptedChallenge(EncryptedData):
    """EncryptedChallenge ::= EncryptedData -- Encrypted PA-ENC-TS-ENC (RFC 6113 section 5.4.6)"""


class PAFxCookie(univ.OctetString):
    """PA-FX-COOKIE: padata-value is opaque to the client (RFC 6113 section 5.2)."""
