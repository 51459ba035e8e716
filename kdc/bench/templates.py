"""Pre-built request bytes with holes for the parts that change (nonce, timestamp ciphertext).

Encoding a whole KDC-REQ per request would make the load generator, not the KDC, the
bottleneck. A template is the DER of a real request built once with placeholder values
whose encoded length cannot change; each request then splices fresh values into the holes.
Nonces are drawn from [2**24, 2**31) so that their INTEGER encoding is always 4 octets.
Ciphertext lengths may vary (the PA-ENC-TS-ENC microseconds encode in 1-3 octets), so
templates are kept per ciphertext length and built on first use.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

__all__ = ["Template", "NONCE_MIN", "NONCE_PLACEHOLDER", "nonce_bytes", "random_nonce"]

NONCE_MIN = 1 << 24
NONCE_PLACEHOLDER = 0x5A6B7C1D
_NONCE_DER = b"\x02\x04" + struct.pack(">I", NONCE_PLACEHOLDER)


def random_nonce() -> int:
    return NONCE_MIN + int.from_bytes(os.urandom(4), "big") % ((1 << 31) - NONCE_MIN)


def nonce_bytes(nonce: int) -> bytes:
    return struct.pack(">I", nonce)


class Template:
    """Bytes with holes: ``fill(a, b, ...)`` puts each value into its hole, in hole order."""

    def __init__(self, data: bytes, holes: list[bytes]) -> None:
        positions = []
        for hole in holes:
            if data.count(hole) != 1:
                raise ValueError("placeholder is not unique in the template")
            positions.append((data.index(hole), len(hole)))
        order = sorted(range(len(holes)), key=lambda i: positions[i][0])
        self.order = order
        self.pieces: list[bytes] = []
        pos = 0
        for i in order:
            start, length = positions[i]
            self.pieces.append(data[pos:start])
            pos = start + length
        self.pieces.append(data[pos:])
        self.lengths = [positions[i][1] for i in order]

    def fill(self, *values: bytes) -> bytes:
        ordered = [values[i] for i in self.order]
        out = [self.pieces[0]]
        for value, piece, length in zip(ordered, self.pieces[1:], self.lengths):
            if len(value) != length:
                raise ValueError("value does not fit its hole")
            out.append(value)
            out.append(piece)
        return b"".join(out)


def nonce_hole(data: bytes) -> bytes:
    """The 4 content octets of the placeholder nonce INTEGER inside ``data``."""
    at = data.index(_NONCE_DER) + 2
    return data[at:at + 4]


class TemplateCache:
    """Templates keyed by ciphertext length, built on demand by ``build(length) -> Template``."""

    def __init__(self, build: Callable[[int], Template]) -> None:
        self.build = build
        self.by_length: dict[int, Template] = {}

    def get(self, length: int) -> Template:
        tpl = self.by_length.get(length)
        if tpl is None:
            tpl = self.by_length[length] = self.build(length)
        return tpl
