"""kdcd's random bytes: the kernel's CSPRNG read a few KiB at a time.

Each AS or TGS exchange needs three or four small random strings (the session key and
one confounder per encryption, RFC 3961 section 5.3). Reading each with its own
``getrandom`` system call cost more than handing out slices of one larger read. Bytes are
handed out once and never again; a forked child drops its parent's pool, so two processes
never share bytes.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable

POOL_BYTES = 4096

_pools: weakref.WeakSet[RandomPool] = weakref.WeakSet()


class RandomPool:
    """``rng(n)`` for the exchanges: ``n`` fresh bytes of ``source`` (os.urandom), read
    ``size`` bytes at a time; a request larger than ``size`` goes to ``source`` directly."""

    def __init__(self, size: int = POOL_BYTES, source: Callable[[int], bytes] = os.urandom) -> None:
        self._size = size
        self._source = source
        self._buf = b""
        self._pos = 0
        self._lock = threading.Lock()  # the kpasswd service may call from a thread
        _pools.add(self)

    def __call__(self, n: int) -> bytes:
        with self._lock:
            pos = self._pos
            end = pos + n
            if end > len(self._buf):
                if n > self._size:
                    return self._source(n)
                self._buf, pos, end = self._source(self._size), 0, n
            self._pos = end
            return self._buf[pos:end]

    def drop(self) -> None:
        """Forget the unread bytes (a forked child must not hand out its parent's)."""
        self._buf, self._pos = b"", 0


def _drop_all() -> None:
    for pool in list(_pools):
        pool.drop()
        pool._lock = threading.Lock()  # a lock held by another thread at fork stays held


os.register_at_fork(after_in_child=_drop_all)
