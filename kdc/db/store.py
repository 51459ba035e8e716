"""The principal store interface every backend implements.

The API is ``async`` so that a networked backend (PostgreSQL) can follow without changing
callers. The KDC asks the store for the record on every request (no record cache above
the store), so a change made by kdcadmin is seen by the KDC's next request; a backend may
keep records only while it can tell, on every ``get``, that nobody changed them (the
SQLite backend checks ``PRAGMA data_version``).
"""

from __future__ import annotations

import abc
import contextlib
import fnmatch
import re
from collections.abc import Iterable, Iterator

from kdc.db.model import PrincipalEntry
from protocol.principal import Principal

# The fields kdcd writes on its own (record_success, record_failure) while kdcadmin works.
BOOKKEEPING_FIELDS = ("last_success", "last_failed", "fail_auth_count")


def check_bookkeeping(fields: Iterable[str]) -> tuple[str, ...]:
    """``fields`` as a tuple; ValueError naming one that is not a bookkeeping field."""
    out = tuple(fields)
    for name in out:
        if name not in BOOKKEEPING_FIELDS:
            raise ValueError(f"{name!r} is not one of {BOOKKEEPING_FIELDS}")
    return out


class PrincipalStore(abc.ABC):
    """Principal records by exact name.

    Every mutating call is one transaction: it happens entirely or not at all.
    """

    @abc.abstractmethod
    async def get(self, principal: Principal) -> PrincipalEntry | None:
        """The record of ``principal`` (exact, indexed lookup; name type ignored), or None."""

    @contextlib.contextmanager
    def request_scope(self) -> Iterator[None]:
        """The ``get`` calls inside answer one KDC request (``kdc.exchange`` wraps each one).

        A backend that keeps records may check once per scope, at its first ``get``, that
        nobody changed them, rather than on every ``get``: a change made before the
        request is still seen by it. The default does nothing.
        """
        yield

    @abc.abstractmethod
    async def add(self, entry: PrincipalEntry) -> None:
        """Insert a new record; raises PrincipalExists."""

    async def add_many(self, entries: Iterable[PrincipalEntry]) -> None:
        """Insert several new records; backends that can do it in one transaction (kdcadmin init)."""
        for entry in entries:
            await self.add(entry)

    @abc.abstractmethod
    async def put(self, entry: PrincipalEntry, *, bookkeeping: Iterable[str] | None = None) -> None:
        """Replace the record of ``entry.principal`` atomically, keys included; raises NoSuchPrincipal.

        ``bookkeeping`` None replaces every field. Otherwise it names the fields of
        ``BOOKKEEPING_FIELDS`` that ``entry`` sets on purpose (``-unlock`` and ``cpw`` clear
        ``fail_auth_count``); the others keep the values in the store, so a login or failure
        that kdcd recorded between the caller's ``get`` and this ``put`` is not lost (MIT's
        kadm5 writes only the fields in the request's mask).
        """

    @abc.abstractmethod
    async def delete(self, principal: Principal) -> None:
        """Remove the record and its keys; raises NoSuchPrincipal."""

    @abc.abstractmethod
    async def list(self, pattern: str | None = None) -> list[Principal]:
        """Principals whose unparsed name matches the glob ``pattern`` (all when None), sorted.

        The glob is kadmin listprincs': ``*``, ``?`` and ``[...]``, matched against the
        full ``name@REALM`` text. Callers that want kadmin's "no @ means the default realm"
        rule apply it before calling (see ``kdc.admin``).
        """

    @abc.abstractmethod
    async def record_success(self, principal: Principal, when: int) -> None:
        """Set last_success to ``when`` unless it holds a later stamp (no error if the principal
        vanished meanwhile).

        The KDC's bookkeeping: a backend raises DatabaseLocked at once rather than wait
        for another writer (the KDC answers the request without recording it). After
        ``defer_successes`` the write may wait in memory for the next ``flush``.
        """

    def defer_successes(self) -> None:
        """Let ``record_success`` keep its stamps in memory until ``flush`` (kdcd does).

        A login's last_success is a statistic, not a security decision, and one write
        transaction per AS exchange cost more than a fifth of the exchange; kdcd flushes
        once a second and at shutdown. ``get`` on this store still returns the stamps it
        holds. The default backend behaviour is to write at once, and this does nothing.
        """

    async def flush(self) -> None:
        """Write the deferred last_success stamps in one transaction, never moving one back.

        Raises DatabaseLocked at once, keeping the stamps for the next call, while another
        process holds the write lock. The default has nothing deferred.
        """

    @abc.abstractmethod
    async def record_failure(self, principal: Principal, when: int) -> None:
        """Set last_failed to ``when`` and add one to fail_auth_count, atomically (waits as record_success)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the connection; the store is unusable afterwards."""


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A compiled regex for a kadmin glob; matching is case-sensitive, as principal names are."""
    return re.compile(fnmatch.translate(pattern))
