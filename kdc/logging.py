"""structlog set-up for kdcd: one event per request, never a key or a password.

JSON lines in production (``[logging] format = "json"``), a readable line per event on a
terminal (``format = "console"``); both go to stderr. Every event passes through
``redact_secrets`` before it is rendered, so a field that looks like key material or a
password never reaches the log whatever the caller passed (DESIGN.md, "Logging").
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import IO, Any

import orjson
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
    if type(value) in _PLAIN_TYPES:
        return value
    if depth > 8:
        return REDACTED
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"[{len(value)} bytes]"
    if isinstance(value, Mapping):
        return {k: (REDACTED if is_secret_name(str(k)) else redact_value(v, depth + 1))
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        if _PLAIN_TYPES.issuperset(map(type, value)):
            return value  # an enctype list and the like: nothing to walk
        return [redact_value(v, depth + 1) for v in value]
    if any(hasattr(value, attr) for attr in _SECRET_ATTRIBUTES):
        return REDACTED
    return value


def redact_secrets(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: redact fields named like secrets and raw bytes anywhere."""
    for name, value in event_dict.items():
        if name == "event":
            continue
        if is_secret_name(name):
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
        event_dict["timestamp"] = self.text()
        return event_dict

    def text(self) -> str:
        """The timestamp for an event made now."""
        now = self._clock()
        second = self._second
        # second <= now < second + 1 is int(now // 1) == second, without the division.
        if second is None or not second <= now < second + 1:
            second = self._second = int(now // 1)
            moment = datetime.datetime.fromtimestamp(second, datetime.timezone.utc)
            self._prefix = moment.strftime("%Y-%m-%dT%H:%M:%S")
        micro = round((now - second) * 1_000_000)
        if micro > 999_999:
            micro = 999_999
        # datetime.isoformat() leaves the fraction out when it is zero.
        return "%s.%06dZ" % (self._prefix, micro) if micro else self._prefix + "Z"


def _headline_first(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Put timestamp, level and event first, so a JSON line reads like a log line."""
    head = {k: event_dict.pop(k) for k in ("timestamp", "level", "event") if k in event_dict}
    head.update(event_dict)
    return head


_LEVEL_NAMES = {"warn": "warning", "exception": "error"}  # structlog's add_log_level mapping
_format_exc_info = structlog.processors.format_exc_info
_json_default = structlog.processors.JSONRenderer()._dumps_kw["default"]
_json_dumps = json.dumps
_orjson_dumps = orjson.dumps


class JsonEventRenderer:
    """The JSON format's processor chain in one call, for one event per request.

    Same line as ``add_log_level``, ``IsoTimeStamper``, ``format_exc_info``,
    ``redact_secrets``, ``_headline_first`` and ``JSONRenderer`` run one after the other
    (tests/kdc/service/test_logging.py compares them), without five calls and two dict
    rebuilds per event: every field still goes through the same redaction. orjson renders
    events made only of plain values (str, int, float, bool, None, flat lists of them: the
    request event), in compact JSON; anything else, and any line that would carry
    non-ASCII characters (JSONRenderer escapes them, so that no U+2028 or the like can
    split a line for a log reader), is rendered by ``json.dumps`` as JSONRenderer does.
    """

    def __init__(self, clock: Any = time.time) -> None:
        self._stamp = IsoTimeStamper(clock)

    def __call__(self, logger: Any, method: str, event_dict: dict[str, Any]) -> str:
        if "exc_info" in event_dict:
            event_dict = _format_exc_info(logger, method, event_dict)
        out = {"timestamp": "", "level": "", "event": None}
        if "event" not in event_dict:
            del out["event"]
        out.update(event_dict)
        out["timestamp"] = self._stamp.text()
        out["level"] = _LEVEL_NAMES.get(method, method)
        for name in _secret_names(tuple(event_dict)):
            out[name] = REDACTED
        simple = True  # only str, int, float, bool, None and flat lists of them
        for name, value in out.items():
            kind = type(value)
            if kind in _PLAIN_TYPES:
                continue
            if (kind is list or kind is tuple) and _PLAIN_TYPES.issuperset(map(type, value)):
                continue
            simple = False
            out[name] = redact_value(value)
        if simple:
            try:
                line = _orjson_dumps(out)
            except TypeError:  # a non-str key, an int beyond 64 bits
                line = b"\x80"
            if line.isascii():
                return line.decode("ascii")
        return _json_dumps(out, default=_json_default)

    def render_info(self, event: str, fields: dict[str, Any], plain: bool = False) -> bytes:
        """``self(None, "info", {"event": event, **fields})`` + newline, as bytes, with a
        shortcut for the request event: names known not to be secret and every value a
        plain scalar or a flat list of them go to orjson in one call.

        ``plain=True`` is the caller's word that every value already is an exact str, int,
        float, bool or None or a list of those (kdc.service.dispatcher's request event is
        built so), which skips the walk over the values; names are checked all the same.
        """
        if _FLAT_NAMES[tuple(fields)] and (plain or _all_plain(fields.values())):
            out = {"timestamp": self._stamp.text(), "level": "info", "event": event, **fields}
            try:
                line = _orjson_dumps(out, option=_ORJSON_NEWLINE)
            except TypeError:  # an int beyond 64 bits
                line = b"\x80"
            if line.isascii():
                return line
        return (self(None, "info", {"event": event, **fields}) + "\n").encode("utf-8")


def _all_plain(values: Any) -> bool:
    """Every value a plain scalar or a list of plain scalars."""
    if not _PLAIN_OR_LIST.issuperset(map(type, values)):
        return False
    for value in values:
        if type(value) is list and not _PLAIN_TYPES.issuperset(map(type, value)):
            return False
    return True


_PLAIN_OR_LIST = _PLAIN_TYPES | {list}
_ORJSON_NEWLINE = orjson.OPT_APPEND_NEWLINE


class _FlatNames(dict):
    """Field-name tuples for which render_info's shortcut is allowed: no name that may hold
    a secret and none that the line's head (timestamp, level, event) uses. Bounded."""

    def __missing__(self, names: tuple[str, ...]) -> bool:
        ok = all(type(n) is str for n in names) and not _secret_names(names) and not (
            {"timestamp", "level", "event", "exc_info"}.intersection(names))
        if len(self) < 4096:
            self[names] = ok
        return ok


_FLAT_NAMES = _FlatNames()


# The names to redact in events with a given field list (an event's names are fixed by
# its call site; the table is bounded so that odd callers cannot grow it).
_SECRET_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _secret_names(names: tuple[str, ...]) -> tuple[str, ...]:
    found = _SECRET_NAMES.get(names)
    if found is None:
        found = tuple(n for n in names if n != "event" and is_secret_name(str(n)))
        if len(_SECRET_NAMES) < 4096:
            _SECRET_NAMES[names] = found
    return found


class LineWriter:
    """structlog logger that writes each rendered event as one line to ``stream``, flushed.

    PrintLogger's job with one ``write`` of the line and its newline instead of
    ``print()``. Each line is written before the call returns, so a request's event is in
    the log before its reply is sent (tests and operators read the log right after a
    client finishes); batching lines per loop turn would save only ~2 us per request.
    """

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        try:
            self._fd: int | None = stream.fileno()
        except (AttributeError, OSError, ValueError):  # io.StringIO and the like
            self._fd = None

    def msg(self, message: str) -> None:
        with self._lock:
            self._stream.write(message + "\n")
            self._stream.flush()

    def write_line(self, line: bytes) -> None:
        """Write one rendered line (with its newline) at once: straight to the stream's file
        descriptor when it has one (``msg`` leaves nothing buffered in the stream), else
        through the stream as text."""
        fd = self._fd
        if fd is None:
            self.msg(line[:-1].decode("utf-8"))
            return
        with self._lock:
            while line:
                line = line[os.write(fd, line):]

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


def _processors(fmt: str) -> list[Any]:
    if fmt != "console":
        return [JsonEventRenderer()]
    return [
        structlog.processors.add_log_level,
        IsoTimeStamper(),
        structlog.processors.format_exc_info,
        redact_secrets,
        _headline_first,
        structlog.dev.ConsoleRenderer(colors=False, sort_keys=False),
    ]


# What the last configure_logging set up: (processors list, writer, numeric level).
_configured: tuple[list[Any], LineWriter, int] | None = None


def configure_logging(fmt: str = "json", level: str = "info", stream: IO[str] | None = None) -> None:
    """Route structlog events at ``level`` or above to ``stream`` (stderr) as JSON or console lines."""
    global _configured
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    writer = LineWriter(stream or sys.stderr)
    processors = _processors(fmt)
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=lambda *_args: writer,
        cache_logger_on_first_use=True,
    )
    _configured = (processors, writer, numeric)


def info_writer(logger: Any) -> Callable[..., None] | None:
    """``f(event, fields, plain=False)`` writing exactly the line ``logger.info(event, **fields)``
    would, without structlog's dispatch (about 3.5 us of a ~10 us event), or None; ``plain``
    as ``JsonEventRenderer.render_info`` takes it.

    Only for a logger that is ``get_logger()``'s plain proxy (no bound values, no
    processors or wrapper of its own) while the JSON configuration that
    ``configure_logging`` made is still structlog's and lets info events through; the
    same ``JsonEventRenderer`` (hence the same redaction) renders the line. A later
    ``configure_logging`` is not followed, as structlog's cached loggers do not follow it.
    """
    if not _is_configured_proxy(logger):
        return None
    processors, writer, level = _configured
    if level > logging.INFO or len(processors) != 1 or type(processors[0]) is not JsonEventRenderer:
        return None
    render, write = processors[0].render_info, writer.write_line

    def info(event: str, fields: dict[str, Any], plain: bool = False) -> None:
        write(render(event, fields, plain))

    return info


def info_filtered(logger: Any) -> bool:
    """True when ``logger.info(...)`` is known to write nothing: ``logger`` is
    ``get_logger()``'s plain proxy under the set-up ``configure_logging`` made, at a level
    above info. False for any other logger (it may write). Like ``info_writer``, a later
    ``configure_logging`` is not followed."""
    return _is_configured_proxy(logger) and _configured[2] > logging.INFO


def _is_configured_proxy(logger: Any) -> bool:
    """``logger`` is get_logger()'s proxy without bound values, processors or wrapper of its
    own, and structlog still runs the processors configure_logging set up."""
    if _configured is None or type(logger) is not structlog._config.BoundLoggerLazyProxy:
        return False
    plain = (getattr(logger, "_logger", 1) is None and getattr(logger, "_processors", 1) is None
             and getattr(logger, "_wrapper_class", 1) is None and getattr(logger, "_context_class", 1) is None
             and getattr(logger, "_initial_values", 1) == {})
    return plain and structlog.get_config()["processors"] is _configured[0]


def get_logger(name: str = "kdcd") -> Any:
    """The bound logger every kdcd module logs through."""
    return structlog.get_logger(name)
