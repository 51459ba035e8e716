"""The service dispatcher (kdc.service.dispatcher): lookaside, failures, one event per request."""

import asyncio

from kdc.service.dispatcher import Dispatcher, audit_fields, event_name
from kdc.service.lookaside import LookasideCache
from protocol.constants import ErrorCode, MessageType
from tests.kdc.service.fakes import EchoHandler, FakeAudit, RecordingLog, error_reply


def make(handler, window=60):
    log = RecordingLog()
    return Dispatcher(handler, error_reply, logger=log, lookaside=LookasideCache(window)), log


def test_reply_and_one_event_with_peer_transport_duration():
    """A request gets the handler's reply and exactly one kdc.as_req event with its context."""
    handler = EchoHandler()
    disp, log = make(handler)
    reply = asyncio.run(disp.dispatch(b"req", "127.0.0.1:5000", "udp"))
    assert reply == b"reply:req"
    [event] = log.named("kdc.as_req")
    assert len(log.events) == 1
    assert event["client"] == "alice@TEST" and event["service"] == "krbtgt/TEST@TEST"
    assert event["requested_etypes"] == ["aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96"]
    assert event["reply_etype"] == "aes256-cts-hmac-sha1-96"
    assert event["peer"] == "127.0.0.1:5000" and event["transport"] == "udp"
    assert event["result"] == "ok" and event["source"] == "kdc"
    assert isinstance(event["duration_ms"], float) and event["duration_ms"] >= 0


def test_identical_bytes_answered_from_lookaside_without_handler():
    """A retransmission (same bytes) gets the same reply and never reaches the handler twice."""
    handler = EchoHandler()
    disp, log = make(handler)

    async def body():
        first = await disp.dispatch(b"same", "a:1", "udp")
        second = await disp.dispatch(b"same", "a:1", "tcp")
        return first, second

    first, second = asyncio.run(body())
    assert first == second == b"reply:same"
    assert handler.calls == [b"same"]
    assert [e["source"] for e in log.named("kdc.as_req")] == ["kdc", "lookaside"]


def test_concurrent_duplicates_share_one_handler_run():
    """Identical bytes arriving while the first is in flight wait for its answer."""
    handler = EchoHandler(delay=0.05)
    disp, _ = make(handler)

    async def body():
        return await asyncio.gather(*(disp.dispatch(b"dup", "a:1", "udp") for _ in range(5)))

    assert asyncio.run(body()) == [b"reply:dup"] * 5
    assert handler.calls == [b"dup"]


def test_dropped_requests_are_not_cached():
    """None (drop) is not a reply: a second copy is handled again, as MIT only caches replies."""
    handler = EchoHandler()
    disp, log = make(handler)

    async def body():
        return [await disp.dispatch(b"drop", "a:1", "udp") for _ in range(2)]

    assert asyncio.run(body()) == [None, None]
    assert handler.calls == [b"drop", b"drop"]
    assert log.named("kdc.as_req")[0]["result"] == "dropped"


def test_handler_exception_becomes_generic_error_and_event():
    """A handler that raises yields KRB_ERR_GENERIC on the wire, an error event, and no raise."""
    disp, log = make(EchoHandler())
    reply = asyncio.run(disp.dispatch(b"boom", "a:1", "tcp"))
    assert reply == error_reply(ErrorCode.KRB_ERR_GENERIC, None)
    assert log.named("kdc.handler_failed")[0]["error"] == "RuntimeError"
    [event] = log.named("kdc.request")
    assert event["error_code"] == "KRB_ERR_GENERIC" and event["result"] == "error"


def test_error_reply_builder_failure_is_contained():
    """If even the KRB-ERROR cannot be built, the request is dropped and the error logged."""
    def broken(code, request):
        raise ValueError("cannot")

    log = RecordingLog()
    disp = Dispatcher(EchoHandler(), broken, logger=log)
    assert asyncio.run(disp.dispatch(b"boom", "a:1", "udp")) is None
    assert log.named("kdc.error_reply_failed")


