"""The worker's closed loop: ``concurrency`` requests in flight over UDP, TCP or persistent TCP.

One epoll loop per process, no asyncio: at ~10k requests/s the event loop's own overhead
would count against the KDC. Each slot holds one outstanding request; when its reply
arrives (or its timeout passes) the slot records the outcome and sends the next request.
"""

from __future__ import annotations

import errno
import select
import socket
import time
from collections import Counter
from dataclasses import dataclass, field

from kdc.client.krb5conf import KDCAddr
from kdc.client.transport import MAX_REPLY
from protocol.errors import FramingError
from protocol.framing import FrameDecoder, encode_frame

__all__ = ["RunLimits", "LoopStats", "run_loop", "TRANSPORTS"]

TRANSPORTS = ("udp", "tcp", "tcp-persistent")


@dataclass(frozen=True)
class RunLimits:
    count: int | None          # stop after this many replies (or timeouts), or
    duration: float | None     # stop sending after this many seconds
    timeout: float = 2.0       # a request unanswered this long counts as a timeout


@dataclass
class LoopStats:
    outcomes: Counter = field(default_factory=Counter)
    latencies_us: list[int] = field(default_factory=list)
    sent: int = 0
    reconnects: int = 0
    elapsed: float = 0.0


class _Slot:
    __slots__ = ("sock", "ctx", "maker", "t0", "decoder", "out", "connected", "served", "request", "busy")

    def __init__(self) -> None:
        self.sock = None
        self.ctx = None
        self.maker = None
        self.t0 = 0.0
        self.decoder: FrameDecoder | None = None  # one per TCP connection
        self.out = b""
        self.connected = False
        self.served = 0
        self.request = b""
        self.busy = False


