"""The SQLite backend: the conformance suite, plus what is specific to a file database."""

from __future__ import annotations

import sqlite3

import pytest

from kdc.db import DatabaseCorrupt, DatabaseLocked, StoreError, open_store
from kdc.db.sqlite import SCHEMA_VERSION
from protocol.principal import Principal
from tests.kdc.db.conformance import StoreConformance, entry, run


class TestSQLiteConformance(StoreConformance):
    @pytest.fixture
    def store_factory(self, tmp_path):
        url = f"sqlite:///{tmp_path}/principals.sqlite3"
        run(open_store(url, create=True).close())
        return lambda: open_store(url)


def test_missing_database_is_an_error_without_create(tmp_path):
    """Opening a database that does not exist fails (and does not create it) unless create=True."""
    path = tmp_path / "none.sqlite3"
    with pytest.raises(StoreError, match="does not exist"):
        open_store(f"sqlite:///{path}")
    assert not path.exists()


def test_created_file_is_private_wal_with_schema_version(tmp_path):
    """create makes a 0600 file in WAL mode holding the current schema version."""
    path = tmp_path / "p.sqlite3"
    run(open_store(f"sqlite:///{path}", create=True).close())
    assert path.stat().st_mode & 0o777 == 0o600
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    assert "principals_name" in {r[1] for r in conn.execute("PRAGMA index_list(principals)")}


def test_name_lookup_uses_the_index(tmp_path):
    """The query plan of a name lookup searches the unique index, not a table scan."""
    path = tmp_path / "p.sqlite3"
    run(open_store(f"sqlite:///{path}", create=True).close())
    conn = sqlite3.connect(path)
    plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN SELECT id FROM principals WHERE name = 'x'"))
    assert "USING COVERING INDEX principals_name" in plan or "USING INDEX principals_name" in plan


def test_not_a_database(tmp_path):
    """A file that is not SQLite gives DatabaseCorrupt with one line."""
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(DatabaseCorrupt) as info:
        open_store(f"sqlite:///{path}")
    assert "\n" not in str(info.value)


def test_foreign_sqlite_database(tmp_path):
    """An SQLite file of some other program is refused, not migrated."""
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseCorrupt, match="not a kdcd principal database"):
        open_store(f"sqlite:///{path}", create=True)


def test_newer_schema_refused(tmp_path):
    """A database written by a newer version is refused rather than misread."""
    path = tmp_path / "p.sqlite3"
    run(open_store(f"sqlite:///{path}", create=True).close())
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(f"sqlite:///{path}")


