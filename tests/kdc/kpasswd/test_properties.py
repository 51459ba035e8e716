"""Properties of handle_kpasswd: for any bytes it answers a framed reply or nothing, and never raises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kdc.kpasswd.errors import ResultCode
from kdc.kpasswd.wire import parse_reply
from protocol.messages import codec
from protocol.messages.types import KRBError
from tests.kdc.kpasswd.conftest import make_kpasswd_realm

NEW = b"carol-new-pw"


@pytest.fixture(scope="module")
def shared():
    realm = make_kpasswd_realm()
    realm.core.add_user("carol", "carol-old-pw")
    return realm


def _check_reply(reply: bytes | None) -> None:
    """None, or a reply in kpasswd framing whose body is a KRB-PRIV or (without AP-REP) a KRB-ERROR."""
    if reply is None:
        return
    version, ap_rep, body = parse_reply(reply)
    assert version == 1
    if not ap_rep:
        error = codec.decode(body, KRBError)
        assert error.e_data[:2] != b"\x00\x00", "a KRB-ERROR never reports success"


@given(st.binary(max_size=400))
def test_arbitrary_bytes_get_a_reply_or_nothing(shared, data):
    """Random bytes never make the handler raise; whatever it sends is well framed."""
    reply, audit = shared.send(data)
    _check_reply(reply)
    assert audit.result != "ok"


@given(st.sampled_from([0, 1, 2, 3]), st.binary(min_size=6, max_size=6))
def test_header_shaped_garbage(shared, ap_len, tail):
    """A consistent length field and an AP-REQ tag followed by junk is answered, never raised on."""
    body = b"\x6e" + tail
    data = (6 + len(body)).to_bytes(2, "big") + b"\x00\x01" + ap_len.to_bytes(2, "big") + body
    reply, audit = shared.send(data)
    _check_reply(reply)
    assert reply is not None and audit.result != "ok"


@settings(max_examples=40)
@given(st.data())
def test_mutated_requests_are_refused_without_raising(shared, original, data):
    """A real request with one byte changed: never a traceback, and never a success that changed
    carol's password to something other than what the request's own KRB-PRIV says."""
    client = shared.client("carol", "carol-old-pw")
    request = bytearray(client.request(NEW))
    index = data.draw(st.integers(0, len(request) - 1))
    request[index] ^= data.draw(st.integers(1, 255))
    reply, _ = shared.send(bytes(request))
    _check_reply(reply)
    if reply is not None and parse_reply(reply)[1]:
        result = client.read(reply)
        if result.code == ResultCode.KRB5_KPASSWD_SUCCESS:
            # Only bytes no MAC covers (e.g. the AP-REQ's ap-options) can change and still succeed.
            assert shared.can_kinit("carol", NEW.decode())
            shared.core.store.entries[shared.core.principal("carol")] = original


@pytest.fixture(scope="module")
def original(shared):
    return shared.entry("carol")