class _Loop:
    def __init__(self, kdc: KDCAddr, transport: str, makers: list, concurrency: int, limits: RunLimits,
                 record: bool) -> None:
        info = socket.getaddrinfo(kdc.host, kdc.port, type=socket.SOCK_DGRAM)[0]
        self.family, self.addr = info[0], info[4]
        self.transport, self.makers, self.limits, self.record = transport, makers, limits, record
        self.ep = select.epoll()
        self.by_fd: dict[int, _Slot] = {}
        self.slots = [_Slot() for _ in range(concurrency)]
        self.stats = LoopStats()
        self.next_maker = 0
        self.issued = 0
        self.done = 0
        self.inflight = 0
        self.stop_at = None

    # -- issuing ----------------------------------------------------------------------

    def _may_issue(self) -> bool:
        if self.limits.count is not None and self.issued >= self.limits.count:
            return False
        return self.stop_at is None or time.perf_counter() < self.stop_at

    def issue(self, slot: _Slot) -> None:
        if not self._may_issue():
            if self.transport == "tcp":
                self._close(slot)
            return
        maker = self.makers[self.next_maker]
        self.next_maker = (self.next_maker + 1) % len(self.makers)
        data, slot.ctx = maker.make()
        slot.maker = maker
        slot.busy = True
        self.issued += 1
        self.inflight += 1
        self.stats.sent += 1
        slot.t0 = time.perf_counter()
        if self.transport == "udp":
            if slot.sock is None:
                self._open_udp(slot)
            slot.sock.send(data)
        else:
            slot.request = data
            self._send_tcp(slot)

    def _send_tcp(self, slot: _Slot) -> None:
        slot.out = encode_frame(slot.request)
        if slot.sock is None:
            self._open_tcp(slot)
        elif slot.connected:
            self._flush(slot)

    def _reconnect(self, slot: _Slot) -> None:
        """The KDC closed an idle persistent connection (MIT closes after each reply): send again on a new one."""
        self._close(slot)
        slot.served = 0
        self.stats.reconnects += 1
        slot.t0 = time.perf_counter()
        self._send_tcp(slot)

    def _open_udp(self, slot: _Slot) -> None:
        sock = socket.socket(self.family, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.connect(self.addr)
        slot.sock = sock
        self.by_fd[sock.fileno()] = slot
        self.ep.register(sock.fileno(), select.EPOLLIN)

    def _open_tcp(self, slot: _Slot) -> None:
        sock = socket.socket(self.family, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        err = sock.connect_ex(self.addr)
        if err not in (0, errno.EINPROGRESS):
            sock.close()
            raise OSError(err, f"connect to the KDC failed: {errno.errorcode.get(err, err)}")
        slot.sock, slot.connected, slot.served = sock, False, 0
        slot.decoder = FrameDecoder(max_size=MAX_REPLY)
        self.by_fd[sock.fileno()] = slot
        self.ep.register(sock.fileno(), select.EPOLLOUT)

    def _flush(self, slot: _Slot) -> None:
        sent = slot.sock.send(slot.out)
        slot.out = slot.out[sent:]
        self.ep.modify(slot.sock.fileno(), select.EPOLLOUT if slot.out else select.EPOLLIN)

    def _close(self, slot: _Slot) -> None:
        if slot.sock is not None:
            fd = slot.sock.fileno()
            self.by_fd.pop(fd, None)
            try:
                self.ep.unregister(fd)
            except (OSError, ValueError):
                pass
            slot.sock.close()
            slot.sock = None

    # -- completing -------------------------------------------------------------------

    def finish(self, slot: _Slot, reply: bytes | None, outcome: str | None = None) -> None:
        now = time.perf_counter()
        if outcome is None:
            outcome = slot.maker.check(reply, slot.ctx)
        self.done += 1
        if self.record:
            self.stats.outcomes[outcome] += 1
            if reply is not None:
                self.stats.latencies_us.append(int((now - slot.t0) * 1e6))
        slot.ctx = None
        slot.busy = False
        self.inflight -= 1
        # A fresh socket after a timeout, so a late reply is never taken for the next request's.
        if self.transport == "tcp" or outcome in ("timeout", "io-error"):
            self._close(slot)
        self.issue(slot)

    def on_event(self, slot: _Slot, events: int) -> None:
        if self.transport == "udp":
            try:
                reply = slot.sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.finish(slot, None, "io-error")
                return
            if slot.busy:  # a late reply to a request already timed out is dropped
                self.finish(slot, reply)
            return
        if not slot.busy:  # an idle connection the KDC closed: drop it, the next request reopens
            self._close(slot)
            return
        if events & (select.EPOLLERR | select.EPOLLHUP) and not events & select.EPOLLIN:
            if self.transport == "tcp-persistent" and slot.served:
                self._reconnect(slot)
            else:
                self.finish(slot, None, "io-error")
        elif events & select.EPOLLOUT:
            slot.connected = True
            try:
                self._flush(slot)
            except OSError:
                self.finish(slot, None, "io-error")
        elif events & select.EPOLLIN:
            self._read_tcp(slot)

    def _read_tcp(self, slot: _Slot) -> None:
        try:
            chunk = slot.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            if self.transport == "tcp-persistent" and slot.served and slot.decoder.idle:
                self._reconnect(slot)
            else:
                self.finish(slot, None, "io-error")
            return
        try:
            frames = slot.decoder.feed(chunk)
        except FramingError:
            self.finish(slot, None, "io-error")
            return
        if frames:
            slot.served += 1
            self.finish(slot, frames[0])

    def expire(self) -> None:
        now = time.perf_counter()
        for slot in self.slots:
            if slot.busy and now - slot.t0 > self.limits.timeout:
                self.finish(slot, None, "timeout")

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> LoopStats:
        start = time.perf_counter()
        if self.limits.duration is not None:
            self.stop_at = start + self.limits.duration
        for slot in self.slots:
            self.issue(slot)
        last_expiry = start
        while self.inflight:
            for fd, events in self.ep.poll(0.05):
                slot = self.by_fd.get(fd)
                if slot is not None:
                    self.on_event(slot, events)
            now = time.perf_counter()
            if now - last_expiry > 0.05:
                self.expire()
                last_expiry = now
        self.stats.elapsed = time.perf_counter() - start
        for slot in self.slots:
            self._close(slot)
        self.ep.close()
        return self.stats


def run_loop(kdc: KDCAddr, transport: str, makers: list, concurrency: int, limits: RunLimits,
             record: bool = True) -> LoopStats:
    """Drive the KDC until the limits are reached and every request in flight is answered or timed out."""
    if transport not in TRANSPORTS:
        raise ValueError(f"unknown transport {transport!r}")
    return _Loop(kdc, transport, makers, concurrency, limits, record).run()
