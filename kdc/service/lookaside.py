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
    and the overflow are both trimmed from the front in O(1) each.
    """

    def __init__(self, window: float, max_entries: int = 8192, max_bytes: int = 16 << 20,
                 clock: Callable[[], float] | None = None) -> None:
        self.window = window
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = 0  # bytes of cached replies
        self._clock = clock or time.monotonic
        self._entries: OrderedDict[bytes, tuple[float, bytes, Any]] = OrderedDict()
        self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def enabled(self) -> bool:
        return self.window > 0 and self.max_entries > 0

    def get(self, digest: bytes) -> tuple[bytes, Any] | None:
        """The cached (reply, audit) for ``digest``, or None when absent or expired."""
        if not self.enabled:
            return None
        self._expire()
        entry = self._entries.get(digest)
        if entry is None:
            return None
        self.hits += 1
        return entry[1], entry[2]

    def put(self, digest: bytes, reply: bytes, audit: Any = None) -> None:
        """Remember ``reply`` (and the audit record that produced it) for ``digest``."""
        if not self.enabled:
            return
        if len(reply) > self.max_bytes:
            return
        self._forget(digest)
        self._entries[digest] = (self._clock() + self.window, reply, audit)
        self.size += len(reply)
        while len(self._entries) > self.max_entries or self.size > self.max_bytes:
            _, (_, old, _) = self._entries.popitem(last=False)
            self.size -= len(old)

    def _forget(self, digest: bytes) -> None:
        entry = self._entries.pop(digest, None)
        if entry is not None:
            self.size -= len(entry[1])

    def _expire(self) -> None:
        now = self._clock()
        entries = self._entries
        while entries:
            digest, (expires, _, _) = next(iter(entries.items()))
            if expires > now:
                return
            self._forget(digest)
