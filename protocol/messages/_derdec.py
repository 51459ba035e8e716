"""Specialised DER decoders, one per RFC 4120 section 5 type.

Each ``*_body(d, s, e)`` decodes the contents d[s:e] of a SEQUENCE whose fields it walks in
schema order: every field is read with the exact tag expected at that point, an OPTIONAL
field is present only if its tag is next, and the contents must end right after the last
field (RFC 4120 types are not extended in practice, so unknown fields are refused).
``*_at(d, i, end)`` decodes a whole element at ``i`` (tag and length included) and returns
(value, next position). Callers pass the full buffer and never a copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from protocol.constants import MessageType
from protocol.messages._der import (
    INT32_MAX,
    INT32_MIN,
    T_SEQUENCE,
    UINT32_MAX,
    USEC_MAX,
    ctx_flags,
    ctx_i32,
    ctx_int,
    ctx_int_octets,
    ctx_octets,
    ctx_pvno,
    ctx_seq,
    ctx_str,
    ctx_time,
    explicit,
    fail,
    gstr_list,
    hdr,
    int_at,
    int_list,
    int_octets,
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

T = TypeVar("T")
Body = Callable[[bytes, int, int], T]

A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12 = (0xA0 + n for n in range(13))
# A dict lookup, because calling the enum class costs about a microsecond.
MSG_TYPE = {int(m): m for m in MessageType}


def seq_of(d: bytes, s: int, e: int, item: Body[T]) -> tuple[T, ...]:
    """SEQUENCE OF SEQUENCE items over contents d[s:e]."""
    out = []
    while s < e:
        if d[s] == T_SEQUENCE and d[s + 1] < 0x80:
            s2 = s + 2
            s = s2 + d[s + 1]
            if s > e:
                raise fail("element runs past its container")
        else:
            s2, s = hdr(d, s, e, T_SEQUENCE)
        out.append(item(d, s2, s))
    return tuple(out)


def ctx_seq_of(d: bytes, i: int, end: int, tag: int, item: Body[T]) -> tuple[tuple[T, ...], int]:
    s, e = ctx_seq(d, i, end, tag)
    return seq_of(d, s, e, item), e


def ctx_body(d: bytes, i: int, end: int, tag: int, body: Body[T]) -> tuple[T, int]:
    """``[tag] SEQUENCE {...}`` decoded by ``body``."""
    s, e = ctx_seq(d, i, end, tag)
    return body(d, s, e), e


def whole(d: bytes, tag: int, body: Body[T]) -> T:
    """A complete input holding one element with ``tag`` and nothing after it."""
    if tag == T_SEQUENCE:
        s, e = hdr(d, 0, len(d), tag)
    else:
        s, e = explicit(d, 0, len(d), tag, T_SEQUENCE)
    if e != len(d):
        raise fail("unexpected extra data")
    return body(d, s, e)


# Decoded values by their exact encoding, for what a KDC sees again and again: the same
# TGT (and its EncTicketPart, once decrypted) arrives with every TGS request of a client
# until it expires; krbtgt/REALM, the client's and the service's names, the client's etype
# list and its small constant PA-DATA (PAC-REQUEST, FX-COOKIE, empty hints) with every
# request. A hit returns the frozen value those very octets decoded to, fully checked
# then; the key is the whole encoding, so nothing else can match it. Bounded: emptied
# when full, so distinct inputs cost memory only up to the limit.
MEMO_LIMIT = 1024


def memo_put(memo: dict[bytes, T], key: bytes, value: T) -> T:
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


_names_seen: dict[bytes, PrincipalName] = {}
_etype_lists_seen: dict[bytes, tuple[int, ...]] = {}
_small_padata_seen: dict[bytes, PAData] = {}


# ----------------------------------------------------------------- small types


def principal_body(d: bytes, s: int, e: int) -> PrincipalName:
    name_type, i = ctx_i32(d, s, e, A0)
    s2, e2 = ctx_seq(d, i, e, A1)
    if e2 != e:
        raise fail("unexpected extra data")
    return PrincipalName(name_type, gstr_list(d, s2, e2))


def ctx_principal(d: bytes, i: int, end: int, tag: int) -> tuple[PrincipalName, int]:
    """``[tag] PrincipalName``; names already seen come from a memo of their exact octets."""
    n = d[i + 1]
    if d[i] == tag and n < 0x80 and i + 2 + n <= end:
        e = i + 2 + n
        # The explicit tag's whole contents are the key: a hit means the very octets that
        # decoded (fully checked) to that name before. krbtgt/REALM, the client and the
        # service come back in every request, under whichever context tag.
        raw = d[i + 2 : e]
        seen = _names_seen.get(raw)
        if seen is not None:
            return seen, e
        return memo_put(_names_seen, raw, _principal_in(d, i + 2, e)), e
    return ctx_body(d, i, end, tag, principal_body)


def _principal_in(d: bytes, i: int, e: int) -> PrincipalName:
    """The PrincipalName SEQUENCE filling d[i:e] exactly; the all-short-form case in one go."""
    n = d[i + 1]
    if d[i] == T_SEQUENCE and n < 0x80 and i + 2 + n == e:
        s = i + 2
        # name-type [0] INTEGER of one octet, then name-string [1] SEQUENCE filling the rest
        if d[s] == A0 and d[s + 1] == 3 and d[s + 2] == 2 and d[s + 3] == 1:
            j = s + 5
            m = d[j + 1]
            if d[j] == A1 and m < 0x80 and d[j + 2] == T_SEQUENCE and d[j + 3] == m - 2 and j + 2 + m == e:
                name_type = d[s + 4]
                if name_type > 0x7F:
                    name_type -= 0x100
                return PrincipalName(name_type, gstr_list(d, j + 4, e))
    s, e2 = hdr(d, i, e, T_SEQUENCE)
    if e2 != e:
        raise fail("unexpected extra data")
    return principal_body(d, s, e)


def key_body(d: bytes, s: int, e: int) -> EncryptionKey:
    keytype, i = ctx_i32(d, s, e, A0)
    keyvalue, i = ctx_octets(d, i, e, A1)
    if i != e:
        raise fail("unexpected extra data")
    return EncryptionKey(keytype, keyvalue)


def ctx_key(d: bytes, i: int, end: int, tag: int) -> tuple[EncryptionKey, int]:
    """``[tag] EncryptionKey`` in one call (a session key or subkey in every hot message)."""
    keytype, keyvalue, i = ctx_int_octets(d, i, end, tag)
    return EncryptionKey(keytype, keyvalue), i


def enc_data_body(d: bytes, s: int, e: int) -> EncryptedData:
    etype, i = ctx_i32(d, s, e, A0)
    kvno = None
    if i < e and d[i] == A1:
        kvno, i = ctx_int(d, i, e, A1, 0, UINT32_MAX)
    cipher, i = ctx_octets(d, i, e, A2)
    if i != e:
        raise fail("unexpected extra data")
    return EncryptedData(etype, cipher, kvno)


def ctx_enc_data(d: bytes, i: int, end: int, tag: int) -> tuple[EncryptedData, int]:
    """``[tag] EncryptedData``, both headers read in one step whatever their length form."""
    s, e = explicit(d, i, end, tag, T_SEQUENCE)
    return enc_data_body(d, s, e), e


def checksum_body(d: bytes, s: int, e: int) -> Checksum:
    return Checksum(*int_octets(d, s, e, A0, A1))


def host_address_body(d: bytes, s: int, e: int) -> HostAddress:
    return HostAddress(*int_octets(d, s, e, A0, A1))


def ad_entry_body(d: bytes, s: int, e: int) -> AuthorizationDataEntry:
    return AuthorizationDataEntry(*int_octets(d, s, e, A0, A1))


def padata_body(d: bytes, s: int, e: int) -> PAData:
    return PAData(*int_octets(d, s, e, A1, A2))


def transited_body(d: bytes, s: int, e: int) -> TransitedEncoding:
    return TransitedEncoding(*int_octets(d, s, e, A0, A1))


def last_req_body(d: bytes, s: int, e: int) -> LastReqEntry:
    lr_type, i = ctx_i32(d, s, e, A0)
    lr_value, i = ctx_time(d, i, e, A1)
    if i != e:
        raise fail("unexpected extra data")
    return LastReqEntry(lr_type, lr_value)


def pa_enc_ts_body(d: bytes, s: int, e: int) -> PAEncTSEnc:
    ts, i = ctx_time(d, s, e, A0)
    usec = None
    if i < e:
        usec, i = ctx_int(d, i, e, A1, 0, USEC_MAX)
    if i != e:
        raise fail("unexpected extra data")
    return PAEncTSEnc(ts, usec)


def etype_info2_body(d: bytes, s: int, e: int) -> ETypeInfo2Entry:
    etype, i = ctx_i32(d, s, e, A0)
    salt = s2kparams = None
    if i < e and d[i] == A1:
        salt, i = ctx_str(d, i, e, A1)
    if i < e:
        s2kparams, i = ctx_octets(d, i, e, A2)
    if i != e:
        raise fail("unexpected extra data")
    return ETypeInfo2Entry(etype, salt, s2kparams)


def _int_optional_octets(d: bytes, s: int, e: int) -> tuple[int, bytes | None]:
    """SEQUENCE { [0] Int32, [1] OCTET STRING OPTIONAL }: ETYPE-INFO-ENTRY and TYPED-DATA's element."""
    number, i = ctx_i32(d, s, e, A0)
    octets = None
    if i < e:
        octets, i = ctx_octets(d, i, e, A1)
    if i != e:
        raise fail("unexpected extra data")
    return number, octets


