"""Listeners (kdc.service.server): all-or-nothing binding, IPv6, graceful stop."""

import asyncio
import socket

import pytest

from kdc.config import Config, ListenConfig
from kdc.service.server import BindError, bind_all
from protocol.framing import encode_frame
from tests.kdc.service.fakes import EchoHandler
from tests.kdc.service.loopback import read_frame, run_server, split_address, tcp_connect


def test_bind_all_or_nothing():
    """If one configured address cannot be bound, none stays bound and the error names it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            free_udp = probe.getsockname()[1]
        config = Config(realm="T", listen=ListenConfig(udp=(("127.0.0.1", free_udp),), tcp=(("127.0.0.1", port),)))
        with pytest.raises(BindError, match=f"cannot listen on tcp 127.0.0.1:{port}"):
            bind_all(config)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(("127.0.0.1", free_udp))  # the UDP socket bound first was closed again


def test_reuse_port_lets_two_processes_share():
    """With reuse_port two binds of the same address succeed (the --workers case); without, not."""
    config = Config(realm="T", listen=ListenConfig(udp=(("127.0.0.1", 0),), tcp=()))
    first = bind_all(config, reuse_port=True)
    port = first[0].sock.getsockname()[1]
    fixed = Config(realm="T", listen=ListenConfig(udp=(("127.0.0.1", port),), tcp=(("127.0.0.1", 0),)))
    try:
        second = bind_all(fixed, reuse_port=True)
        for b in second:
            b.sock.close()
        with pytest.raises(BindError, match="Address already in use"):
            bind_all(fixed, reuse_port=False)
    finally:
        for b in first:
            b.sock.close()


def test_ipv6_tcp_served():
    """A [::1] TCP listener answers like the IPv4 one."""
    listen = ListenConfig(udp=(), tcp=(("::1", 0),))

    async def body(server):
        [address] = server.addresses["tcp"]
        reader, writer = await tcp_connect(address)
        writer.write(encode_frame(b"v6"))
        reply = await read_frame(reader)
        writer.close()
        return address.startswith("[::1]:"), reply

    assert run_server(EchoHandler(), body, listen=listen) == (True, b"reply:v6")


def test_stop_finishes_in_flight_then_refuses_new_connections():
    """stop(): the request being answered still gets its reply; afterwards nothing is accepted."""
    async def body(server):
        address = server.addresses["tcp"][0]
        reader, writer = await tcp_connect(address)
        writer.write(encode_frame(b"slow"))
        await asyncio.sleep(0.05)
        stopping = asyncio.ensure_future(server.stop(grace=5))
        reply = await read_frame(reader)
        await stopping
        eof = await read_frame(reader)
        writer.close()
        host, port = split_address(address)
        try:
            await asyncio.open_connection(host, port)
            refused = False
        except OSError:
            refused = True
        return reply, eof, refused

    assert run_server(EchoHandler(delay=0.3), body) == (b"reply:slow", None, True)
