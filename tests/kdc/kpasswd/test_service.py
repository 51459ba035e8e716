"""kdc.service.kpasswd: the kpasswd listeners on loopback with a private reactor (no kdcd process).

The handler runs against the in-process realm of conftest (fake store and master key), the
transports are the real Twisted ones; the MIT-client interop lives in tests/interop/test_kpasswd.py.
"""

from __future__ import annotations

import dataclasses
import socket

import pytest

from kdc.config import ListenConfig
from kdc.kpasswd.errors import ResultCode
from kdc.kpasswd.session import host_address
from kdc.service.kpasswd import EVENT, KpasswdServer, bind_kpasswd
from kdc.service.server import BindError, BoundSocket, bind_socket
from protocol.framing import encode_frame
from tests.kdc.service.fakes import RecordingLog
from tests.kdc.service.loopback import read_frame, run_private, tcp_connect, udp_exchange

NEW = b"alice-new-pw"


def serve(realm, body):
    """Run a KpasswdServer for ``realm`` on kernel-chosen loopback ports around ``body(server)``."""
    config = dataclasses.replace(realm.core.config, listen=ListenConfig(
        udp=(), tcp=(), kpasswd_udp=(("127.0.0.1", 0),), kpasswd_tcp=(("127.0.0.1", 0),)))

    def build(reactor):
        log = RecordingLog()
        server = KpasswdServer(reactor, config, realm.core.store, realm.ctx.master_key, log)
        # The test realm's clock and RNG; the server's own offload (a real executor thread).
        server.ctx = dataclasses.replace(realm.ctx, config=config, offload=server.ctx.offload)
        server.records = log
        return server, lambda: bind_kpasswd(config)

    return run_private(build, body)


def test_change_over_udp_and_tcp(realm):
    """One change per transport succeeds; each logs a kdc.kpasswd event with its transport and client."""
    first = realm.client("alice")
    data1 = first.request(NEW)
    second = realm.client("bob")
    data2 = second.request(b"bob-new-password")

    async def body(server):
        udp = await udp_exchange(server.addresses["udp"][0], data1)
        reader, writer = await tcp_connect(server.addresses["tcp"][0])
        writer.write(encode_frame(data2))
        tcp = await read_frame(reader)
        writer.close()
        return udp, tcp

    udp, tcp = serve(realm, body)
    assert first.read(udp).code == ResultCode.KRB5_KPASSWD_SUCCESS
    assert second.read(tcp).code == ResultCode.KRB5_KPASSWD_SUCCESS
    assert realm.can_kinit("alice", NEW.decode()) and realm.can_kinit("bob", "bob-new-password")


def test_events_name_transport_client_and_result(realm):
    """The dispatcher's event is renamed kdc.kpasswd and carries the audit fields, never the password."""
    client = realm.client("alice")
    data = client.request(NEW)

    async def body(server):
        await udp_exchange(server.addresses["udp"][0], data)
        return server.records

    log = serve(realm, body)
    [event] = log.named(EVENT)
    assert (event["transport"], event["client"], event["result"], event["request_type"]) == (
        "udp", "alice@EXAMPLE.TEST", "ok", "KPASSWD")
    assert NEW.decode() not in repr(log.events)


def test_reply_names_the_listening_address(realm):
    """The reply KRB-PRIV's s-address is the address the request came to (127.0.0.1 here)."""
    client = realm.client("alice")
    data = client.request(NEW)

    async def body(server):
        return await udp_exchange(server.addresses["udp"][0], data)

    assert client.read(serve(realm, body)).s_address == host_address("127.0.0.1")


def test_udp_retransmission_gets_the_first_reply_not_a_replay_error(realm):
    """A retransmitted datagram is answered from the lookaside cache with the same bytes (and the
    password changes once), not refused as a replayed authenticator."""
    client = realm.client("alice")
    data = client.request(NEW)

    async def body(server):
        first = await udp_exchange(server.addresses["udp"][0], data)
        again = await udp_exchange(server.addresses["udp"][0], data)
        return first, again, [e["source"] for e in server.records.named(EVENT)]

    first, again, sources = serve(realm, body)
    assert first == again and client.read(first).code == ResultCode.KRB5_KPASSWD_SUCCESS
    assert sources == ["kdc", "lookaside"]
    assert realm.entry("alice").kvno == 2


def test_garbage_datagram_gets_no_answer(realm):
    """Bytes that are not kpasswd are dropped: nothing is sent back."""
    async def body(server):
        return await udp_exchange(server.addresses["udp"][0], b"\x00\x07\x00\x01\x00\x01x", timeout=0.5)

    assert serve(realm, body) is None


def test_bind_failure_closes_everything_and_names_kpasswd(realm):
    """A kpasswd address already taken: BindError saying kpasswd, and the KDC's sockets given
    in close_on_failure are closed too (kdcd serves all of its configuration or nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        kdc = BoundSocket("udp", bind_socket("127.0.0.1", 0, "udp"))
        config = dataclasses.replace(realm.core.config, listen=ListenConfig(kpasswd_udp=(("127.0.0.1", port),)))
        with pytest.raises(BindError, match="kpasswd"):
            bind_kpasswd(config, close_on_failure=[kdc])
        assert kdc.sock.fileno() == -1


def test_no_kpasswd_addresses_binds_nothing(realm):
    """The default configuration has the service off: nothing is bound."""
    assert bind_kpasswd(realm.core.config) == []