def etype_info_body(d: bytes, s: int, e: int) -> ETypeInfoEntry:
    return ETypeInfoEntry(*_int_optional_octets(d, s, e))


def typed_data_body(d: bytes, s: int, e: int) -> TypedDataEntry:
    return TypedDataEntry(*_int_optional_octets(d, s, e))


def nonempty(items: tuple[T, ...], what: str) -> tuple[T, ...]:
    """For SEQUENCE (SIZE (1..MAX)) OF types (ETYPE-INFO2, TYPED-DATA)."""
    if not items:
        raise fail(f"{what} must not be empty")
    return items


# ----------------------------------------------------------------- tickets


_tickets_seen: dict[bytes, Ticket] = {}
_enc_ticket_parts_seen: dict[bytes, EncTicketPart] = {}


def ticket_at(d: bytes, i: int, end: int) -> tuple[Ticket, int]:
    """Ticket ::= [APPLICATION 1] SEQUENCE {...} at ``i``; ``raw`` keeps its octets."""
    s0, e0 = hdr(d, i, end, 0x61)
    raw = d[i:e0]
    seen = _tickets_seen.get(raw)
    if seen is not None:
        return seen, e0
    return memo_put(_tickets_seen, raw, _ticket_contents(d, raw, s0, e0)), e0


