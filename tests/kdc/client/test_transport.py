"""UDP/TCP transport: timeouts bounded by the deadline, failover, TCP fallback, framing errors."""

from __future__ import annotations

import asyncio
import time

import pytest

from kdc.client import Client, KDCAddr, KDCUnreachable, MalformedReply, TransportPolicy, send_to_kdc
from kdc.client.aio import async_send_to_kdc
from protocol.constants import ErrorCode
from protocol.messages import codec
from protocol.messages.types import KRBError, PrincipalName

QUICK = TransportPolicy(timeout=0.2, deadline=1.0, rounds=2)


def krb_error(code: int) -> bytes:
    return codec.encode(KRBError(stime=1, susec=0, error_code=code, realm="EXAMPLE.TEST",
                                 sname=PrincipalName(2, ("krbtgt", "EXAMPLE.TEST"))))


def test_silent_udp_kdc_times_out_within_deadline(fake_server):
    """A KDC that never answers yields KDCUnreachable, not a hang, and only after trying it."""
    silent = fake_server()
    start = time.monotonic()
    with pytest.raises(KDCUnreachable) as info:
        send_to_kdc(b"hello", [KDCAddr.parse(silent.addr)], QUICK)
    assert time.monotonic() - start < QUICK.deadline + 2.0
    assert silent.udp_seen and "timed out" in str(info.value)


def test_failover_to_second_kdc(fake_server):
    """When the first KDC is silent, the second one's reply is returned."""
    silent = fake_server()
    good = fake_server(udp_reply=lambda data: b"reply-to-" + data)
    reply = send_to_kdc(b"req", [KDCAddr.parse(silent.addr), KDCAddr.parse(good.addr)], QUICK)
    assert reply == b"reply-to-req" and silent.udp_seen == [b"req"]


def test_response_too_big_falls_back_to_tcp(fake_server):
    """KRB_ERR_RESPONSE_TOO_BIG over UDP makes the client repeat the request over TCP."""
    server = fake_server(udp_reply=lambda d: krb_error(ErrorCode.KRB_ERR_RESPONSE_TOO_BIG),
                         tcp_reply=lambda d: b"big-" + d)
    assert send_to_kdc(b"req", [KDCAddr.parse(server.addr)], QUICK) == b"big-req"
    assert server.udp_seen == [b"req"] and server.tcp_seen == [b"req"]


def test_tcp_only_skips_udp(fake_server):
    """With tcp_only the request goes over TCP and never over UDP."""
    server = fake_server(udp_reply=lambda d: b"udp", tcp_reply=lambda d: b"tcp")
    policy = TransportPolicy(timeout=0.5, deadline=2.0, tcp_only=True)
    assert send_to_kdc(b"req", [KDCAddr.parse(server.addr)], policy) == b"tcp"
    assert server.udp_seen == []


def test_large_request_prefers_tcp(fake_server):
    """A request above udp_preference_limit goes over TCP first, as MIT does."""
    server = fake_server(udp_reply=lambda d: b"udp", tcp_reply=lambda d: b"tcp")
    policy = TransportPolicy(timeout=0.5, deadline=2.0, udp_preference_limit=10)
    assert send_to_kdc(b"x" * 11, [KDCAddr.parse(server.addr)], policy) == b"tcp"


def test_truncated_tcp_reply_is_a_transport_error(fake_server):
    """A TCP reply cut short (frame says 100 bytes, 3 arrive) counts as a failed try."""
    server = fake_server(tcp_raw=lambda d: b"\x00\x00\x00\x64abc")
    with pytest.raises(KDCUnreachable) as info:
        send_to_kdc(b"req", [KDCAddr.parse(server.addr)], TransportPolicy(timeout=0.3, deadline=1.0, tcp_only=True))
    assert "closed before a whole reply" in str(info.value)


def test_service_unavailable_fails_over(fake_server):
    """KDC_ERR_SVC_UNAVAILABLE from one KDC makes the client ask the next."""
    busy = fake_server(udp_reply=lambda d: krb_error(ErrorCode.KDC_ERR_SVC_UNAVAILABLE))
    good = fake_server(udp_reply=lambda d: b"ok")
    assert send_to_kdc(b"r", [KDCAddr.parse(busy.addr), KDCAddr.parse(good.addr)], QUICK) == b"ok"


def test_garbled_reply_is_a_typed_error(fake_server):
    """A KDC answering garbage makes get_tgt raise MalformedReply."""
    server = fake_server(udp_reply=lambda d: b"\xff\x00garbage")
    client = Client(kdcs={"EXAMPLE.TEST": [server.addr]}, timeout=0.5, deadline=2.0)
    with pytest.raises(MalformedReply):
        client.get_tgt("alice@EXAMPLE.TEST", password="x")


def test_no_kdc_known_is_unreachable():
    """A realm without KDC addresses fails at once with KDCUnreachable."""
    with pytest.raises(KDCUnreachable):
        send_to_kdc(b"r", [], QUICK)


def test_async_timeout_and_failover(fake_server):
    """The asyncio transport times out on a silent KDC and fails over to the next one."""
    silent = fake_server()
    good = fake_server(udp_reply=lambda d: b"async-" + d)

    async def go():
        with pytest.raises(KDCUnreachable):
            await async_send_to_kdc(b"x", [KDCAddr.parse(silent.addr)], QUICK)
        return await async_send_to_kdc(b"y", [KDCAddr.parse(silent.addr), KDCAddr.parse(good.addr)], QUICK)

    assert asyncio.run(go()) == b"async-y"


def test_async_tcp_fallback(fake_server):
    """The asyncio transport also falls back to TCP on RESPONSE_TOO_BIG."""
    server = fake_server(udp_reply=lambda d: krb_error(ErrorCode.KRB_ERR_RESPONSE_TOO_BIG),
                         tcp_reply=lambda d: b"tcp-" + d)
    assert asyncio.run(async_send_to_kdc(b"q", [KDCAddr.parse(server.addr)], QUICK)) == b"tcp-q"