def test_in_flight_count_and_drain():
    """drain() waits for in-flight requests; in_flight counts them."""
    disp, _ = make(EchoHandler(delay=0.05))

    async def body():
        task = asyncio.ensure_future(disp.dispatch(b"slow", "a:1", "tcp"))
        await asyncio.sleep(0.01)
        busy = disp.in_flight
        drained = await disp.drain(5)
        return busy, drained, task.done()

    assert asyncio.run(body()) == (1, True, True)


def test_event_names_by_request_type():
    """AS and TGS requests get their own event names, everything else kdc.request."""
    assert event_name("AS") == "kdc.as_req"
    assert event_name("TGS") == "kdc.tgs_req"
    assert event_name(MessageType.KRB_TGS_REQ) == "kdc.tgs_req"
    assert event_name("unknown") == "kdc.request"
    assert event_name(None) == "kdc.request"


def test_thousand_enctypes_are_truncated_in_the_event():
    """A hostile request listing 1,000 enctypes does not make a 1,000-item log line."""
    fields = audit_fields(FakeAudit(requested_etypes=tuple(range(1000))))
    assert len(fields["requested_etypes"]) == 17
    assert fields["requested_etypes"][-1] == "... 1000 in all"


def test_error_codes_are_named():
    """Numeric error codes are logged with their RFC names."""
    fields = audit_fields(FakeAudit(result="KDC_ERR_PREAUTH_FAILED", error_code=24))
    assert fields["error_code"] == "KDC_ERR_PREAUTH_FAILED"


# -- request_fields: the one-step event fields agree with audit_fields ----------------------


def _expected_fields(audit, reply):
    """The event fields as the dispatcher built them one by one before request_fields."""
    fields = audit_fields(audit)
    if reply is None and fields["result"] is None:
        fields["result"] = "dropped"
    fields.update(peer="p:1", transport="udp", source="kdc", request_bytes=7,
                  reply_bytes=0 if reply is None else len(reply), duration_ms=0.5)
    return fields


def test_request_fields_match_audit_fields_for_odd_audits():
    """The fast one-step fields equal audit_fields plus the service's, in the same order, for
    usual and unusual audits (unknown or enum enctypes, lists, missing attributes, None)."""
    from enum import Enum

    from kdc.service.dispatcher import plain_request_fields, request_fields
    from protocol.constants import EncType

    class Colour(Enum):
        RED = 1

    class Bare:
        request_type = "KPASSWD"
        result = None

    audits = [
        FakeAudit(), FakeAudit(reply_etype=18, ticket_etype=20, session_etype=17),
        FakeAudit(requested_etypes=(18, 17)), FakeAudit(requested_etypes=()),
        FakeAudit(requested_etypes=[18, 99]), FakeAudit(requested_etypes=(18, 9999)),
        FakeAudit(requested_etypes=tuple(range(40))), FakeAudit(requested_etypes=None),
        FakeAudit(requested_etypes=(EncType.AES256_CTS_HMAC_SHA1_96,)),
        FakeAudit(reply_etype=9999, ticket_etype=None, session_etype=EncType.AES128_CTS_HMAC_SHA1_96),
        FakeAudit(reply_etype=[1]), FakeAudit(client=Colour.RED, service=42, detail=3.5),
        FakeAudit(result=None, error_code=24), FakeAudit(result=Colour.RED, error_code=99999),
        FakeAudit(request_type=MessageType.KRB_TGS_REQ), Bare(), None,
    ]
    for audit in audits:
        for reply in (None, b"", b"reply"):
            for _ in range(2):  # the second time from the tables the first one filled
                got = request_fields(audit, "p:1", "udp", "kdc", 7, reply, 0.5)
                want = _expected_fields(audit, reply)
                assert got == want and list(got) == list(want), (audit, reply)
                fast = plain_request_fields(audit, "p:1", "udp", "kdc", 7, reply, 0.5)
                assert fast is None or (fast == want and list(fast) == list(want)), (audit, reply)


