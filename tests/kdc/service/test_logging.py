"""kdc.logging: JSON/console rendering and the processor that keeps secrets out of logs."""

import io
import json

import pytest
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