def _ticket_contents(d: bytes, raw: bytes, s0: int, e0: int) -> Ticket:
    s, e = hdr(d, s0, e0, T_SEQUENCE)
    if e != e0:
        raise fail("unexpected extra data")
    j = ctx_pvno(d, s, e, A0)
    realm, j = ctx_str(d, j, e, A1)
    sname, j = ctx_principal(d, j, e, A2)
    enc_part, j = ctx_enc_data(d, j, e, A3)
    if j != e:
        raise fail("unexpected extra data")
    return Ticket(realm, sname, enc_part, 5, raw)


def ctx_ticket(d: bytes, i: int, end: int, tag: int) -> tuple[Ticket, int]:
    s, e = hdr(d, i, end, tag)
    t, j = ticket_at(d, s, e)
    if j != e:
        raise fail("unexpected extra data")
    return t, e


def enc_ticket_part_body(d: bytes, s: int, e: int) -> EncTicketPart:
    flags, i = ctx_flags(d, s, e, A0)
    key, i = ctx_key(d, i, e, A1)
    crealm, i = ctx_str(d, i, e, A2)
    cname, i = ctx_principal(d, i, e, A3)
    tr_type, contents, i = ctx_int_octets(d, i, e, A4)
    transited = TransitedEncoding(tr_type, contents)
    authtime, i = ctx_time(d, i, e, A5)
    starttime = renew_till = caddr = ad = None
    if i < e and d[i] == A6:
        starttime, i = ctx_time(d, i, e, A6)
    endtime, i = ctx_time(d, i, e, A7)
    if i < e and d[i] == A8:
        renew_till, i = ctx_time(d, i, e, A8)
    if i < e and d[i] == A9:
        caddr, i = ctx_seq_of(d, i, e, A9, host_address_body)
    if i < e:
        ad, i = ctx_seq_of(d, i, e, A10, ad_entry_body)
    if i != e:
        raise fail("unexpected extra data")
    return EncTicketPart(flags, key, crealm, cname, transited, authtime, endtime, starttime, renew_till, caddr, ad)


# ----------------------------------------------------------------- KDC exchange


def _tickets(d: bytes, s: int, e: int) -> tuple[Ticket, ...]:
    out = []
    while s < e:
        t, s = ticket_at(d, s, e)
        out.append(t)
    return tuple(out)


