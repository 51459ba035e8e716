"""kdcd over TCP (RFC 4120 section 7.2.2): 4-byte length-prefixed requests and replies.

Resource limits, because every connection costs memory and a file descriptor: a request
larger than ``max_request_size`` (or a length prefix with the reserved high bit) is answered
with KRB_ERR_FIELD_TOOLONG, as 7.2.2 says, and the connection closed; the frame decoder
never allocates a declared length before its bytes arrive; a connection without a whole
request for ``idle_timeout`` seconds is closed, however slowly it trickles bytes; and past ``max_connections`` the oldest connection is
dropped to admit the new one, so idle connections cannot lock clients out.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from twisted.python.failure import Failure
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.protocol import Factory, Protocol

from kdc.service.dispatcher import Dispatcher
from kdc.service.udp import format_peer, run_coroutine
from protocol.constants import ErrorCode
from protocol.errors import FramingError
from protocol.framing import FrameDecoder, encode_frame

# Requests a client may pipeline before reading replies; past it the client is abusive.
MAX_QUEUED_REQUESTS = 32


class KDCStreamProtocol(Protocol):
    """One TCP connection: frames in, requests answered one at a time, in order."""

    factory: KDCStreamFactory

    def __init__(self) -> None:
        self._queue: list[bytes] = []
        self._busy = False
        self._closing = False
        self._timer: IDelayedCall | None = None
        self.peer = "?"

    def connectionMade(self) -> None:
        self.peer = format_peer((self.transport.getPeer().host, self.transport.getPeer().port))
        self._decoder = FrameDecoder(self.factory.max_request)
        self.factory.register(self)
        self._touch()

    def dataReceived(self, data: bytes) -> None:
        if self._closing:
            return
        try:
            frames = self._decoder.feed(data)
        except FramingError as exc:
            self._refuse(exc)
            return
        if frames:
            # Only whole requests count as activity: a client trickling a byte at a time
            # must still send a request within the idle timeout (no slowloris).
            self._touch()
        self._queue.extend(frames)
        if len(self._queue) > MAX_QUEUED_REQUESTS:
            self.factory.log.info("kdc.tcp_closed", peer=self.peer, reason="too many pipelined requests")
            self.close()
            return
        self._next()

    def _refuse(self, exc: FramingError) -> None:
        """RFC 4120 7.2.2: KRB_ERR_FIELD_TOOLONG for a length we will not take, then close."""
        self.factory.log.info("kdc.request", result="error", error_code="KRB_ERR_FIELD_TOOLONG",
                              detail=str(exc), peer=self.peer, transport="tcp")
        reply = self.factory.dispatcher.error_reply(ErrorCode.KRB_ERR_FIELD_TOOLONG, None)
        if reply is not None:
            self.transport.write(encode_frame(reply))
        self.close()

    def _next(self) -> None:
        # A loop, not recursion, over pipelined requests answered at once (the usual case:
        # no Deferred and no callbacks per request); one that waits resumes through _reply.
        while not self._busy and self._queue and not self._closing:
            self._busy = True
            request = self._queue.pop(0)
            try:
                finished, value = self.factory.dispatcher.dispatch_now(request, self.peer, "tcp")
                if finished:
                    self._deliver(value)
                    continue
            except Exception:
                self._failed(Failure())
                return
            value = run_coroutine(value)
            value.addCallback(self._reply)
            value.addErrback(self._failed)
            return

    def _reply(self, reply: bytes | None) -> None:
        self._deliver(reply)
        self._next()

    def _deliver(self, reply: bytes | None) -> None:
        self._busy = False
        if self._closing:
            return
        if reply is not None:
            self.transport.write(encode_frame(reply))
        self._touch()

    def _failed(self, failure: Any) -> None:
        self.factory.log.error("kdc.tcp_failed", peer=self.peer, error=failure.getErrorMessage())
        self.close()

    def _touch(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.reset(self.factory.idle_timeout)
        else:
            self._timer = self.factory.clock.callLater(self.factory.idle_timeout, self._idle)

    def _idle(self) -> None:
        self._timer = None
        if self._busy:
            self._touch()  # the KDC is still working on this client's request
            return
        self.factory.log.debug("kdc.tcp_closed", peer=self.peer, reason="idle")
        self.close()

    def close(self) -> None:
        """Close after writing what is queued; abort at once if that does not happen."""
        if self._closing:
            return
        self._closing = True
        self.transport.loseConnection()
        self._cancel_timer()
        # A peer that never reads would keep the connection open forever.
        self._timer = self.factory.clock.callLater(5, self.abort)

    def abort(self) -> None:
        """Drop the connection now, discarding unsent data."""
        self._closing = True
        self._cancel_timer()
        self.transport.abortConnection()

    def _cancel_timer(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None

    def connectionLost(self, reason: Any = None) -> None:
        self._closing = True
        self._cancel_timer()
        self.factory.unregister(self)


class KDCStreamFactory(Factory):
    """Makes one KDCStreamProtocol per connection and enforces the connection cap."""

    protocol = KDCStreamProtocol

    def __init__(self, dispatcher: Dispatcher, *, clock: IReactorTime, max_request: int,
                 idle_timeout: float, max_connections: int, log: Any) -> None:
        self.dispatcher = dispatcher
        self.clock = clock
        self.max_request = max_request
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self.log = log
        self.connections: OrderedDict[int, KDCStreamProtocol] = OrderedDict()
        self.evicted = 0

    def register(self, conn: KDCStreamProtocol) -> None:
        """Admit ``conn``, evicting the oldest connections beyond the cap."""
        self.connections[id(conn)] = conn
        while len(self.connections) > self.max_connections:
            _, oldest = self.connections.popitem(last=False)
            self.evicted += 1
            self.log.info("kdc.tcp_closed", peer=oldest.peer, reason="connection cap")
            oldest.abort()

    def unregister(self, conn: KDCStreamProtocol) -> None:
        self.connections.pop(id(conn), None)

    def close_all(self) -> None:
        """Close every connection (at shutdown, after in-flight requests are answered)."""
        for conn in list(self.connections.values()):
            conn.close()

