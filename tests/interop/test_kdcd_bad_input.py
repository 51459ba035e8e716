"""Hostile and broken input against a real kdcd: it answers or drops each, and keeps serving.

After every attack an MIT ``kinit`` must still succeed. What each input gets is asserted
against the rules of RFC 4120 as kdcd applies them:

- section 7.2.2: a TCP record mark with the reserved high bit, or a length the KDC will
  not accept, gets KRB_ERR_FIELD_TOOLONG and the connection is closed;
- a datagram whose first octet is a Kerberos APPLICATION tag (section 5.10) gets a
  KRB-ERROR (KRB_ERR_GENERIC when undecodable, KRB_AP_ERR_MSG_TYPE when it is not a KDC
  request); bytes that are not Kerberos at all are dropped (section 7.2.1 leaves them
  unanswered; answering would let spoofed datagrams bounce off the KDC).

This module's kdcd accepts requests up to 1 MiB, so that 100,000-deep nesting reaches the
ASN.1 decoder instead of being refused by size.
"""

from __future__ import annotations

import random
import select
import socket
import struct
import time

import pytest

from protocol.constants import ErrorCode, MessageType, PADataType
from protocol.messages import KDCReq, KDCReqBody, KRBError, decode, decode_etype_info2, decode_method_data, encode
from protocol.messages.types import PrincipalName
from tests.support.kdcd import make_realm, start_kdcd

pytestmark = pytest.mark.interop

# RFC 4120 section 5.10: APPLICATION tags of Kerberos messages and encrypted parts.
KERBEROS_TAGS = {1, 2, 3, 10, 11, 12, 13, 14, 15, 20, 21, 22, 25, 26, 27, 28, 29, 30}
KDC_REQUEST_TAGS = {10, 12}
MAX_REQUEST = 1 << 20