def req_body_contents(d: bytes, i: int, s: int, e: int) -> KDCReqBody:
    """KDC-REQ-BODY whose SEQUENCE starts at ``i`` and has contents d[s:e]; ``raw`` keeps
    d[i:e], the octets the PA-TGS-REQ checksum covers."""
    opts, j = ctx_flags(d, s, e, A0)
    cname = sname = from_ = rtime = addresses = enc_ad = tickets = None
    if j < e and d[j] == A1:
        cname, j = ctx_principal(d, j, e, A1)
    realm, j = ctx_str(d, j, e, A2)
    if j < e and d[j] == A3:
        sname, j = ctx_principal(d, j, e, A3)
    if j < e and d[j] == A4:
        from_, j = ctx_time(d, j, e, A4)
    till, j = ctx_time(d, j, e, A5)
    if j < e and d[j] == A6:
        rtime, j = ctx_time(d, j, e, A6)
    nonce, j = ctx_int(d, j, e, A7, 0, UINT32_MAX)
    s2, j = ctx_seq(d, j, e, A8)
    raw = d[s2:j]
    etypes = _etype_lists_seen.get(raw)
    if etypes is None:
        etypes = memo_put(_etype_lists_seen, raw, int_list(d, s2, j))
    if j < e and d[j] == A9:
        addresses, j = ctx_seq_of(d, j, e, A9, host_address_body)
    if j < e and d[j] == A10:
        enc_ad, j = ctx_enc_data(d, j, e, A10)
    if j < e:
        s2, j = ctx_seq(d, j, e, A11)
        tickets = _tickets(d, s2, j)
    if j != e:
        raise fail("unexpected extra data")
    return KDCReqBody(opts, realm, nonce, etypes, till, cname, sname, from_, rtime, addresses, enc_ad, tickets, d[i:e])


def _msg_type(d: bytes, i: int, end: int, tag: int, app_tag: int) -> int:
    """msg-type must equal the APPLICATION tag number (RFC 4120 5.4.1, 5.5.1, 5.9.1)."""
    v, i = ctx_i32(d, i, end, tag)
    if v != app_tag:
        raise fail(f"msg-type {v} does not match APPLICATION {app_tag}")
    return i


def _app(d: bytes, tags: tuple[int, ...]) -> tuple[int, int, int]:
    """The outer [APPLICATION n] SEQUENCE of a whole input: (n, contents start, stop)."""
    if not d:
        raise fail("empty input")
    t = d[0]
    if t not in tags:
        raise fail(f"unexpected outer tag 0x{t:02x}")
    s, e = explicit(d, 0, len(d), t, T_SEQUENCE)
    if e != len(d):
        raise fail("unexpected extra data")
    return t & 0x1F, s, e


SMALL_PADATA = 32
"""PA-DATA items up to this many octets (PAC-REQUEST, FX-COOKIE, empty hints) are memoized."""


def padata_seq_of(d: bytes, s: int, e: int) -> tuple[PAData, ...]:
    """SEQUENCE OF PA-DATA contents (the KDC-REQ's padata)."""
    out = []
    while s < e:
        if d[s] == T_SEQUENCE and d[s + 1] < 0x80:
            s2 = s + 2
            end = s2 + d[s + 1]
            if end > e:
                raise fail("element runs past its container")
            if end - s <= SMALL_PADATA:
                raw = d[s:end]
                item = _small_padata_seen.get(raw)
                if item is None:
                    item = memo_put(_small_padata_seen, raw, _padata_in(d, s2, end))
            else:
                item = _padata_in(d, s2, end)
        else:
            s2, end = hdr(d, s, e, T_SEQUENCE)
            item = _padata_in(d, s2, end)
        out.append(item)
        s = end
    return tuple(out)


def _padata_in(d: bytes, s: int, e: int) -> PAData:
    """PA-DATA contents d[s:e]; the usual item (short-form type) is read in one go."""
    # A1 n+2 02 n <padata-type> | A2 .. 04 .. <padata-value>, the value's lengths in any form
    n = d[s + 3]
    j = s + 4 + n
    if d[s] == A1 and d[s + 1] == n + 2 and d[s + 2] == 2 and 0 < n < 5 and j < e:
        if n == 1:
            kind = d[s + 4]
            if kind > 0x7F:
                kind -= 0x100
        else:
            kind = int_at(d, s + 4, j, INT32_MIN, INT32_MAX)
        s2, e2 = explicit(d, j, e, A2, 4)
        if e2 != e:
            raise fail("unexpected extra data")
        return PAData(kind, d[s2:e2])
    return padata_body(d, s, e)


