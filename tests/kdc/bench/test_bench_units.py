"""kdc-bench pieces without a KDC: templates, request makers, the loop against fake servers, the report."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import given, strategies as st

from kdc.bench.loop import RunLimits, run_loop
from kdc.bench.main import parse_args, parse_cpus
from kdc.bench.report import percentile, summarize
from kdc.bench.scenarios import ASMaker, Prepared, TGSMaker, check_kdc_rep
from kdc.bench.templates import Template, nonce_bytes, random_nonce
from kdc.client.krb5conf import KDCAddr
from protocol import crypto
from protocol.client.creds import Creds
from protocol.constants import ErrorCode, KeyUsage, MessageType, PADataType
from protocol.messages import codec
from protocol.messages.types import (
    APReq,
    Authenticator,
    EncryptedData,
    KDCReq,
    KRBError,
    PAEncTSEnc,
    PrincipalName,
    Ticket,
)
from protocol.principal import Principal
from tests.kdc.client.fakeservers import FakeKDCServer

REALM = "BENCH.TEST"


@pytest.fixture
def prepared():
    client = Principal.parse("alice", REALM)
    key = crypto.string_to_key(18, "pw", client.default_salt())
    session = crypto.random_key(18, os.urandom)
    ticket = Ticket(REALM, Principal.krbtgt(REALM).name, EncryptedData(18, b"\x01" * 60, 2))
    tgt = Creds(client, Principal.krbtgt(REALM), session, 0, 1, 2_000_000_000, ticket, codec.encode(ticket))
    return Prepared(client, key, tgt, Principal.parse("host/svc", REALM), crypto.random_key(18, os.urandom))


@given(st.lists(st.binary(min_size=3, max_size=3), min_size=2, max_size=2, unique=True), st.binary(max_size=20))
def test_template_fill_replaces_holes_in_order(holes, filler):
    """Filling a template gives the original bytes with each hole replaced by its value."""
    data = b"<" + holes[1] + filler + holes[0] + b">"
    if data.count(holes[0]) != 1 or data.count(holes[1]) != 1:
        return
    tpl = Template(data, list(holes))
    assert tpl.fill(b"AAA", b"BBB") == b"<BBB" + filler + b"AAA>"


def test_nonces_always_encode_in_four_octets():
    """Bench nonces lie in [2**24, 2**31) so the template's INTEGER length never changes."""
    for _ in range(1000):
        n = random_nonce()
        assert 1 << 24 <= n < 1 << 31 and len(nonce_bytes(n)) == 4


def test_as_requests_are_real_and_unique(prepared):
    """Each AS-REQ decodes, carries the returned nonce and a PA-ENC-TIMESTAMP of now under the user's key."""
    maker = ASMaker(prepared, REALM, preauth=True)
    seen = set()
    for _ in range(30):
        data, nonce = maker.make()
        req = codec.decode(data, KDCReq)
        assert req.msg_type == MessageType.KRB_AS_REQ and req.req_body.nonce == nonce
        pa = {p.padata_type: p.padata_value for p in req.padata}
        enc = codec.decode(pa[PADataType.PA_ENC_TIMESTAMP], EncryptedData)
        ts = codec.decode(crypto.decrypt(prepared.key, KeyUsage.AS_REQ_PA_ENC_TIMESTAMP, enc.cipher), PAEncTSEnc)
        assert abs(ts.patimestamp - time.time()) < 5
        seen.add(data)
    assert len(seen) == 30


def test_nopreauth_requests_carry_no_timestamp(prepared):
    """as-nopreauth requests have no PA-ENC-TIMESTAMP but a fresh nonce."""
    data, nonce = ASMaker(prepared, REALM, preauth=False).make()
    req = codec.decode(data, KDCReq)
    assert req.req_body.nonce == nonce
    assert PADataType.PA_ENC_TIMESTAMP not in {p.padata_type for p in req.padata}


def test_tgs_requests_checksum_the_body(prepared):
    """A TGS-REQ's authenticator has the subkey and a checksum over the body bytes that carry the nonce."""
    data, nonce = TGSMaker(prepared).make()
    req = codec.decode(data, KDCReq)
    ap = codec.decode(req.padata[0].padata_value, APReq)
    auth = codec.decode(crypto.decrypt(prepared.tgt.key, 7, ap.authenticator.cipher), Authenticator)
    assert req.req_body.nonce == nonce and auth.subkey == prepared.subkey
    crypto.verify_checksum(prepared.tgt.key, 6, codec.encode(req.req_body), auth.cksum)


def _error(code: int) -> bytes:
    return codec.encode(KRBError(stime=1, susec=0, error_code=code, realm=REALM, sname=PrincipalName(2, ("krbtgt", REALM))))


