"""The conformance suite every PrincipalStore backend must pass (Apache Kerby's idea).

A backend's test module subclasses ``StoreConformance`` and provides a ``store_factory``
fixture: a callable returning a new connection (``open_store``) to the same fresh store,
so tests can check that one connection sees another's changes.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from kdc.db import NoSuchPrincipal, PrincipalEntry, PrincipalExists, StoredKey
from kdc.db.model import Attr, SaltType
from protocol.constants import NameType
from protocol.principal import Principal

REALM = "EXAMPLE.TEST"


def run(coro):
    return asyncio.run(coro)


def entry(name: str, kvno: int = 1, enctypes=(18, 17), **kw) -> PrincipalEntry:
    p = Principal.parse(name, REALM)
    keys = tuple(StoredKey(kvno=kvno, enctype=e, sealed=bytes([kvno, e]) * 20, mkvno=1) for e in enctypes)
    return PrincipalEntry(principal=p, attributes=int(Attr.REQUIRES_PRE_AUTH), kvno=kvno, keys=keys,
                          max_life=36000, max_renewable_life=604800, **kw)


class StoreConformance:
    """Behaviour of PrincipalStore that callers (kdcd, kdcadmin) rely on."""

    @pytest.fixture
    def store(self, store_factory):
        s = store_factory()
        yield s
        run(s.close())

    def test_add_then_get_round_trips_every_field(self, store):
        """get returns exactly what add stored: every field, every key, key order kept."""
        e = entry("alice", kvno=3, enctypes=(18, 17, 20), expiration=2_000_000_000, pw_expiration=1_900_000_000,
                  last_pwd_change=1_700_000_000, policy="default", mod_time=1_700_000_001,
                  mod_princ="admin@EXAMPLE.TEST")
        e = dataclasses.replace(e, keys=e.keys + (StoredKey(2, 18, b"\x01" * 40, 1, SaltType.SPECIAL, b"salty"),))
        run(store.add(e))
        assert run(store.get(e.principal)) == e

    def test_get_unknown_is_none(self, store):
        """get of a principal that does not exist returns None."""
        assert run(store.get(Principal.parse("nobody", REALM))) is None

    def test_get_ignores_name_type(self, store):
        """Lookup matches the name whatever name type the request carried, and returns the stored type."""
        e = entry("host/server.example.test")
        e = dataclasses.replace(e, principal=Principal(NameType.NT_SRV_HST, e.principal.components, REALM))
        run(store.add(e))
        got = run(store.get(Principal(NameType.NT_PRINCIPAL, e.principal.components, REALM)))
        assert got is not None and got.principal.name_type == NameType.NT_SRV_HST

    def test_lookup_is_exact(self, store):
        """No case folding, no prefix match, realm part of the name."""
        run(store.add(entry("alice")))
        for other in ("Alice", "alic", "alice/admin", "alice@OTHER.TEST"):
            assert run(store.get(Principal.parse(other, REALM))) is None

    def test_principal_without_keys(self, store):
        """A -nokey principal round-trips with an empty key set."""
        e = dataclasses.replace(entry("nokey"), keys=())
        run(store.add(e))
        assert run(store.get(e.principal)).keys == ()

    def test_add_existing_raises(self, store):
        """add refuses a name already present and leaves the first record alone."""
        run(store.add(entry("alice", kvno=1)))
        with pytest.raises(PrincipalExists):
            run(store.add(entry("alice", kvno=5)))
        assert run(store.get(Principal.parse("alice", REALM))).kvno == 1

    def test_add_many_is_all_or_nothing(self, store):
        """add_many with one clash adds none of the batch."""
        run(store.add(entry("b")))
        with pytest.raises(PrincipalExists):
            run(store.add_many([entry("a"), entry("b"), entry("c")]))
        assert run(store.list()) == [Principal.parse("b", REALM)]

    def test_put_replaces_record_and_keys(self, store):
        """put replaces the whole record: old keys disappear unless the new record keeps them."""
        run(store.add(entry("alice", kvno=1, enctypes=(18, 17))))
        new = entry("alice", kvno=2, enctypes=(18,), policy="p")
        run(store.put(new))
        assert run(store.get(new.principal)) == new

    @pytest.mark.parametrize("bookkeeping,count,last_failed,last_success", [
        ((), 1, 1000, 2000),  # kdcd's writes survive the admin's change
        (("fail_auth_count",), 0, 1000, 2000),  # the admin clears the count on purpose (-unlock, cpw)
        (None, 0, None, None),  # a whole-record replace
    ])
    def test_put_keeps_bookkeeping_recorded_since_the_read(self, store_factory, bookkeeping, count, last_failed,
                                                           last_success):
        """kdcadmin reads a record, kdcd records a failure and a success, kdcadmin puts its change:
        the bookkeeping fields it does not name keep kdcd's values."""
        kdc, admin = store_factory(), store_factory()
        try:
            run(admin.add(entry("alice")))
            alice = entry("alice").principal
            read = run(admin.get(alice))
            run(kdc.record_failure(alice, 1000))
            run(kdc.record_success(alice, 2000))
            changed = dataclasses.replace(read, max_life=read.max_life + 1)
            run(admin.put(changed, **({} if bookkeeping is None else {"bookkeeping": bookkeeping})))
            got = run(kdc.get(alice))
            assert got.max_life == changed.max_life
            assert (got.fail_auth_count, got.last_failed, got.last_success) == (count, last_failed, last_success)
        finally:
            run(kdc.close())
            run(admin.close())

    def test_put_refuses_an_unknown_bookkeeping_field(self, store):
        """``bookkeeping`` names only bookkeeping fields: anything else is a caller's bug (ValueError)."""
        run(store.add(entry("alice")))
        with pytest.raises(ValueError):
            run(store.put(entry("alice"), bookkeeping=("kvno",)))

    def test_put_unknown_raises(self, store):
        """put of a principal that does not exist raises NoSuchPrincipal and creates nothing."""
        with pytest.raises(NoSuchPrincipal):
            run(store.put(entry("ghost")))
        assert run(store.list()) == []

    def test_delete(self, store):
        """delete removes the record and its keys; a second delete raises NoSuchPrincipal."""
        e = entry("alice")
        run(store.add(e))
        run(store.delete(e.principal))
        assert run(store.get(e.principal)) is None
        with pytest.raises(NoSuchPrincipal):
            run(store.delete(e.principal))
        run(store.add(dataclasses.replace(e, keys=())))
        assert run(store.get(e.principal)).keys == ()  # no orphaned keys came back

    def test_list_glob(self, store):
        """list matches kadmin globs against the full name and returns sorted names."""
        for n in ("alice", "alan", "bob", "host/alpha.test", "krbtgt/EXAMPLE.TEST"):
            run(store.add(entry(n)))
        names = lambda pat: [str(p) for p in run(store.list(pat))]  # noqa: E731
        assert names(None) == sorted(str(Principal.parse(n, REALM)) for n in
                                     ("alice", "alan", "bob", "host/alpha.test", "krbtgt/EXAMPLE.TEST"))
        assert names("al*") == ["alan@EXAMPLE.TEST", "alice@EXAMPLE.TEST"]
        assert names("?ob@EXAMPLE.TEST") == ["bob@EXAMPLE.TEST"]
        assert names("host/*") == ["host/alpha.test@EXAMPLE.TEST"]
        assert names("[ab]l*@*") == ["alan@EXAMPLE.TEST", "alice@EXAMPLE.TEST"]
        assert names("nomatch*") == []

    def test_record_failure_and_success(self, store):
        """record_failure counts up and stamps last_failed; record_success stamps last_success."""
        e = entry("alice")
        run(store.add(e))
        run(store.record_failure(e.principal, 100))
        run(store.record_failure(e.principal, 200))
        run(store.record_success(e.principal, 300))
        got = run(store.get(e.principal))
        assert (got.fail_auth_count, got.last_failed, got.last_success) == (2, 200, 300)
        run(store.record_failure(Principal.parse("ghost", REALM), 1))  # vanished principal: no error

    def test_change_visible_to_other_connection(self, store_factory):
        """A change through one connection is seen by another's next get (kdcadmin -> kdcd)."""
        kdc, admin = store_factory(), store_factory()
        try:
            e = entry("alice", kvno=1)
            run(admin.add(e))
            assert run(kdc.get(e.principal)).kvno == 1
            run(admin.put(entry("alice", kvno=2)))
            assert run(kdc.get(e.principal)).kvno == 2
            run(admin.delete(e.principal))
            assert run(kdc.get(e.principal)) is None
        finally:
            run(kdc.close())
            run(admin.close())

    def test_concurrent_failure_counts_are_not_lost(self, store_factory):
        """record_failure from two connections interleaved never loses an increment."""
        a, b = store_factory(), store_factory()
        try:
            e = entry("alice")
            run(a.add(e))
            for i in range(50):
                run(a.record_failure(e.principal, i))
                run(b.record_failure(e.principal, i))
            assert run(a.get(e.principal)).fail_auth_count == 100
        finally:
            run(a.close())
            run(b.close())
