"""kdcadmin as a real subprocess (the installed console script) against a real SoftHSM2 token.

Covers what only a separate process shows: the entry point, a wrong PIN (login state is
per process), and kill -9 in the middle of admin changes.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kdc.config import load_config
from kdc.db import open_store
from kdc.masterkey import open_master_key
from protocol import crypto
from protocol.principal import Principal
from tests.support.realm import build_realm
from tests.support.softhsm import reload_in_process

SCRIPT = Path(sys.executable).parent / "kdcadmin"


@pytest.fixture
def sub_realm(tmp_path, monkeypatch):
    realm = build_realm(tmp_path / "realm", users={"alice": "alice pw"})
    monkeypatch.setenv("SOFTHSM2_CONF", str(realm.token.conf))
    reload_in_process(realm.token)  # so this process can open the token to check keys
    return realm


def run_script(realm, *args, stdin=subprocess.DEVNULL):
    return subprocess.run([str(SCRIPT), "--config", str(realm.config_path), *args], env=realm.env,
                          stdin=stdin, capture_output=True, text=True, timeout=60)


def test_console_script_end_to_end(sub_realm):
    """The installed kdcadmin script runs commands; build_realm's init and addprinc -pw took effect."""
    out = run_script(sub_realm, "getprinc", "alice")
    assert out.returncode == 0 and "Principal: alice@EXAMPLE.TEST" in out.stdout
    out = run_script(sub_realm, "listprincs")
    assert out.stdout.split() == ["alice@EXAMPLE.TEST", "kadmin/admin@EXAMPLE.TEST",
                                  "kadmin/changepw@EXAMPLE.TEST", "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST"]


def test_wrong_pin(sub_realm):
    """A wrong PIN: exit 2, one line naming the token, no key change."""
    sub_realm.token.pin_file.write_text("9999\n")
    out = run_script(sub_realm, "cpw", "-randkey", "alice")
    assert out.returncode == 2 and out.stderr == "kdcadmin: cpw: wrong PIN for token 'kdcd'\n"
    sub_realm.token.pin_file.write_text(sub_realm.token.pin + "\n")
    assert "Key: vno 1," in run_script(sub_realm, "getprinc", "alice").stdout


def test_missing_module(sub_realm):
    """A PKCS#11 module that does not exist: exit 2, one line naming it."""
    text = sub_realm.config_path.read_text()
    sub_realm.config_path.write_text(text.replace("/usr/lib/softhsm/libsofthsm2.so", "/nonexistent/libp11.so"))
    out = run_script(sub_realm, "addprinc", "-randkey", "bob")
    assert out.returncode == 2 and "/nonexistent/libp11.so" in out.stderr and out.stderr.count("\n") == 1


def test_kdc_sees_admin_change_without_restart(sub_realm):
    """A store kept open (as kdcd keeps it) sees each kdcadmin change on its next lookup."""
    cfg = load_config(str(sub_realm.config_path))
    alice = Principal.parse("alice@EXAMPLE.TEST")

    async def check():
        store = open_store(cfg.database.url)
        try:
            assert (await store.get(alice)).kvno == 1
            run_script(sub_realm, "cpw", "-pw", "new pw", "alice")
            assert (await store.get(alice)).kvno == 2
            run_script(sub_realm, "delprinc", "-force", "alice")
            assert await store.get(alice) is None
        finally:
            await store.close()
    asyncio.run(check())


# One login, then admin changes in a loop. The kill comes only after "ready": SoftHSM's file
# store rewrites token.object in place during C_Login, and a SIGKILL there empties it and
# loses the token (see kdc/masterkey); what this test proves is the database side.
CHURN = """
import asyncio, sys
from kdc.admin.ops import Admin, Changes
from kdc.config import load_config
from protocol.principal import Principal

async def churn():
    cfg = load_config(sys.argv[1])
    admin = Admin(cfg, who="churn")
    victim = Principal.parse("victim", cfg.realm)
    admin.master_key()
    print("ready", flush=True)
    while True:
        await admin.change_keys(victim, None, keepold=False, keysalts=None)
        await admin.modify(victim, Changes(fields={"max_life": 3600}), unlock=True, kvno=None)

asyncio.run(churn())
"""


@pytest.mark.slow
def test_kill_9_during_changes_leaves_whole_records(sub_realm):
    """kill -9 at random moments of a cpw loop: every key unseals, all keys share the record's kvno, DB ok."""
    sub_realm.kdcadmin("addprinc", "-randkey", "victim")
    rng = random.Random(0xC0FFEE)
    kvnos = []
    for _ in range(10):
        proc = subprocess.Popen([sys.executable, "-c", CHURN, str(sub_realm.config_path)], env=sub_realm.env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)
        try:
            assert proc.stdout.readline() == "ready\n"
            time.sleep(rng.uniform(0.0, 0.3))
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
        kvnos.append(check_victim(sub_realm))
    assert kvnos == sorted(kvnos) and kvnos[-1] > 1  # the loop did change keys, and never went back
    conn = sqlite3.connect(sub_realm.db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    assert crypto.string_to_key(18, "alice pw", "EXAMPLE.TESTalice") in check_keys(sub_realm, "alice")


def check_victim(realm) -> int:
    cfg = load_config(str(realm.config_path))
    entry = asyncio.run(_get(cfg, "victim@EXAMPLE.TEST"))
    assert {k.kvno for k in entry.keys} == {entry.kvno}
    assert sorted(k.enctype for k in entry.keys) == [17, 18, 19, 20]
    check_keys(realm, "victim")
    return entry.kvno


def check_keys(realm, name):
    cfg = load_config(str(realm.config_path))
    entry = asyncio.run(_get(cfg, name + "@EXAMPLE.TEST"))
    mk = open_master_key(cfg.master_key)
    try:
        return [mk.unseal(entry.principal, k) for k in entry.keys]
    finally:
        mk.close()


async def _get(cfg, name):
    store = open_store(cfg.database.url)
    try:
        return await store.get(Principal.parse(name))
    finally:
        await store.close()
