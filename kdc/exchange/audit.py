"""The audit record: one per request, filled by the exchange, logged by the service.

It never holds keys, passwords or ciphertext; ``detail`` is a short reason for operators.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Audit:
    """What happened to one request (the service adds peer, transport and duration)."""

    request_type: str = "unknown"  # "AS" | "TGS" | "unknown"
    client: str | None = None
    service: str | None = None
    requested_etypes: tuple[int, ...] = ()
    reply_etype: int | None = None
    ticket_etype: int | None = None
    session_etype: int | None = None
    result: str = "ok"  # "ok" or the ErrorCode name
    error_code: int | None = None
    detail: str | None = None