@pytest.fixture(scope="module")
def kdcd(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kdcd-bad-input")
    realm, port = make_realm(folder, extra_toml=f"\n[limits]\nmax_request_size = {MAX_REQUEST}\n")
    daemon = start_kdcd(realm, port, folder)
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(autouse=True)
def still_serving(kdcd, tmp_path):
    """After each attack: the daemon is alive and an MIT kinit (UDP, then TCP) succeeds."""
    yield
    assert kdcd.alive(), kdcd.log_text()[-2000:]
    for tcp_only in (False, True):
        proc = kdcd.kinit("alice", ccache=tmp_path / "after-cc", tcp_only=tcp_only)
        assert proc.returncode == 0, proc.stderr


def as_req(user: str = "alice", etypes=(18, 17), nonce: int = 12345, realm: str = "EXAMPLE.TEST") -> bytes:
    """A well-formed AS-REQ without pre-authentication (RFC 4120 5.4.1)."""
    body = KDCReqBody(kdc_options=0x40000000, realm=realm, nonce=nonce, etype=tuple(etypes),
                      till=int(time.time()) + 36000, cname=PrincipalName(1, (user,)),
                      sname=PrincipalName(2, ("krbtgt", realm)))
    return encode(KDCReq(MessageType.KRB_AS_REQ, body, ()))


def expected_answer(datagram: bytes) -> bool:
    """True when kdcd must answer with a KRB-ERROR, False when it must drop the datagram."""
    if not datagram:
        return False
    first = datagram[0]
    return first & 0xE0 == 0x60 and first & 0x1F in KERBEROS_TAGS


def allowed_codes(datagram: bytes) -> set[int]:
    """Error codes an answer to an unusable datagram may carry."""
    if datagram[0] & 0x1F in KDC_REQUEST_TAGS:
        return set(int(c) for c in ErrorCode)  # a decodable mutant may fail any check
    return {ErrorCode.KRB_AP_ERR_MSG_TYPE}


def probe(i: int) -> bytes:
    """A request that always gets an answer: an AS-REQ for an unknown principal."""
    return as_req(f"probe{i}", nonce=i + 1)


def exchange_all(address: str, datagrams: list[bytes], batch: int = 16) -> list[list[bytes]]:
    """Send each datagram from its own socket followed by a probe; return what each socket got.

    The probe's answer proves the daemon processed that socket's datagram (it read it first);
    a short wait afterwards catches any late answer to the datagram itself. Small batches
    keep the daemon's socket buffer from overflowing, which would lose probes.
    """
    host, port = address.rsplit(":", 1)
    socks: list[socket.socket] = []
    got: dict[socket.socket, list[bytes]] = {}
    try:
        for start in range(0, len(datagrams), batch):
            fresh = []
            for i, data in enumerate(datagrams[start:start + batch]):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                fresh.append(s)
                s.sendto(data, (host, int(port)))
                s.sendto(probe(start + i), (host, int(port)))
            got.update(_await_probes(fresh))
        time.sleep(0.3)  # late answers to the datagrams themselves would arrive by now
        for s in socks:
            got[s].extend(_pending(s))
    finally:
        for s in socks:
            s.close()
    return [[d for d in got[s] if not _is_probe_answer(d)] for s in socks]


def _await_probes(socks: list[socket.socket], timeout: float = 20.0) -> dict[socket.socket, list[bytes]]:
    got: dict[socket.socket, list[bytes]] = {s: [] for s in socks}
    deadline = time.monotonic() + timeout
    waiting = set(socks)
    while waiting and time.monotonic() < deadline:
        readable, _, _ = select.select(list(waiting), [], [], 0.5)
        for s in readable:
            data = s.recv(70000)
            got[s].append(data)
            if _is_probe_answer(data):
                waiting.discard(s)
    assert not waiting, f"{len(waiting)} probes unanswered"
    return got


def _pending(s: socket.socket) -> list[bytes]:
    s.setblocking(False)
    out = []
    while True:
        try:
            out.append(s.recv(70000))
        except BlockingIOError:
            return out


def _is_probe_answer(data: bytes) -> bool:
    try:
        err = decode(data, KRBError)
    except Exception:
        return False
    return err.error_code == ErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN and err.cname is not None \
        and err.cname.name_string[0].startswith("probe")


def check_answers(datagrams: list[bytes], answers: list[list[bytes]]) -> None:
    for data, got in zip(datagrams, answers):
        if expected_answer(data):
            assert len(got) == 1, f"{data[:16].hex()}: expected one KRB-ERROR, got {len(got)}"
            err = decode(got[0], KRBError)
            assert err.error_code in allowed_codes(data), (data[:16].hex(), err.error_code)
        else:
            assert got == [], f"{data[:16].hex()}: expected a drop, got {len(got)} replies"


def test_random_datagrams(kdcd):
    """300 random datagrams: KRB-ERROR for those that start with a Kerberos tag, others dropped."""
    rng = random.Random(4120)
    datagrams = [rng.randbytes(rng.randint(1, 1400)) for _ in range(240)]
    # Make sure both kinds occur: random bytes behind each KDC request tag and other tags.
    datagrams += [bytes([0x60 | t]) + rng.randbytes(rng.randint(0, 300)) for t in sorted(KERBEROS_TAGS)]
    datagrams += [b""] + [bytes([b]) for b in (0x00, 0x30, 0x68, 0x7f, 0xff)]
    answers = exchange_all(kdcd.address, datagrams)
    check_answers(datagrams, answers)
    assert sum(1 for d in datagrams if expected_answer(d)) >= len(KERBEROS_TAGS)


def test_truncated_valid_requests(kdcd):
    """Every truncation of a valid AS-REQ gets KRB_ERR_GENERIC (or is dropped when empty)."""
    request = as_req()
    datagrams = [request[:n] for n in range(0, len(request))]
    answers = exchange_all(kdcd.address, datagrams)
    check_answers(datagrams, answers)
    for data, got in zip(datagrams[1:], answers[1:]):
        assert decode(got[0], KRBError).error_code == ErrorCode.KRB_ERR_GENERIC


def test_bit_flipped_valid_requests(kdcd):
    """Single-bit flips of a valid AS-REQ: a KRB-ERROR whenever a Kerberos tag remains, else dropped."""
    request = as_req()
    rng = random.Random(3961)
    positions = list(range(8)) + rng.sample(range(8, len(request) * 8), 250)
    datagrams = []
    for bit in positions:
        mutated = bytearray(request)
        mutated[bit // 8] ^= 0x80 >> (bit % 8)
        datagrams.append(bytes(mutated))
    answers = exchange_all(kdcd.address, datagrams)
    check_answers(datagrams, answers)


def test_tcp_length_prefix_of_2gb_then_nothing(kdcd):
    """A 2 GB record mark (high bit set) and silence: KRB_ERR_FIELD_TOOLONG, then the close."""
    with socket.create_connection(("127.0.0.1", kdcd.port), timeout=10) as s:
        s.sendall(struct.pack(">I", 2**31))
        reply = _read_frame(s)
        assert decode(reply, KRBError).error_code == ErrorCode.KRB_ERR_FIELD_TOOLONG
        assert s.recv(1) == b""


def test_tcp_oversized_length_without_high_bit(kdcd):
    """A record mark over the size limit (no high bit) is also FIELD_TOOLONG and closed, body unread."""
    with socket.create_connection(("127.0.0.1", kdcd.port), timeout=10) as s:
        s.sendall(struct.pack(">I", MAX_REQUEST + 1) + b"\x6a" * 1000)
        assert decode(_read_frame(s), KRBError).error_code == ErrorCode.KRB_ERR_FIELD_TOOLONG
        assert _recv_eof(s)


def test_hundreds_of_idle_tcp_connections(kdcd, tmp_path):
    """400 idle TCP connections held open do not stop a TCP-only kinit from being served."""
    conns = [socket.create_connection(("127.0.0.1", kdcd.port), timeout=10) for _ in range(400)]
    try:
        proc = kdcd.kinit("alice", ccache=tmp_path / "cc", tcp_only=True)
        assert proc.returncode == 0, proc.stderr
    finally:
        for c in conns:
            c.close()


def deep_indefinite(depth: int) -> bytes:
    """An AS-REQ tag around ``depth`` nested indefinite-length SEQUENCEs (BER, never DER)."""
    return b"\x6a\x80" + b"\x30\x80" * depth + b"\x00\x00" * (depth + 1)


def deep_definite(depth: int) -> bytes:
    """An AS-REQ tag around ``depth`` nested definite-length SEQUENCEs, innermost empty."""
    inner = b""
    for _ in range(depth):
        inner = b"\x30" + _der_length(len(inner)) + inner
    return b"\x6a" + _der_length(len(inner)) + inner


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def test_100000_deep_nested_asn1_over_tcp(kdcd):
    """100,000-deep nesting (400 KB, over TCP) gets KRB_ERR_GENERIC: refused, not recursed into."""
    payloads = [deep_indefinite(100_000), deep_definite(100_000)]
    with socket.create_connection(("127.0.0.1", kdcd.port), timeout=30) as s:
        for payload in payloads:
            assert len(payload) <= MAX_REQUEST
            s.sendall(struct.pack(">I", len(payload)) + payload)
            assert decode(_read_frame(s), KRBError).error_code == ErrorCode.KRB_ERR_GENERIC


def test_deep_nested_asn1_in_a_datagram(kdcd):
    """The deepest nesting that fits in one datagram gets KRB_ERR_GENERIC over UDP."""
    datagrams = [deep_indefinite(16_000), deep_definite(15_000)]
    answers = exchange_all(kdcd.address, datagrams)
    for got in answers:
        assert decode(got[0], KRBError).error_code == ErrorCode.KRB_ERR_GENERIC


def test_request_listing_1000_enctypes(kdcd):
    """An AS-REQ listing 1,000 enctypes gets PREAUTH_REQUIRED whose ETYPE-INFO2 names only real ones."""
    rng = random.Random(3962)
    etypes = list(range(-500, 500))
    rng.shuffle(etypes)
    request = as_req(etypes=etypes, nonce=777)
    [got] = exchange_all(kdcd.address, [request])
    err = decode(got[0], KRBError)
    assert err.error_code == ErrorCode.KDC_ERR_PREAUTH_REQUIRED
    padata = {p.padata_type: p.padata_value for p in decode_method_data(err.e_data)}
    info = decode_etype_info2(padata[PADataType.PA_ETYPE_INFO2])
    assert info and {e.etype for e in info} <= {17, 18, 19, 20, 25, 26}
    event = [e for e in kdcd.events("kdc.as_req") if e.get("request_bytes") == len(request)][-1]
    assert event["requested_etypes"][-1] == "... 1000 in all"


def test_60kb_datagrams(kdcd):
    """A 60 KB datagram: KRB_ERR_GENERIC when it claims to be an AS-REQ, dropped when not Kerberos."""
    rng = random.Random(60)
    body = rng.randbytes(60_000)
    as_like = b"\x6a" + _der_length(len(body)) + body
    not_kerberos = b"\x00" + body
    answers = exchange_all(kdcd.address, [as_like, not_kerberos])
    assert decode(answers[0][0], KRBError).error_code == ErrorCode.KRB_ERR_GENERIC
    assert answers[1] == []


def _read_frame(s: socket.socket) -> bytes:
    header = _recv_exactly(s, 4)
    return _recv_exactly(s, struct.unpack(">I", header)[0])


def _recv_exactly(s: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        assert chunk, "connection closed early"
        data += chunk
    return data


def _recv_eof(s: socket.socket) -> bool:
    try:
        return s.recv(65536) == b""
    except ConnectionResetError:
        return True
