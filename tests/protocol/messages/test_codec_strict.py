"""The fast decoder refuses everything that is not the canonical DER of a valid value, and the
encoder refuses values the wire cannot carry (RFC 4120 section 5, X.690 section 10).

Each case breaks one rule of a valid hand-checked encoding from test_codec_vectors.
"""

from __future__ import annotations

import dataclasses

import pytest

from protocol.constants import MessageType
from protocol.errors import DecodeError, EncodeError
from protocol.messages import codec, reference
from protocol.messages import types as t
from tests.protocol.messages.test_codec_vectors import AS_REQ, AS_REQ_VALUE, ENC, KRBTGT_VALUE, PA_TS, TICKET

H = bytes.fromhex


def ts_with(time_text: bytes) -> bytes:
    """A PA-ENC-TS-ENC whose patimestamp octets are ``time_text`` (lengths recomputed)."""
    inner = bytes((0x18, len(time_text))) + time_text
    field = bytes((0xA0, len(inner))) + inner
    return bytes((0x30, len(field))) + field


def enc_with(etype_field: str) -> bytes:
    """EncryptedData with the given [0] field, then cipher [2] 01 02."""
    content = H(etype_field) + H("a20404020102")
    return bytes((0x30, len(content))) + content


STRUCTURE = {
    "trailing byte": (PA_TS + b"\x00", t.PAEncTSEnc),
    "indefinite outer length": (H("3080") + PA_TS[2:] + H("0000"), t.PAEncTSEnc),
    "non-minimal long length": (H("30811a") + PA_TS[2:], t.PAEncTSEnc),
    "length with leading zero": (H("3082001a") + PA_TS[2:], t.PAEncTSEnc),
    "length past end": (H("301b") + PA_TS[2:], t.PAEncTSEnc),
    "truncated": (PA_TS[:-1], t.PAEncTSEnc),
    "empty input": (b"", t.PAEncTSEnc),
    "wrong outer tag": (H("31") + PA_TS[1:], t.PAEncTSEnc),
    "extra element inside explicit tag": (H("300e" "a006020112020100" "a20404020102"), t.EncryptedData),
    "non-minimal INTEGER (leading 00)": (enc_with("a00402020012"), t.EncryptedData),
    "non-minimal INTEGER (leading ff)": (enc_with("a0040202ff80"), t.EncryptedData),
    "empty INTEGER": (enc_with("a0020200"), t.EncryptedData),
    "Int32 above range": (enc_with("a007020500" "80000000"), t.EncryptedData),
    "Int32 below range": (enc_with("a0070205ff7fffffff"), t.EncryptedData),
    "UInt32 negative kvno": (H("300e" "a003020112" "a1030201ff" "a2020400"), t.EncryptedData),
    "UInt32 above range": (H("3012" "a003020112" "a1070205" "0100000000" "a2020400"), t.EncryptedData),
    "missing mandatory etype": (H("3006a20404020102"), t.EncryptedData),
    "fields out of order": (H("3010" "a103020102" "a003020112" "a20404020102"), t.EncryptedData),
    "unknown extra field": (H("3010" "a003020112" "a20404020102" "a303020100"), t.EncryptedData),
    "constructed OCTET STRING": (H("300d" "a003020112" "a206" "240404020102"), t.EncryptedData),
    "wrong universal tag in field": (H("300b" "a003020112" "a2040c020102"), t.EncryptedData),
    "high tag number form": (H("300c" "a003020112" "bf02040402" "0102"), t.EncryptedData),
}


@pytest.mark.parametrize("case", list(STRUCTURE))
def test_structure_violations_refused(case: str) -> None:
    """Each non-DER or off-schema encoding raises DecodeError."""
    data, cls = STRUCTURE[case]
    with pytest.raises(DecodeError):
        codec.decode(data, cls)


def test_microseconds_range() -> None:
    """Microseconds is 0..999999 (RFC 4120 5.2.4): 999999 decodes, 1000000 does not."""
    ok = PA_TS[:-7] + H("a10502030f423f")
    assert codec.decode(ok, t.PAEncTSEnc).pausec == 999999
    with pytest.raises(DecodeError):
        codec.decode(PA_TS[:-7] + H("a10502030f4240"), t.PAEncTSEnc)


