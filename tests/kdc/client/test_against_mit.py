"""The client library against MIT's krb5kdc on loopback (tests/support/mitkdc.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time

import pytest

from kdc.client import AsyncClient, Client, KerberosError, load_ccache, save_ccache
from protocol.client import ReplayCache, accept_ap_req
from protocol.constants import ErrorCode, TicketFlag
from protocol.keytab import parse_keytab
from protocol.principal import Principal
from tests.support.mitkdc import MITRealm

pytestmark = pytest.mark.interop

SERVICE = "host/web.mit.test"


@pytest.fixture(scope="module")
def realm(tmp_path_factory):
    r = MITRealm(tmp_path_factory.mktemp("mitkdc-client"))
    with r:
        r.add_principal("alice", password="alice-pw")
        r.kadmin("modprinc +requires_preauth alice")
        r.add_principal("robot", randkey=True)
        r.add_principal(SERVICE, randkey=True)
        r.ktadd(r.dir / "robot.keytab", "robot")
        r.ktadd(r.dir / "service.keytab", SERVICE)
        yield r


@pytest.fixture
def client(realm):
    return Client(config=realm.krb5_conf_path, timeout=2.0, deadline=20.0)


def test_password_tgt(client, realm):
    """A password TGT from MIT's KDC: our name, krbtgt/REALM, pre-authenticated and initial."""
    tgt = client.get_tgt("alice", password="alice-pw")
    assert tgt.client == Principal.parse("alice", realm.realm) and tgt.server == Principal.krbtgt(realm.realm)
    assert tgt.flags & TicketFlag.PRE_AUTHENT and tgt.flags & TicketFlag.INITIAL


def test_keytab_tgt(client, realm):
    """A TGT for a principal whose keys come from an MIT-written keytab."""
    tgt = client.get_tgt("robot", keytab=realm.dir / "robot.keytab")
    assert tgt.client.components == ("robot",)


def test_wrong_password_is_code_24(client):
    """MIT answers a wrong password with PREAUTH_FAILED, raised as KerberosError(24)."""
    with pytest.raises(KerberosError) as info:
        client.get_tgt("alice", password="wrong")
    assert info.value.code == ErrorCode.KDC_ERR_PREAUTH_FAILED


def test_unknown_principal_is_code_6(client):
    """An unknown client gives KerberosError(6) with MIT's e-text."""
    with pytest.raises(KerberosError) as info:
        client.get_tgt("nobody", password="x")
    assert info.value.code == ErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN and info.value.e_text


def test_forwardable_renewable_and_renew(client):
    """Forwardable and renewable flags come back as asked, and renewal keeps the client and server."""
    tgt = client.get_tgt("alice", password="alice-pw", forwardable=True, lifetime=600, renewable_life=7200)
    assert tgt.flags & TicketFlag.FORWARDABLE and tgt.flags & TicketFlag.RENEWABLE and tgt.renew_till
    renewed = client.renew(tgt)
    assert (renewed.client, renewed.server) == (tgt.client, tgt.server) and renewed.key != tgt.key
    assert renewed.flags & TicketFlag.RENEWABLE


def test_service_ticket_accepted_by_our_acceptor(client, realm):
    """An MIT-issued service ticket, in our AP-REQ, is accepted with the MIT keytab; mutual auth checks out."""
    tkt = client.get_service_ticket(client.get_tgt("alice", password="alice-pw"), SERVICE, forwardable=True)
    assert tkt.server == Principal.parse(SERVICE, realm.realm)
    builder = client.ap_req(tkt)
    keys = parse_keytab((realm.dir / "service.keytab").read_bytes())
    acc = accept_ap_req(builder.request(), keys, now=time.time(), replay_cache=ReplayCache(), rng=os.urandom)
    assert acc.client == tkt.client and acc.session_key == tkt.key
    builder.receive_ap_rep(acc.ap_rep)


def test_klist_lists_our_ccache(client, realm, tmp_path):
    """MIT klist reads the ccache we wrote and lists both tickets."""
    tgt = client.get_tgt("alice", password="alice-pw")
    tkt = client.get_service_ticket(tgt, SERVICE)
    save_ccache(tmp_path / "cc", [tgt, tkt])
    out = realm.run("klist", "-c", f"FILE:{tmp_path / 'cc'}").stdout.decode()
    assert f"alice@{realm.realm}" in out and f"krbtgt/{realm.realm}@{realm.realm}" in out and SERVICE in out


def test_kinit_ccache_gets_service_ticket(client, realm, tmp_path):
    """A TGT that MIT kinit stored is loaded and used for a TGS exchange; kvno accepts our ccache after."""
    cc = tmp_path / "kinit.cc"
    realm.kinit("alice", "alice-pw", "-c", f"FILE:{cc}")
    principal, creds = load_ccache(cc)
    tgt = next(c for c in creds if c.server.is_krbtgt)
    tkt = client.get_service_ticket(tgt, SERVICE)
    assert principal == tgt.client == tkt.client
    save_ccache(cc, [tgt, tkt])
    out = realm.run("kvno", "-c", f"FILE:{cc}", SERVICE).stdout.decode()
    assert "kvno" in out


def test_tcp_only_client(realm):
    """The same AS exchange works over TCP only."""
    tgt = Client(config=realm.krb5_conf_path, tcp_only=True).get_tgt("alice", password="alice-pw")
    assert tgt.client.components == ("alice",)


def test_async_client(realm):
    """AsyncClient gets a TGT and a service ticket from MIT's KDC."""
    async def go():
        c = AsyncClient(config=realm.krb5_conf_path)
        tgt = await c.get_tgt("alice", password="alice-pw")
        return await c.get_service_ticket(tgt, SERVICE)

    assert asyncio.run(go()).server.components == ("host", "web.mit.test")


def test_klist_keytab_sanity(realm):
    """The service keytab used above is MIT's own (klist -k lists the service)."""
    out = subprocess.run(["klist", "-k", str(realm.dir / "service.keytab")], capture_output=True, text=True,
                         env=realm.env()).stdout
    assert SERVICE in out
