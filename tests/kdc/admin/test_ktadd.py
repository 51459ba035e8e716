"""kdcadmin ktadd: MIT keytab (0x502) with the right keys; rekey unless -norandkey; old keys kept."""

from __future__ import annotations

import os
import subprocess

from protocol import crypto
from protocol.keytab import parse_keytab


def read(path):
    return parse_keytab(path.read_bytes())


def test_ktadd_norandkey_exports_password_keys(realm, tmp_path):
    """-norandkey after addprinc -pw writes exactly the string-to-key keys, kvno unchanged."""
    realm.ok("addprinc", "-pw", "svc password", "host/server.test")
    kt = tmp_path / "server.keytab"
    out = realm.ok("ktadd", "-k", str(kt), "-norandkey", "host/server.test")
    assert out.splitlines()[0] == (f"Entry for principal host/server.test with kvno 1, encryption type "
                                   f"aes256-cts-hmac-sha1-96 added to keytab WRFILE:{kt}.")
    entries = read(kt)
    salt = "EXAMPLE.TESThostserver.test"
    assert [e.key for e in entries] == [crypto.string_to_key(t, "svc password", salt) for t in (18, 17, 20, 19)]
    assert {str(e.principal) for e in entries} == {"host/server.test@EXAMPLE.TEST"}
    assert {e.kvno for e in entries} == {1} and realm.entry("host/server.test").kvno == 1
    assert kt.stat().st_mode & 0o777 == 0o600


def test_ktadd_randomizes_and_keeps_old_keys(realm, tmp_path):
    """Plain ktadd: new random keys at kvno + 1 in the keytab and DB; kvno 1 keys kept in the DB."""
    realm.ok("addprinc", "-pw", "pw", "svc")
    old = realm.clear_keys("svc", 1)
    kt = tmp_path / "svc.keytab"
    realm.ok("ktadd", "-k", f"WRFILE:{kt}", "svc")
    entries = read(kt)
    assert {e.kvno for e in entries} == {2}
    assert [e.key for e in entries] == realm.clear_keys("svc", 2)
    assert realm.clear_keys("svc", 1) == old
    assert not {e.key.keyvalue for e in entries} & {k.keyvalue for k in old}


def test_ktadd_appends_and_filters_enctypes(realm, tmp_path):
    """A second ktadd appends to the keytab (MIT WRFILE); -e limits the enctypes."""
    realm.ok("addprinc", "-randkey", "a")
    realm.ok("addprinc", "-randkey", "b")
    kt = tmp_path / "k.keytab"
    realm.ok("ktadd", "-k", str(kt), "-e", "aes256-cts-hmac-sha1-96", "a")
    realm.ok("ktadd", "-q", "-k", str(kt), "-norandkey", "-e", "aes128-sha2", "b")
    entries = read(kt)
    assert [(str(e.principal), e.kvno, e.key.keytype) for e in entries] == [
        ("a@EXAMPLE.TEST", 2, 18), ("b@EXAMPLE.TEST", 1, 19)]


def test_ktadd_lockdown_keys_refuses_norandkey(realm, tmp_path):
    """A principal with +lockdown_keys cannot have its keys extracted with -norandkey."""
    realm.ok("addprinc", "-randkey", "+lockdown_keys", "locked")
    kt = tmp_path / "x.keytab"
    r = realm.run("ktadd", "-k", str(kt), "-norandkey", "locked")
    assert r.code == 1 and "lockdown_keys" in r.err and not kt.exists()


def test_ktadd_bad_keytab_changes_nothing(realm, tmp_path):
    """A file that is not a keytab is refused before the principal is rekeyed."""
    realm.ok("addprinc", "-randkey", "svc")
    before = realm.snapshot()
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x09\x09not a keytab")
    r = realm.run("ktadd", "-k", str(junk), "svc")
    assert r.code == 1 and "not a keytab" in r.err
    assert realm.snapshot() == before


def test_ktadd_unknown_principal_among_several(realm, tmp_path):
    """An unknown name is reported (exit 1) while the others are still exported."""
    realm.ok("addprinc", "-randkey", "svc")
    kt = tmp_path / "k.keytab"
    r = realm.run("ktadd", "-k", str(kt), "nobody", "svc")
    assert r.code == 1 and "nobody@EXAMPLE.TEST does not exist" in r.err
    assert {str(e.principal) for e in read(kt)} == {"svc@EXAMPLE.TEST"}


def test_mit_klist_reads_ktadd_keytab(realm, tmp_path):
    """MIT klist -k -e lists every entry of a ktadd keytab with the right kvno and enctype."""
    realm.ok("addprinc", "-randkey", "host/server.test")
    kt = tmp_path / "server.keytab"
    realm.ok("ktadd", "-k", str(kt), "host/server.test")
    out = subprocess.run(["klist", "-k", "-e", str(kt)], capture_output=True, text=True, timeout=30,
                         env=dict(os.environ, KRB5_CONFIG="/dev/null"))
    assert out.returncode == 0, out.stderr
    lines = [line.split() for line in out.stdout.splitlines() if "host/server.test@EXAMPLE.TEST" in line]
    assert [(w[0], w[2]) for w in lines] == [
        ("2", "(aes256-cts-hmac-sha1-96)"), ("2", "(aes128-cts-hmac-sha1-96)"),
        ("2", "(aes256-cts-hmac-sha384-192)"), ("2", "(aes128-cts-hmac-sha256-128)")]
