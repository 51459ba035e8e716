"""The lookaside cache: a retransmitted request gets the reply already sent for it.

MIT's KDC (kdc/replay.c) keeps recent replies keyed by the request bytes, so a client's
UDP retry, or its TCP retry after KRB_ERR_RESPONSE_TOO_BIG, costs a hash lookup and is
never counted twice toward lockout. Requests carry a fresh nonce and timestamp, so equal
bytes within the window are the same request sent again. Only replies are cached (errors
included, as MIT does); a dropped request is not.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


def request_digest(data: bytes) -> bytes:
    """The cache key: a digest, so the cache never holds request bytes themselves."""
    return hashlib.sha256(data).digest()


class LookasideCache:
    """Replies by request digest for ``window`` seconds: at most ``max_entries`` of them and
    ``max_bytes`` of replies in all (MIT caps its cache at 10 MB the same way), so a flood of
    distinct requests cannot grow it without bound.

    Entries are kept in insertion order, which is also expiry order, so expired entries
    and the overflow are both trimmed from the front in O(1) each; the clock is read once
    per put and once per hit, not on a miss.
    """

    def __init__(self, window: float, max_entries: int = 8192, max_bytes: int = 16 << 20,
                 clock: Callable[[], float] | None = None) -> None:
        self.window = window
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = 0  # bytes of cached replies
        self._clock = clock or time.monotonic
        self._entries: OrderedDict[bytes, tuple[float, bytes, Any]] = OrderedDict()
        # No entry expires before this moment (a lower bound, set by _expire).
        self._trim_at = float("-inf")

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, digest: bytes) -> tuple[bytes, Any] | None:
        """The cached (reply, audit) for ``digest``, or None when absent or expired."""
        # A disabled cache never holds entries. Expiry is checked only against the entry
        # found: a miss costs one dict lookup, and expired entries are trimmed when put
        # runs (every answered request) or when one of them is hit.
        entry = self._entries.get(digest)
        if entry is None:
            return None
        now = self._clock()
        if entry[0] <= now:
            self._expire(now)
            self._forget(digest)
            return None
        return entry[1], entry[2]

    def put(self, digest: bytes, reply: bytes, audit: Any = None) -> None:
        """Remember ``reply`` (and the audit record that produced it) for ``digest``."""
        if self.window <= 0 or self.max_entries <= 0 or len(reply) > self.max_bytes:
            return
        now = self._clock()
        entries = self._entries
        if now >= self._trim_at:
            self._expire(now)
        old = entries.pop(digest, None)
        if old is not None:
            self.size -= len(old[1])
        entries[digest] = (now + self.window, reply, audit)
        self.size += len(reply)
        while len(entries) > self.max_entries or self.size > self.max_bytes:
            _, (_, old_reply, _) = entries.popitem(last=False)
            self.size -= len(old_reply)

    def _forget(self, digest: bytes) -> None:
        entry = self._entries.pop(digest, None)
        if entry is not None:
            self.size -= len(entry[1])

    def _expire(self, now: float) -> None:
        """Drop expired entries from the front (insertion order is expiry order)."""
        entries = self._entries
        while entries:
            digest, (expires, reply, _) = next(iter(entries.items()))
            if expires > now:
                # No entry expires before the oldest one: put need not look again until then.
                self._trim_at = expires
                return
            del entries[digest]
            self.size -= len(reply)
        self._trim_at = now
