"""The asyncio twin of ``kdc.client.transport``: same attempts, same rules, awaitable."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from protocol.framing import FrameDecoder, encode_frame
from kdc.client.krb5conf import KDCAddr
from kdc.client.resolve import Address, Resolver, async_resolve
from kdc.client.transport import (
    MAX_REPLY,
    Attempt,
    KDCUnreachable,
    TransportError,
    TransportPolicy,
    classify_reply,
    feed_reply,
    plan_attempts,
)

__all__ = ["async_send_to_kdc", "async_udp_exchange", "async_tcp_exchange"]


async def async_send_to_kdc(request: bytes, kdcs: Sequence[KDCAddr],
                            policy: TransportPolicy = TransportPolicy()) -> bytes:
    """Send ``request`` to the first KDC that answers (RFC 4120 section 7.2), without blocking the loop."""
    if not kdcs:
        raise KDCUnreachable("no KDC address known for this realm")
    deadline = time.monotonic() + policy.deadline
    errors: list[str] = []
    for attempt in plan_attempts(kdcs, policy, len(request)):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            reply = await asyncio.wait_for(_try(attempt, request, policy.resolver), min(attempt.timeout, remaining))
        except (OSError, TransportError, asyncio.TimeoutError) as exc:
            errors.append(f"{attempt.transport}://{attempt.kdc}: {exc or type(exc).__name__}")
            continue
        if reply is not None:
            return reply
        errors.append(f"{attempt.kdc}: service unavailable")
    raise KDCUnreachable(f"no KDC answered within {policy.deadline:g}s", errors)


async def _try(attempt: Attempt, request: bytes, resolver: Resolver | None) -> bytes | None:
    # The caller's wait_for bounds the lookup and the exchange together.
    address = await async_resolve(attempt.kdc, resolver)
    if attempt.transport == "udp":
        reply = await async_udp_exchange(address, request)
        kind = classify_reply(reply)
        if kind != "too_big":
            return None if kind == "unavailable" else reply
    reply = await async_tcp_exchange(address, request)
    return None if classify_reply(reply) == "unavailable" else reply


class _OneDatagram(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.reply: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr) -> None:
        if not self.reply.done():
            self.reply.set_result(data)

    def error_received(self, exc: Exception) -> None:
        if not self.reply.done():
            self.reply.set_exception(exc)


async def async_udp_exchange(address: Address, request: bytes) -> bytes:
    """One datagram out to ``address`` (family, sockaddr), the first one back; the caller bounds the wait."""
    loop = asyncio.get_running_loop()
    family, addr = address
    transport, proto = await loop.create_datagram_endpoint(_OneDatagram, remote_addr=addr, family=family)
    try:
        transport.sendto(request)
        return await proto.reply
    finally:
        transport.close()


async def async_tcp_exchange(address: Address, request: bytes) -> bytes:
    """One framed request and reply over a fresh connection to ``address`` (RFC 4120 section 7.2.2)."""
    family, addr = address
    # A numeric host: asyncio converts it without a lookup in its executor.
    reader, writer = await asyncio.open_connection(addr[0], addr[1], family=family)
    try:
        writer.write(encode_frame(request))
        await writer.drain()
        decoder = FrameDecoder(max_size=MAX_REPLY)
        while True:
            reply = feed_reply(decoder, await reader.read(65536))
            if reply is not None:
                return reply
    finally:
        writer.close()
