"""The fast codec against hand-checked DER (X.690 sections 8 and 10, RFC 4120 section 5).

Every expected octet string here was worked out by hand from the ASN.1 (tag, length,
contents), with the breakdown in the comment next to it. The refusal tests start from one
of these valid encodings and break exactly one DER or schema rule.
"""

from __future__ import annotations

import pytest

from protocol.constants import MessageType
from protocol.errors import DecodeError, EncodeError
from protocol.messages import codec
from protocol.messages import types as t

H = bytes.fromhex

# PA-ENC-TS-ENC { patimestamp 20231114221320Z (1700000000), pausec 123456 (0x01e240) }
PA_TS = H(
    "301a"  # SEQUENCE, 26 octets
    "a011" "180f" + b"20231114221320Z".hex() +  # [0] GeneralizedTime, 15 octets
    "a105" "020301e240"  # [1] INTEGER 123456
)
PA_TS_VALUE = t.PAEncTSEnc(1700000000, 123456)

# EncryptedData { etype 18, kvno 2, cipher 01 02 }
ENC = H("3010" "a003020112" "a103020102" "a204" "04020102")
ENC_VALUE = t.EncryptedData(18, b"\x01\x02", kvno=2)

# PrincipalName { name-type 2 (NT-SRV-INST), name-string { "krbtgt", "EXAMPLE.TEST" } }
KRBTGT = H("301f" "a003020102" "a118" "3016" "1b06" + b"krbtgt".hex() + "1b0c" + b"EXAMPLE.TEST".hex())
KRBTGT_VALUE = t.PrincipalName(2, ("krbtgt", "EXAMPLE.TEST"))

# Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0] 5, realm [1] "EXAMPLE.TEST", sname [2], enc-part [3] }
TICKET_BODY = "a003020105" "a10e1b0c" + b"EXAMPLE.TEST".hex() + "a221" + KRBTGT.hex() + "a312" + ENC.hex()
TICKET = H("614e" "304c" + TICKET_BODY)
TICKET_VALUE = t.Ticket("EXAMPLE.TEST", KRBTGT_VALUE, ENC_VALUE)

# AS-REQ ::= [APPLICATION 10] SEQUENCE { pvno [1] 5, msg-type [2] 10, req-body [4] KDC-REQ-BODY {
#   kdc-options [0] 0x40000000 (forwardable), realm [2], sname [3] krbtgt, till [5], nonce [7] 7,
#   etype [8] { 18, 17 } } }
REQ_BODY = H(
    "305e"
    "a00703050040000000"  # BIT STRING, 0 unused bits, 32 bits
    "a20e1b0c" + b"EXAMPLE.TEST".hex() +
    "a321" + KRBTGT.hex() +
    "a511180f" + b"20231114221320Z".hex() +
    "a703020107"
    "a808" "3006" "020112" "020111"
)
AS_REQ = H("6a6e" "306c" "a103020105" "a20302010a" "a460") + REQ_BODY
AS_REQ_VALUE = t.KDCReq(
    MessageType.KRB_AS_REQ,
    t.KDCReqBody(0x40000000, "EXAMPLE.TEST", 7, (18, 17), 1700000000, sname=KRBTGT_VALUE),
)


@pytest.mark.parametrize(
    ("value", "octets"),
    [
        (PA_TS_VALUE, PA_TS),
        (t.PAEncTSEnc(0), H("3013a011180f") + b"19700101000000Z"),
        (ENC_VALUE, ENC),
        (t.EncryptedData(18, b""), H("3009a003020112a2020400")),
        (KRBTGT_VALUE, KRBTGT),
        (t.PrincipalName(1, ()), H("3009a003020101a1023000")),
        (t.PrincipalName(1, ("é",)), H("300da003020101a10630041b02c3a9")),
        (TICKET_VALUE, TICKET),
        (AS_REQ_VALUE, AS_REQ),
        (t.PAData(2, b""), H("3009a103020102a2020400")),
        (t.ETypeInfo2Entry(18, "EXAMPLE.TESTalice"), H("301aa003020112a1131b11") + b"EXAMPLE.TESTalice"),
    ],
)
def test_encode_and_decode_hand_checked(value: object, octets: bytes) -> None:
    """encode gives exactly the hand-worked DER and decode gives the value back."""
    assert codec.encode(value) == octets
    assert codec.decode(octets, type(value)) == value


@pytest.mark.parametrize(
    ("number", "octets"),
    [
        (0, "020100"),
        (127, "02017f"),
        (128, "02020080"),
        (255, "020200ff"),
        (256, "02020100"),
        (-1, "0201ff"),
        (-128, "020180"),  # NT-MS-PRINCIPAL: one octet (pyasn1 wrongly emits ff 80)
        (-129, "0202ff7f"),
        (-32768, "02028000"),
        (2**31 - 1, "02047fffffff"),
        (-(2**31), "020480000000"),
    ],
)
def test_int32_minimal_twos_complement(number: int, octets: str) -> None:
    """INTEGER contents are the minimal two's complement octets (X.690 8.3.2), both ways."""
    encoded = codec.encode(t.PrincipalName(number, ()))
    inner = H(octets)
    assert encoded == bytes((0x30, len(inner) + 6, 0xA0, len(inner))) + inner + H("a1023000")
    assert codec.decode(encoded, t.PrincipalName).name_type == number


def test_uint32_range_edges() -> None:
    """UInt32 (kvno, nonce) takes 0..2**32-1; 2**32-1 needs a leading zero octet."""
    top = codec.encode(t.EncryptedData(1, b"", kvno=2**32 - 1))
    assert H("a10702050" "0ffffffff") in top
    assert codec.decode(top, t.EncryptedData).kvno == 2**32 - 1


