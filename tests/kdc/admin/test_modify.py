"""kdcadmin modprinc, delprinc and cpw."""

from __future__ import annotations

import asyncio

import pytest

from kdc.db import open_store
from kdc.db.model import Attr
from protocol import crypto
from protocol.principal import Principal


def test_modprinc_flags_and_lifetimes(realm):
    """modprinc turns flags on and off (allow_* inverted) and sets lifetimes, keys untouched."""
    realm.ok("addprinc", "-pw", "pw", "alice")
    keys = realm.entry("alice").keys
    assert realm.ok("modprinc", "-allow_tix", "-requires_preauth", "-maxlife", "1h", "alice") == \
        'Principal "alice@EXAMPLE.TEST" modified.\n'
    e = realm.entry("alice")
    assert e.attributes == Attr.DISALLOW_ALL_TIX and e.max_life == 3600 and e.keys == keys
    realm.ok("modprinc", "+allow_tix", "+requires_preauth", "-expire", "never", "alice")
    e = realm.entry("alice")
    assert e.attributes == Attr.REQUIRES_PRE_AUTH and e.expiration is None


def test_modprinc_policy_and_clearpolicy(realm):
    """-policy sets the policy name (MIT's warning: no such policy object), -clearpolicy removes it silently."""
    assert realm.run("addprinc", "-nokey", "-policy", "p1", "alice").code == 0
    r = realm.run("modprinc", "-policy", "p2", "alice")
    assert (r.code, r.out, r.err) == (0, 'Principal "alice@EXAMPLE.TEST" modified.\n',
                                       'WARNING: policy "p2" does not exist\n')
    assert realm.entry("alice").policy == "p2"
    assert realm.ok("getprinc", "alice").splitlines()[-1] == "Policy: p2 [does not exist]"
    realm.ok("modprinc", "-clearpolicy", "alice")
    assert realm.entry("alice").policy is None
    assert realm.ok("getprinc", "alice").splitlines()[-1] == "Policy: [none]"


def test_modprinc_unlock(realm):
    """-unlock resets the failed-authentication count the KDC keeps."""
    realm.ok("addprinc", "-pw", "pw", "alice")

    async def fail_three():
        store = open_store(realm.config.database.url)
        for t in (1, 2, 3):
            await store.record_failure(Principal.parse("alice@EXAMPLE.TEST"), 1_700_000_000 + t)
        await store.close()
    asyncio.run(fail_three())
    assert "Failed password attempts: 3" in realm.ok("getprinc", "alice")
    realm.ok("modprinc", "-unlock", "alice")
    assert realm.entry("alice").fail_auth_count == 0


def test_modprinc_kvno_reseals_keys(realm):
    """-kvno renumbers the current keys; they still unseal (the kvno is bound into each blob)."""
    realm.ok("addprinc", "-pw", "pw", "alice")
    before = realm.clear_keys("alice")
    realm.ok("modprinc", "-kvno", "7", "alice")
    e = realm.entry("alice")
    assert e.kvno == 7 and {k.kvno for k in e.keys} == {7}
    assert realm.clear_keys("alice") == before


def test_delprinc_force(realm):
    """delprinc -force deletes without asking."""
    realm.ok("addprinc", "-nokey", "alice")
    assert realm.ok("delprinc", "-force", "alice") == 'Principal "alice@EXAMPLE.TEST" deleted.\n'
    assert realm.entry("alice") is None


def test_delprinc_confirm_yes(realm):
    """Without -force, delprinc asks as kadmin does and deletes on "yes"."""
    realm.ok("addprinc", "-nokey", "alice")
    out = realm.ok("delprinc", "alice", stdin="yes\n")
    assert out.startswith('Are you sure you want to delete the principal "alice@EXAMPLE.TEST"? (yes/no): ')
    assert realm.entry("alice") is None


def test_delprinc_refused_without_yes(realm):
    """Any answer but "yes", or no input at all, keeps the principal and exits 1."""
    realm.ok("addprinc", "-nokey", "alice")
    for answer in ("no\n", "y\n", ""):
        r = realm.run("delprinc", "alice", stdin=answer)
        assert r.code == 1 and 'Principal "alice@EXAMPLE.TEST" not deleted.' in r.out
        assert realm.entry("alice") is not None


def test_cpw_pw_replaces_keys(realm):
    """cpw -pw: kvno + 1, keys from the new password, the old keys gone, needchange and failures cleared."""
    realm.ok("addprinc", "-pw", "old", "+needchange", "alice")
    assert realm.ok("cpw", "-pw", "new", "alice") == 'Password for "alice@EXAMPLE.TEST" changed.\n'
    e = realm.entry("alice")
    assert e.kvno == 2 and {k.kvno for k in e.keys} == {2}
    assert not e.attributes & Attr.REQUIRES_PWCHANGE
    salt = "EXAMPLE.TESTalice"
    assert realm.clear_keys("alice") == [crypto.string_to_key(t, "new", salt) for t in (18, 17, 20, 19)]


