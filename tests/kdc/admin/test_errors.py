"""Bad input to kdcadmin: one line on stderr naming the problem, the right exit status, nothing written."""

from __future__ import annotations

import sqlite3

import pytest

import kdc.db.sqlite as sqlite_backend


@pytest.mark.parametrize("args,code,message", [
    (["addprinc", "-pw", "x", "a@B@C"], 2, "invalid principal name 'a@B@C'"),
    (["addprinc", "-pw", "x", "alice/"], 2, "invalid principal name 'alice/'"),
    (["addprinc", "-pw", "x", "-e", "foo-cts", "alice"], 2, "unknown enctype 'foo-cts'"),
    (["addprinc", "-pw", "x", "-e", "des-cbc-crc", "alice"], 2, "des-cbc-crc"),
    (["addprinc", "-pw", "x", "-e", "aes256-cts:afs3", "alice"], 2, "unsupported salt type 'afs3'"),
    (["addprinc", "-pw", "x", "-e", "rc4-hmac", "alice"], 2, "not in crypto.permitted_enctypes"),
    (["addprinc", "-pw", "x", "+bogus", "alice"], 2, "unknown flag '+bogus'"),
    (["addprinc", "-pw", "x", "-frobnicate", "alice"], 2, "unknown option or flag '-frobnicate'"),
    (["addprinc", "-pw", "x", "-maxlife", "10 fortnights", "alice"], 2, "-maxlife: not a duration"),
    (["addprinc", "-pw", "x", "-expire", "2027-13-45", "alice"], 2, "-expire: not a time"),
    (["addprinc", "-pw", "x", "-randkey", "alice"], 2, "-pw and -randkey are exclusive"),
    (["addprinc", "alice", "-pw"], 2, "option -pw needs a value"),
    (["addprinc", "-pw", "x"], 2, "usage: addprinc"),
    (["addprinc", "-pw", "x", "alice", "bob"], 2, "usage: addprinc"),
    (["modprinc", "-pw", "x", "kadmin/admin"], 2, "unknown option or flag '-pw'"),
    (["modprinc", "-kvno", "zero", "kadmin/admin"], 2, "-kvno: not a key version number"),
    (["frobprinc", "alice"], 2, "unknown command 'frobprinc'"),
    (["getprinc", "nobody"], 1, "principal nobody@EXAMPLE.TEST does not exist"),
    (["modprinc", "+allow_tix", "nobody"], 1, "principal nobody@EXAMPLE.TEST does not exist"),
    (["delprinc", "-force", "nobody"], 1, "principal nobody@EXAMPLE.TEST does not exist"),
    (["cpw", "-randkey", "nobody"], 1, "principal nobody@EXAMPLE.TEST does not exist"),
    (["ktadd", "nobody"], 2, "ktadd needs -k KEYTAB"),
    (["ktadd", "-k", "MEMORY:x", "kadmin/admin"], 2, "only FILE: and WRFILE:"),
    (["-q", "addprinc 'unbalanced"], 2, "cannot parse"),
])
def test_bad_input(realm, args, code, message):
    """Each bad command: exit status per CONTRACT.md, one stderr line naming the problem, the DB unchanged."""
    before = realm.snapshot()
    r = realm.run(*args)
    assert (r.code, r.err.count("\n")) == (code, 1), r.err
    assert message in r.err and r.err.startswith("kdcadmin: ")
    assert "Traceback" not in r.err
    assert realm.snapshot() == before


def test_missing_config(tmp_path):
    """A config file that does not exist: exit 2, one line naming the file."""
    from kdc.admin.main import main
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["--config", str(tmp_path / "none.toml"), "listprincs"])
    assert code == 2 and "none.toml" in err.getvalue() and err.getvalue().count("\n") == 1


def test_bad_config_key(fresh):
    """A wrong config key: exit 2 and the message names the key; nothing is created."""
    fresh.config_path.write_text(fresh.config_path.read_text() + '\n[tickets2]\nx = 1\n')
    r = fresh.run("init")
    assert r.code == 2 and "tickets2" in r.err and r.err.count("\n") == 1
    assert not fresh.db_path.exists()