def test_kdc_req_body_raw_is_the_received_octets() -> None:
    """KDCReqBody.raw is the SEQUENCE inside [4] exactly as received (what the PA-TGS-REQ
    checksum covers, RFC 4120 7.2 / 5.4.1), and Ticket.raw the whole [APPLICATION 1] element."""
    req = codec.decode(AS_REQ, t.KDCReq)
    assert req.req_body.raw == REQ_BODY
    assert codec.decode(REQ_BODY, t.KDCReqBody).raw == REQ_BODY
    assert codec.decode(TICKET, t.Ticket).raw == TICKET
    ap = t.APReq(0, TICKET_VALUE, ENC_VALUE)
    assert codec.decode(codec.encode(ap), t.APReq).ticket.raw == TICKET


def test_kdc_req_and_rep_take_both_application_tags() -> None:
    """KDCReq decodes AS-REQ (10) and TGS-REQ (12); msg_type follows the tag; KDCRep likewise."""
    tgs = AS_REQ_VALUE.__class__(MessageType.KRB_TGS_REQ, AS_REQ_VALUE.req_body)
    encoded = codec.encode(tgs)
    assert encoded[0] == 0x6C and H("a20302010c") in encoded
    assert codec.decode(encoded, t.KDCReq).msg_type is MessageType.KRB_TGS_REQ
    for mt in (MessageType.KRB_AS_REP, MessageType.KRB_TGS_REP):
        rep = t.KDCRep(mt, "R", KRBTGT_VALUE, TICKET_VALUE, ENC_VALUE)
        assert codec.decode(codec.encode(rep), t.KDCRep) == rep


def test_enc_kdc_rep_part_tag_25_and_26() -> None:
    """EncKDCRepPart encodes and decodes [APPLICATION 25] and [APPLICATION 26] into ``tag``."""
    for tag in (25, 26):
        part = t.EncKDCRepPart(t.EncryptionKey(18, b"k" * 32), (), 1, 0, 0, 0, "R", KRBTGT_VALUE, tag=tag)
        encoded = codec.encode(part)
        assert encoded[0] == 0x60 | tag
        assert codec.decode(encoded, t.EncKDCRepPart).tag == tag


def test_present_empty_sequence_differs_from_absent() -> None:
    """An OPTIONAL SEQUENCE OF that is () is encoded (``a3 02 30 00``), None is left out, and
    each decodes back to what it was (the types contract; DER drops only DEFAULT values)."""
    empty = t.KDCReq(MessageType.KRB_AS_REQ, AS_REQ_VALUE.req_body, padata=())
    assert H("a3023000") in codec.encode(empty)
    assert H("a3023000") not in codec.encode(AS_REQ_VALUE)
    assert codec.decode(codec.encode(empty), t.KDCReq).padata == ()
    assert codec.decode(AS_REQ, t.KDCReq).padata is None


def test_sequence_of_helpers() -> None:
    """METHOD-DATA, ETYPE-INFO2, AuthorizationData, ETYPE-INFO and TYPED-DATA helpers
    encode SEQUENCE OF their entries and decode them back."""
    pa = (t.PAData(2, b""), t.PAData(19, b"\x30\x00"))
    assert codec.encode_method_data(pa) == H("3018" "3009a103020102a2020400" "300ba103020113a20404023000")
    assert codec.decode_method_data(codec.encode_method_data(pa)) == pa
    assert codec.decode_method_data(H("3000")) == ()
    info = (t.ETypeInfo2Entry(18, "S", b"\x00\x00\x10\x00"),)
    assert codec.decode_etype_info2(codec.encode_etype_info2(info)) == info
    ad = (t.AuthorizationDataEntry(1, b"x"),)
    assert codec.encode_authorization_data(ad) == H("300c" "300aa003020101a1030401") + b"x"
    assert codec.decode(codec.encode_authorization_data(ad), t.AuthorizationData) == ad
    old = (t.ETypeInfoEntry(23, None), t.ETypeInfoEntry(18, b"salt"))
    assert codec.decode_etype_info(codec.encode_etype_info(old)) == old
    typed = (t.TypedDataEntry(104, None),)
    assert codec.decode_typed_data(codec.encode_typed_data(typed)) == typed


def test_size_one_sequences_refuse_empty() -> None:
    """ETYPE-INFO2 and TYPED-DATA are SIZE (1..MAX): empty is refused both ways."""
    with pytest.raises(EncodeError):
        codec.encode_etype_info2(())
    with pytest.raises(EncodeError):
        codec.encode_typed_data(())
    with pytest.raises(DecodeError):
        codec.decode_etype_info2(H("3000"))
    with pytest.raises(DecodeError):
        codec.decode_typed_data(H("3000"))


@pytest.mark.parametrize(
    ("data", "expected"),
    [(AS_REQ, 10), (TICKET, 1), (H("7e00"), 30), (PA_TS, None), (b"", None), (H("7f1f00"), None)],
)
def test_peek_application_tag(data: bytes, expected: int | None) -> None:
    """peek_application_tag reads the outer [APPLICATION n] number and nothing else."""
    assert codec.peek_application_tag(data) == expected


def test_extension_types_go_through_the_reference() -> None:
    """Types outside protocol.messages.types (ext_types) are encoded and decoded by the pyasn1
    reference through the same entry points: KERB-PA-PAC-REQUEST { include-pac [0] TRUE }."""
    from protocol.messages import ext_types as x

    value = x.PAPacRequest(True)
    assert codec.encode(value) == H("3005a0030101ff")
    assert codec.decode(H("3005a0030101ff"), x.PAPacRequest) == value
    with pytest.raises(DecodeError):
        codec.decode(H("3005a003010101"), x.PAPacRequest)  # BOOLEAN TRUE must be ff in DER
