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
    """Replies by request digest for ``window`` seconds, at most ``max_entries`` of them.

    Entries are kept in insertion order, which is also expiry order, so expired entries
    and the overflow are both trimmed from the front in O(1) each.
    """

    def __init__(self, window: float, max_entries: int = 8192,
                 clock: Callable[[], float] | None = None) -> None:
        self.window = window
        self.max_entries = max_entries
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
        self._entries.pop(digest, None)
        self._entries[digest] = (self._clock() + self.window, reply, audit)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def _expire(self) -> None:
        now = self._clock()
        entries = self._entries
        while entries:
            digest, (expires, _, _) = next(iter(entries.items()))
            if expires > now:
                return
            del entries[digest]
