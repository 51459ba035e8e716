"""kdcd over TCP (kdc.service.tcp): framing, limits, idle timeout, connection cap.

Unit tests drive the protocol through Twisted's StringTransport and a fake Clock inside a
running asyncio loop (the dispatcher is asyncio code); loopback tests use real sockets.
"""

import asyncio
import struct

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from kdc.service.dispatcher import Dispatcher
from kdc.service.lookaside import LookasideCache
from kdc.service.tcp import KDCStreamFactory
from protocol.constants import ErrorCode
from protocol.framing import FrameDecoder, encode_frame
from tests.kdc.service.fakes import EchoHandler, RecordingLog, error_reply
from tests.kdc.service.loopback import closed_by_peer, read_frame, run_server, tcp_connect

TOOLONG = error_reply(ErrorCode.KRB_ERR_FIELD_TOOLONG, None)


def make_factory(handler=None, **kw):
    log = RecordingLog()
    dispatcher = Dispatcher(handler or EchoHandler(), error_reply, logger=log, lookaside=LookasideCache(0))
    limits = dict(max_request=65536, idle_timeout=30, max_connections=1024) | kw
    return KDCStreamFactory(dispatcher, clock=Clock(), log=log, **limits)


def connect(factory, port=40000):
    proto = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", port))
    transport = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", port))
    proto.makeConnection(transport)
    return proto, transport


async def settle():
    for _ in range(10):
        await asyncio.sleep(0)


def replies(transport):
    return FrameDecoder(1 << 20).feed(transport.value())


@settings(max_examples=40)
@given(messages=st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=5),
       cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=12))
def test_any_split_of_the_stream_gives_the_same_replies(messages, cuts):
    """However the byte stream is cut into reads, each request is answered once, in order."""
    stream = b"".join(encode_frame(m) for m in messages)
    points = sorted({c % (len(stream) + 1) for c in cuts})
    pieces = [stream[a:b] for a, b in zip([0] + points, points + [len(stream)])]

    async def body():
        proto, transport = connect(make_factory())
        for piece in pieces:
            proto.dataReceived(piece)
            await settle()
        return replies(transport)

    assert asyncio.run(body()) == [b"reply:" + m for m in messages]


def test_high_bit_length_answered_field_toolong_and_closed():
    """A record mark with the reserved high bit gets KRB_ERR_FIELD_TOOLONG and the close (7.2.2)."""
    async def body():
        proto, transport = connect(make_factory())
        proto.dataReceived(struct.pack(">I", 0x80000000))
        await settle()
        return replies(transport), transport.disconnecting

    assert asyncio.run(body()) == ([TOOLONG], True)


def test_oversized_length_answered_field_toolong_without_waiting_for_body():
    """A declared length over max_request_size is refused at once: no body awaited or buffered."""
    handler = EchoHandler()

    async def body():
        proto, transport = connect(make_factory(handler, max_request=1000))
        proto.dataReceived(struct.pack(">I", 1001) + b"partial")
        await settle()
        return replies(transport), transport.disconnecting

    assert asyncio.run(body()) == ([TOOLONG], True)
    assert handler.calls == []


def test_request_at_max_size_accepted():
    """A request of exactly max_request_size bytes is served."""
    async def body():
        proto, transport = connect(make_factory(max_request=1000))
        proto.dataReceived(encode_frame(b"z" * 1000))
        await settle()
        return replies(transport)

    assert asyncio.run(body()) == [b"reply:" + b"z" * 1000]


def test_idle_connection_closed_after_timeout():
    """A connection with no traffic for tcp_idle_timeout seconds is closed; activity resets it."""
    async def body():
        factory = make_factory(idle_timeout=30)
        proto, transport = connect(factory)
        factory.clock.advance(29)
        proto.dataReceived(encode_frame(b"ping"))
        await settle()
        factory.clock.advance(29)
        still_open = not transport.disconnecting
        factory.clock.advance(2)
        return still_open, transport.disconnecting

    assert asyncio.run(body()) == (True, True)


def test_trickled_partial_request_does_not_keep_connection_open():
    """Bytes that never complete a request do not reset the idle timer (slowloris)."""
    async def body():
        factory = make_factory(idle_timeout=30)
        proto, transport = connect(factory)
        frame = encode_frame(b"x" * 100)
        for i in range(3):
            factory.clock.advance(9)
            proto.dataReceived(frame[i:i + 1])
        factory.clock.advance(4)
        return transport.disconnecting

    assert asyncio.run(body()) is True


def test_idle_timer_waits_for_in_flight_request():
    """The idle timer never closes a connection whose request the KDC is still answering."""
    async def body():
        factory = make_factory(EchoHandler(delay=0.05), idle_timeout=1)
        proto, transport = connect(factory)
        proto.dataReceived(encode_frame(b"slow"))
        await settle()
        factory.clock.advance(5)
        closed_while_busy = transport.disconnecting
        await asyncio.sleep(0.1)
        return closed_while_busy, replies(transport)

    assert asyncio.run(body()) == (False, [b"reply:slow"])


