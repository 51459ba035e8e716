"""kdc.logging: JSON/console rendering and the processor that keeps secrets out of logs."""

import io
import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import structlog

from kdc.logging import REDACTED, configure_logging, get_logger, is_secret_name, redact_secrets
from protocol.messages.types import EncryptedData, EncryptionKey

SECRET = "hunter2-correct-horse"
KEY = bytes(range(32))


def render(fmt="json", level="info", **fields):
    stream = io.StringIO()
    configure_logging(fmt, level, stream=stream)
    try:
        get_logger().info("kdc.as_req", **fields)
    finally:
        structlog.reset_defaults()
    return stream.getvalue()


def test_secret_field_names_redacted():
    """Fields named like keys, passwords, PINs or ciphertext are replaced, whatever the value."""
    event = redact_secrets(None, "info", {
        "event": "x", "password": SECRET, "new_password": SECRET, "session_key": "abc",
        "keyvalue": "k", "cipher": "c", "pin": "1234", "client": "alice@TEST",
    })
    assert event == {"event": "x", "password": REDACTED, "new_password": REDACTED,
                     "session_key": REDACTED, "keyvalue": REDACTED, "cipher": REDACTED,
                     "pin": REDACTED, "client": "alice@TEST"}


def test_enctype_fields_are_not_mistaken_for_secrets():
    """The per-request etype fields stay readable (the redaction must not eat the audit)."""
    for name in ("reply_etype", "ticket_etype", "session_etype", "requested_etypes", "client",
                 "service", "error_code", "detail", "peer", "transport", "duration_ms"):
        assert not is_secret_name(name), name


def test_nested_values_bytes_and_key_objects_redacted():
    """Raw bytes become a length; EncryptionKey/EncryptedData and nested secret fields vanish."""
    event = redact_secrets(None, "info", {
        "event": "x", "blob": KEY, "obj": EncryptionKey(18, KEY), "data": EncryptedData(18, KEY),
        "nested": {"user": "bob", "password": SECRET, "list": [KEY, {"key": KEY}]},
    })
    assert event["blob"] == "[32 bytes]"
    assert event["obj"] == REDACTED and event["data"] == REDACTED
    assert event["nested"] == {"user": "bob", "password": REDACTED, "list": ["[32 bytes]", {"key": REDACTED}]}


def test_json_line_has_fields_and_no_secret():
    """JSON output is one parseable line per event, carrying the fields but never the secret."""
    out = render(client="alice@TEST", reply_etype="aes256-cts-hmac-sha1-96", password=SECRET,
                 key=KEY.hex(), duration_ms=1.5)
    assert out.count("\n") == 1
    record = json.loads(out)
    assert record["event"] == "kdc.as_req" and record["level"] == "info"
    assert record["client"] == "alice@TEST" and record["duration_ms"] == 1.5
    assert "timestamp" in record
    assert SECRET not in out and KEY.hex() not in out


def test_console_format_is_readable_and_redacted():
    """Console output is a plain line with key=value pairs and no secret."""
    out = render("console", client="alice@TEST", password=SECRET)
    assert "kdc.as_req" in out and "client=alice@TEST" in out
    assert SECRET not in out and not out.lstrip().startswith("{")


def test_level_filters_events():
    """Events below the configured level are not written."""
    assert render("json", "warning", client="x") == ""


@pytest.mark.parametrize("when", [1_796_000_000.0, 1_796_000_000.5, 1_796_000_059.999999, 1_796_003_600.000001,
                                  946_684_799.25])
def test_iso_timestamper_matches_structlog(when, monkeypatch):
    """The once-per-second timestamper writes exactly what structlog's ISO/UTC TimeStamper writes."""
    import datetime

    import structlog

    from kdc.logging import IsoTimeStamper

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime.fromtimestamp(when, tz)

    monkeypatch.setattr(datetime, "datetime", FrozenDatetime)
    expected = structlog.processors.TimeStamper(fmt="iso", utc=True)(None, "info", {})["timestamp"]
    monkeypatch.undo()
    stamper = IsoTimeStamper(clock=lambda: when)
    stamper(None, "info", {})  # second call uses the kept prefix
    assert stamper(None, "info", {})["timestamp"] == expected


def _old_chain_line(event_dict, method="info", when=1_796_000_000.25):
    """What the processor chain before JsonEventRenderer wrote for ``event_dict``."""
    from kdc.logging import IsoTimeStamper, _headline_first

    event_dict = structlog.processors.add_log_level(None, method, dict(event_dict))
    event_dict = IsoTimeStamper(clock=lambda: when)(None, method, event_dict)
    event_dict = structlog.processors.format_exc_info(None, method, event_dict)
    event_dict = redact_secrets(None, method, event_dict)
    return structlog.processors.JSONRenderer(sort_keys=False)(None, method, _headline_first(None, method, event_dict))


