"""The fast decoder's one-step readers on realistic, long messages (protocol.messages._der,
_derdec): both headers of an explicit wrapper in any length form (``explicit``), the
``[n] { Int32, OCTET STRING }`` shapes read in one call (keys, checksums, transited),
multi-octet INTEGERs read inline, and the PA-TGS-REQ item with a long padata-value.

The generated messages of test_codec_differential are mostly short; here the same
mutation comparison against the pyasn1 reference runs on messages of the size and shape
a KDC receives (ticket and authenticator ciphertexts past 127 and 255 octets), with the
decode memos emptied so that every decode is the full parse.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol.constants import MessageType, PADataType
from protocol.errors import DecodeError
from protocol.messages import _der, _derdec, codec, reference
from protocol.messages import types as t
from tests.protocol.messages.test_codec_differential import edit

REALM = "EXAMPLE.TEST"
ALICE = t.PrincipalName(1, ("alice",))
KRBTGT = t.PrincipalName(2, ("krbtgt", REALM))
HOST = t.PrincipalName(3, ("host", "server.example.test"))
NOW = 1_700_000_000


def blob(n: int) -> bytes:
    return bytes((7 * i + 13) & 0xFF for i in range(n))


def tgs_req(ticket_cipher: int, auth_cipher: int) -> t.KDCReq:
    tgt = t.Ticket(REALM, KRBTGT, t.EncryptedData(18, blob(ticket_cipher), kvno=1))
    ap_req = t.APReq(0, tgt, t.EncryptedData(18, blob(auth_cipher)))
    body = t.KDCReqBody(0x40810000, REALM, 0x2345678, (18, 17), NOW + 36000, sname=HOST)
    return t.KDCReq(MessageType.KRB_TGS_REQ, body, padata=(t.PAData(PADataType.PA_TGS_REQ, codec.encode(ap_req)),))


AUTHENTICATOR = t.Authenticator(REALM, ALICE, 123456, NOW, cksum=t.Checksum(16, blob(12)),
                                subkey=t.EncryptionKey(18, blob(32)), seq_number=0x1234567)
MESSAGES: list[tuple[type, Any]] = [
    (t.KDCReq, tgs_req(60, 40)),
    (t.KDCReq, tgs_req(300, 150)),
    (t.KDCReq, tgs_req(1000, 300)),
    (t.APReq, t.APReq(0, t.Ticket(REALM, KRBTGT, t.EncryptedData(18, blob(300), kvno=1)),
                      t.EncryptedData(18, blob(179)))),
    (t.Authenticator, AUTHENTICATOR),
    (t.Authenticator, t.Authenticator(REALM, ALICE, 0, NOW, cksum=t.Checksum(-138, blob(200)),
                                      subkey=t.EncryptionKey(300, blob(130)), seq_number=0)),
    (t.EncTicketPart, t.EncTicketPart(0x50E10000, t.EncryptionKey(18, blob(32)), REALM, ALICE,
                                      t.TransitedEncoding(1, b""), NOW, NOW + 36000, starttime=NOW,
                                      renew_till=NOW + 7 * 86400)),
    (t.EncTicketPart, t.EncTicketPart(0, t.EncryptionKey(18, blob(140)), REALM, ALICE,
                                      t.TransitedEncoding(1, blob(300)), NOW, NOW + 36000)),
    (t.KDCRep, t.KDCRep(MessageType.KRB_TGS_REP, REALM, ALICE,
                        t.Ticket(REALM, HOST, t.EncryptedData(18, blob(280), kvno=3)),
                        t.EncryptedData(18, blob(200)))),
]


def forget() -> None:
    """Empty the decode memos, so that a decode is the full parse."""
    for memo in (_derdec._tickets_seen, _derdec._enc_ticket_parts_seen, _derdec._names_seen,
                 _derdec._etype_lists_seen, _derdec._small_padata_seen):
        memo.clear()


def outcome(cls: type, data: bytes) -> Any:
    try:
        return codec.decode(data, cls)
    except DecodeError as exc:
        return exc


@pytest.mark.parametrize(("cls", "message"), MESSAGES)
def test_long_messages_match_the_reference(cls: type, message: Any) -> None:
    """Same octets as the reference, and the same value decoded by both (memos empty or not)."""
    octets = codec.encode(message)
    assert octets == reference.encode(message)
    forget()
    assert codec.decode(octets, cls) == reference.decode(octets, cls) == message
    assert codec.decode(octets, cls) == message


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(MESSAGES))), st.data())
def test_mutations_of_long_messages_refused_exactly_when_reference_refuses(index: int, data: Any) -> None:
    """One to three byte edits, biased towards the headers: accepted iff the reference accepts."""
    cls, message = MESSAGES[index]
    octets = bytearray(codec.encode(message))
    for _ in range(data.draw(st.integers(1, 3))):
        if not octets:
            break
        # Half the edits fall in the first 24 octets, where the long-form headers are.
        pos = data.draw(st.integers(0, min(23, len(octets) - 1)) | st.integers(0, len(octets) - 1))
        edit(octets, pos, data.draw)
    mutated = bytes(octets)
    forget()
    fast = outcome(cls, mutated)
    try:
        ref = reference.decode(mutated, cls)
    except DecodeError as exc:
        ref = exc
    if isinstance(ref, DecodeError):
        assert isinstance(fast, DecodeError), f"fast accepted what the reference refuses: {ref}"
    else:
        assert fast == ref


def element(tag: int, content: bytes, form: int) -> bytes:
    """``tag`` around ``content`` with its length in short form (0), 0x81 (1) or 0x82 (2):
    minimal or not, or even wrong (a "short" length of 128..255 reads as a long-form octet)."""
    n = len(content)
    if n > 0xFF:
        form = 2
    if form == 0:
        return bytes((tag, n)) + content
    if form == 1:
        return bytes((tag, 0x81, n)) + content
    return bytes((tag, 0x82, n >> 8, n & 0xFF)) + content


def two_headers(d: bytes, tag: int, inner: int) -> Any:
    """What two ``hdr`` calls (the general path) say about d."""
    try:
        s, e = _der.hdr(d, 0, len(d), tag)
        s2, e2 = _der.hdr(d, s, e, inner)
        return (s2, e2) if e2 == e else "extra"
    except (DecodeError, IndexError):
        return "error"


def one_step(d: bytes, tag: int, inner: int) -> Any:
    try:
        return _der.explicit(d, 0, len(d), tag, inner)
    except DecodeError as exc:
        return "extra" if "extra" in str(exc) else "error"
    except IndexError:
        return "error"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([0, 1, 2, 5, 120, 125, 126, 127, 128, 200, 252, 253, 254, 255, 256, 300]),
       st.integers(0, 2), st.integers(0, 2), st.binary(max_size=3), st.integers(0, 6))
def test_explicit_agrees_with_two_header_reads(size: int, outer: int, inner: int, tail: bytes, cut: int) -> None:
    """``explicit`` gives what two ``hdr`` reads give, for every length form (minimal or
    not), with trailing octets inside the wrapper and with the input cut short."""
    content = b"\x5a" * size
    d = element(0xA3, element(0x30, content, inner) + tail, outer)
    if cut:
        d = d[: len(d) - cut]
    assert one_step(d, 0xA3, 0x30) == two_headers(d, 0xA3, 0x30)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("a40402020012", "non-minimal"),  # 00 before a positive octet
        ("a405020300e240", 0xE240),
        ("a40502030001e2", "non-minimal"),
        ("a4050203ff6240", -0x9DC0),
        ("a4050203ffe240", "non-minimal"),
        ("a4050203ff8000", "non-minimal"),  # ff before a negative octet
        ("a40702050080000000", 0x80000000),
        ("a40702050000000001", "non-minimal"),
    ],
)
def test_multi_octet_integers_read_inline(field: str, value: Any) -> None:
    """[4] INTEGER of two to five octets: minimal forms accepted with their value, the
    redundant leading 00/ff refused, as int_at does."""
    d = bytes.fromhex(field)
    if isinstance(value, int):
        assert _der.ctx_int(d, 0, len(d), 0xA4, -(2**40), 2**40) == (value, len(d))
    else:
        with pytest.raises(DecodeError, match="non-minimal"):
            _der.ctx_int(d, 0, len(d), 0xA4, -(2**40), 2**40)


@pytest.mark.parametrize("keytype", [-129, -128, 0, 18, 127, 128, 2**31 - 1])
@pytest.mark.parametrize("size", [0, 1, 32, 115, 116, 117, 118, 200])
def test_keys_encoded_in_one_step_match_the_reference(keytype: int, size: int) -> None:
    """``[n] EncryptionKey`` built in one step (short lengths, one-octet keytype) or by the
    general path: the reference's octets in every message that carries a key."""
    key = t.EncryptionKey(keytype, blob(size))
    for message in (
        t.EncTicketPart(0, key, REALM, ALICE, t.TransitedEncoding(1, b""), NOW, NOW + 1),
        t.EncKDCRepPart(key, (t.LastReqEntry(0, NOW),), 1, 0, NOW, NOW + 1, REALM, KRBTGT, tag=26),
        t.Authenticator(REALM, ALICE, 0, NOW, subkey=key),
        t.EncAPRepPart(NOW, 0, subkey=key),
    ):
        octets = codec.encode(message)
        assert octets == reference.encode(message)
        assert codec.decode(octets, type(message)) == message
