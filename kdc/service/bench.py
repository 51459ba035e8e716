"""``python -m kdc.service.bench``: the service layer's own cost per request, in process.

Feeds datagrams to the UDP protocol and length-prefixed requests to the TCP protocol,
both over the real dispatcher, lookaside cache and JSON request log (written to
/dev/null), with a handler that answers at once, so the figure is what kdcd adds to the
exchange: transport, dispatch, cache and the structlog event. No sockets, no exchange.
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
    """µs per datagram, 64 in flight at a time."""
    d = _dispatcher(log)
    proto = KDCDatagramProtocol(d, max_reply=4096, max_request=65536, log=log)
    sink = proto.transport = _Sink()
    requests = [os.urandom(250) for _ in range(n)]
    start = time.perf_counter()
    for i, data in enumerate(requests):
        proto.datagramReceived(data, ("127.0.0.1", 5000))
        if i % 64 == 63:
            await asyncio.sleep(0)
    await _replies(sink, n)
    return (time.perf_counter() - start) / n * 1e6


async def bench_tcp(n: int, log: Any) -> float:
    """µs per request on one persistent connection, one request at a time."""
    from twisted.internet.task import Clock

    d = _dispatcher(log)
    factory = KDCStreamFactory(d, clock=Clock(), max_request=65536, idle_timeout=30,
                               max_connections=1024, log=log)
    conn = factory.buildProtocol(None)
    sink = _Sink()
    conn.makeConnection(sink)
    frames = [encode_frame(os.urandom(250)) for _ in range(n)]
    start = time.perf_counter()
    for i, data in enumerate(frames):
        conn.dataReceived(data)
        await _replies(sink, i + 1)
    return (time.perf_counter() - start) / n * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kdc.service.bench")
    parser.add_argument("--number", type=int, default=20000, help="requests per run")
    parser.add_argument("--repeat", type=int, default=5, help="runs; the best is reported")
    parser.add_argument("--log", choices=("json", "console", "off"), default="json")
    args = parser.parse_args(argv)
    devnull = open(os.devnull, "w")
    configure_logging("json" if args.log == "off" else args.log,
                      "critical" if args.log == "off" else "info", stream=devnull)
    log = get_logger()
    for name, bench in (("udp", bench_udp), ("tcp (one connection)", bench_tcp)):
        best = min(asyncio.run(bench(args.number, log)) for _ in range(args.repeat))
        print(f"{name}: {best:.1f} us per request (log {args.log})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
