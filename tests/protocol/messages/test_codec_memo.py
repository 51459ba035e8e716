"""The fast codec's memos of values already decoded (protocol.messages._derdec): tickets,
EncTicketParts, and a request's names, etype list and small PA-DATA items."""

import pytest

from protocol.errors import DecodeError
from protocol.messages import _derdec, codec
from protocol.messages import types as t

NAME = t.PrincipalName(2, ("krbtgt", "EXAMPLE.TEST"))
TICKET = t.Ticket("EXAMPLE.TEST", NAME, t.EncryptedData(18, b"c" * 200, kvno=1))
PART = t.EncTicketPart(0x40E10000, t.EncryptionKey(18, b"k" * 32), "EXAMPLE.TEST",
                       t.PrincipalName(1, ("alice",)), t.TransitedEncoding(1, b""), 1_796_000_000,
                       1_796_036_000)


def ap_req(ticket: t.Ticket, cusec: int) -> bytes:
    return codec.encode(t.APReq(0, ticket, t.EncryptedData(18, bytes([cusec]) * 60)))


def test_same_ticket_octets_give_the_same_value_and_raw():
    """Two AP-REQs carrying the same ticket yield equal tickets whose raw is those octets."""
    first = codec.decode(ap_req(TICKET, 1), t.APReq).ticket
    second = codec.decode(ap_req(TICKET, 2), t.APReq).ticket
    assert first == second == TICKET
    assert second.raw == first.raw == codec.encode(TICKET)


def test_a_different_ticket_is_decoded_afresh():
    """A ticket differing in one octet of its ciphertext is not taken for a remembered one."""
    codec.decode(ap_req(TICKET, 1), t.APReq)
    other = t.Ticket("EXAMPLE.TEST", NAME, t.EncryptedData(18, b"c" * 199 + b"d", kvno=1))
    assert codec.decode(ap_req(other, 1), t.APReq).ticket.enc_part.cipher.endswith(b"d")


def test_enc_ticket_part_memo_and_strictness():
    """The same EncTicketPart octets decode to the same value; a trailing octet is still refused."""
    data = codec.encode(PART)
    assert codec.decode(data, t.EncTicketPart) == PART
    assert codec.decode(data, t.EncTicketPart) is codec.decode(bytes(data), t.EncTicketPart)
    with pytest.raises(DecodeError):
        codec.decode(data + b"\x00", t.EncTicketPart)


def test_memo_is_bounded():
    """Distinct inputs never hold more than MEMO_LIMIT entries."""
    for n in range(_derdec.MEMO_LIMIT + 10):
        part = t.EncTicketPart(n, PART.key, PART.crealm, PART.cname, PART.transited, PART.authtime, PART.endtime)
        assert codec.decode(codec.encode(part), t.EncTicketPart).flags == n
    assert len(_derdec._enc_ticket_parts_seen) <= _derdec.MEMO_LIMIT


BODY = t.KDCReqBody(0x40810010, "EXAMPLE.TEST", 12345, (18, 17, 20), 1_796_036_000,
                    cname=t.PrincipalName(1, ("alice",)), sname=NAME)
AS_REQ = t.KDCReq(10, BODY, padata=(t.PAData(128, b"0\x05\xa0\x03\x01\x01\xff"), t.PAData(149, b""),
                                    t.PAData(2, b"x" * 60)))


def test_request_parts_seen_before_decode_to_equal_values():
    """Names, etype lists and small PA-DATA seen before give the same values as a first decode."""
    data = codec.encode(AS_REQ)
    first = codec.decode(data, t.KDCReq)
    second = codec.decode(data, t.KDCReq)
    assert first == second == AS_REQ
    assert second.req_body.raw == first.req_body.raw == codec.encode(BODY)


def test_a_name_seen_under_another_tag_is_the_same_name():
    """krbtgt/REALM remembered as a ticket's sname decodes the same as a request's sname."""
    codec.decode(codec.encode(TICKET), t.Ticket)
    assert codec.decode(codec.encode(AS_REQ), t.KDCReq).req_body.sname == NAME


@pytest.mark.parametrize("edit", [
    lambda b: b.replace(b"alice", b"alicf"),
    lambda b: b.replace(b"\x02\x01\x12\x02\x01\x11", b"\x02\x01\x12\x02\x01\x10"),
    lambda b: b.replace(b"\x01\x01\xff", b"\x01\x01\x00"),
])
def test_parts_differing_in_one_octet_are_decoded_afresh(edit):
    """A name, etype list or PA-DATA item one octet away from a remembered one is not taken for it."""
    data = codec.encode(AS_REQ)
    codec.decode(data, t.KDCReq)
    other = edit(data)
    assert other != data
    assert codec.decode(other, t.KDCReq) != AS_REQ
    assert codec.decode(other, t.KDCReq) == codec.decode(bytes(other), t.KDCReq)


def test_request_memos_are_bounded():
    """Distinct names, etype lists and PA-DATA never hold more than MEMO_LIMIT entries each."""
    for n in range(_derdec.MEMO_LIMIT + 10):
        body = t.KDCReqBody(0, "R", n, (n,), 1_796_036_000, cname=t.PrincipalName(1, (f"u{n}",)))
        req = t.KDCReq(10, body, padata=(t.PAData(n, b""),))
        assert codec.decode(codec.encode(req), t.KDCReq) == req
    for memo in (_derdec._names_seen, _derdec._etype_lists_seen, _derdec._small_padata_seen):
        assert 0 < len(memo) <= _derdec.MEMO_LIMIT
