"""Binding kdcd's UDP and TCP listeners and stopping them cleanly.

Sockets are made here rather than by ``listenUDP``/``listenTCP`` so that every address,
IPv4 or IPv6, gets the same options (``IPV6_V6ONLY``, and ``SO_REUSEPORT`` when several
worker processes share a port) and so that all of them are bound before any is handed to
the reactor: a configuration that cannot be served fully is refused as a whole.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import DeferredList

from kdc.config import Config
from kdc.service.dispatcher import Dispatcher
from kdc.service.tcp import KDCStreamFactory
from kdc.service.udp import KDCDatagramProtocol, format_peer

TCP_BACKLOG = 128
UDP_RECEIVE_BUFFER = 4 << 20
# The largest UDP payload; Twisted's default read size (8192) would truncate big requests.
MAX_DATAGRAM = 65535


class BindError(Exception):
    """A configured address cannot be bound; ``str()`` is one line naming it."""


@dataclass
class BoundSocket:
    transport: str  # "udp" or "tcp"
    sock: socket.socket

    @property
    def address(self) -> str:
        return format_peer(self.sock.getsockname())


def bind_socket(host: str, port: int, transport: str, reuse_port: bool = False) -> socket.socket:
    """A bound, non-blocking socket (listening, for TCP) on ``host``:``port``; raises BindError."""
    kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
    try:
        family, _, _, _, sockaddr = socket.getaddrinfo(host, port, 0, kind, 0, socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind)
    except OSError as exc:
        raise BindError(f"cannot listen on {transport} {format_peer((host, port))}: {exc}") from None
    try:
        _set_options(sock, family, transport, reuse_port)
        sock.bind(sockaddr)
        if transport == "tcp":
            sock.listen(TCP_BACKLOG)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise BindError(f"cannot listen on {transport} {format_peer((host, port))}: {exc.strerror or exc}") from None
    return sock


def _set_options(sock: socket.socket, family: int, transport: str, reuse_port: bool) -> None:
    if transport == "tcp":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    else:
        # A burst of datagrams waits in the kernel while a worker is busy; the default
        # buffer (~200 KB) drops them sooner. The kernel caps this at net.core.rmem_max.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if family == socket.AF_INET6:
        # "[::]:88" and "0.0.0.0:88" are separate entries in the config, as in MIT's kdc.conf.
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)


def bind_all(config: Config, reuse_port: bool = False) -> list[BoundSocket]:
    """Bind every configured KDC address, or none."""
    return bind_addresses(config.listen.udp, config.listen.tcp, reuse_port)


def bind_addresses(udp: Iterable[tuple[str, int]], tcp: Iterable[tuple[str, int]],
                   reuse_port: bool = False) -> list[BoundSocket]:
    """Bind every address, or none: on a failure the others are closed again."""
    bound: list[BoundSocket] = []
    wanted = [("udp", a) for a in udp] + [("tcp", a) for a in tcp]
    try:
        for transport, (host, port) in wanted:
            bound.append(BoundSocket(transport, bind_socket(host, port, transport, reuse_port)))
    except BindError:
        for b in bound:
            b.sock.close()
        raise
    return bound


def adopt_socket(reactor: Any, bound: BoundSocket, receiver: Any) -> Any:
    """The reactor's port for ``bound``, answered by ``receiver`` (a DatagramProtocol for UDP,
    a Factory for TCP); the reactor duplicates the descriptor, so ours is closed."""
    fd, family = bound.sock.fileno(), bound.sock.family
    if bound.transport == "udp":
        port = reactor.adoptDatagramPort(fd, family, receiver, MAX_DATAGRAM)
    else:
        port = reactor.adoptStreamPort(fd, family, receiver)
    bound.sock.close()
    return port


async def stop_listening(ports: Iterable[Any]) -> None:
    """Stop accepting on every port; returns once all of them have stopped."""
    stopping = [p.stopListening() for p in ports]
    await DeferredList([d for d in stopping if d is not None]).asFuture(asyncio.get_running_loop())


class KDCServer:
    """kdcd's listeners on one reactor: start them, report them, stop them gracefully."""

    def __init__(self, reactor: Any, config: Config, dispatcher: Dispatcher, log: Any) -> None:
        self.reactor = reactor
        self.config = config
        self.dispatcher = dispatcher
        self.log = log
        limits = config.limits
        self.tcp_factory = KDCStreamFactory(
            dispatcher, clock=reactor, max_request=limits.max_request_size,
            idle_timeout=limits.tcp_idle_timeout, max_connections=limits.tcp_max_connections, log=log)
        self.ports: list[Any] = []
        self.addresses: dict[str, list[str]] = {"udp": [], "tcp": []}

    def start(self, sockets: Iterable[BoundSocket]) -> None:
        """Hand the bound sockets to the reactor (the reactor duplicates each descriptor)."""
        for b in sockets:
            self.addresses[b.transport].append(b.address)
            receiver = self._udp_protocol() if b.transport == "udp" else self.tcp_factory
            self.ports.append(adopt_socket(self.reactor, b, receiver))

    def _udp_protocol(self) -> KDCDatagramProtocol:
        """A protocol for one UDP port (Twisted binds each DatagramProtocol to one transport)."""
        limits = self.config.limits
        return KDCDatagramProtocol(self.dispatcher, max_reply=limits.udp_max_reply,
                                   max_request=limits.max_request_size, log=self.log)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop accepting, let in-flight requests finish (up to ``grace`` s), close connections."""
        ports, self.ports = self.ports, []
        await stop_listening(ports)
        drained = await self.dispatcher.drain(grace)
        if not drained:
            self.log.warning("kdcd.shutdown_timeout", in_flight=self.dispatcher.in_flight)
        self.tcp_factory.close_all()

