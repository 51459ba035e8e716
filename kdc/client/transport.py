"""Moving request bytes to a KDC and reply bytes back (RFC 4120 section 7.2), synchronously.

UDP first; a KRB_ERR_RESPONSE_TOO_BIG answer repeats the request over TCP to the same KDC
(RFC 4120 section 7.2.1). Requests larger than ``udp_preference_limit`` (MIT: 1465 bytes)
and every request when ``tcp_only`` go over TCP. The KDCs are tried in order, in rounds,
each try bounded by ``timeout`` and the whole call by ``deadline``: nothing here waits
forever, name resolution included (``kdc.client.resolve``). A KDC that refuses, times out
or answers KDC_ERR_SVC_UNAVAILABLE makes us try the next one.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from protocol.client.errors import ClientError
from protocol.client.wire import peek_error
from protocol.constants import ErrorCode
from protocol.errors import FramingError
from protocol.framing import FrameDecoder, encode_frame
from kdc.client.krb5conf import DEFAULT_UDP_PREFERENCE_LIMIT, KDCAddr
from kdc.client.resolve import Address, Resolver, resolve

__all__ = ["TransportPolicy", "Attempt", "plan_attempts", "send_to_kdc", "KDCUnreachable", "TransportError",
           "MAX_REPLY"]

MAX_REPLY = 1 << 20  # a reply larger than this is not a KDC's


class TransportError(ClientError):
    """A reply that broke off or was framed wrongly (TCP), or a socket failure."""


class KDCUnreachable(ClientError, TimeoutError):
    """No KDC answered within the deadline; ``errors`` says what each try met."""

    def __init__(self, message: str, errors: Sequence[str] = ()) -> None:
        self.errors = tuple(errors)
        super().__init__(message + (": " + "; ".join(self.errors[-4:]) if self.errors else ""))


@dataclass(frozen=True)
class TransportPolicy:
    """How to reach the KDCs: per-try timeout, rounds over the list, overall deadline (seconds).

    ``resolver`` replaces ``socket.getaddrinfo`` for host names (tests; custom resolvers).
    """

    timeout: float = 1.0
    deadline: float = 10.0
    rounds: int = 3
    tcp_only: bool = False
    udp_preference_limit: int = DEFAULT_UDP_PREFERENCE_LIMIT
    resolver: Resolver | None = None


@dataclass(frozen=True)
class Attempt:
    kdc: KDCAddr
    transport: str  # "udp" or "tcp"
    timeout: float


def plan_attempts(kdcs: Sequence[KDCAddr], policy: TransportPolicy, request_size: int) -> Iterator[Attempt]:
    """The tries in order: every KDC once per round, the per-try timeout doubling each round (as MIT)."""
    transport = "tcp" if policy.tcp_only or request_size > policy.udp_preference_limit else "udp"
    for rnd in range(policy.rounds):
        for kdc in kdcs:
            yield Attempt(kdc, transport, policy.timeout * (2 ** rnd))


def classify_reply(reply: bytes) -> str:
    """``"too_big"``, ``"unavailable"`` or ``"reply"`` (anything else goes to the exchange to judge)."""
    err = peek_error(reply)
    if err is None:
        return "reply"
    if err.error_code == ErrorCode.KRB_ERR_RESPONSE_TOO_BIG:
        return "too_big"
    if err.error_code == ErrorCode.KDC_ERR_SVC_UNAVAILABLE:
        return "unavailable"
    return "reply"


def send_to_kdc(request: bytes, kdcs: Sequence[KDCAddr], policy: TransportPolicy = TransportPolicy(),
                clock=time.monotonic) -> bytes:
    """Send ``request`` to the first KDC that answers; return its reply bytes (RFC 4120 section 7.2)."""
    if not kdcs:
        raise KDCUnreachable("no KDC address known for this realm")
    deadline = clock() + policy.deadline
    errors: list[str] = []
    for attempt in plan_attempts(kdcs, policy, len(request)):
        remaining = deadline - clock()
        if remaining <= 0:
            break
        try:
            reply = _try(attempt, request, min(attempt.timeout, remaining), deadline, clock, policy.resolver)
        except (OSError, TransportError) as exc:
            errors.append(f"{attempt.transport}://{attempt.kdc}: {exc or type(exc).__name__}")
            continue
        if reply is not None:
            return reply
        errors.append(f"{attempt.kdc}: service unavailable")
    raise KDCUnreachable(f"no KDC answered within {policy.deadline:g}s", errors)


def _try(attempt: Attempt, request: bytes, timeout: float, deadline: float, clock,
         resolver: Resolver | None) -> bytes | None:
    # The lookup and the exchange share the try's time, so the deadline holds.
    end = clock() + timeout
    address = resolve(attempt.kdc, timeout, resolver)
    timeout = _left(end, clock)
    if attempt.transport == "udp":
        reply = udp_exchange(address, request, timeout)
        kind = classify_reply(reply)
        if kind != "too_big":
            return None if kind == "unavailable" else reply
        timeout = _left(min(clock() + attempt.timeout, deadline), clock)
    reply = tcp_exchange(address, request, timeout)
    return None if classify_reply(reply) == "unavailable" else reply


def feed_reply(decoder: FrameDecoder, chunk: bytes) -> bytes | None:
    """Feed one TCP read to ``decoder``: the whole reply once it is there, else None.

    Shared by the sync and asyncio clients; an end of stream or bad framing is a TransportError.
    """
    if not chunk:
        raise TransportError("connection closed before a whole reply arrived")
    try:
        frames = decoder.feed(chunk)
    except FramingError as exc:
        raise TransportError(f"bad TCP framing from the KDC: {exc}") from exc
    return frames[0] if frames else None


def _left(end: float, clock) -> float:
    left = end - clock()
    if left <= 0:
        raise socket.timeout("no time left for this try")
    return left


def udp_exchange(address: Address, request: bytes, timeout: float) -> bytes:
    """One datagram out to ``address`` (family, sockaddr), the first datagram from it back, within ``timeout``."""
    family, addr = address
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect(addr)  # connected: only the KDC's datagrams, and ICMP refusals surface
        sock.send(request)
        return sock.recv(65535)


def tcp_exchange(address: Address, request: bytes, timeout: float) -> bytes:
    """One framed request to ``address``, one framed reply (RFC 4120 section 7.2.2), all within ``timeout``."""
    end = time.monotonic() + timeout
    family, addr = address
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(addr)
        sock.sendall(encode_frame(request))
        decoder = FrameDecoder(max_size=MAX_REPLY)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out waiting for the TCP reply")
            sock.settimeout(left)
            reply = feed_reply(decoder, sock.recv(65536))
            if reply is not None:
                return reply
