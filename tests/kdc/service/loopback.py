"""A private Twisted asyncio reactor serving kdcd's transports on loopback, for tests.

The reactor is constructed, never installed: library code takes the reactor as an
argument, so each test gets its own on a fresh asyncio loop and the process-global
reactor is never touched. Running the asyncio loop runs the reactor's I/O.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from twisted.internet.asyncioreactor import AsyncioSelectorReactor

from kdc.config import Config, LimitsConfig, ListenConfig
from kdc.service.dispatcher import Dispatcher
from kdc.service.lookaside import LookasideCache
from kdc.service.server import KDCServer, bind_all
from tests.kdc.service.fakes import RecordingLog, error_reply


def run_server(handler: Any, body: Callable[[KDCServer], Awaitable[Any]], *, lookaside: float = 0,
               listen: ListenConfig | None = None, **limits: Any) -> Any:
    """Serve ``handler`` on loopback ports chosen by the kernel, run ``body(server)``, stop."""
    config = Config(realm="TEST",
                    listen=listen or ListenConfig(udp=(("127.0.0.1", 0),), tcp=(("127.0.0.1", 0),)),
                    limits=LimitsConfig(**limits))

    def build(reactor: AsyncioSelectorReactor) -> tuple[KDCServer, Callable[[], Any]]:
        log = RecordingLog()
        dispatcher = Dispatcher(handler, error_reply, logger=log, lookaside=LookasideCache(lookaside))
        server = KDCServer(reactor, config, dispatcher, log)
        server.log_records = log  # type: ignore[attr-defined]
        return server, lambda: bind_all(config)

    return run_private(build, body)


def run_private(build: Callable[[AsyncioSelectorReactor], tuple[Any, Callable[[], Any]]],
                body: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run ``body(server)`` against a server made by ``build(reactor)`` on a fresh private reactor.

    ``build`` returns the server and a function binding its sockets (called on the loop);
    the server is stopped and the loop closed whatever ``body`` does.
    """
    loop = asyncio.new_event_loop()
    reactor = AsyncioSelectorReactor(loop)
    server, bind = build(reactor)

    async def main() -> Any:
        server.start(bind())
        try:
            return await asyncio.wait_for(body(server), 30)
        finally:
            await server.stop(grace=5)

    try:
        return loop.run_until_complete(main())
    finally:
        reactor.disconnectAll()
        loop.run_until_complete(asyncio.sleep(0.05))
        loop.close()


def split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


async def udp_exchange(address: str, payload: bytes, timeout: float = 2.0) -> bytes | None:
    """Send one datagram, return the reply datagram or None when nothing comes back."""
    host, port = split_address(address)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    loop = asyncio.get_running_loop()
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        await loop.sock_sendto(sock, payload, (host, port))
        try:
            data, _ = await asyncio.wait_for(loop.sock_recvfrom(sock, 70000), timeout)
        except asyncio.TimeoutError:
            return None
        return data


async def tcp_connect(address: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = split_address(address)
    return await asyncio.open_connection(host, port)


async def read_frame(reader: asyncio.StreamReader, timeout: float = 5.0) -> bytes | None:
    """One length-prefixed reply, or None at EOF."""
    try:
        header = await asyncio.wait_for(reader.readexactly(4), timeout)
        (length,) = struct.unpack(">I", header)
        return await asyncio.wait_for(reader.readexactly(length), timeout)
    except asyncio.IncompleteReadError:
        return None


async def closed_by_peer(reader: asyncio.StreamReader, timeout: float = 10.0) -> bool:
    """True when the server closes the connection (EOF or reset) within ``timeout``."""
    try:
        data = await asyncio.wait_for(reader.read(65536), timeout)
    except ConnectionResetError:
        return True
    except asyncio.TimeoutError:
        return False
    return data == b""