def test_locked_database(tmp_path, monkeypatch):
    """A writer blocked past busy_timeout by another process's transaction gets DatabaseLocked."""
    import kdc.db.sqlite as backend

    monkeypatch.setattr(backend, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "p.sqlite3"
    url = f"sqlite:///{path}"
    run(open_store(url, create=True).close())
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    store = open_store(url)
    try:
        with pytest.raises(DatabaseLocked, match="locked"):
            run(store.add(entry("alice")))
    finally:
        holder.execute("ROLLBACK")
        run(store.close())


def test_unknown_scheme():
    """open_store names an unsupported URL scheme."""
    with pytest.raises(StoreError, match="unsupported scheme 'mysql'"):
        open_store("mysql://x/y")


def test_migration_upgrades_old_database_keeping_rows(tmp_path, monkeypatch):
    """Opening a database of an older schema version applies the newer migrations and keeps the data."""
    import kdc.db.sqlite as backend

    url = f"sqlite:///{tmp_path}/p.sqlite3"
    store = open_store(url, create=True)
    run(store.add(entry("alice")))
    run(store.close())
    v2 = ("ALTER TABLE principals ADD COLUMN comment TEXT",)
    monkeypatch.setattr(backend, "MIGRATIONS", backend.MIGRATIONS + (v2,))
    monkeypatch.setattr(backend, "SCHEMA_VERSION", len(backend.MIGRATIONS))
    store = open_store(url)
    try:
        assert run(store.get(entry("alice").principal)) == entry("alice")
    finally:
        run(store.close())
    conn = sqlite3.connect(tmp_path / "p.sqlite3")
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == 2
    assert "comment" in {r[1] for r in conn.execute("PRAGMA table_info(principals)")}


# -- the record cache (valid while PRAGMA data_version is unchanged) ----------------------


def _traced(store) -> list[str]:
    """The SQL statements ``store``'s connection runs from now on."""
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    return statements


@pytest.fixture
def two_connections(tmp_path):
    """A kdcd-like store and a kdcadmin-like store on one database file."""
    url = f"sqlite:///{tmp_path}/p.sqlite3"
    run(open_store(url, create=True).close())
    kdc, admin = open_store(url), open_store(url)
    yield kdc, admin
    run(kdc.close())
    run(admin.close())


def test_repeated_get_runs_no_sql_while_nobody_commits(two_connections):
    """Once the WAL-index is mapped, a get of an unchanged record runs no SQL at all (the
    header bytes say nobody committed); a new name costs its lookup only."""
    kdc, admin = two_connections
    run(admin.add(entry("alice")))
    first = run(kdc.get(entry("alice").principal))
    statements = _traced(kdc)
    assert run(kdc.get(entry("alice").principal)) == first == entry("alice")
    assert run(kdc.get(Principal.parse("nobody", "EXAMPLE.TEST"))) is None
    assert run(kdc.get(Principal.parse("nobody", "EXAMPLE.TEST"))) is None
    assert [s.split()[0] for s in statements] == ["SELECT"]


def test_a_commit_elsewhere_makes_the_next_get_check(two_connections):
    """Every commit by another connection changes the WAL-index header: the next get runs
    PRAGMA data_version, drops the cache and reads the new record."""
    kdc, admin = two_connections
    run(admin.add(entry("alice", kvno=1)))
    alice = entry("alice").principal
    assert run(kdc.get(alice)).kvno == 1
    statements = _traced(kdc)
    for kvno in (2, 3, 4):
        run(admin.put(entry("alice", kvno=kvno)))
        assert run(kdc.get(alice)).kvno == kvno
        assert run(kdc.get(alice)).kvno == kvno
    assert [s.split()[0] for s in statements] == ["PRAGMA", "SELECT"] * 3


def test_version_checked_anyway_after_the_recheck_interval(two_connections, monkeypatch):
    """Equal headers are trusted for SHM_RECHECK_SECONDS only; then the pragma runs again."""
    import kdc.db.sqlite as sqlite_backend

    import time as real_time

    kdc, admin = two_connections
    run(admin.add(entry("alice")))
    run(kdc.get(entry("alice").principal))
    statements = _traced(kdc)
    run(kdc.get(entry("alice").principal))
    assert statements == []

    class Later:
        @staticmethod
        def monotonic():
            return real_time.monotonic() + sqlite_backend.SHM_RECHECK_SECONDS + 0.5

    monkeypatch.setattr(sqlite_backend, "time", Later)
    run(kdc.get(entry("alice").principal))
    assert [s.split()[0] for s in statements] == ["PRAGMA"]


def test_without_a_wal_index_file_every_get_checks(tmp_path, monkeypatch):
    """If the -shm file cannot be mapped, each get runs PRAGMA data_version as before."""
    import kdc.db.sqlite as sqlite_backend

    monkeypatch.setattr(sqlite_backend, "_map_wal_index", lambda path: None)
    url = f"sqlite:///{tmp_path}/p.sqlite3"
    run(open_store(url, create=True).close())
    kdc, admin = open_store(url), open_store(url)
    try:
        run(admin.add(entry("alice")))
        run(kdc.get(entry("alice").principal))
        statements = _traced(kdc)
        run(kdc.get(entry("alice").principal))
        run(kdc.get(entry("alice").principal))
        assert [s.split()[0] for s in statements] == ["PRAGMA", "PRAGMA"]
    finally:
        run(kdc.close())
        run(admin.close())


def test_other_connection_change_seen_after_own_bookkeeping_write(two_connections):
    """kdcadmin changes a cached record, then kdcd writes last_success before its next get:
    the get still returns kdcadmin's change (with kdcd's write)."""
    kdc, admin = two_connections
    run(admin.add(entry("alice", kvno=1)))
    alice = entry("alice").principal
    assert run(kdc.get(alice)).kvno == 1
    run(admin.put(entry("alice", kvno=2, enctypes=(18,))))
    run(kdc.record_success(alice, 1234))
    got = run(kdc.get(alice))
    assert (got.kvno, [k.enctype for k in got.keys], got.last_success) == (2, [18], 1234)
    run(admin.delete(alice))
    assert run(kdc.get(alice)) is None


def test_own_bookkeeping_writes_update_the_cached_record(two_connections):
    """record_failure/record_success on a cached record: get returns what the database holds."""
    kdc, admin = two_connections
    run(admin.add(entry("alice")))
    alice = entry("alice").principal
    run(kdc.get(alice))
    run(kdc.record_failure(alice, 100))
    run(kdc.record_failure(alice, 200))
    run(kdc.record_success(alice, 300))
    cached, fresh = run(kdc.get(alice)), run(admin.get(alice))
    assert cached == fresh
    assert (cached.fail_auth_count, cached.last_failed, cached.last_success) == (2, 200, 300)


def test_an_immediate_success_never_moves_a_stamp_back(two_connections):
    """Without defer_successes, record_success writes at once under flush's rule: an older
    stamp than the stored one changes nothing, in the database or in the cached record."""
    kdc, admin = two_connections
    run(admin.add(entry("alice")))
    alice = entry("alice").principal
    run(kdc.get(alice))
    run(kdc.record_success(alice, 900))
    run(kdc.record_success(alice, 800))
    assert run(kdc.get(alice)).last_success == run(admin.get(alice)).last_success == 900


def test_own_writes_replace_cached_records(two_connections):
    """put and delete through the caching connection itself are seen by its next get."""
    kdc, _ = two_connections
    alice = entry("alice").principal
    assert run(kdc.get(alice)) is None
    run(kdc.add(entry("alice", kvno=1)))
    assert run(kdc.get(alice)).kvno == 1
    run(kdc.put(entry("alice", kvno=7)))
    assert run(kdc.get(alice)).kvno == 7
    run(kdc.delete(alice))
    assert run(kdc.get(alice)) is None


def test_cache_is_bounded(tmp_path):
    """With cache_size 2, reading a third record pushes out the oldest, which is read again."""
    from kdc.db.sqlite import SQLiteStore

    path = str(tmp_path / "p.sqlite3")
    store = SQLiteStore.open(path, create=True, cache_size=2)
    try:
        run(store.add_many([entry("a"), entry("b"), entry("c")]))
        for name in ("a", "b", "c"):
            run(store.get(entry(name).principal))
        statements = _traced(store)
        run(store.get(entry("c").principal))
        run(store.get(entry("a").principal))
        assert [s.split()[0] for s in statements] == ["SELECT"]  # c cached; a pushed out
    finally:
        run(store.close())


def test_one_version_check_per_request_scope(two_connections):
    """Inside request_scope the first get reads data_version and later gets trust it; a change
    committed before the next scope is seen by that scope's first get."""
    kdc, admin = two_connections
    run(admin.add_many([entry("alice", kvno=1), entry("krbtgt/EXAMPLE.TEST")]))
    alice, tgs = entry("alice").principal, entry("krbtgt/EXAMPLE.TEST").principal
    run(kdc.get(alice))
    run(kdc.get(tgs))
    statements = _traced(kdc)
    with kdc.request_scope():
        assert run(kdc.get(alice)).kvno == 1
        run(kdc.get(tgs))
        run(kdc.get(alice))
    assert statements == []  # nobody committed: the WAL-index header says so, no pragma
    run(admin.put(entry("alice", kvno=2)))
    with kdc.request_scope():
        assert run(kdc.get(alice)).kvno == 2
        run(kdc.get(tgs))
    assert [s.split()[0] for s in statements] == ["PRAGMA", "SELECT", "SELECT"]
    assert run(kdc.get(alice)).kvno == 2  # outside any scope: checked on every get


def test_overlapping_request_scopes_check_on_every_get(two_connections):
    """Two requests in flight at once (a backend that waits): neither trusts the other's check."""
    kdc, admin = two_connections
    run(admin.add(entry("alice", kvno=1)))
    alice = entry("alice").principal
    with kdc.request_scope():
        run(kdc.get(alice))
        with kdc.request_scope():
            run(admin.put(entry("alice", kvno=2)))
            assert run(kdc.get(alice)).kvno == 2
        run(admin.put(entry("alice", kvno=3)))
        assert run(kdc.get(alice)).kvno == 3


def test_get_from_another_thread_during_a_request_scope_still_checks(two_connections):
    """A thread-pool caller's get while the KDC's scope is open does not borrow the scope's check."""
    import threading

    kdc, admin = two_connections
    run(admin.add(entry("alice", kvno=1)))
    alice = entry("alice").principal
    seen = []
    with kdc.request_scope():
        run(kdc.get(alice))
        run(admin.put(entry("alice", kvno=2)))
        worker = threading.Thread(target=lambda: seen.append(run(kdc.get(alice)).kvno))
        worker.start()
        worker.join()
    assert seen == [2]


class WriteLockHolder:
    """Another process's write transaction (kdcadmin, a script): BEGIN IMMEDIATE on its own
    connection, in a thread, held until the test leaves the block or ``limit`` seconds pass.

    ``released`` turns True just before the lock is given up, so code that waited for the
    lock can only return after it is True: code that returns while it is False did not wait.
    """

    def __init__(self, path, limit: float = 3.0) -> None:
        self.path, self.limit, self.released = path, limit, False

    def __enter__(self) -> WriteLockHolder:
        import threading

        self._held, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)
        self._thread.start()
        assert self._held.wait(10), "could not take the write lock"
        return self

    def _hold(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        self._held.set()
        self._release.wait(self.limit)
        self.released = True
        conn.execute("ROLLBACK")
        conn.close()

    def __exit__(self, *exc) -> None:
        self._release.set()
        self._thread.join()


def test_bookkeeping_writes_do_not_wait_for_another_writer(two_connections, tmp_path):
    """While another process holds the write lock, kdcd's record_success/record_failure raise
    DatabaseLocked at once (returning while the lock is still held) instead of waiting up
    to busy_timeout on the event loop; reads still answer (WAL); afterwards writes work."""
    kdc, admin = two_connections
    run(admin.add(entry("alice")))
    alice = entry("alice").principal
    run(kdc.get(alice))
    with WriteLockHolder(tmp_path / "p.sqlite3") as lock:
        with pytest.raises(DatabaseLocked):
            run(kdc.record_success(alice, 100))
        with pytest.raises(DatabaseLocked):
            run(kdc.record_failure(alice, 100))
        assert run(kdc.get(alice)) == entry("alice")  # the cached record did not pretend either write
        assert run(kdc.get(Principal.parse("bob", "EXAMPLE.TEST"))) is None  # a read that runs SQL
        assert not lock.released
    run(kdc.record_failure(alice, 200))
    got = run(admin.get(alice))
    assert (got.last_success, got.fail_auth_count, got.last_failed) == (None, 1, 200)


def test_admin_writes_still_wait_for_the_lock(two_connections, tmp_path):
    """kdcadmin's changes keep the long busy_timeout: a put waits for a short transaction to end."""
    kdc, admin = two_connections
    run(admin.add(entry("alice", kvno=1)))
    with WriteLockHolder(tmp_path / "p.sqlite3", limit=0.2) as lock:
        run(admin.put(entry("alice", kvno=2)))
        assert lock.released
    assert run(kdc.get(entry("alice").principal)).kvno == 2


# -- deferred last_success (kdcd) -----------------------------------------------------------

def _deferring(tmp_path, **kw):
    url = f"sqlite:///{tmp_path}/p.sqlite3"
    kdc = open_store(url)
    kdc.defer_successes()
    return kdc


def test_deferred_success_waits_for_flush(two_connections):
    """After defer_successes, record_success writes nothing until flush; this store's get
    already returns the stamp (cached record), and flush writes it for other connections."""
    kdc, admin = two_connections
    kdc.defer_successes()
    run(admin.add(entry("alice")))
    alice = entry("alice").principal
    run(kdc.get(alice))
    statements = _traced(kdc)
    run(kdc.record_success(alice, 500))
    assert statements == []  # not one statement on the request path
    assert run(kdc.get(alice)).last_success == 500
    assert run(admin.get(alice)).last_success is None
    run(kdc.flush())
    assert run(admin.get(alice)).last_success == 500
    statements.clear()
    run(kdc.flush())  # nothing left to write
    assert statements == []


def test_deferred_success_laid_over_a_fresh_read(tmp_path):
    """A record read from the database (cache off, or dropped because kdcadmin wrote) still
    shows the stamp waiting for the flush."""
    url = f"sqlite:///{tmp_path}/p.sqlite3"
    run(open_store(url, create=True).close())
    from kdc.db.sqlite import SQLiteStore

    kdc, admin = SQLiteStore.open(f"{tmp_path}/p.sqlite3", cache_size=0), open_store(url)
    kdc.defer_successes()
    run(admin.add(entry("alice")))
    alice = entry("alice").principal
    run(kdc.record_success(alice, 700))
    assert run(kdc.get(alice)).last_success == 700
    run(admin.put(entry("alice", kvno=5)))
    got = run(kdc.get(alice))
    assert (got.kvno, got.last_success) == (5, 700)
    assert run(admin.get(alice)).last_success is None
    run(kdc.close())  # close flushes
    assert run(admin.get(alice)).last_success == 700
    run(admin.close())


def test_flush_never_moves_a_stamp_back(two_connections, tmp_path):
    """Two kdcd workers defer stamps for one principal: whichever flushes last, the newer
    stamp stays; a later record for the same name replaces an older waiting one."""
    kdc, admin = two_connections
    other = _deferring(tmp_path)
    kdc.defer_successes()
    run(admin.add(entry("alice")))
    alice = entry("alice").principal
    run(kdc.record_success(alice, 900))
    run(other.record_success(alice, 800))
    run(other.record_success(alice, 850))
    run(other.record_success(alice, 820))  # an older stamp never replaces a newer waiting one
    run(kdc.flush())
    run(other.flush())
    assert run(admin.get(alice)).last_success == 900
    run(other.record_success(alice, 1000))
    run(other.close())
    assert run(admin.get(alice)).last_success == 1000


def test_flush_while_locked_keeps_the_stamps(two_connections, tmp_path):
    """While another process holds the write lock, flush raises DatabaseLocked at once and
    keeps every stamp; the next flush writes them. A vanished principal is no error."""
    kdc, admin = two_connections
    kdc.defer_successes()
    run(admin.add_many([entry("alice"), entry("bob")]))
    alice, bob = entry("alice").principal, entry("bob").principal
    run(kdc.record_success(alice, 100))
    run(kdc.record_success(bob, 110))
    with WriteLockHolder(tmp_path / "p.sqlite3") as lock:
        with pytest.raises(DatabaseLocked):
            run(kdc.flush())
        assert not lock.released
    run(admin.delete(bob))
    run(kdc.flush())
    assert run(admin.get(alice)).last_success == 100
    assert run(admin.get(bob)) is None


def test_many_waiting_principals_flush_at_the_limit(two_connections, monkeypatch):
    """Past DEFERRED_LIMIT distinct principals, record_success flushes by itself, so the
    waiting stamps stay bounded between two ticks."""
    import kdc.db.sqlite as sqlite_backend

    monkeypatch.setattr(sqlite_backend, "DEFERRED_LIMIT", 3)
    kdc, admin = two_connections
    kdc.defer_successes()
    names = ["u1", "u2", "u3", "u4"]
    run(admin.add_many([entry(n) for n in names]))
    for i, n in enumerate(names[:2]):
        run(kdc.record_success(entry(n).principal, 10 + i))
    assert [run(admin.get(entry(n).principal)).last_success for n in names] == [None] * 4
    run(kdc.record_success(entry("u3").principal, 12))
    assert [run(admin.get(entry(n).principal)).last_success for n in names] == [10, 11, 12, None]


def test_a_commit_by_another_process_is_seen_by_the_next_get(tmp_path):
    """kdcadmin is another process: its commit reaches this store's mapping of the -shm
    file, and the very next get returns the new record (no waiting for the recheck)."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path}/p.sqlite3"
    run(open_store(url, create=True).close())
    kdc = open_store(url)
    try:
        run(kdc.add(entry("alice", kvno=1)))
        alice = entry("alice").principal
        assert run(kdc.get(alice)).kvno == 1
        assert run(kdc.get(alice)).kvno == 1  # cached, header unchanged
        for kvno in (2, 3):
            code = ("import asyncio; from kdc.db import open_store; from tests.kdc.db.conformance import entry;"
                    f"s = open_store({url!r}); asyncio.run(s.put(entry('alice', kvno={kvno}))); asyncio.run(s.close())")
            subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
            assert run(kdc.get(alice)).kvno == kvno
    finally:
        run(kdc.close())
