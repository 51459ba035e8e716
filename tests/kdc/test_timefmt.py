"""kadmin-style durations and times: parsing, MIT getprinc formatting, and MIT's own kadmin as oracle."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kdc.timefmt import format_duration, format_time, parse_duration, parse_time
from tests.support.mitkdc import MITRealm, mit_realm  # noqa: F401

NOW = 1_800_000_000  # Fri Jan 15 08:00:00 UTC 2027


@pytest.mark.parametrize(("text", "seconds"), [
    ("0", 0), ("3600", 3600), ("3600s", 3600), ("90m", 5400), ("10h", 36000), ("7d", 604800),
    ("1d 2h", 93600), ("1d2h30m", 95400), ("01:30:00", 5400), ("1:30", 5400), ("1d 2h 3m 4s", 93784),
    ("10 hours", 36000), ("1 day", 86400), ("2 weeks", 1209600), ("  10H  ", 36000), ("2d 01:00:00", 176400),
])
def test_parse_duration(text: str, seconds: int) -> None:
    """kadmin duration forms: unit suffixes, unit words, clock forms, plain seconds."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10x", "-5", "h", "1h 1d", "1d1d", "1:60", "1:00:60", "1.5h", "10 h x",
                                  "99999999999"])
def test_parse_duration_refuses(text: str) -> None:
    """Unknown units, repeated or misordered units, negative or overflowing values raise ValueError naming the text."""
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 days 00:00:00"), (36000, "0 days 10:00:00"), (93600, "1 day 02:00:00"),
    (604800, "7 days 00:00:00"), (93784, "1 day 02:03:04"), (-3600, "-0 days 01:00:00"),
])
def test_format_duration_like_getprinc(seconds: int, text: str) -> None:
    """format_duration prints MIT's strdur: 'D day(s) HH:MM:SS'."""
    assert format_duration(seconds) == text


@given(st.integers(0, 2**31 - 1))
def test_format_then_parse_back(seconds: int) -> None:
    """What format_duration prints as HH:MM:SS after the days parses back to the same number."""
    days, word, clock = format_duration(seconds).split(" ")
    assert word in ("day", "days")
    assert parse_duration(f"{days}d {clock}") == seconds


@pytest.mark.parametrize(("text", "when"), [
    ("never", None), ("now", NOW), ("NOW", NOW),
    ("2027-01-31", 1801353600), ("2027-01-31 13:45:00 UTC", 1801403100), ("2027-01-31 13:45:00", 1801403100),
    ("2027-01-31 13:45", 1801403100), ("2027-01-31 13:45:00 GMT", 1801403100),
    ("2027-01-31T13:45:00Z", 1801403100), ("2027-01-31T15:45:00+02:00", 1801403100),
    ("+1 day", NOW + 86400), ("now + 2h", NOW + 7200), ("1 day", NOW + 86400), ("now - 1d", NOW - 86400),
])
def test_parse_time(text: str, when: int | None) -> None:
    """kadmin times: never, now, dates (UTC unless an offset is given), ISO 8601, relative to the given now."""
    assert parse_time(text, NOW) == when


@pytest.mark.parametrize("text", ["", "tomorrowish", "now 2h", "5", "2027-13-01", "2027-01-31T13:45:00Z UTC",
                                  "+", "now +"])
def test_parse_time_refuses(text: str) -> None:
    """Anything else raises ValueError naming the text."""
    with pytest.raises(ValueError, match="not a time"):
        parse_time(text, NOW)


def test_parse_time_is_pure() -> None:
    """The result depends only on the arguments: another 'now' moves relative times only."""
    assert parse_time("+1h", 0) == 3600 and parse_time("+1h", 100) == 3700
    assert parse_time("2027-01-31", 0) == parse_time("2027-01-31", 10**9)


def test_format_time_like_getprinc() -> None:
    """format_time prints MIT's strdate in UTC, and '[never]' for no time."""
    assert format_time(1801403100) == "Sun Jan 31 13:45:00 UTC 2027"
    assert format_time(None) == "[never]" and format_time(0) == "[never]"


# -- MIT kadmin as the oracle -----------------------------------------------------------

MIT_DURATIONS = ["0", "3600", "3600s", "90m", "10h", "7d", "1d 2h", "1d2h30m", "01:30:00", "1:30", "10 hours",
                 "1 day", "1d 2h 3m 4s", "1h30m", "400d"]
MIT_TIMES = ["2027-01-31", "2027-01-31 13:45:00 UTC", "2027-01-31 13:45:00", "2030-12-01 00:00:01"]


def _getprinc_field(realm: MITRealm, name: str, field: str) -> str:
    match = re.search(rf"^{field}: (.*)$", realm.getprinc(name), re.MULTILINE)
    assert match, field
    return match[1]


@pytest.mark.interop
@pytest.mark.parametrize("text", MIT_DURATIONS)
def test_durations_agree_with_kadmin(mit_realm: MITRealm, text: str) -> None:
    """kadmin.local modprinc -maxlife TEXT stores what we parse, and getprinc prints what we format."""
    name = f"dur-{MIT_DURATIONS.index(text)}"
    mit_realm.add_principal(name, randkey=True, extra=["-maxlife", f'"{text}"'])
    assert _getprinc_field(mit_realm, name, "Maximum ticket life") == format_duration(parse_duration(text))


@pytest.mark.interop
@pytest.mark.parametrize("text", MIT_TIMES)
def test_times_agree_with_kadmin(mit_realm: MITRealm, text: str) -> None:
    """kadmin.local -expire TEXT (TZ=UTC) gives the time we parse, printed as we format it."""
    name = f"time-{MIT_TIMES.index(text)}"
    mit_realm.add_principal(name, randkey=True, extra=["-expire", f'"{text}"'])
    assert _getprinc_field(mit_realm, name, "Expiration date") == format_time(parse_time(text, NOW))
    assert _getprinc_field(mit_realm, name, "Last failed authentication") == format_time(None)
