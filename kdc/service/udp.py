"""kdcd over UDP (RFC 4120 section 7.2.1): one request per datagram, one reply.

A reply that does not fit ``udp_max_reply`` becomes KRB_ERR_RESPONSE_TOO_BIG, which tells
the client to send the same request again over TCP; the full reply stays in the lookaside
cache, so that retry is answered without running the exchange (or a lockout count) again.
"""

from __future__ import annotations

import asyncio
from typing import Any

from twisted.internet import udp
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.protocol import DatagramProtocol
from twisted.python.failure import Failure

from kdc.service.dispatcher import Dispatcher, resume_coroutine
from protocol.constants import ErrorCode


def format_peer(address: Any) -> str:
    """``host:port`` (``[host]:port`` for IPv6) of a socket address tuple."""
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def run_coroutine(coro: Any) -> Deferred:
    """Run ``coro`` now, up to its end or its first real wait; a Deferred of its result.

    With the SQLite store no request ever waits (queries run synchronously inside the
    async methods), so the usual way, an asyncio task plus a Deferred wrapping its future,
    would cost two loop callbacks and the bookkeeping of both for nothing. A coroutine
    that does wait (a networked store, a request already being answered) is handed to an
    asyncio task at that point and carries on exactly as if the task had started it.
    """
    try:
        waiting_on = coro.send(None)
        task = asyncio.get_running_loop().create_task(_finish(coro, waiting_on))
    except StopIteration as done:
        return succeed(done.value)
    except BaseException:
        return fail()
    return Deferred.fromFuture(task)


async def _finish(coro: Any, waiting_on: Any) -> Any:
    return await resume_coroutine(coro, waiting_on)


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
        try:
            finished, value = self.dispatcher.dispatch_now(data, format_peer(addr), "udp")
            if finished:  # the usual case: no coroutine, no Deferred, no callbacks
                self._send(value, data, addr)
                return
        except Exception:
            self._failed(Failure(), addr)
            return
        value = run_coroutine(value)
        value.addCallback(self._send, data, addr)
        value.addErrback(self._failed, addr)

    def _send(self, reply: bytes | None, request: bytes, addr: Any) -> None:
        if reply is None or self.transport is None:
            return
        if len(reply) > self.max_reply:
            reply = self.dispatcher.error_reply(ErrorCode.KRB_ERR_RESPONSE_TOO_BIG, request)
            if reply is None:
                return
        transport = self.transport
        if type(transport) is not udp.Port:
            transport.write(reply, addr)
            return
        # Port.write checks that ``addr`` is an IP address of the socket's family on
        # every call (inet_pton twice); this one came from recvfrom on that socket.
        try:
            transport.socket.sendto(reply, addr)
        except InterruptedError:
            transport.write(reply, addr)
        except ConnectionRefusedError:
            pass  # an ICMP error left by an earlier datagram, as Port.write ignores it

    def _failed(self, failure: Any, addr: Any) -> None:
        self.log.error("kdc.udp_send_failed", peer=format_peer(addr),
                       error=failure.getErrorMessage())
