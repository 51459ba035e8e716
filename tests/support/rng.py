"""A deterministic ``rng(n)`` for tests: protocol and KDC tests share it without importing each other."""

from __future__ import annotations

import random
from collections.abc import Callable


def seeded_rng(seed: int = 1) -> Callable[[int], bytes]:
    """``rng(n)`` giving the same bytes for the same seed (never for real keys)."""
    r = random.Random(seed)
    return lambda n: r.randbytes(n)