def test_no_database_yet(fresh):
    """Commands before init name the missing database and suggest init (exit 2)."""
    r = fresh.run("listprincs")
    assert r.code == 2 and "does not exist (run kdcadmin init)" in r.err


def test_corrupt_database(realm):
    """A damaged database file: one line, exit 2, no traceback."""
    realm.db_path.write_bytes(b"garbage" * 1000)
    for suffix in ("-wal", "-shm"):
        realm.db_path.with_name(realm.db_path.name + suffix).unlink(missing_ok=True)
    r = realm.run("getprinc", "kadmin/admin")
    assert r.code == 2 and "damaged or not a database" in r.err and r.err.count("\n") == 1


def test_locked_database(realm, monkeypatch):
    """A database held locked by another process past the busy timeout: exit 1, "locked", nothing written."""
    monkeypatch.setattr(sqlite_backend, "BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(realm.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        r = realm.run("addprinc", "-randkey", "alice")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.code == 1 and "is locked" in r.err and r.err.count("\n") == 1
    assert realm.entry("alice") is None


def test_blob_moved_to_another_row_fails(realm, tmp_path):
    """Copying alice's sealed keys into bob's rows does not give bob alice's keys: unseal fails, exit 1."""
    realm.ok("addprinc", "-pw", "alice pw", "alice")
    realm.ok("addprinc", "-pw", "bob pw", "bob")
    conn = sqlite3.connect(realm.db_path)
    with conn:
        conn.execute(
            "UPDATE keys SET sealed = (SELECT k2.sealed FROM keys k2 JOIN principals p2 ON k2.principal_id = p2.id"
            " WHERE p2.name = 'alice@EXAMPLE.TEST' AND k2.position = keys.position)"
            " WHERE principal_id = (SELECT id FROM principals WHERE name = 'bob@EXAMPLE.TEST')")
    conn.close()
    r = realm.run("ktadd", "-k", str(tmp_path / "bob.keytab"), "-norandkey", "bob")
    assert r.code == 1 and "failed authentication" in r.err and r.err.count("\n") == 1
    assert not (tmp_path / "bob.keytab").exists()


def test_wrong_token_label(realm):
    """A token label that no token has: exit 2 naming the token; commands not needing keys still work."""
    realm.config_path.write_text(realm.config_path.read_text().replace('token_label = "kdcd"',
                                                                         'token_label = "elsewhere"'))
    r = realm.run("addprinc", "-randkey", "alice")
    assert r.code == 2 and "token 'elsewhere' not found" in r.err
    assert realm.entry("alice") is None
    assert "kadmin/admin@EXAMPLE.TEST" in realm.ok("listprincs")


def test_missing_pin_file(realm, tmp_path):
    """A missing PIN file: exit 2 naming master_key.pin_file."""
    realm.token.pin_file.unlink()
    r = realm.run("cpw", "-randkey", "kadmin/admin")
    assert r.code == 2 and "master_key.pin_file" in r.err


def test_pin_file_readable_by_others_warns_on_one_line(realm):
    """A 0644 PIN file: kdcadmin still works (exit 0) and says so on one stderr line."""
    realm.token.pin_file.chmod(0o644)
    r = realm.run("addprinc", "-randkey", "alice")
    assert r.code == 0 and r.out == 'Principal "alice@EXAMPLE.TEST" created.\n'
    assert r.err.count("\n") == 1
    assert r.err.startswith(f"kdcadmin: warning: master_key.pin_file {realm.token.pin_file} is readable")
    assert "mode 0644" in r.err


def test_pin_file_writable_by_others_is_refused(realm):
    """A 0666 PIN file: exit 2, one line naming the file and the rule, nothing created."""
    realm.token.pin_file.chmod(0o666)
    r = realm.run("addprinc", "-randkey", "alice")
    assert r.code == 2 and r.err.count("\n") == 1
    assert "master_key.pin_file" in r.err and "writable by group or others (mode 0666)" in r.err
    assert realm.entry("alice") is None
