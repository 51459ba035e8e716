"""Fakes for the service-layer unit tests: a recording logger, handlers, an error builder."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from protocol.constants import ErrorCode


class RecordingLog:
    """A structlog-shaped logger that keeps (level, event, fields) for assertions."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def _record(self, level: str, event: str, **fields: Any) -> None:
        self.events.append((level, event, fields))

    def debug(self, event: str, **fields: Any) -> None:
        self._record("debug", event, **fields)

    def info(self, event: str, **fields: Any) -> None:
        self._record("info", event, **fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._record("warning", event, **fields)

    def error(self, event: str, **fields: Any) -> None:
        self._record("error", event, **fields)

    def exception(self, event: str, **fields: Any) -> None:
        self._record("exception", event, **fields)

    def named(self, event: str) -> list[dict[str, Any]]:
        return [f for _, e, f in self.events if e == event]


@dataclass
class FakeAudit:
    """Has the attribute names of kdc.exchange's Audit."""

    request_type: str = "AS"
    client: str | None = "alice@TEST"
    service: str | None = "krbtgt/TEST@TEST"
    requested_etypes: tuple[int, ...] = (18, 17)
    reply_etype: int | None = 18
    ticket_etype: int | None = 18
    session_etype: int | None = 18
    result: str = "ok"
    error_code: int | None = None
    detail: str | None = None


def error_reply(code: ErrorCode, request: bytes | None) -> bytes:
    """Stands in for build_error_reply: the code, readable, so tests can tell which."""
    return b"KRB-ERROR %d" % int(code)


class EchoHandler:
    """Replies b"reply:" + request, counting calls; b"drop" gets None, b"boom" raises."""

    def __init__(self, reply_size: int | None = None, delay: float = 0.0) -> None:
        self.calls: list[bytes] = []
        self.reply_size = reply_size
        self.delay = delay

    async def __call__(self, data: bytes) -> tuple[bytes | None, FakeAudit]:
        self.calls.append(data)
        if self.delay:
            await asyncio.sleep(self.delay)
        if data.startswith(b"boom"):
            raise RuntimeError("handler bug")
        if data.startswith(b"drop"):
            return None, FakeAudit(result="dropped")
        reply = b"reply:" + data
        if self.reply_size is not None:
            reply = reply.ljust(self.reply_size, b".")
        return reply, FakeAudit()
