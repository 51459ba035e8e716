"""kdcd over UDP (kdc.service.udp) on real loopback sockets with a fake handler."""

import asyncio

from kdc.config import ListenConfig
from protocol.constants import ErrorCode
from tests.kdc.service.fakes import EchoHandler, error_reply
from tests.kdc.service.loopback import run_server, udp_exchange

TOO_BIG = error_reply(ErrorCode.KRB_ERR_RESPONSE_TOO_BIG, None)


def test_datagram_answered():
    """A request datagram gets the handler's reply on the same socket pair."""
    async def body(server):
        return await udp_exchange(server.addresses["udp"][0], b"hello")

    assert run_server(EchoHandler(), body) == b"reply:hello"


def test_ipv6_and_ipv4_addresses_both_served():
    """Every configured address is served, IPv4 and IPv6."""
    listen = ListenConfig(udp=(("127.0.0.1", 0), ("::1", 0)), tcp=())

    async def body(server):
        v4, v6 = server.addresses["udp"]
        return v6.startswith("[::1]:"), await udp_exchange(v4, b"four"), await udp_exchange(v6, b"six")

    assert run_server(EchoHandler(), body, listen=listen) == (True, b"reply:four", b"reply:six")


def test_reply_over_limit_becomes_response_too_big():
    """A reply larger than udp_max_reply is replaced by KRB_ERR_RESPONSE_TOO_BIG."""
    async def body(server):
        return await udp_exchange(server.addresses["udp"][0], b"big")

    assert run_server(EchoHandler(reply_size=5000), body, udp_max_reply=4096) == TOO_BIG


def test_reply_at_limit_is_sent():
    """A reply of exactly udp_max_reply bytes still goes over UDP."""
    async def body(server):
        return await udp_exchange(server.addresses["udp"][0], b"fits")

    assert len(run_server(EchoHandler(reply_size=4096), body, udp_max_reply=4096)) == 4096


def test_large_datagram_reaches_handler_whole():
    """A 60 KB datagram is read whole (not truncated at Twisted's 8 KB default)."""
    handler = EchoHandler(reply_size=10)

    async def body(server):
        await udp_exchange(server.addresses["udp"][0], b"x" * 60000)
        return handler.calls

    [call] = run_server(handler, body, udp_max_reply=100000)
    assert len(call) == 60000


def test_datagram_over_max_request_dropped_unhandled():
    """A datagram above max_request_size is dropped before the handler, with an event."""
    handler = EchoHandler()

    async def body(server):
        reply = await udp_exchange(server.addresses["udp"][0], b"y" * 3000, timeout=0.5)
        return reply, handler.calls, server.log_records.named("kdc.request")

    reply, calls, events = run_server(handler, body, max_request_size=2048)
    assert reply is None and calls == []
    assert events[0]["detail"] == "datagram too large"


def test_handler_exception_does_not_stop_serving():
    """A handler that raises gets KRB_ERR_GENERIC out, and the next datagram is served."""
    async def body(server):
        address = server.addresses["udp"][0]
        return await udp_exchange(address, b"boom"), await udp_exchange(address, b"after")

    assert run_server(EchoHandler(), body) == (error_reply(ErrorCode.KRB_ERR_GENERIC, None), b"reply:after")


def test_retransmission_served_from_lookaside():
    """The same bytes twice within the window reach the handler once, and both get the reply."""
    handler = EchoHandler()

    async def body(server):
        address = server.addresses["udp"][0]
        return [await udp_exchange(address, b"again") for _ in range(3)], list(handler.calls)

    replies, calls = run_server(handler, body, lookaside=60)
    assert replies == [b"reply:again"] * 3 and calls == [b"again"]


def test_too_big_then_tcp_retry_uses_cached_reply():
    """After RESPONSE_TOO_BIG over UDP, the same request over TCP gets the full reply from the cache."""
    from tests.kdc.service.loopback import read_frame, tcp_connect
    from protocol.framing import encode_frame

    handler = EchoHandler(reply_size=5000)

    async def body(server):
        first = await udp_exchange(server.addresses["udp"][0], b"kinit")
        reader, writer = await tcp_connect(server.addresses["tcp"][0])
        writer.write(encode_frame(b"kinit"))
        second = await read_frame(reader)
        writer.close()
        return first, second

    first, second = run_server(handler, body, lookaside=60, udp_max_reply=4096)
    assert first == TOO_BIG
    assert second.startswith(b"reply:kinit") and len(second) == 5000
    assert handler.calls == [b"kinit"]


def test_many_concurrent_datagrams_all_answered():
    """Concurrent requests from many sockets are each answered with their own reply."""
    async def body(server):
        address = server.addresses["udp"][0]
        payloads = [b"r%d" % i for i in range(50)]
        return payloads, await asyncio.gather(*(udp_exchange(address, p) for p in payloads))

    payloads, replies = run_server(EchoHandler(delay=0.01), body)
    assert replies == [b"reply:" + p for p in payloads]


# -- run_coroutine: run now, hand to a task only at a real wait ---------------------------


def _outcome(d):
    seen = []
    d.addCallbacks(lambda v: seen.append(("ok", v)), lambda f: seen.append(("error", f.value)))
    return seen


def test_coroutine_that_never_waits_is_answered_at_once():
    """No event loop needed: a coroutine that does not wait has its result (or error) fired already."""
    from kdc.service.udp import run_coroutine

    async def sync_answer():
        return b"reply"

    async def sync_failure():
        raise ValueError("boom")

    assert _outcome(run_coroutine(sync_answer())) == [("ok", b"reply")]
    [(kind, exc)] = _outcome(run_coroutine(sync_failure()))
    assert kind == "error" and isinstance(exc, ValueError)


def test_coroutine_that_waits_carries_on_in_a_task():
    """A coroutine waiting on a future resumes when it is set, sees its value, and may wait again."""
    from kdc.service.udp import run_coroutine

    async def body():
        loop = asyncio.get_running_loop()
        first, second = loop.create_future(), loop.create_future()

        async def waits():
            a = await first
            await asyncio.sleep(0)
            try:
                await second
            except KeyError as exc:
                return a, str(exc)

        seen = _outcome(run_coroutine(waits()))
        await asyncio.sleep(0)
        assert seen == []
        first.set_result(41)
        await asyncio.sleep(0.01)
        assert seen == []
        second.set_exception(KeyError("gone"))
        await asyncio.sleep(0.01)
        return seen

    assert asyncio.run(body()) == [("ok", (41, "'gone'"))]


def test_cancelling_a_waiting_coroutine_reaches_it_where_it_waits():
    """Cancelling the Deferred of a waiting coroutine raises CancelledError inside it (its finally runs)."""
    from kdc.service.udp import run_coroutine

    cleaned = []

    async def body():
        async def waits():
            try:
                await asyncio.get_running_loop().create_future()
            finally:
                cleaned.append(True)

        d = run_coroutine(waits())
        seen = _outcome(d)
        await asyncio.sleep(0)
        d.cancel()
        await asyncio.sleep(0.01)
        return seen

    [(kind, _)] = asyncio.run(body())
    assert kind == "error" and cleaned == [True]