def decode_kdc_req(d: bytes) -> KDCReq:
    app, s, e = _app(d, (0x6A, 0x6C))
    i = ctx_pvno(d, s, e, A1)
    i = _msg_type(d, i, e, A2, app)
    padata = None
    if i < e and d[i] == A3:
        s2, i = ctx_seq(d, i, e, A3)
        padata = padata_seq_of(d, s2, i)
    s2, e2 = explicit(d, i, e, A4, T_SEQUENCE)
    if e2 != e:
        raise fail("unexpected extra data")
    # The KDC-REQ-BODY SEQUENCE starts after the [4] header of 2, 3 or 4 octets (81 n, 82 n n).
    start = i + 2 if d[i + 1] < 0x80 else i + d[i + 1] - 0x7E
    return KDCReq(MSG_TYPE[app], req_body_contents(d, start, s2, e2), padata, 5)


def decode_kdc_rep(d: bytes) -> KDCRep:
    app, s, e = _app(d, (0x6B, 0x6D))
    i = ctx_pvno(d, s, e, A0)
    i = _msg_type(d, i, e, A1, app)
    padata = None
    if i < e and d[i] == A2:
        padata, i = ctx_seq_of(d, i, e, A2, padata_body)
    crealm, i = ctx_str(d, i, e, A3)
    cname, i = ctx_principal(d, i, e, A4)
    ticket, i = ctx_ticket(d, i, e, A5)
    enc_part, i = ctx_enc_data(d, i, e, A6)
    if i != e:
        raise fail("unexpected extra data")
    return KDCRep(MSG_TYPE[app], crealm, cname, ticket, enc_part, padata, 5)


def decode_enc_kdc_rep_part(d: bytes) -> EncKDCRepPart:
    app, s, e = _app(d, (0x79, 0x7A))
    key, i = ctx_key(d, s, e, A0)
    last_req, i = ctx_seq_of(d, i, e, A1, last_req_body)
    nonce, i = ctx_int(d, i, e, A2, 0, UINT32_MAX)
    key_exp = starttime = renew_till = caddr = enc_pa = None
    if i < e and d[i] == A3:
        key_exp, i = ctx_time(d, i, e, A3)
    flags, i = ctx_flags(d, i, e, A4)
    authtime, i = ctx_time(d, i, e, A5)
    if i < e and d[i] == A6:
        starttime, i = ctx_time(d, i, e, A6)
    endtime, i = ctx_time(d, i, e, A7)
    if i < e and d[i] == A8:
        renew_till, i = ctx_time(d, i, e, A8)
    srealm, i = ctx_str(d, i, e, A9)
    sname, i = ctx_principal(d, i, e, A10)
    if i < e and d[i] == A11:
        caddr, i = ctx_seq_of(d, i, e, A11, host_address_body)
    if i < e:
        enc_pa, i = ctx_seq_of(d, i, e, A12, padata_body)
    if i != e:
        raise fail("unexpected extra data")
    return EncKDCRepPart(
        key, last_req, nonce, flags, authtime, endtime, srealm, sname, app, key_exp, starttime, renew_till, caddr, enc_pa
    )


# ----------------------------------------------------------------- AP exchange, errors


def authenticator_body(d: bytes, s: int, e: int) -> Authenticator:
    i = ctx_pvno(d, s, e, A0)
    crealm, i = ctx_str(d, i, e, A1)
    cname, i = ctx_principal(d, i, e, A2)
    cksum = subkey = seq_number = ad = None
    if i < e and d[i] == A3:
        cksumtype, checksum, i = ctx_int_octets(d, i, e, A3)
        cksum = Checksum(cksumtype, checksum)
    cusec, i = ctx_int(d, i, e, A4, 0, USEC_MAX)
    ctime, i = ctx_time(d, i, e, A5)
    if i < e and d[i] == A6:
        subkey, i = ctx_key(d, i, e, A6)
    if i < e and d[i] == A7:
        seq_number, i = ctx_int(d, i, e, A7, 0, UINT32_MAX)
    if i < e:
        ad, i = ctx_seq_of(d, i, e, A8, ad_entry_body)
    if i != e:
        raise fail("unexpected extra data")
    return Authenticator(crealm, cname, cusec, ctime, cksum, subkey, seq_number, ad, 5)


