"""RandomPool hands out each byte of the kernel's CSPRNG once, and never its parent's after fork."""

from __future__ import annotations

import os

from kdc.service.randomness import RandomPool


class _Counting:
    """A source of distinct bytes (a counter), recording each read's size."""

    def __init__(self) -> None:
        self.reads: list[int] = []
        self.next = 0

    def __call__(self, n: int) -> bytes:
        self.reads.append(n)
        out = bytes((self.next + i) % 256 for i in range(n))
        self.next += n
        return out


def test_slices_are_consecutive_and_never_repeat():
    """Every byte read from the source is handed out exactly once, in order; a request
    that does not fit the rest of the pool starts a new read (the rest is skipped, not reused)."""
    source = _Counting()
    pool = RandomPool(size=64, source=source)
    got = [pool(16), pool(32), pool(8), pool(16)]
    assert [len(g) for g in got] == [16, 32, 8, 16]
    assert b"".join(got[:3]) == bytes(range(56))
    assert got[3] == bytes(range(64, 80))
    assert source.reads == [64, 64]


def test_large_requests_go_to_the_source():
    source = _Counting()
    pool = RandomPool(size=32, source=source)
    assert len(pool(100)) == 100 and source.reads == [100]
    assert pool(0) == b"" and len(pool(32)) == 32


def test_real_pool_gives_distinct_random_bytes():
    """With os.urandom behind it: 1,000 session-key-sized draws are all distinct."""
    pool = RandomPool()
    draws = {pool(32) for _ in range(1000)}
    assert len(draws) == 1000 and all(len(d) == 32 for d in draws)


def test_forked_child_does_not_reuse_the_parents_bytes():
    """After fork the child's next bytes are not the parent's next bytes."""
    pool = RandomPool()
    pool(16)  # fill the pool before forking
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, pool(32))
        os._exit(0)
    os.close(write)
    child = b""
    while len(child) < 32:
        chunk = os.read(read, 32 - len(child))
        assert chunk
        child += chunk
    os.close(read)
    os.waitpid(pid, 0)
    assert child != pool(32)