REQUEST_EVENT = {
    "event": "kdc.as_req", "request_type": "AS", "client": "alice@EXAMPLE.TEST",
    "service": "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST", "requested_etypes": ["aes256-cts-hmac-sha1-96", 23],
    "reply_etype": "aes256-cts-hmac-sha1-96", "ticket_etype": None, "session_etype": 18, "result": "ok",
    "error_code": None, "detail": None, "peer": "127.0.0.1:5000", "transport": "udp", "source": "kdc",
    "request_bytes": 250, "reply_bytes": 700, "duration_ms": 0.125, "flag": True,
}


@pytest.mark.parametrize("event_dict, method", [
    (REQUEST_EVENT, "info"),
    (dict(REQUEST_EVENT, password=SECRET, session_key=KEY, level="bogus", timestamp="x"), "info"),
    (dict(REQUEST_EVENT, client="\u00e9l\u00e8ve\u2028@EXAMPLE.TEST"), "info"),
    ({"event": "x", "blob": KEY, "obj": EncryptionKey(18, KEY), "nested": {"pin": "1234", "l": [KEY]}}, "warn"),
    ({"event": "x", "etypes": (18, 17), "odd": Fraction(1, 3), "big": 2**80}, "exception"),
    ({"event": "x", "big": -(2**70), "n": 2**63 - 1}, "error"),
])
def test_json_renderer_matches_the_processor_chain(event_dict, method):
    """JsonEventRenderer writes the same JSON object, in the same field order, as the former
    chain (level, timestamp, exc_info, redaction, headline first, JSONRenderer)."""
    from kdc.logging import JsonEventRenderer

    ours = JsonEventRenderer(clock=lambda: 1_796_000_000.25)(None, method, dict(event_dict))
    theirs = _old_chain_line(event_dict, method)
    assert json.loads(ours) == json.loads(theirs)
    assert list(json.loads(ours)) == list(json.loads(theirs))
    assert SECRET not in ours and KEY.hex() not in ours
    assert ours.isascii() and "\n" not in ours


def test_json_renderer_takes_non_str_keys():
    """A field with a non-str name is rendered under its text (json.dumps's rule), not dropped."""
    from kdc.logging import JsonEventRenderer

    assert json.loads(JsonEventRenderer()(None, "info", {"event": "x", 7: "seven"}))["7"] == "seven"


def test_json_renderer_formats_exc_info():
    """An event logged with exc_info carries the formatted traceback, as format_exc_info writes it."""
    from kdc.logging import JsonEventRenderer

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        line = JsonEventRenderer()(None, "exception", {"event": "x", "exc_info": sys.exc_info()})
    record = json.loads(line)
    assert record["level"] == "error" and "RuntimeError: boom" in record["exception"]
    assert "exc_info" not in record


def test_line_writer_writes_each_line_at_once_even_inside_a_loop():
    """Each event is in the stream when the logging call returns, also inside a running
    asyncio loop: a request's event is logged before its reply goes out."""
    import asyncio

    from kdc.logging import LineWriter

    stream = io.StringIO()
    writer = LineWriter(stream)
    writer.info("first")
    assert stream.getvalue() == "first\n"

    async def inside_loop():
        writer.info("a")
        writer.error("b")
        return stream.getvalue()

    assert asyncio.run(inside_loop()) == "first\na\nb\n"


def _lines_without_timestamp(text):
    records = [json.loads(line) for line in text.splitlines()]
    for record in records:
        assert record.pop("timestamp")
    return records


def test_info_writer_writes_what_logger_info_writes():
    """info_writer's shortcut gives the same JSON object, field order and redaction as
    get_logger().info with the same fields."""
    from kdc.logging import info_writer

    stream = io.StringIO()
    configure_logging("json", "info", stream=stream)
    try:
        log = get_logger()
        fields = dict(REQUEST_EVENT, password=SECRET, blob=KEY)
        fields.pop("event")
        log.info("kdc.as_req", **fields)
        write = info_writer(log)
        assert write is not None
        write("kdc.as_req", fields)
    finally:
        structlog.reset_defaults()
    via_structlog, direct = _lines_without_timestamp(stream.getvalue())
    assert direct == via_structlog and list(direct) == list(via_structlog)
    assert SECRET not in stream.getvalue() and direct["blob"] == "[32 bytes]"


@pytest.mark.parametrize("how", ["console", "warning level", "bound values", "another config", "not structlog"])
def test_info_writer_declines_other_loggers(how):
    """Anything but get_logger()'s plain proxy under configure_logging's JSON set-up gets
    None, so the caller logs through structlog as usual."""
    from kdc.logging import info_writer

    configure_logging("console" if how == "console" else "json", "warning" if how == "warning level" else "info",
                      stream=io.StringIO())
    try:
        log = get_logger()
        if how == "bound values":
            log = structlog.get_logger("kdcd", peer="x")
        elif how == "another config":
            structlog.configure(processors=[structlog.processors.JSONRenderer()])
        elif how == "not structlog":
            log = object()
        assert info_writer(log) is None
    finally:
        structlog.reset_defaults()


