"""Name resolution of KDC hosts is bounded by the try's time (no real DNS: resolvers are injected)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from kdc.client import Client, KDCAddr, KDCUnreachable, TransportPolicy, send_to_kdc
from kdc.client.aio import async_send_to_kdc
from kdc.client.resolve import numeric_address, resolve

QUICK = TransportPolicy(timeout=0.2, deadline=1.0, rounds=2)


@pytest.fixture
def hanging_resolver():
    """A getaddrinfo stand-in that blocks until the test ends, recording each call."""
    release = threading.Event()
    calls: list[str] = []

    def resolver(host, port, *args, **kwargs):
        calls.append(host)
        release.wait(60)
        raise socket.gaierror(socket.EAI_AGAIN, "released at teardown")

    resolver.calls = calls
    yield resolver
    release.set()


def to_loopback(delay: float = 0.0, calls: list | None = None):
    """A resolver that maps every name to 127.0.0.1 after ``delay`` seconds."""
    def resolver(host, port, *args, **kwargs):
        if calls is not None:
            calls.append(host)
        time.sleep(delay)
        return socket.getaddrinfo("127.0.0.1", port, *args, **kwargs)
    return resolver


def test_hanging_lookup_ends_in_unreachable_within_the_deadline(hanging_resolver):
    """A name whose lookup never returns makes send_to_kdc raise KDCUnreachable by its deadline, not hang."""
    policy = TransportPolicy(timeout=0.2, deadline=1.0, rounds=3, resolver=hanging_resolver)
    start = time.monotonic()
    with pytest.raises(KDCUnreachable) as info:
        send_to_kdc(b"req", [KDCAddr("kdc.example.test", 88)], policy)
    assert time.monotonic() - start < policy.deadline + 1.0
    assert "resolving kdc.example.test" in str(info.value)
    assert hanging_resolver.calls == ["kdc.example.test"]  # later tries wait for the same lookup


def test_hanging_lookup_fails_over_to_the_next_kdc(hanging_resolver, fake_server):
    """A KDC whose name cannot be resolved in time is skipped and the next KDC answers."""
    good = fake_server(udp_reply=lambda d: b"ok-" + d)
    policy = TransportPolicy(timeout=0.2, deadline=2.0, rounds=2, resolver=hanging_resolver)
    assert send_to_kdc(b"r", [KDCAddr("kdc.example.test", 88), KDCAddr.parse(good.addr)], policy) == b"ok-r"


def test_slow_lookup_is_shared_by_the_next_longer_try(fake_server):
    """A lookup slower than the first try's timeout is not restarted: the second, longer try gets its answer."""
    server = fake_server(udp_reply=lambda d: b"late-" + d)
    calls: list[str] = []
    policy = TransportPolicy(timeout=0.2, deadline=3.0, rounds=3, resolver=to_loopback(0.3, calls))
    assert send_to_kdc(b"x", [KDCAddr("kdc.example.test", server.port)], policy) == b"late-x"
    assert calls == ["kdc.example.test"]


def test_numeric_addresses_need_no_resolver(fake_server):
    """IPv4 and IPv6 literals are converted without calling the resolver (AI_NUMERICHOST)."""
    server = fake_server(udp_reply=lambda d: b"num-" + d)
    calls: list[str] = []
    policy = TransportPolicy(timeout=0.5, deadline=2.0, resolver=to_loopback(0.0, calls))
    assert send_to_kdc(b"n", [KDCAddr.parse(server.addr)], policy) == b"num-n"
    assert numeric_address(KDCAddr("::1", 88))[0] == socket.AF_INET6
    assert numeric_address(KDCAddr("kdc.example.test", 88)) is None
    assert calls == []


def test_resolve_raises_timeout_and_passes_resolver_errors(hanging_resolver):
    """resolve() raises a socket.timeout when the lookup outlives the timeout, and OSError for a failed lookup."""
    with pytest.raises(socket.timeout):
        resolve(KDCAddr("slow.example.test", 88), 0.05, hanging_resolver)

    def failing(host, port, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    with pytest.raises(OSError, match="not known"):
        resolve(KDCAddr("none.example.test", 88), 1.0, failing)


def test_async_hanging_lookup_ends_and_the_loop_closes(hanging_resolver):
    """The asyncio transport gives up on a hung lookup by its deadline, and asyncio.run returns (no executor join)."""
    policy = TransportPolicy(timeout=0.2, deadline=1.0, rounds=2, resolver=hanging_resolver)

    async def go():
        with pytest.raises(KDCUnreachable):
            await async_send_to_kdc(b"a", [KDCAddr("kdc.example.test", 88)], policy)

    start = time.monotonic()
    asyncio.run(go())
    assert time.monotonic() - start < policy.deadline + 1.0
    assert hanging_resolver.calls == ["kdc.example.test"]


def test_async_resolved_name_reaches_the_kdc(fake_server):
    """A name resolved by the injected resolver is used by the asyncio transport, TCP fallback included."""
    server = fake_server(udp_reply=lambda d: b"udp-" + d)
    policy = TransportPolicy(timeout=0.5, deadline=2.0, resolver=to_loopback(0.05))
    reply = asyncio.run(async_send_to_kdc(b"q", [KDCAddr("kdc.example.test", server.port)], policy))
    assert reply == b"udp-q"
    tcp_policy = TransportPolicy(timeout=0.5, deadline=2.0, tcp_only=True, resolver=to_loopback(0.0))
    tcp_server = fake_server(tcp_reply=lambda d: b"tcp-" + d)
    assert asyncio.run(async_send_to_kdc(b"t", [KDCAddr("kdc.example.test", tcp_server.port)], tcp_policy)) == b"tcp-t"


def test_client_passes_its_resolver_to_the_transport(hanging_resolver):
    """Client(resolver=...) uses it for KDC names, so a hung lookup ends as KDCUnreachable."""
    client = Client(kdcs={"EXAMPLE.TEST": ["kdc.example.test:88"]}, timeout=0.2, deadline=0.8,
                    resolver=hanging_resolver)
    with pytest.raises(KDCUnreachable):
        client.get_tgt("alice@EXAMPLE.TEST", password="x")
    assert hanging_resolver.calls == ["kdc.example.test"]