@pytest.mark.parametrize(
    "text",
    [
        b"20231114221320.5Z",  # fraction
        b"20231114221320",  # local time
        b"20231114221320+0100",  # offset
        b"202311142213Z",  # no seconds
        b"20231114221320z",  # lower-case zone
        b"2023111422132 Z",
        b"20230230000000Z",  # 30 February
        b"20231314000000Z",  # month 13
        b"20231100000000Z",  # day 0
        b"20231114240000Z",  # hour 24
        b"20231114226000Z",  # minute 60
        b"20231114225960Z",  # leap second
        b"19691231235959Z",  # before the epoch
        b"+2023111422132Z",
        "2023111422132١Z".encode(),  # non-ASCII digit
    ],
)
def test_kerberos_time_only_yyyymmddhhmmssz(text: bytes) -> None:
    """KerberosTime is GeneralizedTime exactly YYYYMMDDHHMMSSZ of a real instant (RFC 4120 5.2.3)."""
    with pytest.raises(DecodeError):
        codec.decode(ts_with(text), t.PAEncTSEnc)


def test_kerberos_time_edges_decode() -> None:
    """The epoch, a leap day and 9999-12-31 23:59:59 are valid KerberosTimes."""
    assert codec.decode(ts_with(b"19700101000000Z"), t.PAEncTSEnc).patimestamp == 0
    assert codec.decode(ts_with(b"20000229120000Z"), t.PAEncTSEnc).patimestamp == 951825600
    assert codec.decode(ts_with(b"99991231235959Z"), t.PAEncTSEnc).patimestamp == 253402300799


FLAGS_AT = AS_REQ.index(H("a00703050040000000"))


def as_req_with_flags(field: str) -> bytes:
    """AS_REQ with its kdc-options field replaced (lengths of the three enclosing elements fixed)."""
    old_len = 9
    new = H(field)
    delta = len(new) - old_len
    body = AS_REQ[: FLAGS_AT] + new + AS_REQ[FLAGS_AT + old_len :]
    out = bytearray(body)
    for pos in (1, 3, 15, 17):  # 6a L 30 L ... a4 L 30 L
        out[pos] += delta
    return bytes(out)


def test_flags_field_helper_is_faithful() -> None:
    """The re-lengthing helper reproduces the original when the field is unchanged."""
    assert as_req_with_flags("a00703050040000000") == AS_REQ
    assert codec.decode(as_req_with_flags("a007030500ffffffff"), t.KDCReq).req_body.kdc_options == 0xFFFFFFFF


@pytest.mark.parametrize(
    "field",
    [
        "a006030400400000",  # 24 bits
        "a0080306" "004000000000",  # 40 bits
        "a00703050140000000",  # 1 unused bit with a 5-octet string: 31 bits
        "a00703050840000000",  # unused-bits octet 8
        "a00223" "00",  # constructed BIT STRING
        "a0070405004000000" "0",  # OCTET STRING instead
    ],
)
def test_flags_must_be_exactly_32_bits(field: str) -> None:
    """KerberosFlags are accepted only as MIT/Heimdal/Windows send them: 32 bits, 0 unused."""
    with pytest.raises(DecodeError):
        codec.decode(as_req_with_flags(field), t.KDCReq)


def test_pvno_must_be_5() -> None:
    """pvno [1] INTEGER (5): 4 is refused."""
    with pytest.raises(DecodeError):
        codec.decode(AS_REQ.replace(H("a103020105"), H("a103020104")), t.KDCReq)


def test_msg_type_must_match_application_tag() -> None:
    """An [APPLICATION 10] carrying msg-type 12 is refused (RFC 4120 5.4.1)."""
    with pytest.raises(DecodeError):
        codec.decode(AS_REQ.replace(H("a20302010a"), H("a20302010c")), t.KDCReq)


def test_wrong_message_for_type() -> None:
    """A Ticket is not a KDC-REQ, and an AS-REQ is not a KDC-REP or an AP-REQ."""
    for data, cls in ((TICKET, t.KDCReq), (AS_REQ, t.KDCRep), (AS_REQ, t.APReq), (ENC, t.Ticket)):
        with pytest.raises(DecodeError):
            codec.decode(data, cls)


def test_non_utf8_string_refused() -> None:
    """KerberosString octets must be UTF-8 (types contract)."""
    bad = AS_REQ.replace(b"EXAMPLE.TEST", b"EXAMPLE.TES\xff", 1)
    with pytest.raises(DecodeError):
        codec.decode(bad, t.KDCReq)


