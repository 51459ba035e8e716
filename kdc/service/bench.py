"""``python -m kdc.service.bench``: kdcd's own cost per request, in process, no sockets.

Without ``--config``: feeds datagrams to the UDP protocol and length-prefixed requests to
the TCP protocol, both over the real dispatcher, lookaside cache and JSON request log
(written to /dev/null), with a handler that answers at once, so the figure is what kdcd
adds to the exchange: transport, dispatch, cache and the structlog event. Every request
is distinct (the cache misses, as with real clients); figures are the thread's CPU time,
so other processes sharing the core do not inflate them.

With ``--config FILE --user NAME:PASSWORD --service NAME``: the whole kdcd request path of
one worker (UDP protocol, dispatcher, lookaside cache, JSON event, the exchange, the real
SQLite store and the token-backed master key of that realm), fed unique AS and TGS
requests made beforehand by kdc-bench's request makers, so only the kernel's socket calls
and the reactor's read loop are missing. ``--profile FILE`` writes a cProfile of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import dataclass
from typing import Any

from kdc.logging import configure_logging, get_logger
from kdc.service.dispatcher import Dispatcher
from kdc.service.lookaside import LookasideCache
from kdc.service.tcp import KDCStreamFactory
from kdc.service.udp import KDCDatagramProtocol
from protocol.constants import ErrorCode
from protocol.framing import encode_frame


@dataclass
class _Audit:
    request_type: str = "AS"
    client: str = "alice@EXAMPLE.TEST"
    service: str = "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST"
    requested_etypes: tuple[int, ...] = (18, 17, 20, 19, 16, 23, 25, 26)
    reply_etype: int = 18
    ticket_etype: int = 20
    session_etype: int = 18
    result: str = "ok"
    error_code: None = None
    detail: None = None


_AUDIT = _Audit()
_REPLY = b"r" * 700


async def _instant(data: bytes) -> tuple[bytes, Any]:
    return _REPLY, _AUDIT


class _Sink:
    """Transport stand-in that discards writes."""

    connected = True

    def __init__(self) -> None:
        self.writes = 0

    def write(self, data: bytes, addr: Any = None) -> None:
        self.writes += 1

    def getPeer(self) -> Any:
        from twisted.internet.address import IPv4Address

        return IPv4Address("TCP", "127.0.0.1", 5000)

    def loseConnection(self) -> None:
        pass


def _dispatcher(log: Any) -> Dispatcher:
    return Dispatcher(_instant, lambda code, req: b"e" * 100, logger=log, lookaside=LookasideCache(120))


async def _replies(sink: _Sink, count: int) -> None:
    while sink.writes < count:
        await asyncio.sleep(0)


async def bench_udp(n: int, log: Any) -> float:
    """CPU µs per datagram, 64 in flight at a time."""
    d = _dispatcher(log)
    proto = KDCDatagramProtocol(d, max_reply=4096, max_request=65536, log=log)
    sink = proto.transport = _Sink()
    requests = [os.urandom(250) for _ in range(n)]
    start = time.thread_time()
    for i, data in enumerate(requests):
        proto.datagramReceived(data, ("127.0.0.1", 5000))
        if i % 64 == 63:
            await asyncio.sleep(0)
    await _replies(sink, n)
    return (time.thread_time() - start) / n * 1e6


async def bench_tcp(n: int, log: Any) -> float:
    """CPU µs per request on one persistent connection, one request at a time."""
    from twisted.internet.task import Clock

    d = _dispatcher(log)
    factory = KDCStreamFactory(d, clock=Clock(), max_request=65536, idle_timeout=30,
                               max_connections=1024, log=log)
    conn = factory.buildProtocol(None)
    sink = _Sink()
    conn.makeConnection(sink)
    frames = [encode_frame(os.urandom(250)) for _ in range(n)]
    start = time.thread_time()
    for i, data in enumerate(frames):
        conn.dataReceived(data)
        await _replies(sink, i + 1)
    return (time.thread_time() - start) / n * 1e6


class _Collector:
    """UDP transport stand-in that keeps the replies."""

    def __init__(self) -> None:
        self.replies: list[bytes] = []

    def write(self, data: bytes, addr: Any = None) -> None:
        self.replies.append(data)


async def _serve_in_process(proto: KDCDatagramProtocol, requests: list[bytes]) -> tuple[float, list[bytes]]:
    """CPU µs per request through ``proto`` (64 datagrams in flight at a time) and the replies.

    Thread CPU time, not wall time, so other processes on the core do not inflate it.
    """
    sink = proto.transport = _Collector()
    start = time.thread_time()
    for i, data in enumerate(requests):
        proto.datagramReceived(data, ("127.0.0.1", 5000 + i % 1000))
        if i % 64 == 63:
            await asyncio.sleep(0)
    while len(sink.replies) < len(requests):
        await asyncio.sleep(0)
    return (time.thread_time() - start) / len(requests) * 1e6, sink.replies


def _make_requests(scenario: str, proto: KDCDatagramProtocol, loop: asyncio.AbstractEventLoop,
                   realm: str, user: str, service: str, n: int) -> tuple[list[bytes], Any]:
    """``n`` unique requests of ``scenario`` for ``user`` (its key and TGT learnt through ``proto``)."""
    from kdc.bench.scenarios import User, makers, prepare

    def send(request: bytes) -> bytes:
        return loop.run_until_complete(_serve_in_process(proto, [request]))[1][0]

    name, _, password = user.partition(":")
    maker = makers(scenario, prepare(scenario, send, realm, [User(name, password)], [service]), realm)[0]
    made = [maker.make() for _ in range(n)]
    return [m[0] for m in made], (maker, [m[1] for m in made])


def bench_realm(args: argparse.Namespace, log: Any) -> int:
    """The whole request path of one kdcd worker over a real realm (see the module docstring)."""
    from collections import Counter

    from kdc.config import load_config
    from kdc.service.main import build_dispatcher, open_backends

    config = load_config(args.config)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    store, master_key = open_backends(config)
    dispatcher = build_dispatcher(config, store, master_key, log)
    proto = KDCDatagramProtocol(dispatcher, max_reply=config.limits.udp_max_reply,
                                max_request=config.limits.max_request_size, log=log)
    for scenario in args.scenario:
        best = None
        for run in range(args.repeat):
            requests, (maker, nonces) = _make_requests(scenario, proto, loop, config.realm, args.user,
                                                       args.service, args.number)
            profiler = None
            if args.profile and run == args.repeat - 1:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            us, replies = loop.run_until_complete(_serve_in_process(proto, requests))
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(f"{args.profile}.{scenario}")
            outcomes = Counter(maker.check(r, n) for r, n in zip(replies, nonces))
            best = us if best is None else min(best, us)
        print(f"{scenario}: {best:.1f} us per request, best of {args.repeat} x {args.number} "
              f"(last run's replies: {dict(outcomes)})")
    loop.run_until_complete(store.close())
    master_key.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kdc.service.bench")
    parser.add_argument("--number", type=int, default=20000, help="requests per run")
    parser.add_argument("--repeat", type=int, default=5, help="runs; the best is reported")
    parser.add_argument("--log", choices=("json", "console", "off"), default="json")
    parser.add_argument("--config", help="a realm's kdcd.toml: measure the whole request path")
    parser.add_argument("--user", default="alice:alice-pw", metavar="NAME:PASSWORD")
    parser.add_argument("--service", default="host/server.test")
    parser.add_argument("--scenario", action="append", choices=("as", "tgs", "as-nopreauth"))
    parser.add_argument("--profile", metavar="FILE", help="cProfile the last run into FILE.SCENARIO")
    args = parser.parse_args(argv)
    devnull = open(os.devnull, "w")
    configure_logging("json" if args.log == "off" else args.log,
                      "critical" if args.log == "off" else "info", stream=devnull)
    log = get_logger()
    if args.config:
        args.scenario = args.scenario or ["as", "tgs", "as-nopreauth"]
        return bench_realm(args, log)
    for name, bench in (("udp", bench_udp), ("tcp (one connection)", bench_tcp)):
        best = min(asyncio.run(bench(args.number, log)) for _ in range(args.repeat))
        print(f"{name}: {best:.1f} us CPU per request (log {args.log})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
