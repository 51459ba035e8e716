"""kdcadmin init: database, master key in the token, krbtgt and kadmin principals; refuses to redo."""

from __future__ import annotations

import pkcs11

from kdc.db.model import Attr
from kdc.masterkey import open_master_key


def test_init_creates_realm(fresh):
    """init makes krbtgt/REALM, kadmin/admin and kadmin/changepw with MIT's attributes and random keys."""
    out = fresh.ok("init")
    assert 'Principal "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST" created.' in out
    assert fresh.ok("listprincs").split() == [
        "kadmin/admin@EXAMPLE.TEST", "kadmin/changepw@EXAMPLE.TEST", "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST"]
    tgt = fresh.entry("krbtgt/EXAMPLE.TEST")
    assert tgt.kvno == 1 and [k.enctype for k in tgt.keys] == [18, 17, 20, 19]
    assert fresh.entry("kadmin/admin").attributes == Attr.DISALLOW_TGT_BASED
    changepw = fresh.entry("kadmin/changepw")
    assert changepw.attributes == Attr.DISALLOW_TGT_BASED | Attr.PWCHANGE_SERVICE
    assert changepw.max_life == 300
    keys = fresh.clear_keys("krbtgt/EXAMPLE.TEST")
    assert len({k.keyvalue for k in keys}) == 4 and all(len(k.keyvalue) in (16, 32) for k in keys)


def test_master_key_is_in_token_and_unextractable(realm):
    """The master key init generated is a sensitive, non-extractable AES-256 token object."""
    mk = open_master_key(realm.config.master_key)
    try:
        key = mk._keys[1]
        assert key[pkcs11.Attribute.SENSITIVE] and not key[pkcs11.Attribute.EXTRACTABLE]
        assert key[pkcs11.Attribute.TOKEN] and key[pkcs11.Attribute.VALUE_LEN] == 32
    finally:
        mk.close()


def test_init_twice_refuses_and_changes_nothing(realm):
    """A second init exits 1 naming the existing realm; the database and token keep their state."""
    before = realm.snapshot()
    r = realm.run("init")
    assert r.code == 1 and "already exists" in r.err and r.err.count("\n") == 1
    assert realm.snapshot() == before
    realm.clear_keys("krbtgt/EXAMPLE.TEST")  # the original master key still opens the keys


def test_init_refuses_when_token_has_key(fresh, tmp_path):
    """If the token already holds a master key, init refuses before creating any database."""
    fresh.ok("init")
    fresh.db_path.unlink()
    r = fresh.run("init")
    assert r.code == 1 and "master key 'kdcd-master' already exists" in r.err
    assert not fresh.db_path.exists()


def test_failed_init_leaves_token_clean(fresh):
    """If the database cannot be created, init fails (exit 2) and removes the master key it generated."""
    good = fresh.config_path.read_text()
    fresh.config_path.write_text(good.replace(str(fresh.db_path), str(fresh.db_path.parent / "missing" / "p.db")))
    r = fresh.run("init")
    assert r.code == 2 and "does not exist" in r.err and r.err.count("\n") == 1
    fresh.config_path.write_text(good)
    fresh.ok("init")  # a retry is not refused by a leftover key
    fresh.clear_keys("krbtgt/EXAMPLE.TEST")


def test_init_on_corrupt_database_touches_nothing(fresh):
    """A damaged database file stops init before the token is touched."""
    fresh.db_path.write_bytes(b"\x00garbage" * 512)
    r = fresh.run("init")
    assert r.code == 2 and "not a database" in r.err
    fresh.db_path.unlink()
    fresh.ok("init")
