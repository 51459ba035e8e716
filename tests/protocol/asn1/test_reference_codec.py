"""The pyasn1 reference codec (protocol.messages.reference): round trips, strictness, errors.

Lives beside the schema tests because the reference codec is the schema's only user; the
fast codec's own tests are in tests/protocol/messages.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol.constants import MessageType
from protocol.errors import DecodeError, EncodeError
from protocol.messages import ext_types as x
from protocol.messages import reference as ref
from protocol.messages import types as t
from tests.protocol.asn1.ext_strategies import EXT_MESSAGES
from tests.protocol.strategies import MESSAGES, SEQUENCES

ALL = {**MESSAGES, **EXT_MESSAGES}
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ALICE = t.PrincipalName(1, ("alice",))
KRBTGT = t.PrincipalName(2, ("krbtgt", "EX.TEST"))
TICKET = t.Ticket("EX.TEST", KRBTGT, t.EncryptedData(18, b"ticket-cipher", 1))
BODY = t.KDCReqBody(0x40810010, "EX.TEST", 12345, (18, 17), 1700000000, cname=ALICE, sname=KRBTGT)
AS_REQ = t.KDCReq(MessageType.KRB_AS_REQ, BODY, padata=(t.PAData(128, b"0\x05\xa0\x03\x01\x01\xff"),))
ERROR = t.KRBError(1700000000, 5, 25, "EX.TEST", KRBTGT, e_text="NEEDED_PREAUTH")


def _dataclasses(module: object) -> list[type]:
    return [obj for name in module.__all__ if dataclasses.is_dataclass(obj := getattr(module, name))]


def test_every_message_dataclass_has_a_strategy() -> None:
    """The round-trip property below covers every dataclass of types and ext_types."""
    assert set(_dataclasses(t) + _dataclasses(x)) == set(ALL)


@pytest.mark.parametrize("cls", list(ALL), ids=lambda c: c.__name__)
@FEW
@given(data=st.data())
def test_round_trip(cls: type, data: st.DataObject) -> None:
    """decode(encode(m)) == m for generated values of every message type, and the
    re-encoding of the decoded value is the same octets (DER is canonical)."""
    msg = data.draw(ALL[cls])
    encoded = ref.encode(msg)
    decoded = ref.decode(encoded, cls)
    assert decoded == msg
    assert ref.encode(decoded) == encoded


@pytest.mark.parametrize("name", list(SEQUENCES))
@FEW
@given(data=st.data())
def test_sequence_helpers_round_trip(name: str, data: st.DataObject) -> None:
    """encode_<name>/decode_<name> (METHOD-DATA, ETYPE-INFO2, ...) are inverse."""
    items = data.draw(SEQUENCES[name])
    encoded = getattr(ref, f"encode_{name}")(items)
    assert getattr(ref, f"decode_{name}")(encoded) == items


@FEW
@given(items=st.lists(EXT_MESSAGES[x.PAAuthenticationSetElem], max_size=3).map(tuple))
def test_pa_authentication_set_round_trip(items: tuple) -> None:
    """PA-AUTHENTICATION-SET (RFC 6113 5.3) encodes and decodes as a SEQUENCE OF."""
    assert ref.decode_pa_authentication_set(ref.encode_pa_authentication_set(items)) == items


@pytest.mark.parametrize("cls", list(ALL), ids=lambda c: c.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_give_a_value_or_decode_error(cls: type, data: bytes) -> None:
    """Whatever the bytes, decode returns an instance of cls or raises DecodeError."""
    try:
        assert isinstance(ref.decode(data, cls), cls)
    except DecodeError:
        pass


@pytest.mark.parametrize("cls", [t.KDCReq, t.KDCRep, t.Ticket, t.KRBError, t.EncKDCRepPart, x.KrbFastReq])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_mutated_encodings_give_a_value_or_decode_error(cls: type, data: st.DataObject) -> None:
    """A valid encoding with one octet changed (which reaches deep into pyasn1, past the
    structural pre-scan) decodes to a value that re-encodes to those octets, or DecodeError."""
    encoded = bytearray(ref.encode(data.draw(ALL[cls])))
    index = data.draw(st.integers(0, len(encoded) - 1))
    encoded[index] = data.draw(st.integers(0, 255))
    try:
        value = ref.decode(bytes(encoded), cls)
    except DecodeError:
        return
    assert ref.encode(value) == bytes(encoded)


def test_raw_fields_hold_received_octets() -> None:
    """KDCReqBody.raw and Ticket.raw are the exact received octets of those elements,
    found inside the whole message (checksums are computed over them)."""
    req = dataclasses.replace(AS_REQ, req_body=dataclasses.replace(BODY, additional_tickets=(TICKET,)))
    encoded = ref.encode(req)
    body = ref.decode(encoded, t.KDCReq).req_body
    assert body.raw and body.raw in encoded and body.raw[0] == 0x30
    assert body.raw == ref.encode(body)
    ticket_raw = body.additional_tickets[0].raw
    assert ticket_raw[0] == 0x61 and ticket_raw in body.raw
    assert ref.decode(ref.encode(TICKET), t.Ticket).raw == ref.encode(TICKET)


def test_known_encoding_of_a_principal_name() -> None:
    """PrincipalName encodes with explicit [0]/[1] tags and GeneralString (tag 27), as
    RFC 4120's EXPLICIT TAGS module requires."""
    assert ref.encode(ALICE).hex() == "3010a003020101a10930071b05616c696365"