def decode_ap_req(d: bytes) -> APReq:
    app, s, e = _app(d, (0x6E,))
    i = ctx_pvno(d, s, e, A0)
    i = _msg_type(d, i, e, A1, app)
    options, i = ctx_flags(d, i, e, A2)
    ticket, i = ctx_ticket(d, i, e, A3)
    authenticator, i = ctx_enc_data(d, i, e, A4)
    if i != e:
        raise fail("unexpected extra data")
    return APReq(options, ticket, authenticator, 5, MessageType.KRB_AP_REQ)


def decode_ap_rep(d: bytes) -> APRep:
    app, s, e = _app(d, (0x6F,))
    i = ctx_pvno(d, s, e, A0)
    i = _msg_type(d, i, e, A1, app)
    enc_part, i = ctx_enc_data(d, i, e, A2)
    if i != e:
        raise fail("unexpected extra data")
    return APRep(enc_part, 5, MessageType.KRB_AP_REP)


def enc_ap_rep_part_body(d: bytes, s: int, e: int) -> EncAPRepPart:
    ctime, i = ctx_time(d, s, e, A0)
    cusec, i = ctx_int(d, i, e, A1, 0, USEC_MAX)
    subkey = seq_number = None
    if i < e and d[i] == A2:
        subkey, i = ctx_key(d, i, e, A2)
    if i < e:
        seq_number, i = ctx_int(d, i, e, A3, 0, UINT32_MAX)
    if i != e:
        raise fail("unexpected extra data")
    return EncAPRepPart(ctime, cusec, subkey, seq_number)


def decode_krb_error(d: bytes) -> KRBError:
    app, s, e = _app(d, (0x7E,))
    i = ctx_pvno(d, s, e, A0)
    i = _msg_type(d, i, e, A1, app)
    ctime = cusec = crealm = cname = e_text = e_data = None
    if i < e and d[i] == A2:
        ctime, i = ctx_time(d, i, e, A2)
    if i < e and d[i] == A3:
        cusec, i = ctx_int(d, i, e, A3, 0, USEC_MAX)
    stime, i = ctx_time(d, i, e, A4)
    susec, i = ctx_int(d, i, e, A5, 0, USEC_MAX)
    error_code, i = ctx_i32(d, i, e, A6)
    if i < e and d[i] == A7:
        crealm, i = ctx_str(d, i, e, A7)
    if i < e and d[i] == A8:
        cname, i = ctx_principal(d, i, e, A8)
    realm, i = ctx_str(d, i, e, A9)
    sname, i = ctx_principal(d, i, e, A10)
    if i < e and d[i] == A11:
        e_text, i = ctx_str(d, i, e, A11)
    if i < e:
        e_data, i = ctx_octets(d, i, e, A12)
    if i != e:
        raise fail("unexpected extra data")
    return KRBError(
        stime, susec, error_code, realm, sname, ctime, cusec, crealm, cname, e_text, e_data, 5, MessageType.KRB_ERROR
    )


# ----------------------------------------------------------------- whole-input entry points


def decode_enc_ticket_part(d: bytes) -> EncTicketPart:
    seen = _enc_ticket_parts_seen.get(d)
    if seen is not None:
        return seen
    return memo_put(_enc_ticket_parts_seen, d, whole(d, 0x63, enc_ticket_part_body))


def decode_ticket(d: bytes) -> Ticket:
    t, i = ticket_at(d, 0, len(d))
    if i != len(d):
        raise fail("unexpected extra data")
    return t


def decode_kdc_req_body(d: bytes) -> KDCReqBody:
    s, e = hdr(d, 0, len(d), T_SEQUENCE)
    if e != len(d):
        raise fail("unexpected extra data")
    return req_body_contents(d, 0, s, e)


def decode_seq_of(body: Body[T]) -> Callable[[bytes], tuple[T, ...]]:
    def decode(d: bytes) -> tuple[T, ...]:
        s, e = hdr(d, 0, len(d), T_SEQUENCE)
        if e != len(d):
            raise fail("unexpected extra data")
        return seq_of(d, s, e, body)

    return decode


def decode_nonempty_seq_of(body: Body[T], what: str) -> Callable[[bytes], tuple[T, ...]]:
    inner = decode_seq_of(body)
    return lambda d: nonempty(inner(d), what)
