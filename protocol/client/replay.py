"""A bounded in-memory replay cache for AP-REQ authenticators (RFC 4120 section 3.2.3).

The acceptor passes one in as state; it never reads the clock (``now`` is an argument).
"""

from __future__ import annotations

from collections import OrderedDict

from protocol.client.errors import KerberosError
from protocol.constants import ErrorCode

__all__ = ["ReplayCache"]


class ReplayCache:
    """Authenticators seen in the last ``window`` seconds, at most ``max_entries`` of them.

    An entry need only live as long as the authenticator could still pass the clock-skew
    check (ctime + skew), so entries expire at ctime + window. When the cache is full of
    unexpired entries it refuses new authenticators rather than forget old ones: forgetting
    would let an attacker flush the cache and then replay.
    """

    def __init__(self, window: int = 300, max_entries: int = 100_000) -> None:
        self.window = window
        self.max_entries = max_entries
        self._seen: OrderedDict[tuple, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def check_and_store(self, entry: tuple, ctime: float, now: float) -> None:
        """Raise KRB_AP_ERR_REPEAT if ``entry`` was seen inside the window, else remember it."""
        self._expire(now)
        if entry in self._seen:
            raise KerberosError(ErrorCode.KRB_AP_ERR_REPEAT, "request is a replay")
        if len(self._seen) >= self.max_entries:
            raise KerberosError(ErrorCode.KRB_ERR_GENERIC, "replay cache is full")
        self._seen[entry] = max(ctime, now) + self.window

    def _expire(self, now: float) -> None:
        # Insertion order is close to expiry order; stop at the first live entry, and let a
        # rare out-of-order one wait for its turn (it only costs memory, never safety).
        while self._seen:
            entry, expiry = next(iter(self._seen.items()))
            if expiry > now:
                return
            del self._seen[entry]
