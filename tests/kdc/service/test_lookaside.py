"""The lookaside cache (kdc.service.lookaside): window, bound, digest keys."""

from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_expired_entries_trimmed_when_a_reply_is_put():
    """Expired replies give their bytes back at the next put, without a get of their own."""
    clock = FakeClock()
    cache = LookasideCache(5, clock=clock)
    cache.put(request_digest(b"a"), b"x" * 300)
    cache.put(request_digest(b"b"), b"y" * 200)
    clock.now += 6
    cache.put(request_digest(b"c"), b"z" * 100)
    assert len(cache) == 1 and cache.size == 100
    assert cache.get(request_digest(b"c")) == (b"z" * 100, None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["put", "get", "tick"]), st.integers(0, 7),
                          st.integers(0, 400)), max_size=60))
def test_never_stale_never_over_bounds(ops):
    """Whatever the order of puts, gets and clock steps: a get returns the latest reply put
    for that digest within the window or None, never an expired or overwritten one; the
    entry and byte bounds hold and ``size`` is exactly the bytes held."""
    clock = FakeClock()
    cache = LookasideCache(10, max_entries=4, max_bytes=1000, clock=clock)
    latest: dict[bytes, tuple[float, bytes]] = {}  # digest -> (put at, reply)
    newest = None
    for op, key, n in ops:
        digest = request_digest(bytes([key]))
        if op == "put":
            reply = bytes([key]) * n
            cache.put(digest, reply, key)
            if n <= 1000:
                latest[digest] = (clock.now, reply)
                newest = digest
        elif op == "get":
            got = cache.get(digest)
            if got is not None:
                put_at, reply = latest[digest]
                assert got == (reply, key) and clock.now < put_at + 10
            elif digest == newest:  # the newest entry is never evicted, only expired
                assert clock.now >= latest[digest][0] + 10
        else:
            clock.now += n / 100
        assert len(cache) <= 4 and cache.size <= 1000
        assert cache.size == sum(len(r) for _, r, _ in cache._entries.values())


def test_recent_reply_kept_while_old_ones_expire():
    """A reply put inside the window is still there after older ones expired around it."""
    clock = FakeClock()
    cache = LookasideCache(10, clock=clock)
    cache.put(request_digest(b"old"), b"o")
    clock.now += 8
    cache.put(request_digest(b"new"), b"n")
    clock.now += 5
    assert cache.get(request_digest(b"old")) is None
    assert cache.get(request_digest(b"new")) == (b"n", None)
    assert len(cache) == 1