def test_enc_kdc_rep_part_tag_follows_the_tag_field() -> None:
    """EncKDCRepPart is [APPLICATION 25] or [APPLICATION 26] by its ``tag`` field, and decode
    reports the tag it found."""
    part = t.EncKDCRepPart(t.EncryptionKey(18, b"k" * 32), (), 7, 0, 1, 2, "R", ALICE, tag=26)
    encoded = ref.encode(part)
    assert encoded[0] == 0x7A
    assert ref.decode(encoded, t.EncKDCRepPart).tag == 26
    assert ref.encode(dataclasses.replace(part, tag=25))[0] == 0x79
    with pytest.raises(EncodeError):
        ref.encode(dataclasses.replace(part, tag=27))


# ------------------------------------------------------------------- refusals


def test_trailing_bytes_refused() -> None:
    """One more octet after a complete message is DecodeError."""
    with pytest.raises(DecodeError, match="trailing"):
        ref.decode(ref.encode(ERROR) + b"\x00", t.KRBError)


def test_indefinite_length_refused() -> None:
    """The BER indefinite form (0x80 ... 00 00) is not DER."""
    encoded = ref.encode(t.PAEncTSEnc(1700000000, 5))
    indefinite = bytes([encoded[0], 0x80]) + encoded[2:] + b"\x00\x00"
    with pytest.raises(DecodeError, match="indefinite"):
        ref.decode(indefinite, t.PAEncTSEnc)


def test_non_minimal_length_refused() -> None:
    """A long-form length for a value below 128 is not DER."""
    encoded = ref.encode(t.PAEncTSEnc(1700000000, 5))
    assert encoded[1] < 0x80
    with pytest.raises(DecodeError, match="non-minimal length"):
        ref.decode(bytes([encoded[0], 0x81]) + encoded[1:], t.PAEncTSEnc)


def test_non_minimal_integer_refused() -> None:
    """INTEGER 5 sent as 02 02 00 05 is BER, not DER: refused by the re-encoding check."""
    encoded = ref.encode(t.PAEncTSEnc(1700000000, 5))
    assert encoded.endswith(b"\xa1\x03\x02\x01\x05")
    bad = encoded[:-5] + b"\xa1\x04\x02\x02\x00\x05"
    bad = bytes([bad[0], bad[1] + 1]) + bad[2:]
    with pytest.raises(DecodeError, match="not the DER encoding"):
        ref.decode(bad, t.PAEncTSEnc)


def test_non_canonical_boolean_refused() -> None:
    """BOOLEAN TRUE must be 0xFF in DER; PA-PAC-REQUEST with 0x01 is refused."""
    assert ref.decode(bytes.fromhex("3005a0030101ff"), x.PAPacRequest) == x.PAPacRequest(True)
    with pytest.raises(DecodeError):
        ref.decode(bytes.fromhex("3005a003010101"), x.PAPacRequest)


@pytest.mark.parametrize(
    "text",
    [b"20240101000000.5Z", b"20240101000000", b"20240230000000Z", b"20241301000000Z",
     b"20240101000060Z", b"19691231235959Z", b"2024010100000Z+"],
)
def test_bad_kerberos_times_refused(text: bytes) -> None:
    """KerberosTime must be YYYYMMDDHHMMSSZ, a real instant, not before 1970 (RFC 4120 5.2.3)."""
    inner = bytes([0x18, len(text)]) + text
    tagged = bytes([0xA0, len(inner)]) + inner
    with pytest.raises(DecodeError):
        ref.decode(bytes([0x30, len(tagged)]) + tagged, t.PAEncTSEnc)


