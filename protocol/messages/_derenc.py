"""Specialised DER encoders, one per RFC 4120 section 5 type.

Each encoder builds its element bottom-up from byte strings (``b"".join`` of the encoded
fields in schema order), with every range checked on the way: an out-of-range integer or
time, a str that is not UTF-8 encodable, a missing mandatory field or a wrong constant
(pvno, msg-type) raises EncodeError. ``*_seq(v)`` returns the SEQUENCE contents, so the
caller picks the outer tag (a universal SEQUENCE, or an explicit/APPLICATION wrapper).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from protocol.errors import EncodeError
from protocol.messages._der import (
    _SHORT,
    T_SEQUENCE,
    e_flags,
    e_i32,
    e_octets,
    e_pvno,
    e_str,
    e_time,
    e_u32,
    e_usec,
    gstr_tlv,
    int_tlv,
    INT32_MAX,
    INT32_MIN,
    tlv,
    tlv2,
)
from protocol.messages.types import (
    APRep,
    APReq,
    Authenticator,
    AuthorizationDataEntry,
    Checksum,
    EncAPRepPart,
    EncKDCRepPart,
    EncryptedData,
    EncryptionKey,
    EncTicketPart,
    ETypeInfo2Entry,
    ETypeInfoEntry,
    HostAddress,
    KDCRep,
    KDCReq,
    KDCReqBody,
    KRBError,
    LastReqEntry,
    PAData,
    PAEncTSEnc,
    PrincipalName,
    Ticket,
    TransitedEncoding,
    TypedDataEntry,
)

A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12 = (0xA0 + n for n in range(13))
SeqEnc = Callable[[Any], bytes]


def _check(v: object, cls: type) -> None:
    if type(v) is not cls:
        raise EncodeError(f"expected {cls.__name__}, got {type(v).__name__}")


def seq_of(items: Iterable[Any], enc: SeqEnc) -> bytes:
    """Contents of a SEQUENCE OF SEQUENCE."""
    if not isinstance(items, (tuple, list)):
        raise EncodeError(f"SEQUENCE OF must be a tuple, not {type(items).__name__}")
    if len(items) == 1:
        return tlv(T_SEQUENCE, enc(items[0]))
    return b"".join([_seq_tlv(enc(x)) for x in items])


def _seq_tlv(content: bytes) -> bytes:
    n = len(content)
    return _SEQ_SHORT[n] + content if n < 0x80 else tlv(T_SEQUENCE, content)


_SEQ_SHORT = _SHORT[T_SEQUENCE]


def e_seq_of(tag: int, items: Iterable[Any], enc: SeqEnc) -> bytes:
    return tlv2(tag, T_SEQUENCE, seq_of(items, enc))


# Encodings of the constant parts an exchange builds once and passes in every reply (the
# empty TransitedEncoding and LastReq of NONE; in a TGS reply the TGT's transited field,
# from the remembered EncTicketPart), by object identity. Each entry holds its object, so
# its id cannot be taken by another object while the entry lives; the values are frozen
# dataclasses of ints and bytes, or tuples of them, so what was encoded cannot change.
_by_identity: dict[int, tuple[object, bytes]] = {}


def once(tag: int, v: Any, enc: Callable[[int, Any], bytes]) -> bytes:
    """``enc(tag, v)``, remembered for this very object ``v``."""
    hit = _by_identity.get(id(v))
    if hit is not None and hit[0] is v:
        return hit[1]
    out = enc(tag, v)
    if len(_by_identity) >= 256:
        _by_identity.clear()
    _by_identity[id(v)] = (v, out)
    return out


def whole_seq(enc: SeqEnc, tag: int = T_SEQUENCE) -> Callable[[Any], bytes]:
    """Encoder of a complete element: a SEQUENCE, or an APPLICATION-tagged SEQUENCE."""
    if tag == T_SEQUENCE:
        return lambda v: tlv(T_SEQUENCE, enc(v))
    return lambda v: tlv2(tag, T_SEQUENCE, enc(v))


# ----------------------------------------------------------------- small types


def principal_seq(v: PrincipalName) -> bytes:
    if v.__class__ is not PrincipalName:
        _check(v, PrincipalName)
    names = v.name_string
    if not isinstance(names, (tuple, list)):
        raise EncodeError("name-string must be a tuple of str")
    content = b"".join([gstr_tlv(n) for n in names])
    return e_i32(A0, v.name_type) + tlv2(A1, T_SEQUENCE, content)


# Encoded ``[tag] PrincipalName`` elements by (tag, name-type, name-string): the same few
# names (krbtgt/REALM, the client, the service) are in every reply. Bounded; consulted
# only for values whose parts are exactly int and str, so that an equal bool or str
# subclass is still checked.
_ctx_principal_cache: dict[tuple[int, int, tuple[str, ...]], bytes] = {}


def e_principal(tag: int, v: PrincipalName) -> bytes:
    """``[tag] PrincipalName`` as a complete element."""
    if v.__class__ is PrincipalName:
        name_type, names = v.name_type, v.name_string
        if name_type.__class__ is int and names.__class__ is tuple and len(names) <= 2:
            for n in names:
                if n.__class__ is not str:
                    break
            else:
                key = (tag, name_type, names)
                out = _ctx_principal_cache.get(key)
                if out is None:
                    if len(_ctx_principal_cache) >= 4096:
                        _ctx_principal_cache.clear()
                    out = _ctx_principal_cache[key] = tlv2(tag, T_SEQUENCE, principal_seq(v))
                return out
    return tlv2(tag, T_SEQUENCE, principal_seq(v))


def key_seq(v: EncryptionKey) -> bytes:
    if v.__class__ is not EncryptionKey:
        _check(v, EncryptionKey)
    return e_i32(A0, v.keytype) + e_octets(A1, v.keyvalue)


def e_key(tag: int, v: EncryptionKey) -> bytes:
    """``[tag] EncryptionKey`` (the session key of every ticket and reply) in one step."""
    if v.__class__ is EncryptionKey:
        keytype, keyvalue = v.keytype, v.keyvalue
        if keytype.__class__ is int and -128 <= keytype < 128 and keyvalue.__class__ is bytes:
            n = len(keyvalue)
            if n < 0x75:
                # tag n+11 | 30 n+9 | A0 03 02 01 keytype | A1 n+2 04 n <keyvalue>, every length short
                return bytes((tag, n + 11, T_SEQUENCE, n + 9, A0, 3, 2, 1, keytype & 0xFF, A1, n + 2, 4, n)) + keyvalue
    return tlv2(tag, T_SEQUENCE, key_seq(v))


def enc_data_seq(v: EncryptedData) -> bytes:
    if v.__class__ is not EncryptedData:
        _check(v, EncryptedData)
    kvno = b"" if v.kvno is None else e_u32(A1, v.kvno)
    return b"".join((e_i32(A0, v.etype), kvno, e_octets(A2, v.cipher)))


def checksum_seq(v: Checksum) -> bytes:
    if v.__class__ is not Checksum:
        _check(v, Checksum)
    return e_i32(A0, v.cksumtype) + e_octets(A1, v.checksum)


def host_address_seq(v: HostAddress) -> bytes:
    if v.__class__ is not HostAddress:
        _check(v, HostAddress)
    return e_i32(A0, v.addr_type) + e_octets(A1, v.address)


def ad_entry_seq(v: AuthorizationDataEntry) -> bytes:
    if v.__class__ is not AuthorizationDataEntry:
        _check(v, AuthorizationDataEntry)
    return e_i32(A0, v.ad_type) + e_octets(A1, v.ad_data)


def padata_seq(v: PAData) -> bytes:
    if v.__class__ is not PAData:
        _check(v, PAData)
    return e_i32(A1, v.padata_type) + e_octets(A2, v.padata_value)


def transited_seq(v: TransitedEncoding) -> bytes:
    if v.__class__ is not TransitedEncoding:
        _check(v, TransitedEncoding)
    return e_i32(A0, v.tr_type) + e_octets(A1, v.contents)


def last_req_seq(v: LastReqEntry) -> bytes:
    if v.__class__ is not LastReqEntry:
        _check(v, LastReqEntry)
    return e_i32(A0, v.lr_type) + e_time(A1, v.lr_value)


def e_transited(tag: int, v: TransitedEncoding) -> bytes:
    return tlv2(tag, T_SEQUENCE, transited_seq(v))


def e_last_req(tag: int, v: tuple[LastReqEntry, ...]) -> bytes:
    return e_seq_of(tag, v, last_req_seq)


def pa_enc_ts_seq(v: PAEncTSEnc) -> bytes:
    if v.__class__ is not PAEncTSEnc:
        _check(v, PAEncTSEnc)
    usec = b"" if v.pausec is None else e_usec(A1, v.pausec)
    return e_time(A0, v.patimestamp) + usec


def etype_info2_seq(v: ETypeInfo2Entry) -> bytes:
    if v.__class__ is not ETypeInfo2Entry:
        _check(v, ETypeInfo2Entry)
    salt = b"" if v.salt is None else e_str(A1, v.salt)
    params = b"" if v.s2kparams is None else e_octets(A2, v.s2kparams)
    return b"".join((e_i32(A0, v.etype), salt, params))


def etype_info_seq(v: ETypeInfoEntry) -> bytes:
    if v.__class__ is not ETypeInfoEntry:
        _check(v, ETypeInfoEntry)
    salt = b"" if v.salt is None else e_octets(A1, v.salt)
    return e_i32(A0, v.etype) + salt


def typed_data_seq(v: TypedDataEntry) -> bytes:
    if v.__class__ is not TypedDataEntry:
        _check(v, TypedDataEntry)
    value = b"" if v.data_value is None else e_octets(A1, v.data_value)
    return e_i32(A0, v.data_type) + value


def nonempty_seq_of(enc: SeqEnc, what: str) -> Callable[[Any], bytes]:
    """Encoder of a SEQUENCE (SIZE (1..MAX)) OF type such as ETYPE-INFO2."""

    def encode(items: Any) -> bytes:
        if not items:
            raise EncodeError(f"{what} must not be empty")
        return tlv(T_SEQUENCE, seq_of(items, enc))

    return encode


def plain_seq_of(enc: SeqEnc) -> Callable[[Any], bytes]:
    return lambda items: tlv(T_SEQUENCE, seq_of(items, enc))


# ----------------------------------------------------------------- tickets


def ticket_tlv(v: Ticket) -> bytes:
    if v.__class__ is not Ticket:
        _check(v, Ticket)
    body = b"".join(
        (
            e_pvno(A0, v.tkt_vno),
            e_str(A1, v.realm),
            e_principal(A2, v.sname),
            tlv2(A3, T_SEQUENCE, enc_data_seq(v.enc_part)),
        )
    )
    return tlv2(0x61, T_SEQUENCE, body)


def enc_ticket_part_seq(v: EncTicketPart) -> bytes:
    if v.__class__ is not EncTicketPart:
        _check(v, EncTicketPart)
    return b"".join(
        (
            e_flags(A0, v.flags),
            e_key(A1, v.key),
            e_str(A2, v.crealm),
            e_principal(A3, v.cname),
            once(A4, v.transited, e_transited),
            e_time(A5, v.authtime),
            b"" if v.starttime is None else e_time(A6, v.starttime),
            e_time(A7, v.endtime),
            b"" if v.renew_till is None else e_time(A8, v.renew_till),
            b"" if v.caddr is None else e_seq_of(A9, v.caddr, host_address_seq),
            b"" if v.authorization_data is None else e_seq_of(A10, v.authorization_data, ad_entry_seq),
        )
    )


# ----------------------------------------------------------------- KDC exchange


def req_body_tlv(v: KDCReqBody) -> bytes:
    """KDC-REQ-BODY as a complete SEQUENCE element (what the PA-TGS-REQ checksum covers)."""
    if v.__class__ is not KDCReqBody:
        _check(v, KDCReqBody)
    if not isinstance(v.etype, (tuple, list)):
        raise EncodeError("etype must be a tuple of int")
    etypes = b"".join([int_tlv(x, INT32_MIN, INT32_MAX) for x in v.etype])
    tickets = b""
    if v.additional_tickets is not None:
        tickets = tlv2(A11, T_SEQUENCE, b"".join([ticket_tlv(t) for t in v.additional_tickets]))
    return tlv(
        T_SEQUENCE,
        b"".join(
            (
                e_flags(A0, v.kdc_options),
                b"" if v.cname is None else e_principal(A1, v.cname),
                e_str(A2, v.realm),
                b"" if v.sname is None else e_principal(A3, v.sname),
                b"" if v.from_ is None else e_time(A4, v.from_),
                e_time(A5, v.till),
                b"" if v.rtime is None else e_time(A6, v.rtime),
                e_u32(A7, v.nonce),
                tlv2(A8, T_SEQUENCE, etypes),
                b"" if v.addresses is None else e_seq_of(A9, v.addresses, host_address_seq),
                b"" if v.enc_authorization_data is None else tlv2(A10, T_SEQUENCE, enc_data_seq(v.enc_authorization_data)),
                tickets,
            )
        ),
    )


def _app_tag(msg_type: int, allowed: tuple[int, ...]) -> int:
    if msg_type not in allowed:
        raise EncodeError(f"msg-type {msg_type!r} not one of {allowed}")
    return 0x60 | int(msg_type)


Head = tuple[int, bytes]


def _heads(t0: int, allowed: tuple[int, ...]) -> dict[int, Head]:
    """(APPLICATION tag, encoded ``pvno [t0] 5`` and ``msg-type [t0 + 1]``) by msg-type."""
    return {m: (0x60 | m, e_pvno(t0, 5) + e_i32(t0 + 1, m)) for m in allowed}


def _head(v: Any, heads: dict[int, Head], t0: int, allowed: tuple[int, ...]) -> Head:
    """A message's APPLICATION tag and first two fields; precomputed for pvno exactly 5."""
    head = heads.get(v.msg_type) if v.pvno.__class__ is int and v.pvno == 5 else None
    if head is None:
        tag = _app_tag(v.msg_type, allowed)
        head = tag, e_pvno(t0, v.pvno) + e_i32(t0 + 1, tag & 0x1F)
    return head