@pytest.mark.parametrize("fields", [
    {k: v for k, v in REQUEST_EVENT.items() if k != "event"},
    dict({k: v for k, v in REQUEST_EVENT.items() if k != "event"}, client="\u00e9l\u00e8ve\u2028@EXAMPLE.TEST"),
    dict({k: v for k, v in REQUEST_EVENT.items() if k != "event"}, requested_etypes=[18, [KEY]]),
    dict({k: v for k, v in REQUEST_EVENT.items() if k != "event"}, session_key="not shown"),
    dict({k: v for k, v in REQUEST_EVENT.items() if k != "event"}, level="bogus", n=2**70),
    dict({k: v for k, v in REQUEST_EVENT.items() if k != "event"}, blob=KEY, etypes=(18, 17)),
])
def test_render_info_is_the_renderer_line(fields):
    """render_info's shortcut (plain request events) and its fallback both give exactly the
    line JsonEventRenderer writes for the same info event, newline included, redacted."""
    from kdc.logging import JsonEventRenderer

    clock = lambda: 1_700_000_000.25  # noqa: E731
    line = JsonEventRenderer(clock).render_info("kdc.as_req", dict(fields))
    expected = JsonEventRenderer(clock)(None, "info", {"event": "kdc.as_req", **fields})
    assert type(line) is bytes and line.endswith(b"\n") and line.count(b"\n") == 1
    assert line.decode("utf-8") == expected + "\n"
    assert b"not shown" not in line and KEY not in line


def test_write_line_goes_to_the_file_descriptor_after_buffered_text(tmp_path):
    """write_line writes bytes straight to the stream's descriptor, after what msg wrote
    (msg leaves nothing buffered), and through the stream when it has no descriptor."""
    from kdc.logging import LineWriter

    with open(tmp_path / "log", "w") as stream:
        writer = LineWriter(stream)
        writer.info("first")
        writer.write_line(b'{"a":1}\n')
        writer.info("last")
    assert (tmp_path / "log").read_text() == 'first\n{"a":1}\nlast\n'
    text = io.StringIO()
    LineWriter(text).write_line(b'{"b":"\xc3\xa9"}\n')
    assert text.getvalue() == '{"b":"\u00e9"}\n'


def test_render_info_takes_the_shortcut_for_the_request_event(monkeypatch):
    """The request event (plain fields) is rendered without the general per-field walk."""
    from kdc.logging import JsonEventRenderer

    def general(*_args):
        raise AssertionError("general path taken")

    renderer = JsonEventRenderer(lambda: 1_700_000_000.0)
    monkeypatch.setattr(JsonEventRenderer, "__call__", general)
    line = renderer.render_info("kdc.as_req", {k: v for k, v in REQUEST_EVENT.items() if k != "event"})
    assert json.loads(line)["client"] == "alice@EXAMPLE.TEST"


def _stamp_text_per_event(now):
    """IsoTimeStamper's text computed from scratch for one clock reading (the formula it keeps
    per second), for the differential test below."""
    import datetime

    second = int(now // 1)
    prefix = datetime.datetime.fromtimestamp(second, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    micro = min(999_999, round((now - second) * 1_000_000))
    return f"{prefix}.{micro:06d}Z" if micro else prefix + "Z"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.floats(min_value=0, max_value=4e9, allow_nan=False),
    st.integers(1_700_000_000, 1_700_000_003).map(float),
    st.sampled_from([1_700_000_000.9999995, 1_700_000_000.9999994, 1_700_000_001.0000005,
                     1_699_999_999.9999999, 1e-7, 0.5]),
), min_size=1, max_size=20))
def test_iso_timestamper_kept_second_gives_the_same_text(readings):
    """However the clock moves (same second, next second, backwards, fractions that round up
    to a whole second), the text built from the kept second is the per-event formula's."""
    from kdc.logging import IsoTimeStamper

    clock = iter(readings)
    stamper = IsoTimeStamper(clock=lambda: next(clock))
    assert [stamper.text() for _ in readings] == [_stamp_text_per_event(r) for r in readings]


def test_info_filtered_only_for_the_configured_proxy_above_info():
    """info_filtered is True only for get_logger()'s proxy under configure_logging at a level
    above info; any other logger or set-up may write, so it is False."""
    from kdc.logging import info_filtered

    try:
        configure_logging("json", "warning", stream=io.StringIO())
        assert info_filtered(get_logger())
        assert not info_filtered(structlog.get_logger("kdcd", peer="x"))
        assert not info_filtered(object())
        configure_logging("console", "error", stream=io.StringIO())
        assert info_filtered(get_logger())
        configure_logging("json", "info", stream=io.StringIO())
        assert not info_filtered(get_logger())
        configure_logging("json", "warning", stream=io.StringIO())
        structlog.configure(processors=[structlog.processors.JSONRenderer()])
        assert not info_filtered(get_logger())
    finally:
        structlog.reset_defaults()
