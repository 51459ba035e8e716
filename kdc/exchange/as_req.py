"""AS exchange (RFC 4120 section 3.1). Work in progress."""

from __future__ import annotations

from kdc.exchange.errors import Generic


async def handle_as(req, data, ctx, now, audit):
    raise Generic("NOT_IMPLEMENTED", detail="AS exchange not written yet")