_KDC_REQ_HEADS = _heads(A1, (10, 12))
_KDC_REP_HEADS = _heads(A0, (11, 13))
_AP_REQ_HEADS = _heads(A0, (14,))
_AP_REP_HEADS = _heads(A0, (15,))
_KRB_ERROR_HEADS = _heads(A0, (30,))


def kdc_req_tlv(v: KDCReq) -> bytes:
    if v.__class__ is not KDCReq:
        _check(v, KDCReq)
    tag, head = _head(v, _KDC_REQ_HEADS, A1, (10, 12))
    body = b"".join(
        (
            head,
            b"" if v.padata is None else e_seq_of(A3, v.padata, padata_seq),
            tlv(A4, req_body_tlv(v.req_body)),
        )
    )
    return tlv2(tag, T_SEQUENCE, body)


def kdc_rep_tlv(v: KDCRep) -> bytes:
    if v.__class__ is not KDCRep:
        _check(v, KDCRep)
    tag, head = _head(v, _KDC_REP_HEADS, A0, (11, 13))
    body = b"".join(
        (
            head,
            b"" if v.padata is None else e_seq_of(A2, v.padata, padata_seq),
            e_str(A3, v.crealm),
            e_principal(A4, v.cname),
            tlv(A5, ticket_tlv(v.ticket)),
            tlv2(A6, T_SEQUENCE, enc_data_seq(v.enc_part)),
        )
    )
    return tlv2(tag, T_SEQUENCE, body)


