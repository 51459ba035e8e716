"""The embedded SQLite backend of the principal store.

Choices, and why:

- Queries run synchronously inside the ``async`` methods. An indexed lookup costs a few
  microseconds; handing it to a thread pool would cost more than the query and would put
  the GIL hand-off on every request. A networked backend (PostgreSQL) is where real
  awaiting pays off, and the async interface leaves room for it.
- WAL journal: kdcd reads while kdcadmin writes, and readers never block the writer.
  ``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a process
  crash (kill -9); only an OS crash may lose the newest commits, never consistency.
- ``busy_timeout``: a writer waits for the lock instead of failing at once; past the
  timeout the caller gets DatabaseLocked. Not so kdcd's bookkeeping writes
  (``record_success``/``record_failure``): they run on the KDC's event loop, so while
  kdcadmin or a script holds the write lock, waiting would stall every request behind
  them. They try once (busy timeout ``BOOKKEEPING_BUSY_MS``) and raise DatabaseLocked,
  which the exchange notes in its audit record and otherwise ignores: the outcome is not
  recorded, the request is answered. Reads never wait in WAL mode: they see the last
  committed snapshot while a writer holds the lock.
- One transaction per change (``BEGIN IMMEDIATE`` takes the write lock up front, so a
  read-then-write cannot deadlock against another writer); ``get`` is one statement, so it
  sees one consistent snapshot of the record and its keys.
- Keys live in their own table, one row per (principal, position): kvno, enctype, salt,
  master-key version and the sealed blob. The clear key is never in this file.
- Records read are kept in a bounded in-memory cache, valid only while ``PRAGMA
  data_version`` is unchanged: SQLite changes that number for a connection whenever
  another connection (kdcadmin, another kdcd worker) has committed, so every ``get``
  costs one cheap pragma instead of the lookup, the key join and the record building,
  and a change made elsewhere is still seen by the next ``get``. This connection's own
  writes do not change the number, so they update or drop the cached records themselves.
- kdcd defers ``last_success`` (``defer_successes``): the stamps wait in a dict keyed by
  name and ``flush`` writes them in one transaction (kdcd: every second and at shutdown).
  One UPDATE and WAL commit per AS exchange was the largest single cost of the exchange.
  ``get`` lays the waiting stamp over what it reads, so this connection never sees an
  older one; no write moves a stamp back (another worker may have a newer one), be it the
  flush or, on a store that does not defer, record_success itself.
"""

from __future__ import annotations

import dataclasses
import mmap
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext

from kdc.db.errors import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseMissing,
    NoSuchPrincipal,
    PrincipalExists,
    StoreError,
)
from kdc.db.model import PrincipalEntry, StoredKey
from kdc.db.store import BOOKKEEPING_FIELDS, PrincipalStore, check_bookkeeping, glob_regex
from protocol.principal import Principal

BUSY_TIMEOUT_MS = 5000
# kdcd's last_success/failure-count writes never wait for another process's lock (see above).
BOOKKEEPING_BUSY_MS = 0
# Records kept by ``get`` (the realm's busiest principals: krbtgt, active users, services).
DEFAULT_CACHE_SIZE = 4096
# Distinct principals whose deferred last_success may wait for a flush; past it,
# record_success flushes at once (a burst of logins by many principals between two ticks).
DEFERRED_LIMIT = 10000
# The two WAL-index header copies (48 bytes each) at the start of the -shm file, and how
# long equal headers are trusted before the pragma runs anyway (a bound on staleness
# should the header ever fail to change, e.g. a -shm file removed by hand).
_SHM_HEADERS = 96
SHM_RECHECK_SECONDS = 1.0
_FLUSH_SQL = ("UPDATE principals SET last_success = ? WHERE name = ?"
              " AND (last_success IS NULL OR last_success < ?)")
_MISSING = object()

