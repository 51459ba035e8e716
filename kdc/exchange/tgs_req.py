"""TGS exchange (RFC 4120 section 3.3). Work in progress."""

from __future__ import annotations

from kdc.exchange.errors import Generic


async def handle_tgs(req, data, ctx, now, audit):
    raise Generic("NOT_IMPLEMENTED", detail="TGS exchange not written yet")