def enc_kdc_rep_part_tlv(v: EncKDCRepPart) -> bytes:
    if v.__class__ is not EncKDCRepPart:
        _check(v, EncKDCRepPart)
    tag = _app_tag(v.tag, (25, 26))
    body = b"".join(
        (
            e_key(A0, v.key),
            once(A1, v.last_req, e_last_req),
            e_u32(A2, v.nonce),
            b"" if v.key_expiration is None else e_time(A3, v.key_expiration),
            e_flags(A4, v.flags),
            e_time(A5, v.authtime),
            b"" if v.starttime is None else e_time(A6, v.starttime),
            e_time(A7, v.endtime),
            b"" if v.renew_till is None else e_time(A8, v.renew_till),
            e_str(A9, v.srealm),
            e_principal(A10, v.sname),
            b"" if v.caddr is None else e_seq_of(A11, v.caddr, host_address_seq),
            b"" if v.encrypted_pa_data is None else e_seq_of(A12, v.encrypted_pa_data, padata_seq),
        )
    )
    return tlv2(tag, T_SEQUENCE, body)


# ----------------------------------------------------------------- AP exchange, errors


def authenticator_seq(v: Authenticator) -> bytes:
    if v.__class__ is not Authenticator:
        _check(v, Authenticator)
    return b"".join(
        (
            e_pvno(A0, v.authenticator_vno),
            e_str(A1, v.crealm),
            e_principal(A2, v.cname),
            b"" if v.cksum is None else tlv2(A3, T_SEQUENCE, checksum_seq(v.cksum)),
            e_usec(A4, v.cusec),
            e_time(A5, v.ctime),
            b"" if v.subkey is None else e_key(A6, v.subkey),
            b"" if v.seq_number is None else e_u32(A7, v.seq_number),
            b"" if v.authorization_data is None else e_seq_of(A8, v.authorization_data, ad_entry_seq),
        )
    )