# Each migration takes the schema from version N-1 to N. Append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE principals (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            name_type INTEGER NOT NULL,
            attributes INTEGER NOT NULL,
            kvno INTEGER NOT NULL,
            max_life INTEGER,
            max_renewable_life INTEGER,
            expiration INTEGER,
            pw_expiration INTEGER,
            last_pwd_change INTEGER,
            last_success INTEGER,
            last_failed INTEGER,
            fail_auth_count INTEGER NOT NULL DEFAULT 0,
            policy TEXT,
            mod_time INTEGER,
            mod_princ TEXT
        )""",
        "CREATE UNIQUE INDEX principals_name ON principals(name)",
        """CREATE TABLE keys (
            principal_id INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            kvno INTEGER NOT NULL,
            enctype INTEGER NOT NULL,
            salt_type INTEGER NOT NULL,
            salt BLOB,
            mkvno INTEGER NOT NULL,
            sealed BLOB NOT NULL,
            PRIMARY KEY (principal_id, position)
        ) WITHOUT ROWID""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

_FIELDS = (
    "attributes", "kvno", "max_life", "max_renewable_life", "expiration", "pw_expiration",
    "last_pwd_change", "last_success", "last_failed", "fail_auth_count", "policy",
    "mod_time", "mod_princ",
)
_GET_SQL = (
    "SELECT p.id, p.name_type, " + ", ".join("p." + f for f in _FIELDS)
    + ", k.kvno, k.enctype, k.salt_type, k.salt, k.mkvno, k.sealed"
    " FROM principals p LEFT JOIN keys k ON k.principal_id = p.id"
    " WHERE p.name = ? ORDER BY k.position"
)
_INSERT_SQL = (
    "INSERT INTO principals (name, name_type, " + ", ".join(_FIELDS) + ") VALUES (?, ?"
    + ", ?" * len(_FIELDS) + ")"
)
_KEY_SQL = (
    "INSERT INTO keys (principal_id, position, kvno, enctype, salt_type, salt, mkvno, sealed)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class SQLiteStore(PrincipalStore):
    """PrincipalStore over one SQLite file, shared safely between kdcd and kdcadmin processes."""

    def __init__(self, conn: sqlite3.Connection, path: str, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self._conn = conn
        self.path = path
        # Twisted runs us on one thread, but a thread-pool caller must not interleave
        # statements of two transactions on the one connection.
        self._lock = threading.Lock()
        # Records (None for "no such principal") read while data_version was _version.
        self._cache: dict[Principal, PrincipalEntry | None] = {}
        self._cache_size = cache_size
        self._version: int | None = None
        # request_scope: how many are open, and whether data_version was read in this one.
        self._scopes = 0
        self._checked_in_scope = False
        self._scope_thread: int | None = None
        # The WAL-index headers (see _check_version), mapped once the database is open.
        self._shm: mmap.mmap | None = None
        self._shm_seen = b""
        self._shm_recheck = 0.0
        # name -> last_success waiting for flush(); None: record_success writes at once.
        self._deferred: dict[str, int] | None = None

    @classmethod
    def open(cls, path: str, *, create: bool = False, cache_size: int = DEFAULT_CACHE_SIZE) -> SQLiteStore:
        """Open (with ``create``: create) the database at ``path`` and bring its schema up to date.

        ``cache_size`` bounds the records ``get`` keeps (0: none; see the module docstring).
        """
        if not create and not os.path.exists(path):
            raise DatabaseMissing(f"database {path} does not exist (run kdcadmin init)")
        if create:
            _create_private_file(path)
        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise StoreError(f"database {path}: cannot open: {exc}") from None
        store = cls(conn, path, cache_size)
        try:
            with _translated(path):
                store._configure()
                store._migrate(create)  # reads in WAL mode: the -shm file exists now
            store._shm = _map_wal_index(path)
        except BaseException:
            conn.close()
            raise
        return store

    def _configure(self) -> None:
        c = self._conn  # busy timeout: BUSY_TIMEOUT_MS, set by open's sqlite3.connect(timeout=)
        mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(f"database {self.path}: cannot switch to WAL mode (got {mode})")
        c.execute("PRAGMA synchronous = NORMAL")
        c.execute("PRAGMA foreign_keys = ON")

    def _migrate(self, create: bool) -> None:
        version = self._schema_version()
        if version is None and not create:
            raise DatabaseCorrupt(f"database {self.path} is not a kdcd principal database")
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(f"database {self.path} has schema version {version}, newer than "
                             f"this program supports ({SCHEMA_VERSION})")
        if version is not None and version == SCHEMA_VERSION:
            return
        with self._transaction():
            version = self._schema_version()  # re-read under the write lock
            if version is None:
                self._conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                self._conn.execute("INSERT INTO schema_version VALUES (0)")
                version = 0
            for statements in MIGRATIONS[version:]:
                for sql in statements:
                    self._conn.execute(sql)
            self._conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    def _schema_version(self) -> int | None:
        tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "schema_version" not in tables:
            if tables:
                raise DatabaseCorrupt(f"database {self.path} is not a kdcd principal database")
            return None
        row = self._conn.execute("SELECT version FROM schema_version").fetchone()
        if row is None:
            raise DatabaseCorrupt(f"database {self.path}: schema_version table is empty")
        return int(row[0])

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back on any exception."""
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")

    # -- reads -------------------------------------------------------------------------

    def request_scope(self) -> _RequestScope:
        """One check of data_version per KDC request instead of one per get (see PrincipalStore)."""
        return _RequestScope(self)

    async def get(self, principal: Principal) -> PrincipalEntry | None:
        with self._lock:
            if not (self._checked_in_scope and self._scopes == 1 and self._scope_thread == threading.get_ident()):
                # Two scopes open at once (interleaved requests), or a get from another
                # thread while the scope is open: check on every get.
                with _translated(self.path):
                    self._check_version()
                self._checked_in_scope = self._scopes == 1
            hit = self._cache.get(principal, _MISSING)
            if hit is not _MISSING:
                return hit  # type: ignore[return-value]
            name = str(principal)
            with _translated(self.path):
                rows = self._conn.execute(_GET_SQL, (name,)).fetchall()
            entry = _entry_from_rows(principal, rows) if rows else None
            if entry is not None and self._deferred:
                waiting = self._deferred.get(name)
                if waiting is not None and (entry.last_success is None or entry.last_success < waiting):
                    entry = dataclasses.replace(entry, last_success=waiting)
            self._remember(principal, entry)
        return entry

    def _check_version(self) -> None:
        shm = self._shm
        if shm is not None:
            # Read before the pragma: a commit landing in between is then seen next time.
            head = shm[:_SHM_HEADERS]
            now = time.monotonic()
            if head == self._shm_seen and now < self._shm_recheck:
                return  # nobody has committed since the last check
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if shm is not None:
            self._shm_seen, self._shm_recheck = head, now + SHM_RECHECK_SECONDS
        if version != self._version:
            # Another connection committed: anything cached may be stale.
            self._cache.clear()
            self._version = version

    def _remember(self, principal: Principal, entry: PrincipalEntry | None) -> None:
        if self._cache_size <= 0:
            return
        cache = self._cache
        if len(cache) >= self._cache_size:
            del cache[next(iter(cache))]  # the oldest read goes first
        cache[principal] = entry

    def _forget_all(self) -> None:
        """After a write of our own that replaces records (data_version does not see it)."""
        self._cache.clear()

    async def list(self, pattern: str | None = None) -> list[Principal]:
        with self._lock, _translated(self.path):
            rows = self._conn.execute("SELECT name, name_type FROM principals ORDER BY name").fetchall()
        match = glob_regex(pattern).match if pattern is not None else None
        return [Principal.parse(name, name_type=nt) for name, nt in rows if match is None or match(name)]

    # -- writes ------------------------------------------------------------------------

    async def add(self, entry: PrincipalEntry) -> None:
        await self.add_many([entry])

    async def add_many(self, entries: Iterable[PrincipalEntry]) -> None:
        """Insert several new records in one transaction (kdcadmin init); raises PrincipalExists."""
        with self._lock, _translated(self.path), self._transaction() as c:
            self._forget_all()
            for entry in entries:
                try:
                    cur = c.execute(_INSERT_SQL, _row_values(entry))
                except sqlite3.IntegrityError:
                    raise PrincipalExists(entry.principal) from None
                _insert_keys(c, cur.lastrowid, entry.keys)

    async def put(self, entry: PrincipalEntry, *, bookkeeping: Iterable[str] | None = None) -> None:
        name = str(entry.principal)
        fields = _FIELDS
        if bookkeeping is not None:
            keep = set(BOOKKEEPING_FIELDS).difference(check_bookkeeping(bookkeeping))
            fields = tuple(f for f in _FIELDS if f not in keep)
        sql = "UPDATE principals SET name_type = ?, " + ", ".join(f + " = ?" for f in fields) + " WHERE name = ?"
        values = (entry.principal.name_type, *(getattr(entry, f) for f in fields), name)
        with self._lock, _translated(self.path), self._transaction() as c:
            self._forget_all()
            cur = c.execute(sql, values)
            if cur.rowcount == 0:
                raise NoSuchPrincipal(entry.principal)
            pid = c.execute("SELECT id FROM principals WHERE name = ?", (name,)).fetchone()[0]
            c.execute("DELETE FROM keys WHERE principal_id = ?", (pid,))
            _insert_keys(c, pid, entry.keys)

    async def delete(self, principal: Principal) -> None:
        with self._lock, _translated(self.path), self._transaction() as c:
            self._forget_all()
            cur = c.execute("DELETE FROM principals WHERE name = ?", (str(principal),))
            if cur.rowcount == 0:
                raise NoSuchPrincipal(principal)

    @contextmanager
    def _without_waiting(self) -> Iterator[None]:
        """Statements inside fail at once with DatabaseLocked instead of waiting for the lock."""
        c = self._conn
        c.execute(f"PRAGMA busy_timeout = {BOOKKEEPING_BUSY_MS}")
        try:
            yield
        finally:
            c.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    async def record_success(self, principal: Principal, when: int) -> None:
        """Set last_success unless it holds a later stamp (deferred: at the next flush);
        DatabaseLocked at once, without waiting, while another process writes."""
        name = str(principal)
        deferred = self._deferred
        with self._lock:
            if deferred is None:
                with _translated(self.path), self._without_waiting():
                    self._conn.execute(_FLUSH_SQL, (when, name, when))
            elif deferred.get(name, when) <= when:
                deferred[name] = when
            cached = self._cache.get(principal)
            if cached is not None and (cached.last_success is None or cached.last_success < when):
                self._cache[principal] = dataclasses.replace(cached, last_success=when)
        if deferred is not None and len(deferred) >= DEFERRED_LIMIT:
            await self.flush()

    def defer_successes(self) -> None:
        if self._deferred is None:
            self._deferred = {}

    async def flush(self) -> None:
        await self._flush(wait=False)

    async def _flush(self, *, wait: bool) -> None:
        deferred = self._deferred
        if not deferred:
            return
        rows = [(when, name, when) for name, when in deferred.items()]
        with self._lock, _translated(self.path), nullcontext() if wait else self._without_waiting():
            with self._transaction() as c:
                c.executemany(_FLUSH_SQL, rows)
            deferred.clear()  # only now: a failed flush keeps every stamp for the next one

    async def record_failure(self, principal: Principal, when: int) -> None:
        """Count a failure; DatabaseLocked at once, without waiting, while another process writes."""
        # One UPDATE statement is atomic: two KDC processes counting failures never lose one.
        with self._lock, _translated(self.path), self._without_waiting():
            self._conn.execute(
                "UPDATE principals SET last_failed = ?, fail_auth_count = fail_auth_count + 1 WHERE name = ?",
                (when, str(principal)),
            )
            cached = self._cache.get(principal)
            if cached is not None:
                # Counted on our copy too; had another connection counted meanwhile, the
                # next get sees data_version change and reads the row again.
                self._cache[principal] = dataclasses.replace(
                    cached, last_failed=when, fail_auth_count=cached.fail_auth_count + 1)

    async def close(self) -> None:
        """Flush deferred stamps (waiting for the lock, as an admin write does), then close;
        a flush that fails still closes the connection, then raises."""
        try:
            await self._flush(wait=True)
        finally:
            with self._lock:
                self._cache.clear()
                self._conn.close()
                if self._shm is not None:
                    self._shm.close()
                    self._shm = None


class _RequestScope:
    """SQLiteStore.request_scope (a class: entered on every request, cheaper than a generator)."""

    __slots__ = ("_store",)

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    def __enter__(self) -> None:
        store = self._store
        store._scopes += 1
        store._checked_in_scope = False
        store._scope_thread = threading.get_ident()

    def __exit__(self, *exc: object) -> None:
        store = self._store
        store._scopes -= 1
        store._checked_in_scope = False


def _row_values(entry: PrincipalEntry) -> tuple:
    return (str(entry.principal), entry.principal.name_type) + tuple(getattr(entry, f) for f in _FIELDS)


def _insert_keys(c: sqlite3.Connection, pid: int, keys: Iterable[StoredKey]) -> None:
    c.executemany(_KEY_SQL, [
        (pid, pos, k.kvno, k.enctype, k.salt_type, k.salt, k.mkvno, k.sealed) for pos, k in enumerate(keys)
    ])


def _entry_from_rows(asked: Principal, rows: list[tuple]) -> PrincipalEntry:
    first = rows[0]
    nf = len(_FIELDS)
    fields = dict(zip(_FIELDS, first[2:2 + nf]))
    keys = tuple(
        StoredKey(kvno=r[2 + nf], enctype=r[3 + nf], salt_type=r[4 + nf], salt=r[5 + nf],
                  mkvno=r[6 + nf], sealed=r[7 + nf])
        for r in rows if r[2 + nf] is not None
    )
    principal = asked if asked.name_type == first[1] else Principal(first[1], asked.components, asked.realm)
    return PrincipalEntry(principal=principal, keys=keys, **fields)


def _map_wal_index(path: str) -> mmap.mmap | None:
    """The start of ``path``'s WAL-index (``-shm``) file, mapped read-only, or None.

    SQLite's unix VFS keeps the WAL-index in that file; its first 96 bytes are the two
    copies of the index header, and every commit by any connection rewrites them (the
    header's iChange counter goes up, with mxFrame and the salts: sqlite.org/walformat.html).
    Equal header bytes therefore mean no commit since they were read, which lets
    ``_check_version`` skip ``PRAGMA data_version`` (a read transaction, two fcntl locks,
    ~6 us of every request). Anything unexpected leaves the pragma on every check.
    """
    try:
        fd = os.open(path + "-shm", os.O_RDONLY)
    except OSError:
        return None
    try:
        if os.fstat(fd).st_size < _SHM_HEADERS:
            return None
        return mmap.mmap(fd, _SHM_HEADERS, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


def _create_private_file(path: str) -> None:
    """Create the database file mode 0600 (SQLite gives its -wal/-shm files the same mode)."""
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        raise StoreError(f"database {path}: folder {parent} does not exist")
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise StoreError(f"database {path}: cannot create: {exc.strerror}") from None


@contextmanager
def _translated(path: str) -> Iterator[None]:
    """Turn sqlite3 exceptions into one-line StoreErrors naming the database."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        msg = str(exc)
        if "locked" in msg or "busy" in msg:
            raise DatabaseLocked(f"database {path} is locked by another process ({msg})") from None
        raise StoreError(f"database {path}: {msg}") from None
    except sqlite3.DatabaseError as exc:
        raise DatabaseCorrupt(f"database {path} is damaged or not a database ({exc})") from None
