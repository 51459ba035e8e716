"""In-process kdcadmin runs against a real SoftHSM2 token and SQLite file (fast: no interpreter start).

The subprocess path (the installed ``kdcadmin`` script) is covered by test_subprocess.py;
here ``main()`` runs in this process with its standard streams swapped for strings.
"""

from __future__ import annotations

import asyncio
import io
import sqlite3
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from kdc.admin.main import main
from kdc.config import load_config
from kdc.db import PrincipalEntry, open_store
from kdc.masterkey import open_master_key
from protocol.messages.types import EncryptionKey
from protocol.principal import Principal
from tests.support.realm import write_config
from tests.support.softhsm import SoftHSMToken

REALM = "EXAMPLE.TEST"


@dataclass
class Result:
    code: int
    out: str
    err: str


class AdminHarness:
    def __init__(self, folder: Path, token: SoftHSMToken) -> None:
        self.token = token
        self.config_path, self.db_path = write_config(folder, token, REALM)
        self.config = load_config(str(self.config_path))

    def run(self, *args: str, stdin: str = "") -> Result:
        """main(["--config", CONFIG, *args]) with ``stdin`` as standard input."""
        out, err = io.StringIO(), io.StringIO()
        saved, sys.stdin = sys.stdin, io.StringIO(stdin)
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = main(["--config", str(self.config_path), *args])
        finally:
            sys.stdin = saved
        return Result(code, out.getvalue(), err.getvalue())

    def ok(self, *args: str, stdin: str = "") -> str:
        r = self.run(*args, stdin=stdin)
        assert r.code == 0, r.err
        assert r.err == ""
        return r.out

    def entry(self, name: str) -> PrincipalEntry | None:
        async def get():
            store = open_store(self.config.database.url)
            try:
                return await store.get(Principal.parse(name, REALM))
            finally:
                await store.close()
        return asyncio.run(get())

    def clear_keys(self, name: str, kvno: int | None = None) -> list[EncryptionKey]:
        """The unsealed keys of ``name`` (current kvno by default), through the real token."""
        entry = self.entry(name)
        mk = open_master_key(self.config.master_key)
        try:
            return [mk.unseal(entry.principal, k) for k in entry.keys_for_kvno(kvno)]
        finally:
            mk.close()

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every row of every table: equal snapshots mean nothing was written."""
        conn = sqlite3.connect(self.db_path)
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}
        finally:
            conn.close()


@pytest.fixture
def fresh(tmp_path, softhsm_token):
    """A config, token and no database yet."""
    return AdminHarness(tmp_path, softhsm_token)


@pytest.fixture
def realm(fresh):
    """A realm after ``kdcadmin init``."""
    fresh.ok("init")
    return fresh
