"""Bounded LRU of per-usage derived keys, one per thread.

Deriving Ke/Ki/Kc costs several block-cipher or HMAC calls plus cipher-context set-up, more
than encrypting a typical message; the KDC uses the same few (key, usage) pairs over and over.
Entries hold live OpenSSL contexts, which must not be shared between threads, hence one cache
per thread. Entries hold key material, like the keys they come from.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

MAX_ENTRIES = 4096


class _PerThread(threading.local):
    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


_local = _PerThread()


def cached(tag: tuple[int, str], key: bytes, usage: int, build: Callable[[], T]) -> T:
    """Return the cached value for (tag, key, usage), building and storing it on a miss."""
    value = lookup(tag, key, usage)
    if value is not None:
        return value
    return store(tag, key, usage, build())


def lookup(tag: tuple[int, str], key: bytes, usage: int) -> Any:
    """The cached value for (tag, key, usage), or None: ``cached`` without a ``build``
    closure to make on every hit (callers build and ``store`` on a miss)."""
    entries = _local.entries
    slot = (tag, key, usage)
    value = entries.get(slot)
    if value is not None:
        entries.move_to_end(slot)
    return value


def store(tag: tuple[int, str], key: bytes, usage: int, value: T) -> T:
    """Remember ``value`` for (tag, key, usage) in this thread's cache; returns it."""
    entries = _local.entries
    entries[(tag, key, usage)] = value
    if len(entries) > MAX_ENTRIES:
        entries.popitem(last=False)
    return value


def clear() -> None:
    """Drop this thread's cached keys (benchmarks measure the cold path with it)."""
    _local.entries.clear()