def test_check_classifies_errors_and_garbage(prepared):
    """KRB-ERRORs count by code, garbage and wrong message types as invalid."""
    server = Principal.krbtgt(REALM)
    assert check_kdc_rep(_error(25), 1, MessageType.KRB_AS_REP, prepared.key, 3, server) == "KRB-ERROR:25"
    assert check_kdc_rep(b"\x00junk", 1, MessageType.KRB_AS_REP, prepared.key, 3, server) == "invalid"


class _FixedMaker:
    def make(self):
        return b"request", None

    def check(self, reply, ctx):
        return check_kdc_rep(reply, 0, MessageType.KRB_AS_REP, crypto.random_key(18, os.urandom), 3,
                             Principal.krbtgt(REALM))


@pytest.mark.parametrize("transport", ["udp", "tcp", "tcp-persistent"])
def test_loop_counts_errors_and_carries_on(transport):
    """Against a KDC answering only KRB-ERRORs, every reply is counted by code and the run completes."""
    server = FakeKDCServer(udp_reply=lambda d: _error(ErrorCode.KDC_ERR_POLICY), tcp_reply=lambda d: _error(12))
    try:
        stats = run_loop(KDCAddr.parse(server.addr), transport, [_FixedMaker()], 4, RunLimits(40, None, 2.0))
    finally:
        server.close()
    assert stats.outcomes == {"KRB-ERROR:12": 40} and len(stats.latencies_us) == 40


def test_loop_counts_bad_tcp_framing_as_io_error():
    """A TCP reply whose record mark sets the reserved high bit (RFC 4120 7.2.2) is an I/O error, not a reply."""
    server = FakeKDCServer(tcp_raw=lambda d: b"\x80\x00\x00\x05" + b"hello")
    try:
        stats = run_loop(KDCAddr.parse(server.addr), "tcp", [_FixedMaker()], 2, RunLimits(4, None, 2.0))
    finally:
        server.close()
    assert stats.outcomes == {"io-error": 4}


def test_loop_times_out_silent_kdc():
    """Requests to a KDC that never answers end as timeouts; the loop does not hang."""
    server = FakeKDCServer()
    try:
        stats = run_loop(KDCAddr.parse(server.addr), "udp", [_FixedMaker()], 2, RunLimits(4, None, 0.2))
    finally:
        server.close()
    assert stats.outcomes == {"timeout": 4}


def test_summary_counts_and_percentiles():
    """The report adds the workers' outcomes and takes nearest-rank percentiles over all latencies."""
    results = [
        {"outcomes": {"AS-REP": 3, "KRB-ERROR:25": 1}, "latencies_us": [1000, 2000, 3000, 4000], "elapsed": 2.0,
         "cpu_user": 0.5, "cpu_sys": 0.1, "cpu": 1},
        {"outcomes": {"timeout": 1}, "latencies_us": [], "elapsed": 1.0, "cpu_user": 0.2, "cpu_sys": 0.0, "cpu": 1},
    ]
    s = summarize({"scenario": "as"}, results)
    assert s["requests"] == 5 and s["answered"] == 4 and s["requests_per_s"] == 2.0
    assert s["replies"] == {"AS-REP": 3, "KRB-ERROR": 1, "timeout": 1} and s["errors"] == {"25": 1}
    assert s["latency_ms"]["p50"] == 2.0 and s["latency_ms"]["max"] == 4.0
    assert s["generator"]["cpu_s"] == 0.8
    assert percentile([], 50) == 0


def test_cpu_list_and_user_parsing():
    """--cpu takes taskset lists; --user needs NAME:PASSWORD; --count defaults off, --duration to 10 s."""
    assert parse_cpus("0,2-3") == [0, 2, 3]
    args = parse_args(["--kdc", "127.0.0.1:88", "--realm", "R", "--user", "a:b:c"])
    assert args.users[0].name == "a" and args.users[0].password == "b:c" and args.duration == 10.0
    with pytest.raises(SystemExit):
        parse_args(["--kdc", "127.0.0.1:88", "--realm", "R", "--user", "nopassword"])


def test_enc_part_walk_matches_the_decoder():
    """The DER walk that finds a KDC-REP's enc-part cipher agrees with the full decoder; truncation raises."""
    from kdc.bench.scenarios import enc_part_cipher
    from protocol.messages.types import KDCRep
    from tests.protocol.client.fakekdc import FakeKDC
    from protocol.client import ASExchange, PasswordKey
    kdc = FakeKDC(require_preauth=False)
    reply = kdc.handle(ASExchange(kdc.user, PasswordKey("secret"), now=kdc.now, rng=os.urandom).request())
    assert enc_part_cipher(reply) == codec.decode(reply, KDCRep).enc_part.cipher
    with pytest.raises(ValueError):
        enc_part_cipher(reply[:-10])
