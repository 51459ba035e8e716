"""kadmin operations on the principal store and the master key, each one store transaction.

Commands read the current record, compute the new one and ``put`` it whole: a password
change replaces every key of a principal atomically, or nothing changes. The KDC's own
bookkeeping fields (last success, last failure, failure count) are written only when the
command sets them (``-unlock``, ``cpw``): kdcd may record a login between the read and the
``put``, and a change of the maximum life must not erase it. The store and the
token are opened lazily, so ``getprinc`` or ``listprincs`` work without touching the token.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from typing import Any

from kdc.admin import keys as keymod
from kdc.admin.errors import Refused
from kdc.admin.flags import Flag
from kdc.config import Config
from kdc.db import DatabaseMissing, PrincipalEntry, PrincipalStore, open_store
from kdc.db.model import Attr, StoredKey
from kdc.keys import BOOKKEEPING_SET, change_password, with_new_keys
from kdc.masterkey import MasterKey, MasterKeyExists, Warn, create_master_key, open_master_key
from protocol.crypto import Rng
from protocol.messages.types import EncryptionKey
from protocol.principal import Principal

# MIT kdb5_util create's lifetimes for the kadmin service principals.
ADMIN_LIFETIME = 3 * 3600
CHANGEPW_LIFETIME = 5 * 60


@dataclasses.dataclass
class Changes:
    """What addprinc/modprinc set: PrincipalEntry fields to replace, and flags to turn on/off."""

    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    flags: list[tuple[Flag, bool]] = dataclasses.field(default_factory=list)

    def apply(self, entry: PrincipalEntry) -> PrincipalEntry:
        attributes = entry.attributes
        for flag, on in self.flags:
            attributes = flag.apply(attributes, on)
        return dataclasses.replace(entry, attributes=attributes, **self.fields)


class Admin:
    """One kdcadmin session: the realm's config, store and master key (opened on first use)."""

    def __init__(self, config: Config, *, who: str, now: Callable[[], int] | None = None,
                 rng: Rng = os.urandom, warn: Warn | None = None) -> None:
        self.config = config
        self.realm = config.realm
        self.who = who
        self.now = now or (lambda: int(time.time()))
        self.rng = rng
        self.warn = warn  # one-line warnings of the token set-up (PIN file mode)
        self._store: PrincipalStore | None = None
        self._mk: MasterKey | None = None

    # -- resources -----------------------------------------------------------------------

    def store(self) -> PrincipalStore:
        if self._store is None:
            self._store = open_store(self.config.database.url)
        return self._store

    def master_key(self) -> MasterKey:
        if self._mk is None:
            self._mk = open_master_key(self.config.master_key, warn=self.warn)
        return self._mk

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None
        if self._mk is not None:
            self._mk.close()
            self._mk = None

    # -- reads ---------------------------------------------------------------------------

    async def get(self, principal: Principal) -> PrincipalEntry:
        entry = await self.store().get(principal)
        if entry is None:
            raise Refused(f"principal {principal} does not exist")
        return entry

    def policy_exists(self, name: str) -> bool:
        """Whether a password policy object ``name`` exists: never, since there are none yet.

        MIT kadmin records a missing policy's name anyway (with a warning), and so do we; the
        store has no policy table, so every name is missing until policies are built.
        """
        return False

    async def list(self, pattern: str | None) -> list[Principal]:
        """kadmin listprincs: a glob without ``@`` means names in the default realm."""
        if pattern is None:
            return await self.store().list()
        if "@" not in pattern:
            pattern += "@" + _glob_escape(self.realm)
        return await self.store().list(pattern)

    # -- changes -------------------------------------------------------------------------

    def new_entry(self, principal: Principal) -> PrincipalEntry:
        """A fresh record with this realm's defaults: +requires_preauth and the realm's lifetimes."""
        return PrincipalEntry(
            principal=principal, attributes=int(Attr.REQUIRES_PRE_AUTH), kvno=1, keys=(),
            max_life=self.config.tickets.max_life,
            max_renewable_life=self.config.tickets.max_renewable_life,
        )

    def _stamp(self, entry: PrincipalEntry) -> PrincipalEntry:
        return dataclasses.replace(entry, mod_time=self.now(), mod_princ=self.who)

    async def add(self, principal: Principal, changes: Changes, password: str | None, randkey: bool,
                  keysalts: tuple[keymod.KeySalt, ...] | None) -> None:
        """addprinc: a new record, keys from ``password``, random (``randkey``), or none."""
        if await self.store().get(principal) is not None:
            raise Refused(f"principal {principal} already exists")
        entry = changes.apply(self.new_entry(principal))
        if password is not None or randkey:
            entry = dataclasses.replace(entry, keys=self._make_keys(principal, 1, password, keysalts),
                                        last_pwd_change=self.now())
        await self.store().add(self._stamp(entry))

    async def modify(self, principal: Principal, changes: Changes, unlock: bool, kvno: int | None) -> None:
        """modprinc: change fields and flags; ``unlock`` clears the failure count; ``kvno`` renumbers."""
        entry = changes.apply(await self.get(principal))
        if unlock:
            entry = dataclasses.replace(entry, fail_auth_count=0)
        if kvno is not None:
            entry = self._renumber(entry, kvno)
        await self.store().put(self._stamp(entry), bookkeeping=("fail_auth_count",) if unlock else ())

    async def delete(self, principal: Principal) -> None:
        """delprinc; the store's NoSuchPrincipal prints as ``get``'s Refused does (exit status 1)."""
        await self.store().delete(principal)

    async def change_keys(self, principal: Principal, password: str | None, keepold: bool,
                          keysalts: tuple[keymod.KeySalt, ...] | None) -> PrincipalEntry:
        """cpw/ktadd: new keys (random when ``password`` is None) at kvno + 1, one transaction.

        Without ``keysalts`` the keys get the realm's default enctypes, as MIT's cpw does.
        The record is built by ``kdc.keys`` (``change_password``, as kpasswd does, or
        ``with_new_keys`` for random keys), so it gets what kadm5_chpass_principal and
        kadm5_randkey_principal give: ``needchange`` and the failure count cleared, the
        password expiration reset. Returns the new record.
        """
        entry = await self.get(principal)
        keysalts = keysalts or keymod.default_keysalts(self.config)
        now, mk = self.now(), self.master_key()
        if password is not None:
            new = change_password(entry, password, mk, now=now, by=self.who, keysalts=keysalts, keepold=keepold)
        else:
            keys = keymod.random_keys(mk, principal, entry.kvno + 1, keysalts, self.rng)
            new = with_new_keys(entry, keys, now=now, by=self.who, keepold=keepold)
        await self.store().put(new, bookkeeping=BOOKKEEPING_SET)
        return new

    async def purge_keys(self, principal: Principal, keep_kvno: int | None, *, all_keys: bool = False) -> None:
        """kadmin purgekeys (MIT kadm5_purgekeys): drop the keys older than ``keep_kvno``, one ``put``.

        ``keep_kvno`` None keeps only the current kvno's keys, as MIT does without
        ``-keepkvno``. Unlike MIT, a ``keep_kvno`` above the current kvno is lowered to it:
        purging old keys never removes the keys in use. ``all_keys`` (``-all``) removes every
        key, as MIT's does. No token needed: sealed blobs are dropped, never opened.
        """
        entry = await self.get(principal)
        if all_keys:
            keys: tuple[StoredKey, ...] = ()
        else:
            keep = entry.kvno if keep_kvno is None else min(keep_kvno, entry.kvno)
            keys = tuple(k for k in entry.keys if k.kvno >= keep)
        await self.store().put(self._stamp(dataclasses.replace(entry, keys=keys)), bookkeeping=())

    def unseal(self, entry: PrincipalEntry, stored: StoredKey) -> EncryptionKey:
        return self.master_key().unseal(entry.principal, stored)

    # -- realm creation ------------------------------------------------------------------

    async def init(self) -> list[Principal]:
        """kdb5_util create: database, master key in the token, krbtgt and kadmin principals.

        Refuses, changing nothing, when the database already holds principals or the token
        already holds the master key. If creating the database fails after the key was
        generated, the new key is deleted again so that ``init`` can be re-run.
        """
        url = self.config.database.url
        await self._refuse_existing_database(url)
        try:
            mk = create_master_key(self.config.master_key, warn=self.warn)
        except MasterKeyExists as exc:
            raise Refused(str(exc)) from None
        try:
            entries = self._initial_entries(mk)
            store = open_store(url, create=True)
            try:
                await store.add_many(entries)
            finally:
                await store.close()
        except BaseException:
            mk.destroy()
            mk.close()
            raise
        self._mk = mk
        return [e.principal for e in entries]

    async def _refuse_existing_database(self, url: str) -> None:
        try:
            store = open_store(url)
        except DatabaseMissing:
            return
        try:
            if await store.list():
                raise Refused(f"realm {self.realm} already exists in {url}; init changes nothing")
        finally:
            await store.close()

    def _initial_entries(self, mk: MasterKey) -> list[PrincipalEntry]:
        realm, now = self.realm, self.now()
        keysalts = keymod.default_keysalts(self.config)
        specs = [
            (Principal.krbtgt(realm), 0, self.config.tickets.max_life),
            (Principal.parse("kadmin/admin", realm), Attr.DISALLOW_TGT_BASED, ADMIN_LIFETIME),
            (Principal.parse("kadmin/changepw", realm),
             Attr.DISALLOW_TGT_BASED | Attr.PWCHANGE_SERVICE, CHANGEPW_LIFETIME),
        ]
        return [
            self._stamp(dataclasses.replace(
                self.new_entry(p), attributes=int(attrs), max_life=life, last_pwd_change=now,
                keys=keymod.random_keys(mk, p, 1, keysalts, self.rng)))
            for p, attrs, life in specs
        ]

    # -- helpers -------------------------------------------------------------------------

    def _make_keys(self, principal: Principal, kvno: int, password: str | None,
                   keysalts: tuple[keymod.KeySalt, ...] | None) -> tuple[StoredKey, ...]:
        keysalts = keysalts or keymod.default_keysalts(self.config)
        mk = self.master_key()
        if password is None:
            return keymod.random_keys(mk, principal, kvno, keysalts, self.rng)
        return keymod.password_keys(mk, principal, kvno, password, keysalts)

    def _renumber(self, entry: PrincipalEntry, kvno: int) -> PrincipalEntry:
        """Move the current keys to ``kvno``: unseal and reseal, since the kvno is bound into each blob."""
        mk = self.master_key()
        moved = tuple(
            mk.seal(entry.principal, kvno, mk.unseal(entry.principal, k), salt_type=k.salt_type, salt=k.salt)
            for k in entry.keys_for_kvno()
        )
        rest = tuple(k for k in entry.keys if k.kvno not in (entry.kvno, kvno))
        return dataclasses.replace(entry, kvno=kvno, keys=moved + rest)


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)
