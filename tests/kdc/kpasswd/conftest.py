"""An in-process realm with a kpasswd service: tests.support.kdccore's KDC core for the AS
exchange (real handle_request), and handle_kpasswd over the same fake store and master key."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

import pytest

from kdc.db.model import Attr
from kdc.kpasswd import KpasswdContext, handle_kpasswd
from kdc.kpasswd.handler import KpasswdAudit
from protocol.client.replay import ReplayCache
from protocol.constants import KeyUsage
from protocol.crypto import encrypt
from protocol.messages import codec
from protocol.messages.types import EncryptedData
from protocol.principal import Principal
from tests.kdc.kpasswd.client import KpasswdClient, Reply
from tests.support.kdccore import CoreRealm, KDCErrorReply, seeded_rng


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

    def forge(self, client: KpasswdClient, *, flags: int | None = None, crealm: str | None = None) -> KpasswdClient:
        """The client with its ticket re-issued as a KDC could (new flags or client realm), same session key."""
        part = self.core.open_ticket(client.ticket)
        part = replace(part, flags=part.flags if flags is None else flags, crealm=crealm or part.crealm)
        changepw = self.core.principal("kadmin/changepw")
        key = self.core.keys_of(changepw)[client.ticket.enc_part.etype]
        cipher = encrypt(key, KeyUsage.KDC_REP_TICKET, codec.encode(part), self.core.rng)
        ticket = replace(client.ticket, enc_part=EncryptedData(key.keytype, cipher, client.ticket.enc_part.kvno))
        who = Principal.from_name(part.cname, part.crealm)
        return replace(client, client=who, ticket=ticket)

    def entry(self, name: str):
        return self.core.store.entries[self.core.principal(name)]

    def can_kinit(self, name: str, password: str) -> bool:
        try:
            self.core.kinit(name, password)
        except KDCErrorReply:
            return False
        return True


def make_kpasswd_realm() -> KpasswdRealm:
    """CoreRealm with kadmin/changepw (as kdcadmin init makes it), alice and bob, and a kpasswd context."""
    core = CoreRealm()
    core.add_service("kadmin/changepw", attrs=Attr.PWCHANGE_SERVICE | Attr.DISALLOW_TGT_BASED)
    core.add_user("alice", "alice-old-pw")
    core.add_user("bob", "bob-old-pw")
    ctx = KpasswdContext(core.config, core.store, core.master_key, seeded_rng(3),
                         lambda: core.now, ReplayCache(300))
    return KpasswdRealm(core, ctx)


@pytest.fixture
def realm() -> KpasswdRealm:
    return make_kpasswd_realm()
