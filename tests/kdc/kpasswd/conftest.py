"""An in-process realm with a kpasswd service: tests.support.kdccore's KDC core for the AS
exchange (real handle_request), and handle_kpasswd over the same fake store and master key."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from kdc.db.model import Attr
from kdc.kpasswd import KpasswdContext, handle_kpasswd
from kdc.kpasswd.handler import KpasswdAudit
from protocol.client.replay import ReplayCache
from tests.kdc.kpasswd.client import KpasswdClient, Reply
from tests.support.kdccore import CoreRealm, KDCErrorReply, seeded_rng


class SealingMasterKey:
    """kdccore's FakeMasterKey behind the real MasterKey's seal/unseal signatures."""

    def __init__(self, fake) -> None:
        self.fake = fake
        self.seals = 0

    def unseal(self, principal, stored):
        return self.fake.unseal(principal, stored)

    def seal(self, principal, kvno, key, *, salt_type=0, salt=None):
        self.seals += 1
        return self.fake.seal(kvno, key, salt_type=salt_type, salt=salt)


@dataclass
class KpasswdRealm:
    core: CoreRealm
    ctx: KpasswdContext

    def client(self, name: str, password: str | None = None, **kw) -> KpasswdClient:
        """kinit-like AS exchange for kadmin/changepw (as MIT kpasswd does), ready to send."""
        creds = self.core.kinit(name, password, server="kadmin/changepw")
        return KpasswdClient(creds.client, creds.ticket, creds.session_key, seeded_rng(7), self.core.now, **kw)

    def send(self, data: bytes) -> tuple[bytes | None, KpasswdAudit]:
        return asyncio.run(handle_kpasswd(data, self.ctx))

    def change(self, client: KpasswdClient, password: bytes, **kw) -> Reply:
        reply, _ = self.send(client.request(password, **kw))
        assert reply is not None
        return client.read(reply)

    def entry(self, name: str):
        return self.core.store.entries[self.core.principal(name)]

    def can_kinit(self, name: str, password: str) -> bool:
        try:
            self.core.kinit(name, password)
        except KDCErrorReply:
            return False
        return True


@pytest.fixture
def realm() -> KpasswdRealm:
    core = CoreRealm()
    core.add_service("kadmin/changepw", attrs=Attr.PWCHANGE_SERVICE | Attr.DISALLOW_TGT_BASED)
    core.add_user("alice", "alice-old-pw")
    core.add_user("bob", "bob-old-pw")
    ctx = KpasswdContext(core.config, core.store, SealingMasterKey(core.master_key), seeded_rng(3),
                         lambda: core.now, ReplayCache(300))
    return KpasswdRealm(core, ctx)