def test_connection_cap_evicts_oldest_first():
    """Past tcp_max_connections the oldest connection is dropped to admit the new one."""
    factory = make_factory(max_connections=3)
    conns = [connect(factory, 40000 + i) for i in range(5)]
    dropped = [t.disconnected for _, t in conns]
    assert dropped == [True, True, False, False, False]
    assert len(factory.connections) == 3 and factory.evicted == 2


def test_pipelined_requests_answered_in_order():
    """Several requests in one read are answered one after another, in order."""
    async def body():
        proto, transport = connect(make_factory(EchoHandler(delay=0.01)))
        proto.dataReceived(b"".join(encode_frame(b"m%d" % i) for i in range(4)))
        await asyncio.sleep(0.2)
        return replies(transport)

    assert asyncio.run(body()) == [b"reply:m%d" % i for i in range(4)]


def test_pipelined_requests_answered_at_once_in_order_mixed_with_waiting_ones():
    """Requests answered without waiting are written at once, in order, and a request that
    does wait holds the ones behind it until its reply is written."""
    async def body():
        handler = EchoHandler()
        proto, transport = connect(make_factory(handler))
        proto.dataReceived(b"".join(encode_frame(b"m%d" % i) for i in range(30)))
        at_once = replies(transport)  # no loop turn yet: every reply already written
        handler.delay = 0.01
        proto.dataReceived(encode_frame(b"slow") + encode_frame(b"after"))
        before_wait = replies(transport)
        await asyncio.sleep(0.1)
        return at_once, before_wait, replies(transport)

    at_once, before_wait, final = asyncio.run(body())
    expected = [b"reply:m%d" % i for i in range(30)]
    assert at_once == expected and before_wait == expected
    assert final == expected + [b"reply:slow", b"reply:after"]


def test_too_many_pipelined_requests_close_the_connection():
    """A client queueing more than 32 unanswered requests is disconnected."""
    async def body():
        proto, transport = connect(make_factory(EchoHandler(delay=1)))
        proto.dataReceived(b"".join(encode_frame(b"q%d" % i) for i in range(40)))
        await settle()
        return transport.disconnecting

    assert asyncio.run(body()) is True


def test_dropped_request_sends_nothing_and_keeps_connection():
    """A request the handler drops gets no bytes back, and the connection stays usable."""
    async def body():
        proto, transport = connect(make_factory())
        proto.dataReceived(encode_frame(b"drop me"))
        await settle()
        proto.dataReceived(encode_frame(b"next"))
        await settle()
        return replies(transport), transport.disconnecting

    assert asyncio.run(body()) == ([b"reply:next"], False)


def test_loopback_request_reply_and_handler_exception():
    """Over real sockets: a reply, KRB_ERR_GENERIC for a handler bug, then service continues."""
    async def body(server):
        reader, writer = await tcp_connect(server.addresses["tcp"][0])
        out = []
        for msg in (b"one", b"boom", b"two"):
            writer.write(encode_frame(msg))
            out.append(await read_frame(reader))
        writer.close()
        return out

    assert run_server(EchoHandler(), body) == [b"reply:one", error_reply(ErrorCode.KRB_ERR_GENERIC, None), b"reply:two"]


def test_loopback_2gb_prefix_then_silence():
    """A 2 GB length prefix and nothing else: FIELD_TOOLONG, close, and other clients still served."""
    async def body(server):
        address = server.addresses["tcp"][0]
        reader, writer = await tcp_connect(address)
        writer.write(struct.pack(">I", 2**31))
        error = await read_frame(reader)
        closed = await closed_by_peer(reader)
        r2, w2 = await tcp_connect(address)
        w2.write(encode_frame(b"ok?"))
        after = await read_frame(r2)
        writer.close(), w2.close()
        return error, closed, after

    assert run_server(EchoHandler(), body) == (TOOLONG, True, b"reply:ok?")


def test_loopback_idle_timeout_and_cap_with_real_sockets():
    """Idle connections are closed by the timer; past the cap the oldest are evicted."""
    async def body(server):
        address = server.addresses["tcp"][0]
        conns = [await tcp_connect(address) for _ in range(6)]
        await asyncio.sleep(0.1)
        evicted = [await closed_by_peer(r, timeout=0.2) for r, _ in conns[:2]]
        idle_closed = await closed_by_peer(conns[-1][0], timeout=10)
        for _, w in conns:
            w.close()
        return evicted, idle_closed

    assert run_server(EchoHandler(), body, tcp_max_connections=4, tcp_idle_timeout=1) == ([True, True], True)