def test_times_at_the_ends_of_the_range() -> None:
    """The epoch and 9999-12-31T23:59:59Z are the first and last encodable KerberosTime."""
    for when, text in [(0, b"19700101000000Z"), (ref.MAX_KERBEROS_TIME, b"99991231235959Z")]:
        encoded = ref.encode(t.PAEncTSEnc(when))
        assert text in encoded and ref.decode(encoded, t.PAEncTSEnc).patimestamp == when
    for when in (-1, ref.MAX_KERBEROS_TIME + 1):
        with pytest.raises(EncodeError):
            ref.encode(t.PAEncTSEnc(when))


@pytest.mark.parametrize("bits", ["03040000000000"[:10], "0306000000000000", "030501ffffff00"])
def test_flags_must_be_exactly_32_bits(bits: str) -> None:
    """KDCOptions with 24 or 40 bits, or with unused bits, are refused (MIT sends 32)."""
    good = ref.encode(BODY)
    flags = bytes.fromhex("03050040810010")
    assert flags in good
    bad_flags = bytes.fromhex(bits)
    inner = good[2:] if good[1] < 0x80 else good[3:]
    tagged_old = bytes([0xA0, len(flags)]) + flags
    tagged_new = bytes([0xA0, len(bad_flags)]) + bad_flags
    inner = inner.replace(tagged_old, tagged_new, 1)
    with pytest.raises(DecodeError):
        ref.decode(b"\x30" + _length(len(inner)) + inner, t.KDCReqBody)


