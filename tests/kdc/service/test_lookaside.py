"""The lookaside cache (kdc.service.lookaside): window, bound, digest keys."""

from kdc.service.lookaside import LookasideCache, request_digest


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hit_within_window_and_miss_after():
    """A reply is returned for the same digest inside the window and forgotten after it."""
    clock = FakeClock()
    cache = LookasideCache(10, clock=clock)
    key = request_digest(b"request")
    cache.put(key, b"reply", "audit")
    clock.now += 9.9
    assert cache.get(key) == (b"reply", "audit")
    clock.now += 0.2
    assert cache.get(key) is None
    assert len(cache) == 0


def test_bounded_oldest_dropped_first():
    """Past max_entries the oldest entry goes, the newest stay."""
    cache = LookasideCache(60, max_entries=3, clock=FakeClock())
    keys = [request_digest(bytes([i])) for i in range(5)]
    for i, k in enumerate(keys):
        cache.put(k, bytes([i]))
    assert len(cache) == 3
    assert cache.get(keys[0]) is None and cache.get(keys[1]) is None
    assert cache.get(keys[4]) == (b"\x04", None)


def test_disabled_with_zero_window():
    """lookaside_seconds = 0 turns the cache off: nothing is stored."""
    cache = LookasideCache(0, clock=FakeClock())
    cache.put(request_digest(b"x"), b"y")
    assert cache.get(request_digest(b"x")) is None


def test_digest_distinguishes_one_bit():
    """Requests differing in one bit have different keys, and the key is not the request."""
    a, b = b"\x00" * 32, b"\x00" * 31 + b"\x01"
    assert request_digest(a) != request_digest(b)
    assert request_digest(a) != a and len(request_digest(a)) == 32


def test_bounded_by_total_reply_bytes():
    """The cache holds at most max_bytes of replies, dropping the oldest; size is tracked exactly."""
    cache = LookasideCache(60, max_entries=100, max_bytes=1000, clock=FakeClock())
    keys = [request_digest(bytes([i])) for i in range(4)]
    for k in keys:
        cache.put(k, b"r" * 400)
    assert len(cache) == 2 and cache.size == 800
    assert cache.get(keys[1]) is None and cache.get(keys[3]) == (b"r" * 400, None)
    cache.put(request_digest(b"huge"), b"h" * 2000)  # larger than the whole cache: not kept
    assert cache.get(request_digest(b"huge")) is None and cache.size == 800


def test_expiry_releases_size():
    """Expired entries give their bytes back."""
    clock = FakeClock()
    cache = LookasideCache(5, max_bytes=1000, clock=clock)
    cache.put(request_digest(b"a"), b"x" * 300)
    clock.now += 6
    assert cache.get(request_digest(b"a")) is None and cache.size == 0
