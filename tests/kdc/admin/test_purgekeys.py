"""kdcadmin purgekeys: MIT's [-all | -keepkvno N] semantics and messages; the current keys always stay."""

from __future__ import annotations

import pytest


@pytest.fixture
def rekeyed(realm, tmp_path):
    """svc with keys at kvno 1 (addprinc), 2 and 3 (two ktadd, which keep the old keys)."""
    realm.ok("addprinc", "-randkey", "svc")
    for _ in range(2):
        realm.ok("ktadd", "-q", "-k", str(tmp_path / "svc.keytab"), "svc")
    assert sorted({k.kvno for k in realm.entry("svc").keys}) == [1, 2, 3]
    return realm


def kvnos(realm, name="svc"):
    return sorted({k.kvno for k in realm.entry(name).keys})


def test_keepkvno_3_leaves_kvno_3_only(rekeyed):
    """After two ktadd, purgekeys -keepkvno 3 drops kvnos 1 and 2; the kvno 3 keys still unseal unchanged."""
    current = rekeyed.clear_keys("svc")
    assert rekeyed.ok("purgekeys", "-keepkvno", "3", "svc") == 'Old keys for principal "svc@EXAMPLE.TEST" purged.\n'
    entry = rekeyed.entry("svc")
    assert entry.kvno == 3 and kvnos(rekeyed) == [3]
    assert rekeyed.clear_keys("svc") == current
    out = rekeyed.ok("getprinc", "svc").splitlines()
    keys = [line for line in out if line.startswith("Key: ")]
    assert "Number of keys: 4" in out and len(keys) == 4
    assert all(line.startswith("Key: vno 3, ") for line in keys)


def test_keepkvno_keeps_that_kvno_and_newer(rekeyed):
    """-keepkvno 2 removes only the keys older than kvno 2 (MIT: key_data_kvno < keepkvno)."""
    rekeyed.ok("purgekeys", "-keepkvno", "2", "svc")
    assert kvnos(rekeyed) == [2, 3]


def test_without_option_keeps_the_current_kvno(rekeyed):
    """Plain purgekeys keeps exactly the current kvno's keys, as MIT's does."""
    rekeyed.ok("-q", "purgekeys svc")
    assert kvnos(rekeyed) == [3]


def test_keepkvno_above_current_never_removes_current_keys(rekeyed):
    """-keepkvno beyond the current kvno is lowered to it: the keys in use are never purged."""
    current = rekeyed.clear_keys("svc")
    rekeyed.ok("purgekeys", "-keepkvno", "99", "svc")
    assert kvnos(rekeyed) == [3] and rekeyed.clear_keys("svc") == current


def test_all_removes_every_key(rekeyed):
    """-all removes all keys, as MIT's purgekeys -all does, with MIT's message."""
    assert rekeyed.ok("purgekeys", "-all", "svc") == 'All keys for principal "svc@EXAMPLE.TEST" removed.\n'
    assert rekeyed.entry("svc").keys == ()
    assert "Number of keys: 0" in rekeyed.ok("getprinc", "svc").splitlines()


@pytest.mark.parametrize("args", [
    ("purgekeys",),
    ("purgekeys", "-keepkvno", "x", "svc"),
    ("purgekeys", "-keepkvno", "0", "svc"),
    ("purgekeys", "-keepkvno", "svc"),
    ("purgekeys", "-all", "-keepkvno", "2", "svc"),
    ("purgekeys", "-bogus", "svc"),
    ("purgekeys", "svc", "other"),
    ("purge_keys", "svc"),
])
def test_bad_arguments_exit_2_with_one_line(rekeyed, args):
    """Bad purgekeys arguments (and the long name MIT does not have) are one stderr line, exit 2, nothing changed."""
    before = rekeyed.snapshot()
    r = rekeyed.run(*args)
    assert r.code == 2 and r.out == ""
    assert r.err.count("\n") == 1 and r.err.startswith("kdcadmin: ")
    assert rekeyed.snapshot() == before


def test_unknown_principal_is_refused(realm):
    """purgekeys of a principal that does not exist exits 1 naming it."""
    r = realm.run("purgekeys", "nobody")
    assert r.code == 1 and "nobody@EXAMPLE.TEST does not exist" in r.err


def test_help_lists_purgekeys(realm):
    """list_requests shows purgekeys with its usage."""
    assert "purgekeys [-all|-keepkvno oldest_kvno_to_keep] PRINCIPAL" in realm.ok("list_requests")
