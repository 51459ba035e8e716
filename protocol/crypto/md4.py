"""MD4 (RFC 1320), needed only for rc4-hmac string-to-key (RFC 4757 section 4).

OpenSSL 3 moved MD4 to its legacy provider, so neither hashlib nor pyca/cryptography offers
it reliably; passwords are short, so a pure-Python version is fast enough.
"""

from __future__ import annotations

import struct

_MASK = 0xFFFFFFFF


def _rol(x: int, s: int) -> int:
    x &= _MASK
    return ((x << s) | (x >> (32 - s))) & _MASK


def _compress(state: list[int], block: bytes) -> None:
    x = struct.unpack("<16I", block)
    a, b, c, d = state
    for i in range(16):  # round 1: F(x,y,z) = xy | ~x z
        k, s = i, (3, 7, 11, 19)[i % 4]
        a, b, c, d = d, _rol(a + ((b & c) | (~b & d)) + x[k], s), b, c
    for i in range(16):  # round 2: G = majority, constant sqrt(2)
        k, s = (i % 4) * 4 + i // 4, (3, 5, 9, 13)[i % 4]
        a, b, c, d = d, _rol(a + ((b & c) | (b & d) | (c & d)) + x[k] + 0x5A827999, s), b, c
    for i in range(16):  # round 3: H = parity, constant sqrt(3)
        k, s = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)[i], (3, 9, 11, 15)[i % 4]
        a, b, c, d = d, _rol(a + (b ^ c ^ d) + x[k] + 0x6ED9EBA1, s), b, c
    state[:] = [(v + w) & _MASK for v, w in zip(state, (a, b, c, d))]


def md4(data: bytes) -> bytes:
    """The MD4 digest of ``data`` (RFC 1320)."""
    state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    padded = data + b"\x80" + bytes((55 - len(data)) % 64) + struct.pack("<Q", len(data) * 8)
    for off in range(0, len(padded), 64):
        _compress(state, padded[off:off + 64])
    return struct.pack("<4I", *state)
