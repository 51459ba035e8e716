"""Durations and times as MIT kadmin reads and prints them.

Pure: nothing here reads the clock; ``parse_time`` takes ``now`` as an argument.

Input formats follow what kadmin accepts through krb5_string_to_deltat and get_date:
durations ``0``, ``3600``, ``3600s``, ``90m``, ``10h``, ``7d``, ``1d 2h``, ``1d2h30m``,
``01:30:00``, ``1:30`` (hours:minutes), ``2d 01:00:00``, and unit words (``10 hours``,
``1 day``); times ``never``, ``now``, ``2027-01-31``, ``2027-01-31 13:45:00 UTC``, ISO 8601
(``2027-01-31T13:45:00Z``, ``...+02:00``) and relative times (``+1 day``, ``now + 2 hours``).
Times without a zone are UTC: a KDC should not depend on the host's TZ setting (MIT uses
local time; on a UTC server the two agree).

Output follows kadmin getprinc: ``format_duration`` is MIT's strdur (``0 days 10:00:00``,
``1 day 02:00:00``) and ``format_time`` is strdate in UTC (``Sun Jan 31 13:45:00 UTC 2027``,
``[never]`` for no time).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

__all__ = ["parse_duration", "format_duration", "parse_time", "format_time"]

_UNIT_SECONDS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
}
# Order in which unit groups may appear (kadmin's "1d 2h 3m 4s"), largest first.
_UNIT_RANK = {1: 4, 60: 3, 3600: 2, 86400: 1, 604800: 0}

_TERM = re.compile(r"\s*(\d+)\s*([a-z]+)\s*")
_CLOCK = re.compile(r"(?:(\d+)\s*(?:d|days?)\s*)?(\d+):(\d{1,2})(?::(\d{1,2}))?")

# A duration this long is certainly a typo (MIT's deltat is a signed 32-bit number).
_MAX_DURATION = 2**31 - 1


def parse_duration(text: str) -> int:
    """Seconds in a kadmin duration (krb5_string_to_deltat syntax); raises ValueError.

    Negative durations are refused: every duration the KDC configures (lifetimes, skew,
    timeouts) is a non-negative length.
    """
    if not isinstance(text, str):
        raise ValueError(f"not a duration: {text!r}")
    s = text.strip().lower()
    if s.isdigit():
        return _bounded(int(s), text)
    clock = _CLOCK.fullmatch(s)
    if clock:
        return _bounded(_clock_seconds(clock, text), text)
    return _bounded(_unit_seconds(s, text), text)


def _clock_seconds(m: re.Match[str], text: str) -> int:
    days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    if minutes >= 60 or seconds >= 60:
        raise ValueError(f"not a duration: {text!r} (minutes and seconds must be below 60)")
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def _unit_seconds(s: str, text: str) -> int:
    """Sum "1d 2h30m"-style terms; each unit at most once and largest first, as kadmin requires."""
    total, pos, last_rank = 0, 0, -1
    while pos < len(s):
        m = _TERM.match(s, pos)
        if not m or m.group(2) not in _UNIT_SECONDS:
            raise ValueError(f"not a duration: {text!r}")
        unit = _UNIT_SECONDS[m.group(2)]
        if _UNIT_RANK[unit] <= last_rank:
            raise ValueError(f"not a duration: {text!r} (units out of order or repeated)")
        last_rank = _UNIT_RANK[unit]
        total += int(m.group(1)) * unit
        pos = m.end()
    if last_rank < 0:
        raise ValueError(f"not a duration: {text!r}")
    return total


def _bounded(seconds: int, text: str) -> int:
    if seconds > _MAX_DURATION:
        raise ValueError(f"not a duration: {text!r} (too long)")
    return seconds


def format_duration(seconds: int) -> str:
    """MIT kadmin's strdur: ``[-]D day(s) HH:MM:SS``, e.g. ``0 days 10:00:00``."""
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(int(seconds)), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    word = "day" if days == 1 else "days"
    return f"{sign}{days} {word} {hours:02d}:{minutes:02d}:{secs:02d}"


_RELATIVE = re.compile(r"(?:now)?\s*([+-])?\s*(.*)")
_ZONE_SUFFIX = re.compile(r"\s+(utc|gmt|z)$", re.IGNORECASE)


def parse_time(text: str, now: int) -> int | None:
    """Seconds since the epoch for a kadmin time (get_date syntax); ``never`` is None.

    Raises ValueError on anything else. ``now`` (seconds since the epoch) anchors ``now``
    and relative times such as ``+1 day`` or ``now + 2h`` (``-`` counts backwards).
    """
    if not isinstance(text, str):
        raise ValueError(f"not a time: {text!r}")
    s = text.strip()
    low = s.lower()
    if low == "never":
        return None
    if low == "now":
        return int(now)
    absolute = _parse_absolute(s)
    if absolute is not None:
        return absolute
    return _parse_relative(low, now, text)


def _parse_absolute(s: str) -> int | None:
    """An ISO 8601 / kadmin date; None when ``s`` is not one (so relative parsing may try)."""
    body = _ZONE_SUFFIX.sub("", s)
    zoned = body != s
    if zoned and re.search(r"(?:[+-]\d{2}:?\d{2}|z)$", body, re.IGNORECASE):
        return None  # a zone name after an explicit offset: ambiguous, refuse
    try:
        when = datetime.fromisoformat(body)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp())


def _parse_relative(low: str, now: int, text: str) -> int:
    m = _RELATIVE.fullmatch(low)
    sign, rest = (m.group(1), m.group(2)) if m else (None, "")
    explicit_now = low.startswith("now")
    if not rest or (sign is None and not _looks_relative(rest)) or (explicit_now and sign is None):
        raise ValueError(f"not a time: {text!r}")
    try:
        delta = parse_duration(rest)
    except ValueError:
        raise ValueError(f"not a time: {text!r}") from None
    return int(now) + (-delta if sign == "-" else delta)


def _looks_relative(rest: str) -> bool:
    """``1 day`` (no sign) is relative in get_date; a bare number or a clock is not."""
    return not rest.isdigit() and _CLOCK.fullmatch(rest) is None


def format_time(when: int | None) -> str:
    """MIT kadmin's strdate in UTC (``Sun Jan 31 13:45:00 UTC 2027``); ``[never]`` for None or 0.

    getprinc prints ``[never]`` for an unset (zero) expiration or last-success time.
    """
    if not when:
        return "[never]"
    return datetime.fromtimestamp(int(when), tz=timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")
