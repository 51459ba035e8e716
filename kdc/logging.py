"""structlog set-up for kdcd: one event per request, never a key or a password.

JSON lines in production (``[logging] format = "json"``), a readable line per event on a
terminal (``format = "console"``); both go to stderr. Every event passes through
``redact_secrets`` before it is rendered, so a field that looks like key material or a
password never reaches the log whatever the caller passed (DESIGN.md, "Logging").
"""

from __future__ import annotations

import datetime
import functools
import logging
import re
import sys
import time
from collections.abc import Mapping
from typing import IO, Any

import structlog

REDACTED = "[redacted]"

# Field names whose values are secrets whatever their type: any name that has one of these
# words as an underscore- or dash-separated part (``session_key``, ``new-password``,
# ``keyvalue``), so ``reply_etype`` or ``key_count`` style names stay readable only when
# they do not contain a secret word.
_SECRET_WORDS = (
    "key", "keys", "keyvalue", "keyblock", "password", "passwd", "passphrase", "pw",
    "pin", "secret", "cipher", "ciphertext", "enc_part", "encpart", "plaintext",
    "token_pin", "so_pin", "credential", "credentials",
)
_SECRET_NAME = re.compile(
    r"(^|[_\-])(" + "|".join(re.escape(w) for w in _SECRET_WORDS) + r")($|[_\-])"
)
# Objects that carry key bytes or ciphertext: EncryptionKey, EncryptedData
_SECRET_ATTRIBUTES = ("keyvalue", "cipher")


@functools.lru_cache(maxsize=1024)
def is_secret_name(name: str) -> bool:
    """True when an event field named ``name`` may hold a key or a password."""
    lowered = name.lower()
    return bool(_SECRET_NAME.search(lowered)) or "password" in lowered or "keyvalue" in lowered


# Values that cannot carry key bytes by themselves; the per-request event is made of these.
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def redact_value(value: Any, depth: int = 0) -> Any:
    """``value`` with raw bytes and key-bearing objects replaced, containers walked.

    Raw bytes in an event are never useful to an operator and may be key material or a
    ticket's encrypted part, so they become a length only.
    """
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return value
    if (kind is list or kind is tuple) and depth <= 8 and all(type(v) in _PLAIN_TYPES for v in value):
        return value  # the request event's enctype list: nothing to walk
    if depth > 8:
        return REDACTED
    if kind in (bytes, bytearray, memoryview):
        return f"[{len(value)} bytes]"
    if isinstance(value, Mapping):
        return {k: (REDACTED if is_secret_name(str(k)) else redact_value(v, depth + 1))
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        if all(type(v) in _PLAIN_TYPES for v in value):
            return value
        return [redact_value(v, depth + 1) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"[{len(value)} bytes]"
    if any(hasattr(value, attr) for attr in _SECRET_ATTRIBUTES):
        return REDACTED
    return value


# is_secret_name's answers by field name, looked up without a function call per field
# (an event has a fixed set of names; a bounded table keeps odd callers from growing it).
_NAME_IS_SECRET: dict[str, bool] = {}


def redact_secrets(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: redact fields named like secrets and raw bytes anywhere."""
    verdicts = _NAME_IS_SECRET
    for name, value in event_dict.items():
        if name == "event":
            continue
        secret = verdicts.get(name)
        if secret is None:
            secret = is_secret_name(name)
            if len(verdicts) < 4096:
                verdicts[name] = secret
        if secret:
            event_dict[name] = REDACTED
        elif type(value) not in _PLAIN_TYPES:
            event_dict[name] = redact_value(value)
    return event_dict


class IsoTimeStamper:
    """``TimeStamper(fmt="iso", utc=True)``'s text (``2026-11-29T01:40:00.123456Z``), with the
    date and time of day formatted once per second rather than once per event."""

    def __init__(self, clock: Any = time.time) -> None:
        self._clock = clock
        self._second: int | None = None
        self._prefix = ""

    def __call__(self, _logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        now = self._clock()
        second = int(now // 1)
        if second != self._second:
            moment = datetime.datetime.fromtimestamp(second, datetime.timezone.utc)
            self._prefix = moment.strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        micro = min(999_999, round((now - second) * 1_000_000))
        # datetime.isoformat() leaves the fraction out when it is zero.
        event_dict["timestamp"] = f"{self._prefix}.{micro:06d}Z" if micro else self._prefix + "Z"
        return event_dict


def _headline_first(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Put timestamp, level and event first, so a JSON line reads like a log line."""
    head = {k: event_dict.pop(k) for k in ("timestamp", "level", "event") if k in event_dict}
    head.update(event_dict)
    return head


def _renderer(fmt: str) -> Any:
    if fmt == "console":
        return structlog.dev.ConsoleRenderer(colors=False, sort_keys=False)
    return structlog.processors.JSONRenderer(sort_keys=False)


def configure_logging(fmt: str = "json", level: str = "info", stream: IO[str] | None = None) -> None:
    """Route structlog events at ``level`` or above to ``stream`` (stderr) as JSON or console lines."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            IsoTimeStamper(),
            structlog.processors.format_exc_info,
            redact_secrets,
            _headline_first,
            _renderer(fmt),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str = "kdcd") -> Any:
    """The bound logger every kdcd module logs through."""
    return structlog.get_logger(name)