def test_answer_at_once_and_answer_after_a_wait_log_the_same_event():
    """dispatch_now answers a handler that never waits at once; one that waits gives a
    coroutine that answers and logs exactly as dispatch does."""
    async def body():
        now_disp, now_log = make(EchoHandler())
        finished, reply = now_disp.dispatch_now(b"req", "a:1", "udp")
        later_disp, later_log = make(EchoHandler(delay=0.01))
        waiting, coro = later_disp.dispatch_now(b"req", "a:1", "udp")
        in_flight = later_disp.in_flight
        later = await coro
        return (finished, reply), (waiting, later, in_flight, later_disp.in_flight), now_log, later_log

    now, later, now_log, later_log = asyncio.run(body())
    assert now == (True, b"reply:req") and later == (False, b"reply:req", 1, 0)
    [a], [b] = now_log.named("kdc.as_req"), later_log.named("kdc.as_req")
    a.pop("duration_ms"), b.pop("duration_ms")
    assert a == b and a["source"] == "kdc"


def test_handler_failing_after_a_wait_becomes_generic_error():
    """A handler that raises after waiting still yields KRB_ERR_GENERIC and one error event."""
    disp, log = make(EchoHandler(delay=0.01))
    reply = asyncio.run(disp.dispatch(b"boom", "a:1", "tcp"))
    assert reply == error_reply(ErrorCode.KRB_ERR_GENERIC, None)
    assert log.named("kdc.handler_failed")[0]["error"] == "RuntimeError"
    assert log.named("kdc.request")[0]["error_code"] == "KRB_ERR_GENERIC"
    assert disp.in_flight == 0 and not disp._pending


def test_handler_returning_a_plain_awaitable():
    """A handler may return any awaitable (here a Future), not only a coroutine."""
    async def body():
        loop = asyncio.get_running_loop()

        def handler(data):
            future = loop.create_future()
            loop.call_soon(future.set_result, (b"ok:" + data, FakeAudit()))
            return future

        disp = Dispatcher(handler, error_reply, logger=RecordingLog(), lookaside=LookasideCache(60))
        return await disp.dispatch(b"x", "a:1", "udp"), disp.in_flight

    assert asyncio.run(body()) == (b"ok:x", 0)


def test_plain_fields_are_plain_and_render_as_the_checked_line():
    """Whenever plain_request_fields answers, every value is an exact plain type (or a list
    of them), so render_info's plain=True line is the line of its full check; audits with
    other values (a str subclass, an enum, an unknown enctype) get None, never a guess."""
    from enum import Enum

    from kdc.logging import JsonEventRenderer
    from kdc.service.dispatcher import plain_request_fields, request_fields

    class Text(str):
        pass

    class Colour(Enum):
        RED = 1

    plain_types = {str, int, float, type(None)}
    usual = [FakeAudit(), FakeAudit(reply_etype=None, error_code=6, result="KDC_ERR_C_PRINCIPAL_UNKNOWN"),
             FakeAudit(requested_etypes=(18, 9999), client="\u00e9l\u00e8ve@TEST"), FakeAudit(result=None)]
    odd = [FakeAudit(client=Text("alice@TEST")), FakeAudit(detail=Colour.RED), FakeAudit(reply_etype=9999),
           FakeAudit(error_code=99999), FakeAudit(requested_etypes=tuple(range(40))), None]
    renderer = JsonEventRenderer(lambda: 1_700_000_000.25)
    for audit in usual:
        request_fields(audit, "p:1", "udp", "kdc", 7, None, 0.5)  # fills the enctype-list table
        fields = plain_request_fields(audit, "p:1", "udp", "kdc", 7, None, 0.5)
        assert fields == request_fields(audit, "p:1", "udp", "kdc", 7, None, 0.5)
        for value in fields.values():
            assert type(value) in plain_types or (type(value) is list and {type(v) for v in value} <= plain_types)
        assert renderer.render_info("kdc.as_req", fields, plain=True) == renderer.render_info("kdc.as_req", fields)
    for audit in odd:
        request_fields(audit, "p:1", "udp", "kdc", 7, None, 0.5)
        assert plain_request_fields(audit, "p:1", "udp", "kdc", 7, None, 0.5) is None
    assert plain_request_fields(FakeAudit(), Text("p:1"), "udp", "kdc", 7, None, 0.5) is None