def test_cpw_keepold_and_randkey(realm):
    """cpw -randkey -keepold: new random keys at kvno + 1, the previous keys still there."""
    realm.ok("addprinc", "-pw", "old", "alice")
    old = realm.clear_keys("alice", 1)
    assert realm.ok("cpw", "-randkey", "-keepold", "alice") == 'Key for "alice@EXAMPLE.TEST" randomized.\n'
    e = realm.entry("alice")
    assert e.kvno == 2 and sorted({k.kvno for k in e.keys}) == [1, 2]
    assert realm.clear_keys("alice", 1) == old
    assert realm.clear_keys("alice", 2) != old


def test_cpw_prompt(realm):
    """cpw without -pw reads the new password twice from stdin."""
    realm.ok("addprinc", "-pw", "old", "alice")
    realm.ok("cpw", "alice", stdin="fresh\nfresh\n")
    assert realm.clear_keys("alice")[0] == crypto.string_to_key(18, "fresh", "EXAMPLE.TESTalice")


def test_cpw_e_picks_enctypes(realm):
    """cpw -e makes keys of exactly the listed enctypes."""
    realm.ok("addprinc", "-pw", "old", "alice")
    realm.ok("cpw", "-randkey", "-e", "aes256-cts", "alice")
    assert [k.enctype for k in realm.entry("alice").keys] == [18]


def _kdcd_records_after_the_admins_read(realm, monkeypatch):
    """Make the next get of kdcadmin's store be followed, before its put, by kdcd recording a
    failure and a success through its own connection (the interleaving of a busy realm)."""
    from kdc.db.sqlite import SQLiteStore

    real_get = SQLiteStore.get
    kdcd = open_store(realm.config.database.url)
    state = {"armed": True}

    async def get_then_kdcd_records(self, principal):
        entry = await real_get(self, principal)
        if state["armed"] and self is not kdcd and entry is not None:
            state["armed"] = False
            await kdcd.record_failure(principal, 1_700_000_100)
            await kdcd.record_success(principal, 1_700_000_200)
        return entry

    monkeypatch.setattr(SQLiteStore, "get", get_then_kdcd_records)
    return kdcd, state


@pytest.mark.parametrize("command,count", [
    (("modprinc", "-maxlife", "5h"), 1),
    (("modprinc", "-unlock"), 0),  # clears the count on purpose, even the failure just recorded
    (("cpw", "-randkey"), 0),  # so does a password change (kadm5_chpass_principal)
    (("purgekeys", "-all"), 1),
])
def test_admin_change_keeps_what_kdcd_recorded_meanwhile(realm, monkeypatch, command, count):
    """kdcd records a failure and a success between kdcadmin's read and its write: the change
    keeps last_failed and last_success, and the failure count unless the command clears it."""
    realm.ok("addprinc", "-pw", "pw", "alice")
    kdcd, state = _kdcd_records_after_the_admins_read(realm, monkeypatch)
    try:
        realm.ok(*command, "alice")
    finally:
        asyncio.run(kdcd.close())
    assert not state["armed"]
    monkeypatch.undo()
    e = realm.entry("alice")
    assert (e.fail_auth_count, e.last_failed, e.last_success) == (count, 1_700_000_100, 1_700_000_200)


def _kinit_code(realm, name: str, password: str) -> int | None:
    """An AS exchange with ``password`` against this realm's database and token (None: a TGT)."""
    import os

    from kdc.exchange.dispatch import KDCContext
    from kdc.masterkey import open_master_key
    from tests.support.kdccore import CoreRealm, KDCErrorReply

    store, mk = open_store(realm.config.database.url), open_master_key(realm.config.master_key)
    core = CoreRealm(config=realm.config)
    core.now = float(realm.entry(name).mod_time)
    core.ctx = KDCContext(realm.config, store, mk, os.urandom, lambda: core.now)
    try:
        core.kinit(name, password)
        return None
    except KDCErrorReply as err:
        return err.code
    finally:
        mk.close()
        asyncio.run(store.close())


@pytest.mark.parametrize("how", [("-pw", "new"), ("-randkey",)])
def test_cpw_of_an_expired_password_makes_the_principal_usable(realm, how):
    """cpw does what kadm5_chpass/randkey_principal and kpasswd do: the password expiration is
    reset (no policies: never) and needchange cleared, so a principal whose password had
    expired gets tickets again."""
    from protocol.constants import ErrorCode

    realm.ok("addprinc", "-pw", "old", "-pwexpire", "2020-01-01", "+needchange", "alice")
    assert _kinit_code(realm, "alice", "old") == ErrorCode.KDC_ERR_KEY_EXPIRED
    realm.ok("cpw", *how, "alice")
    e = realm.entry("alice")
    assert e.pw_expiration is None and not e.attributes & Attr.REQUIRES_PWCHANGE and e.kvno == 2
    if how[0] == "-pw":
        assert _kinit_code(realm, "alice", "new") is None
