"""kdcd writes the store's deferred last_success stamps once a second, and survives a store
that cannot take them (locked by kdcadmin, or failing)."""

from __future__ import annotations

from twisted.internet.task import Clock

from kdc.db import DatabaseLocked, StoreError
from kdc.service.main import FLUSH_SECONDS, Daemon


class _Store:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures, self.flushes = failures, 0

    async def flush(self) -> None:
        self.flushes += 1
        if self.failures:
            raise self.failures.pop(0)


class _Log:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict]] = []

    def info(self, event, **kw):
        self.events.append(("info", event, kw))

    def error(self, event, **kw):
        self.events.append(("error", event, kw))


def _daemon(store) -> tuple[Daemon, Clock, _Log]:
    clock, log = Clock(), _Log()
    return Daemon(clock, None, None, store, None, log), clock, log


def test_flushes_every_interval_and_not_at_start():
    store = _Store([])
    daemon, clock, _ = _daemon(store)
    daemon.start_flushing()
    assert store.flushes == 0
    clock.advance(FLUSH_SECONDS)
    assert store.flushes == 1
    clock.advance(FLUSH_SECONDS / 2)
    assert store.flushes == 1
    for _ in range(3):
        clock.advance(FLUSH_SECONDS)
    assert store.flushes == 4


def test_locked_or_failing_store_is_logged_and_flushing_goes_on():
    """A locked database is an info event (the stamps wait); any other store error an
    error event; neither stops the loop."""
    store = _Store([DatabaseLocked("database x is locked by another process"), StoreError("disk I/O error")])
    daemon, clock, log = _daemon(store)
    daemon.start_flushing()
    clock.advance(FLUSH_SECONDS)
    clock.advance(FLUSH_SECONDS)
    clock.advance(FLUSH_SECONDS)
    assert store.flushes == 3 and daemon.flusher.running
    assert [(level, event) for level, event, _ in log.events] == [
        ("info", "kdcd.bookkeeping_deferred"), ("error", "kdcd.bookkeeping_failed")]
    assert "locked" in log.events[0][2]["reason"] and "disk I/O" in log.events[1][2]["error"]