def test_size_cap() -> None:
    """Inputs over 64 KiB are refused before parsing, even a well-formed one."""
    big = codec.encode(t.EncryptedData(18, b"\x00" * 70000))
    assert big[1] == 0x83  # three length octets: valid DER, just too big
    with pytest.raises(DecodeError):
        codec.decode(big, t.EncryptedData)
    fits = codec.encode(t.EncryptedData(18, b"\x00" * 65000))
    assert codec.decode(fits, t.EncryptedData).cipher == b"\x00" * 65000


@pytest.mark.parametrize("cls", [t.KDCReq, t.Ticket, t.EncTicketPart, t.PrincipalName, t.KRBError])
@pytest.mark.parametrize("unit", [b"\x30\x80", b"\xa0\x80", b"\x6a\x80", b"\x30\x84\x00\x00\xff\xff"])
def test_deep_nesting_refused_without_recursion(cls: type, unit: bytes) -> None:
    """Pathologically nested input (100,000 levels over the cap, 10,000 under it) is a
    DecodeError, never RecursionError: the decoder walks a fixed schema, not the input."""
    for depth in (100_000, 10_000):
        with pytest.raises(DecodeError):
            codec.decode(unit * depth, cls)


def test_non_bytes_input() -> None:
    """decode takes bytes-like input; anything else is DecodeError; memoryview works."""
    with pytest.raises(DecodeError):
        codec.decode("not bytes", t.KDCReq)  # type: ignore[arg-type]
    assert codec.decode(memoryview(AS_REQ), t.KDCReq) == AS_REQ_VALUE
    assert codec.decode(bytearray(AS_REQ), t.KDCReq) == AS_REQ_VALUE


