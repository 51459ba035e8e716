"""The same AS and TGS exchanges against the real backends: SQLite store, SoftHSM2 master key.

The realm is made by the real ``kdcadmin`` (``tests.support.realm.build_realm``); the test
then opens the store and token in this process, exactly as kdcd does, and drives
``handle_request`` with requests built by the harness client.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from kdc.config import load_config
from kdc.db import open_store
from kdc.exchange.dispatch import KDCContext
from kdc.masterkey import open_master_key
from protocol.constants import ErrorCode, KeyUsage, TicketFlag
from protocol.crypto import decrypt
from protocol.messages import EncTicketPart, decode
from tests.support.kdccore import CoreRealm, KDCErrorReply
from tests.support.realm import build_realm
from tests.support.softhsm import reload_in_process

pytestmark = pytest.mark.interop

SVC = "host/server.example.test"


@pytest.fixture
def real(tmp_path, monkeypatch):
    built = build_realm(tmp_path / "realm", users={"alice": "alice pw"}, services=[SVC])
    monkeypatch.setenv("SOFTHSM2_CONF", str(built.token.conf))
    reload_in_process(built.token)
    config = load_config(str(built.config_path))
    store = open_store(config.database.url)
    master_key = open_master_key(config.master_key)
    harness = CoreRealm(config=config)
    harness.ctx = KDCContext(config, store, master_key, os.urandom, lambda: harness.now)
    harness.passwords[harness.principal("alice")] = "alice pw"
    yield harness, store, master_key
    master_key.close()
    asyncio.run(store.close())


def test_as_and_tgs_with_sqlite_and_softhsm(real):
    """kinit with the password kdcadmin set, then a service ticket that decrypts with the stored service key."""
    harness, store, master_key = real
    tgt = harness.kinit("alice")
    assert tgt.enc.flags & TicketFlag.PRE_AUTHENT
    svc = harness.tgs(tgt, SVC)
    entry = asyncio.run(store.get(harness.principal(SVC)))
    stored = next(k for k in entry.keys_for_kvno(svc.ticket.enc_part.kvno) if k.enctype == svc.ticket.enc_part.etype)
    key = master_key.unseal(entry.principal, stored)
    part = decode(decrypt(key, KeyUsage.KDC_REP_TICKET, svc.ticket.enc_part.cipher), EncTicketPart)
    assert part.cname.name_string == ("alice",) and part.key == svc.enc.key
    assert asyncio.run(store.get(harness.principal("alice"))).last_success is not None


def test_wrong_password_counts_in_the_database(real):
    """A wrong password is PREAUTH_FAILED and the SQLite record's failure count goes up."""
    harness, store, _ = real
    with pytest.raises(KDCErrorReply) as info:
        harness.kinit("alice", "not the password")
    assert info.value.code == ErrorCode.KDC_ERR_PREAUTH_FAILED
    assert asyncio.run(store.get(harness.principal("alice"))).fail_auth_count == 1


def test_as_and_tgs_answer_while_another_process_holds_the_write_lock(real):
    """kdcadmin (or a script) holding the SQLite write lock does not stall the KDC: a kinit
    and a TGS exchange complete while the lock is still held, the kinit's last_success write
    is skipped with the reason in the audit, and a wrong password is still refused."""
    from kdc.exchange.dispatch import handle_request
    from tests.kdc.db.test_sqlite import WriteLockHolder

    harness, store, _ = real
    tgt = harness.kinit("alice")  # warm: records cached, as on a running kdcd
    key = harness.user_key("alice", 18)
    with WriteLockHolder(store.path) as lock:
        data = harness.as_req("alice", padata=(harness.enc_timestamp(key),))
        reply, audit = asyncio.run(handle_request(data, harness.ctx))
        assert audit.result == "ok" and "could not record" in audit.detail and "locked" in audit.detail
        assert harness.tgs(tgt, SVC).enc.sname.name_string == ("host", "server.example.test")
        with pytest.raises(KDCErrorReply) as info:
            harness.kinit("alice", "not the password")
        assert info.value.code == ErrorCode.KDC_ERR_PREAUTH_FAILED
        assert not lock.released