def _length(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else bytes([0x82]) + n.to_bytes(2, "big")


def test_non_utf8_kerberos_string_refused() -> None:
    """A GeneralString with octets that are not UTF-8 is DecodeError, not mojibake."""
    bad = bytes.fromhex("3010a003020101a10930071b05616c69ff65")
    with pytest.raises(DecodeError, match="UTF-8"):
        ref.decode(bad, t.PrincipalName)


@pytest.mark.parametrize(("tag", "cls"), [(0x30, t.PAEncTSEnc), (0x6A, t.KDCReq)])
def test_deep_nesting_refused_quickly(tag: int, cls: type) -> None:
    """100,000 nested definite-length constructed elements are refused by the pre-scan
    (depth cap), not by a RecursionError, even when the size cap is lifted."""
    headers = []
    length = 0
    for _ in range(100_000):
        headers.append(bytes([tag]) + _long_length(length))
        length += len(headers[-1])
    data = b"".join(reversed(headers))
    with pytest.raises(DecodeError, match="nesting"):
        ref.decode(data, cls, max_size=len(data))
    with pytest.raises(DecodeError, match="exceeds"):
        ref.decode(data, cls)


def _long_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def test_size_cap() -> None:
    """Input longer than max_size is refused before parsing; exactly max_size is accepted."""
    msg = dataclasses.replace(ERROR, e_data=b"\x00" * 70_000)
    with pytest.raises(DecodeError, match="exceeds"):
        ref.decode(ref.encode(msg), t.KRBError)
    encoded = ref.encode(ERROR)
    assert ref.decode(encoded, t.KRBError, max_size=len(encoded)) == ERROR
    with pytest.raises(DecodeError, match="exceeds"):
        ref.decode(encoded, t.KRBError, max_size=len(encoded) - 1)


@pytest.mark.parametrize(
    ("message", "cls"),
    [(AS_REQ, t.KDCRep), (ERROR, t.Ticket), (TICKET, t.KDCReq), (ERROR, t.EncKDCRepPart), (TICKET, t.APReq)],
    ids=["as-req-as-rep", "error-as-ticket", "ticket-as-req", "error-as-enc-part", "ticket-as-ap-req"],
)
def test_wrong_application_tag_refused(message: object, cls: type) -> None:
    """A message under another APPLICATION tag than the requested type is DecodeError."""
    with pytest.raises(DecodeError):
        ref.decode(ref.encode(message), cls)


def test_msg_type_must_match_application_tag() -> None:
    """AS-REQ ([APPLICATION 10]) carrying msg-type 12, or 11, is refused."""
    encoded = ref.encode(AS_REQ)
    header = b"\xa1\x03\x02\x01\x05\xa2\x03\x02\x01\x0a"
    assert header in encoded
    for wrong in (12, 11):
        bad = encoded.replace(header, header[:-1] + bytes([wrong]), 1)
        with pytest.raises(DecodeError):
            ref.decode(bad, t.KDCReq)


@pytest.mark.parametrize("pvno", [4, 6, 0])
def test_pvno_other_than_5_refused(pvno: int) -> None:
    """pvno is INTEGER (5): anything else is DecodeError on decode and EncodeError on encode."""
    encoded = ref.encode(AS_REQ)
    bad = encoded.replace(b"\xa1\x03\x02\x01\x05", b"\xa1\x03\x02\x01" + bytes([pvno]), 1)
    with pytest.raises(DecodeError):
        ref.decode(bad, t.KDCReq)
    with pytest.raises(EncodeError):
        ref.encode(dataclasses.replace(AS_REQ, pvno=pvno))


@pytest.mark.parametrize(
    "bad",
    [
        dataclasses.replace(BODY, nonce=2**32),
        dataclasses.replace(BODY, nonce=-1),
        dataclasses.replace(BODY, kdc_options=2**32),
        dataclasses.replace(BODY, till=None),
        dataclasses.replace(BODY, etype=(2**31,)),
        dataclasses.replace(BODY, realm=b"EX.TEST"),
        dataclasses.replace(BODY, realm="\ud800"),
        dataclasses.replace(BODY, nonce=True),
        t.PAEncTSEnc(1700000000, 1_000_000),
        t.EncryptedData(18, "not bytes"),
        t.KDCReq(MessageType.KRB_AP_REQ, BODY),
        t.APReq(0, TICKET, t.EncryptedData(18, b""), msg_type=MessageType.KRB_AP_REP),
    ],
    ids=["nonce-2^32", "nonce-neg", "flags-33-bits", "till-none", "etype-int32", "realm-bytes",
         "lone-surrogate", "bool-as-int", "usec-1e6", "cipher-str", "kdcreq-msgtype", "apreq-msgtype"],
)
def test_values_outside_the_schema_raise_encode_error(bad: object) -> None:
    """Out-of-range integers, wrong Python types and missing mandatory fields are EncodeError."""
    with pytest.raises(EncodeError):
        ref.encode(bad)


def test_empty_etype_info2_is_not_encodable_nor_decodable() -> None:
    """ETYPE-INFO2 is SIZE (1..MAX): an empty one is refused both ways."""
    with pytest.raises(EncodeError):
        ref.encode_etype_info2(())
    with pytest.raises(DecodeError):
        ref.decode_etype_info2(b"\x30\x00")


def test_unknown_type_refused() -> None:
    """Asking for a class the codec does not know is an error, not a guess."""
    with pytest.raises(DecodeError):
        ref.decode(b"\x30\x00", dict)
    with pytest.raises(EncodeError):
        ref.encode(object())


def test_secrets_not_in_repr() -> None:
    """Passwords (ChangePasswdData.newpasswd, EncKrbPrivPart.user_data) stay out of repr."""
    assert "hunter2" not in repr(x.ChangePasswdData(b"hunter2"))
    assert "hunter2" not in repr(x.EncKrbPrivPart(b"hunter2", t.HostAddress(2, b"\x7f\x00\x00\x01")))


@pytest.mark.parametrize(
    ("value", "octets"),
    [(-128, "020180"), (-129, "0202ff7f"), (-32768, "02028000"), (-(2**31), "020480000000"),
     (128, "02020080"), (0, "020100"), (-1, "0201ff")],
)
def test_integers_in_fewest_octets(value: int, octets: str) -> None:
    """INTEGER uses the minimal two's complement (X.690 8.3.2) even where pyasn1 0.6.5 adds a
    redundant 0xFF (-128 is NT_MS_PRINCIPAL); the padded form is refused on decode."""
    name = t.PrincipalName(value, ("x",))
    encoded = ref.encode(name)
    assert bytes.fromhex("a0" + f"{len(octets) // 2:02x}" + octets) in encoded
    assert ref.decode(encoded, t.PrincipalName) == name
    if value == -128:
        padded = encoded.replace(b"\xa0\x03\x02\x01\x80", b"\xa0\x04\x02\x02\xff\x80")
        padded = bytes([padded[0], padded[1] + 1]) + padded[2:]
        with pytest.raises(DecodeError):
            ref.decode(padded, t.PrincipalName)


def test_present_empty_sequence_differs_from_absent() -> None:
    """An OPTIONAL SEQUENCE OF present but empty is encoded (a0 02 30 00) and decodes to (),
    distinct from None, although pyasn1's DER encoder would drop it by default."""
    with_empty = dataclasses.replace(AS_REQ, padata=())
    encoded = ref.encode(with_empty)
    assert b"\xa3\x02\x30\x00" in encoded
    assert ref.decode(encoded, t.KDCReq).padata == ()
    assert ref.decode(ref.encode(dataclasses.replace(AS_REQ, padata=None)), t.KDCReq).padata is None