BODY = AS_REQ_VALUE.req_body
ENCODE_REFUSED = {
    "Int32 overflow": t.PrincipalName(2**31, ()),
    "Int32 underflow": t.PrincipalName(-(2**31) - 1, ()),
    "UInt32 negative": t.EncryptedData(1, b"", kvno=-1),
    "UInt32 overflow": t.EncryptedData(1, b"", kvno=2**32),
    "microseconds": t.PAEncTSEnc(0, 1_000_000),
    "time before 1970": t.PAEncTSEnc(-1),
    "time after 9999": t.PAEncTSEnc(253402300800),
    "flags wider than 32 bits": t.KDCReq(MessageType.KRB_AS_REQ, t.KDCReqBody(2**32, "R", 1, (), 0)),
    "negative flags": t.APReq(-1, t.Ticket("R", KRBTGT_VALUE, t.EncryptedData(1, b"")), t.EncryptedData(1, b"")),
    "pvno 4": t.KDCReq(MessageType.KRB_AS_REQ, BODY, pvno=4),
    "tkt-vno 4": t.Ticket("R", KRBTGT_VALUE, t.EncryptedData(1, b""), tkt_vno=4),
    "KDCReq with a reply msg-type": t.KDCReq(MessageType.KRB_AS_REP, BODY),
    "EncKDCRepPart tag 27": t.EncKDCRepPart(t.EncryptionKey(1, b""), (), 1, 0, 0, 0, "R", KRBTGT_VALUE, tag=27),
    "missing till": t.KDCReqBody(0, "R", 1, (), None),
    "lone surrogate": t.PrincipalName(1, ("\udc80",)),
    "str for bytes": t.EncryptedData(1, "cipher"),  # type: ignore[arg-type]
    "bytes for str": t.Ticket(b"R", KRBTGT_VALUE, t.EncryptedData(1, b"")),  # type: ignore[arg-type]
    "wrong nested type": t.Ticket("R", "krbtgt", t.EncryptedData(1, b"")),  # type: ignore[arg-type]
    "list of wrong items": t.KDCReq(MessageType.KRB_AS_REQ, BODY, padata=(1,)),  # type: ignore[arg-type]
    "float time": t.PAEncTSEnc(1.5),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("case", list(ENCODE_REFUSED))
def test_encode_refuses_unrepresentable_values(case: str) -> None:
    """Values outside the ASN.1 types raise EncodeError, never a stray TypeError/ValueError."""
    with pytest.raises(EncodeError):
        codec.encode(ENCODE_REFUSED[case])


def test_encode_refuses_bools_and_floats_even_when_cached() -> None:
    """True and 1700000000.0 hash like 1 and 1700000000 but are not integers: refused even
    right after the int was encoded (and cached), as the reference refuses them."""
    codec.encode(t.PAEncTSEnc(1700000000))
    for bad in (t.PAEncTSEnc(1700000000.0), t.PAEncTSEnc(True), t.PrincipalName(True, ()),  # type: ignore[arg-type]
                t.APReq(True, t.Ticket("R", KRBTGT_VALUE, t.EncryptedData(1, b"")), t.EncryptedData(1, b""))):
        with pytest.raises(EncodeError):
            codec.encode(bad)


@pytest.mark.parametrize("kind", [2, 128, 149, -1, 2**31 - 1])
def test_padata_types_of_every_integer_width_decode(kind: int) -> None:
    """PA-DATA types of one to four octets (the AS-REQ's one-pass PA-DATA reader) decode to
    what was encoded, next to a value too long for that reader (general path)."""
    items = (t.PAData(kind, b"v" * 5), t.PAData(2, b"w" * 200), t.PAData(kind, b""))
    req = t.KDCReq(MessageType.KRB_AS_REQ, BODY, padata=items)
    assert codec.decode(codec.encode(req), t.KDCReq).padata == items


def test_cached_names_in_messages_still_refuse_bools_and_str_subclasses() -> None:
    """A ``[n] PrincipalName`` encoded (and remembered) inside a reply does not stand in for
    an equal name whose name-type is a bool or whose component is a str subclass (both
    refused, as by the general path)."""
    class Text(str):
        pass

    good = t.Ticket("R", t.PrincipalName(1, ("krbtgt", "R")), t.EncryptedData(1, b""))
    codec.encode(good)
    with pytest.raises(EncodeError):
        codec.encode(dataclasses.replace(good, sname=t.PrincipalName(True, ("krbtgt", "R"))))  # type: ignore[arg-type]
    with pytest.raises(EncodeError):
        codec.encode(dataclasses.replace(good, sname=t.PrincipalName(1, (Text("krbtgt"), "R"))))


def test_message_heads_refuse_what_the_general_path_refuses() -> None:
    """pvno and msg-type taken from the precomputed heads only when they are exactly valid."""
    rep = t.APRep(t.EncryptedData(1, b"x"))
    assert codec.encode(rep) == reference.encode(rep)
    for bad in (dataclasses.replace(rep, pvno=True), dataclasses.replace(rep, pvno=4),  # type: ignore[arg-type]
                dataclasses.replace(rep, msg_type=14), dataclasses.replace(rep, pvno=5.0)):  # type: ignore[arg-type]
        with pytest.raises(EncodeError):
            codec.encode(bad)


def test_constant_parts_are_encoded_per_object() -> None:
    """A TransitedEncoding or LastReq remembered by identity gives the same octets as a fresh
    equal one, and a different object is encoded afresh (never taken for the first)."""
    part = t.EncTicketPart(0, t.EncryptionKey(18, b"k" * 32), "R", t.PrincipalName(1, ("a",)),
                           t.TransitedEncoding(1, b""), 1_700_000_000, 1_700_036_000)
    once = codec.encode(part)
    assert codec.encode(part) == once == reference.encode(part)
    other = dataclasses.replace(part, transited=t.TransitedEncoding(1, b"EXAMPLE.TEST,"))
    assert codec.encode(other) == reference.encode(other) != once
    rep = t.EncKDCRepPart(t.EncryptionKey(18, b"k" * 32), (t.LastReqEntry(0, 0),), 1, 0, 1_700_000_000,
                          1_700_036_000, "R", t.PrincipalName(2, ("krbtgt", "R")))
    first = codec.encode(rep)
    for lr in ((t.LastReqEntry(0, 0),), (t.LastReqEntry(0, 5),), (t.LastReqEntry(0, 0), t.LastReqEntry(1, 0))):
        changed = dataclasses.replace(rep, last_req=lr)
        assert codec.encode(changed) == reference.encode(changed)
    assert codec.encode(rep) == first
    with pytest.raises(EncodeError):
        codec.encode(dataclasses.replace(rep, last_req=(t.LastReqEntry(True, 0),)))  # type: ignore[arg-type]
