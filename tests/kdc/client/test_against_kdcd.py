"""The client library against our own kdcd on loopback (tests/support/kdcd.py)."""

from __future__ import annotations

import os
import time

import pytest

from kdc.client import Client, KerberosError
from protocol.client import ReplayCache, accept_ap_req
from protocol.constants import ErrorCode, TicketFlag
from protocol.keytab import parse_keytab
from protocol.principal import Principal
from tests.support.kdcd import kdcd_realm  # noqa: F401  (fixture)

pytestmark = pytest.mark.interop

SERVICE = "host/server.test"


@pytest.fixture
def client(kdcd_realm):  # noqa: F811
    return Client(kdcs={kdcd_realm.realm.name: [kdcd_realm.address]}, timeout=2.0, deadline=20.0)


def test_password_tgt_and_service_ticket(client, kdcd_realm):  # noqa: F811
    """kdcd issues a pre-authenticated TGT and a service ticket that pass every reply check."""
    tgt = client.get_tgt("alice", password=kdcd_realm.passwords["alice"], forwardable=True)
    assert tgt.server == Principal.krbtgt(kdcd_realm.realm.name) and tgt.flags & TicketFlag.PRE_AUTHENT
    tkt = client.get_service_ticket(tgt, SERVICE)
    assert tkt.server == Principal.parse(SERVICE, kdcd_realm.realm.name) and tkt.client == tgt.client


def test_errors_are_typed(client, kdcd_realm):  # noqa: F811
    """Wrong password -> 24, unknown client -> 6, from kdcd as from MIT."""
    with pytest.raises(KerberosError) as wrong:
        client.get_tgt("alice", password="not-the-password")
    with pytest.raises(KerberosError) as unknown:
        client.get_tgt("nobody", password="x")
    assert wrong.value.code == ErrorCode.KDC_ERR_PREAUTH_FAILED
    assert unknown.value.code == ErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN


def test_kdcd_ticket_accepted_with_kdcadmin_keytab(client, kdcd_realm, tmp_path):  # noqa: F811
    """A kdcd service ticket is accepted by our acceptor with the keytab kdcadmin ktadd wrote."""
    keytab = kdcd_realm.realm.ktadd(SERVICE, tmp_path / "svc.keytab", "-norandkey")
    tgt = client.get_tgt("alice", password=kdcd_realm.passwords["alice"])
    tkt = client.get_service_ticket(tgt, SERVICE)
    builder = client.ap_req(tkt)
    acc = accept_ap_req(builder.request(), parse_keytab(keytab.read_bytes()), now=time.time(),
                        replay_cache=ReplayCache(), rng=os.urandom)
    assert acc.client == tgt.client
    builder.receive_ap_rep(acc.ap_rep)
