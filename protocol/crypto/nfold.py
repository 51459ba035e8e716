"""RFC 3961 section 5.1 n-fold: stretch or shrink a constant to a block of n bytes."""

from __future__ import annotations

from functools import lru_cache
from math import gcd


# Inputs are a handful of constants (usage numbers, "kerberos", "prf"): worth remembering.
@lru_cache(maxsize=1024)
def nfold(data: bytes, nbytes: int) -> bytes:
    """n-fold ``data`` to ``nbytes`` bytes (RFC 3961 section 5.1).

    Concatenate lcm/len copies of the input, each rotated right by 13 more bits than the last,
    then add the n-byte chunks with ones'-complement (end-around carry) addition.
    """
    if not data or nbytes <= 0:
        raise ValueError("n-fold needs a non-empty input and a positive size")
    inbits = len(data) * 8
    lcm = len(data) * nbytes // gcd(len(data), nbytes)
    value = int.from_bytes(data, "big")
    mask = (1 << (nbytes * 8)) - 1
    total = 0
    big = 0
    for i in range(lcm // len(data)):
        big = (big << inbits) | _rotate_right(value, 13 * i, inbits)
    for shift in range(0, lcm * 8, nbytes * 8):
        total += (big >> shift) & mask
    while total > mask:
        total = (total & mask) + (total >> (nbytes * 8))
    return total.to_bytes(nbytes, "big")


def _rotate_right(value: int, bits: int, width: int) -> int:
    bits %= width
    mask = (1 << width) - 1
    return ((value >> bits) | (value << (width - bits))) & mask
