"""Frozen, typed views of Kerberos messages (RFC 4120 section 5 and extensions).

Nothing outside ``protocol`` sees a pyasn1 object: decoders return these dataclasses and
encoders take them. Conventions, fixed for every message:

- Field names are the ASN.1 names in snake_case (``renew-till`` -> ``renew_till``;
  ``from`` -> ``from_``).
- KerberosTime is an ``int``: seconds since the POSIX epoch, UTC. Microseconds travel in
  their own fields (``cusec``, ``susec``, ``pausec``) as in the ASN.1.
- Bit-string flags (KDCOptions, TicketFlags, APOptions) are ``int`` in the encoding of
  ``protocol.constants`` (RFC bit n == ``1 << (31 - n)``).
- SEQUENCE OF is a ``tuple``; an OPTIONAL field that is absent is ``None`` (an empty
  SEQUENCE OF that is present is ``()``, which is different from ``None``).
- KerberosString (GeneralString) is ``str``, decoded as UTF-8; octets that are not UTF-8
  are a DecodeError. OCTET STRING is ``bytes``.
- ``raw`` fields hold the exact octets received, for checksums that must be computed over
  what the peer sent, never over a re-encoding (RFC 4120 section 7.2 / MIT behaviour).
  They are excluded from equality and repr, and encoders ignore them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from protocol.constants import PVNO, MessageType

__all__ = [
    "PrincipalName",
    "EncryptionKey",
    "EncryptedData",
    "Checksum",
    "HostAddress",
    "AuthorizationDataEntry",
    "PAData",
    "LastReqEntry",
    "TransitedEncoding",
    "Ticket",
    "EncTicketPart",
    "KDCReqBody",
    "KDCReq",
    "KDCRep",
    "EncKDCRepPart",
    "Authenticator",
    "APReq",
    "APRep",
    "EncAPRepPart",
    "KRBError",
    "PAEncTSEnc",
    "ETypeInfo2Entry",
    "ETypeInfoEntry",
    "TypedDataEntry",
    "AuthorizationData",
]


@dataclass(frozen=True, slots=True)
class PrincipalName:
    """PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString }"""

    name_type: int
    name_string: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EncryptionKey:
    """EncryptionKey ::= SEQUENCE { keytype [0] Int32, keyvalue [1] OCTET STRING }

    ``keyvalue`` is never shown by repr: keys must not reach logs.
    """

    keytype: int
    keyvalue: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class EncryptedData:
    """EncryptedData ::= SEQUENCE { etype [0] Int32, kvno [1] UInt32 OPTIONAL, cipher [2] OCTET STRING }"""

    etype: int
    cipher: bytes = field(repr=False)
    kvno: int | None = None


@dataclass(frozen=True, slots=True)
class Checksum:
    """Checksum ::= SEQUENCE { cksumtype [0] Int32, checksum [1] OCTET STRING }"""

    cksumtype: int
    checksum: bytes


@dataclass(frozen=True, slots=True)
class HostAddress:
    """HostAddress ::= SEQUENCE { addr-type [0] Int32, address [1] OCTET STRING }"""

    addr_type: int
    address: bytes


@dataclass(frozen=True, slots=True)
class AuthorizationDataEntry:
    """One element of AuthorizationData ::= SEQUENCE OF SEQUENCE { ad-type [0] Int32, ad-data [1] OCTET STRING }"""

    ad_type: int
    ad_data: bytes


AuthorizationData = tuple[AuthorizationDataEntry, ...]


@dataclass(frozen=True, slots=True)
class PAData:
    """PA-DATA ::= SEQUENCE { padata-type [1] Int32, padata-value [2] OCTET STRING }"""

    padata_type: int
    padata_value: bytes


@dataclass(frozen=True, slots=True)
class LastReqEntry:
    """One element of LastReq ::= SEQUENCE OF SEQUENCE { lr-type [0] Int32, lr-value [1] KerberosTime }"""

    lr_type: int
    lr_value: int


@dataclass(frozen=True, slots=True)
class TransitedEncoding:
    """TransitedEncoding ::= SEQUENCE { tr-type [0] Int32, contents [1] OCTET STRING }"""

    tr_type: int
    contents: bytes


@dataclass(frozen=True, slots=True)
class Ticket:
    """Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0] INTEGER (5), realm [1] Realm,
    sname [2] PrincipalName, enc-part [3] EncryptedData -- EncTicketPart }"""

    realm: str
    sname: PrincipalName
    enc_part: EncryptedData
    tkt_vno: int = PVNO
    raw: bytes = field(default=b"", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EncTicketPart:
    """EncTicketPart ::= [APPLICATION 3] SEQUENCE { flags [0] TicketFlags, key [1] EncryptionKey,
    crealm [2] Realm, cname [3] PrincipalName, transited [4] TransitedEncoding,
    authtime [5] KerberosTime, starttime [6] KerberosTime OPTIONAL, endtime [7] KerberosTime,
    renew-till [8] KerberosTime OPTIONAL, caddr [9] HostAddresses OPTIONAL,
    authorization-data [10] AuthorizationData OPTIONAL }"""

    flags: int
    key: EncryptionKey
    crealm: str
    cname: PrincipalName
    transited: TransitedEncoding
    authtime: int
    endtime: int
    starttime: int | None = None
    renew_till: int | None = None
    caddr: tuple[HostAddress, ...] | None = None
    authorization_data: AuthorizationData | None = None

    @property
    def start(self) -> int:
        """When the ticket becomes valid: starttime, or authtime when absent (RFC 4120 5.3)."""
        return self.authtime if self.starttime is None else self.starttime


@dataclass(frozen=True, slots=True)
class KDCReqBody:
    """KDC-REQ-BODY ::= SEQUENCE { kdc-options [0] KDCOptions, cname [1] PrincipalName OPTIONAL,
    realm [2] Realm, sname [3] PrincipalName OPTIONAL, from [4] KerberosTime OPTIONAL,
    till [5] KerberosTime, rtime [6] KerberosTime OPTIONAL, nonce [7] UInt32,
    etype [8] SEQUENCE OF Int32, addresses [9] HostAddresses OPTIONAL,
    enc-authorization-data [10] EncryptedData OPTIONAL, additional-tickets [11] SEQUENCE OF Ticket OPTIONAL }

    ``till`` is OPTIONAL in practice for nothing but is kept ``int | None`` because RFC 4120
    lets clients send 19700101000000Z ("no limit") and a decoder must not guess.
    """

    kdc_options: int
    realm: str
    nonce: int
    etype: tuple[int, ...]
    till: int | None
    cname: PrincipalName | None = None
    sname: PrincipalName | None = None
    from_: int | None = None
    rtime: int | None = None
    addresses: tuple[HostAddress, ...] | None = None
    enc_authorization_data: EncryptedData | None = None
    additional_tickets: tuple[Ticket, ...] | None = None
    raw: bytes = field(default=b"", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class KDCReq:
    """AS-REQ ::= [APPLICATION 10] KDC-REQ, TGS-REQ ::= [APPLICATION 12] KDC-REQ;
    KDC-REQ ::= SEQUENCE { pvno [1] INTEGER (5), msg-type [2] INTEGER (10 -- AS -- | 12 -- TGS --),
    padata [3] SEQUENCE OF PA-DATA OPTIONAL, req-body [4] KDC-REQ-BODY }

    ``msg_type`` selects the APPLICATION tag (10 or 12) and must match it on decode.
    """

    msg_type: MessageType
    req_body: KDCReqBody
    padata: tuple[PAData, ...] | None = None
    pvno: int = PVNO


@dataclass(frozen=True, slots=True)
class KDCRep:
    """AS-REP ::= [APPLICATION 11] KDC-REP, TGS-REP ::= [APPLICATION 13] KDC-REP;
    KDC-REP ::= SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (11 | 13),
    padata [2] SEQUENCE OF PA-DATA OPTIONAL, crealm [3] Realm, cname [4] PrincipalName,
    ticket [5] Ticket, enc-part [6] EncryptedData }"""

    msg_type: MessageType
    crealm: str
    cname: PrincipalName
    ticket: Ticket
    enc_part: EncryptedData
    padata: tuple[PAData, ...] | None = None
    pvno: int = PVNO


@dataclass(frozen=True, slots=True)
class EncKDCRepPart:
    """EncASRepPart ::= [APPLICATION 25] EncKDCRepPart, EncTGSRepPart ::= [APPLICATION 26];
    EncKDCRepPart ::= SEQUENCE { key [0] EncryptionKey, last-req [1] LastReq, nonce [2] UInt32,
    key-expiration [3] KerberosTime OPTIONAL, flags [4] TicketFlags, authtime [5] KerberosTime,
    starttime [6] KerberosTime OPTIONAL, endtime [7] KerberosTime,
    renew-till [8] KerberosTime OPTIONAL, srealm [9] Realm, sname [10] PrincipalName,
    caddr [11] HostAddresses OPTIONAL, encrypted-pa-data [12] SEQUENCE OF PA-DATA OPTIONAL -- RFC 6806 }

    ``tag`` is the APPLICATION tag: 25 (AS) or 26 (TGS). RFC 4120 says 25 in AS replies,
    but MIT's KDC sends 26 in both (tests/data/mit captures), and MIT, Heimdal and Windows
    clients accept either, so decoders must too.
    """

    key: EncryptionKey
    last_req: tuple[LastReqEntry, ...]
    nonce: int
    flags: int
    authtime: int
    endtime: int
    srealm: str
    sname: PrincipalName
    tag: int = 25
    key_expiration: int | None = None
    starttime: int | None = None
    renew_till: int | None = None
    caddr: tuple[HostAddress, ...] | None = None
    encrypted_pa_data: tuple[PAData, ...] | None = None


@dataclass(frozen=True, slots=True)
class Authenticator:
    """Authenticator ::= [APPLICATION 2] SEQUENCE { authenticator-vno [0] INTEGER (5),
    crealm [1] Realm, cname [2] PrincipalName, cksum [3] Checksum OPTIONAL,
    cusec [4] Microseconds, ctime [5] KerberosTime, subkey [6] EncryptionKey OPTIONAL,
    seq-number [7] UInt32 OPTIONAL, authorization-data [8] AuthorizationData OPTIONAL }"""

    crealm: str
    cname: PrincipalName
    cusec: int
    ctime: int
    cksum: Checksum | None = None
    subkey: EncryptionKey | None = None
    seq_number: int | None = None
    authorization_data: AuthorizationData | None = None
    authenticator_vno: int = PVNO


@dataclass(frozen=True, slots=True)
class APReq:
    """AP-REQ ::= [APPLICATION 14] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (14),
    ap-options [2] APOptions, ticket [3] Ticket, authenticator [4] EncryptedData -- Authenticator }"""

    ap_options: int
    ticket: Ticket
    authenticator: EncryptedData
    pvno: int = PVNO
    msg_type: MessageType = MessageType.KRB_AP_REQ


@dataclass(frozen=True, slots=True)
class APRep:
    """AP-REP ::= [APPLICATION 15] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (15),
    enc-part [2] EncryptedData -- EncAPRepPart }"""

    enc_part: EncryptedData
    pvno: int = PVNO
    msg_type: MessageType = MessageType.KRB_AP_REP


@dataclass(frozen=True, slots=True)
class EncAPRepPart:
    """EncAPRepPart ::= [APPLICATION 27] SEQUENCE { ctime [0] KerberosTime, cusec [1] Microseconds,
    subkey [2] EncryptionKey OPTIONAL, seq-number [3] UInt32 OPTIONAL }"""

    ctime: int
    cusec: int
    subkey: EncryptionKey | None = None
    seq_number: int | None = None


@dataclass(frozen=True, slots=True)
class KRBError:
    """KRB-ERROR ::= [APPLICATION 30] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (30),
    ctime [2] KerberosTime OPTIONAL, cusec [3] Microseconds OPTIONAL, stime [4] KerberosTime,
    susec [5] Microseconds, error-code [6] Int32, crealm [7] Realm OPTIONAL,
    cname [8] PrincipalName OPTIONAL, realm [9] Realm -- service realm --,
    sname [10] PrincipalName -- service name --, e-text [11] KerberosString OPTIONAL,
    e-data [12] OCTET STRING OPTIONAL }"""

    stime: int
    susec: int
    error_code: int
    realm: str
    sname: PrincipalName
    ctime: int | None = None
    cusec: int | None = None
    crealm: str | None = None
    cname: PrincipalName | None = None
    e_text: str | None = None
    e_data: bytes | None = None
    pvno: int = PVNO
    msg_type: MessageType = MessageType.KRB_ERROR


@dataclass(frozen=True, slots=True)
class PAEncTSEnc:
    """PA-ENC-TS-ENC ::= SEQUENCE { patimestamp [0] KerberosTime, pausec [1] Microseconds OPTIONAL }"""

    patimestamp: int
    pausec: int | None = None


@dataclass(frozen=True, slots=True)
class ETypeInfo2Entry:
    """ETYPE-INFO2-ENTRY ::= SEQUENCE { etype [0] Int32, salt [1] KerberosString OPTIONAL,
    s2kparams [2] OCTET STRING OPTIONAL }; ETYPE-INFO2 is a SEQUENCE (SIZE (1..MAX)) OF these."""

    etype: int
    salt: str | None = None
    s2kparams: bytes | None = None


@dataclass(frozen=True, slots=True)
class ETypeInfoEntry:
    """ETYPE-INFO-ENTRY ::= SEQUENCE { etype [0] Int32, salt [1] OCTET STRING OPTIONAL }"""

    etype: int
    salt: bytes | None = None


@dataclass(frozen=True, slots=True)
class TypedDataEntry:
    """TYPED-DATA ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { data-type [0] Int32, data-value [1] OCTET STRING OPTIONAL }"""

    data_type: int
    data_value: bytes | None = None


def fast_construction(cls: type) -> type:
    """Make ``cls(...)`` of a frozen slots dataclass about four times cheaper, still frozen.

    A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__``
    (its own ``__setattr__`` refuses), about 0.1 us per field; decoding a request and
    building its reply make dozens of these objects. Here ``__new__`` fills a twin class
    with the same slots by plain assignment and then makes the object a ``cls`` (the
    layouts are identical, so CPython allows the ``__class__`` change); ``__init__`` is
    object's. Signature, defaults, equality, hashing, repr, ``dataclasses.replace``/
    ``fields`` and the refusal of assignment are unchanged; ``__reduce__`` rebuilds the
    object through the constructor for copy and pickle. The classes become final: a
    subclass would inherit neither an ``__init__`` nor a ``__new__`` fit for its fields.
    """
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    twin = type(cls.__name__ + "Builder", (), {"__slots__": cls.__slots__})
    scope: dict[str, Any] = {"_twin": twin, "_new": object.__new__}
    params = []
    for f in fields:
        if f.default is not dataclasses.MISSING:
            scope["_d_" + f.name] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        else:
            params.append(f.name)
    source = (
        f"def __new__(cls, {', '.join(params)}):\n"
        f"    self = _new(_twin)\n"
        + "".join(f"    self.{n} = {n}\n" for n in names)
        + "    self.__class__ = cls\n    return self\n"
    )
    exec(source, scope)  # noqa: S102  (generated from the field names above)
    new = scope["__new__"]
    new.__qualname__ = f"{cls.__qualname__}.__new__"
    cls.__new__ = new  # type: ignore[assignment]
    del cls.__init__  # type: ignore[misc]
    cls.__reduce__ = _reduce  # type: ignore[assignment]
    cls.__init_subclass__ = classmethod(_final)  # type: ignore[assignment]
    return cls


def _final(sub: type, **_kwargs: Any) -> None:
    raise TypeError(f"{sub.__mro__[1].__name__} is final (protocol.messages.types.fast_construction)")


def _reduce(self: Any) -> tuple[Any, tuple[Any, ...]]:
    return type(self), tuple(getattr(self, f.name) for f in dataclasses.fields(self))


for _name in __all__:
    if dataclasses.is_dataclass(globals()[_name]):  # every class; not the AuthorizationData alias
        fast_construction(globals()[_name])
del _name
