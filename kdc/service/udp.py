"""kdcd over UDP (RFC 4120 section 7.2.1): one request per datagram, one reply.

A reply that does not fit ``udp_max_reply`` becomes KRB_ERR_RESPONSE_TOO_BIG, which tells
the client to send the same request again over TCP; the full reply stays in the lookaside
cache, so that retry is answered without running the exchange (or a lockout count) again.
"""

from __future__ import annotations

import asyncio
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.protocol import DatagramProtocol

from kdc.service.dispatcher import Dispatcher
from protocol.constants import ErrorCode


def format_peer(address: Any) -> str:
    """``host:port`` (``[host]:port`` for IPv6) of a socket address tuple."""
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def run_coroutine(coro: Any) -> Deferred:
    """Run ``coro`` as an asyncio task on the running loop (the asyncio reactor's)."""
    return Deferred.fromFuture(asyncio.get_running_loop().create_task(coro))


class KDCDatagramProtocol(DatagramProtocol):
    """Answers each datagram through the dispatcher."""

    def __init__(self, dispatcher: Dispatcher, *, max_reply: int, max_request: int,
                 log: Any) -> None:
        self.dispatcher = dispatcher
        self.max_reply = max_reply
        self.max_request = max_request
        self.log = log

    def datagramReceived(self, data: bytes, addr: Any) -> None:
        if len(data) > self.max_request:
            # Larger than any request we accept: not worth an error (RFC 4120 7.2.1 allows
            # a KDC to ignore what it cannot process; a spoofed source would be amplified).
            self.log.info("kdc.request", result="dropped", detail="datagram too large",
                          peer=format_peer(addr), transport="udp", request_bytes=len(data))
            return
        d = run_coroutine(self.dispatcher.dispatch(data, format_peer(addr), "udp"))
        d.addCallback(self._send, data, addr)
        d.addErrback(self._failed, addr)

    def _send(self, reply: bytes | None, request: bytes, addr: Any) -> None:
        if reply is None or self.transport is None:
            return
        if len(reply) > self.max_reply:
            reply = self.dispatcher.error_reply(ErrorCode.KRB_ERR_RESPONSE_TOO_BIG, request)
            if reply is None:
                return
        self.transport.write(reply, addr)

    def _failed(self, failure: Any, addr: Any) -> None:
        self.log.error("kdc.udp_send_failed", peer=format_peer(addr),
                       error=failure.getErrorMessage())