def ap_req_tlv(v: APReq) -> bytes:
    if v.__class__ is not APReq:
        _check(v, APReq)
    tag, head = _head(v, _AP_REQ_HEADS, A0, (14,))
    body = b"".join(
        (
            head,
            e_flags(A2, v.ap_options),
            tlv(A3, ticket_tlv(v.ticket)),
            tlv2(A4, T_SEQUENCE, enc_data_seq(v.authenticator)),
        )
    )
    return tlv2(tag, T_SEQUENCE, body)


def ap_rep_tlv(v: APRep) -> bytes:
    if v.__class__ is not APRep:
        _check(v, APRep)
    tag, head = _head(v, _AP_REP_HEADS, A0, (15,))
    body = head + tlv2(A2, T_SEQUENCE, enc_data_seq(v.enc_part))
    return tlv2(tag, T_SEQUENCE, body)


def enc_ap_rep_part_seq(v: EncAPRepPart) -> bytes:
    if v.__class__ is not EncAPRepPart:
        _check(v, EncAPRepPart)
    return b"".join(
        (
            e_time(A0, v.ctime),
            e_usec(A1, v.cusec),
            b"" if v.subkey is None else e_key(A2, v.subkey),
            b"" if v.seq_number is None else e_u32(A3, v.seq_number),
        )
    )


def krb_error_tlv(v: KRBError) -> bytes:
    if v.__class__ is not KRBError:
        _check(v, KRBError)
    tag, head = _head(v, _KRB_ERROR_HEADS, A0, (30,))
    body = b"".join(
        (
            head,
            b"" if v.ctime is None else e_time(A2, v.ctime),
            b"" if v.cusec is None else e_usec(A3, v.cusec),
            e_time(A4, v.stime),
            e_usec(A5, v.susec),
            e_i32(A6, v.error_code),
            b"" if v.crealm is None else e_str(A7, v.crealm),
            b"" if v.cname is None else e_principal(A8, v.cname),
            e_str(A9, v.realm),
            e_principal(A10, v.sname),
            b"" if v.e_text is None else e_str(A11, v.e_text),
            b"" if v.e_data is None else e_octets(A12, v.e_data),
        )
    )
    return tlv2(tag, T_SEQUENCE, body)