def test_dispatcher_json_line_is_logger_info_line():
    """Under kdcd's JSON logging the dispatcher's request line (plain fast path and general
    path alike) is the line get_logger().info writes for the same fields, in the same order."""
    import io
    import json

    import structlog

    from kdc.logging import configure_logging, get_logger

    class Text(str):
        pass

    stream = io.StringIO()
    configure_logging("json", "info", stream=stream)
    try:
        log = get_logger()
        for audit in (FakeAudit(), FakeAudit(client=Text("bob@TEST"), reply_etype=9999)):
            async def handler(data, audit=audit):
                return b"reply", audit

            disp = Dispatcher(handler, error_reply, logger=log, lookaside=LookasideCache(60))
            for _ in range(2):  # the second time from the tables the first one filled
                stream.seek(0), stream.truncate()
                assert disp.dispatch_now(b"x%d" % _, "a:1", "udp") == (True, b"reply")
                written = stream.getvalue()
                line = json.loads(written)
                fields = {k: v for k, v in line.items() if k not in ("timestamp", "level", "event")}
                stream.seek(0), stream.truncate()
                log.info(line["event"], **fields)
                assert _without_timestamp(stream.getvalue()) == _without_timestamp(written)
    finally:
        structlog.reset_defaults()


def _without_timestamp(line):
    import re

    return re.sub(r'^\{"timestamp":"[^"]*",', "{", line)


def test_handler_failing_before_its_coroutine_becomes_generic_error():
    """A handler that raises when called (not inside its coroutine) gets the same treatment:
    KRB_ERR_GENERIC on the wire, the error events, nothing left in flight."""
    def handler(data):
        raise RuntimeError("handler bug")

    log = RecordingLog()
    disp = Dispatcher(handler, error_reply, logger=log, lookaside=LookasideCache(60))
    assert disp.dispatch_now(b"x", "a:1", "udp") == (True, error_reply(ErrorCode.KRB_ERR_GENERIC, None))
    assert log.named("kdc.handler_failed")[0]["error"] == "RuntimeError"
    assert log.named("kdc.request")[0]["error_code"] == "KRB_ERR_GENERIC"
    assert disp.in_flight == 0 and not disp._pending


def test_request_event_not_built_when_info_is_filtered(monkeypatch):
    """At level warning the request event is neither built nor written, and the reply is the
    same; at level info, or with any other logger, it is."""
    import io

    import structlog

    from kdc.logging import configure_logging, get_logger
    from kdc.service import dispatcher as module

    built = []
    real = module.plain_request_fields
    monkeypatch.setattr(module, "plain_request_fields", lambda *a: built.append(1) or real(*a))
    for level, writes in (("warning", False), ("info", True)):
        stream = io.StringIO()
        configure_logging("json", level, stream=stream)
        try:
            disp = Dispatcher(EchoHandler(), error_reply, logger=get_logger(), lookaside=LookasideCache(60))
            built.clear()
            assert disp.dispatch_now(b"req", "a:1", "udp") == (True, b"reply:req")
            assert bool(stream.getvalue()) is writes and bool(built) is writes
        finally:
            structlog.reset_defaults()
    disp, log = make(EchoHandler())  # a logger that is not configure_logging's: always told
    disp.dispatch_now(b"req", "a:1", "udp")
    assert log.named("kdc.as_req")
