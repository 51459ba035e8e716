"""The fast codec's memo of tickets and EncTicketParts already decoded (protocol.messages._derdec)."""

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
