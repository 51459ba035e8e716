"""CBC with ciphertext stealing, zero initial vector (RFC 3962 section 5, RFC 6803 section 2).

The last two ciphertext blocks are always swapped, even when the input fills its last block
(RFC 3962: "CBC-CS3"). Inputs are at least one block long: every enctype using this mode
prepends a 16-byte confounder.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.algorithms import BlockCipherAlgorithm

from protocol.crypto.primitives import ECB, ZERO_BLOCK

BLOCK = 16
# Zero padding that brings a last block of ``tail`` bytes (1..16) up to a full block.
_PAD = tuple(bytes(BLOCK - tail) for tail in range(BLOCK + 1))
_CBC_ZERO_IV = modes.CBC(ZERO_BLOCK)  # immutable; one instance saves building it per key


class CtsCipher:
    """CBC-CTS under one key, with long-lived OpenSSL contexts.

    Creating a cipher context costs about 3 µs, as much as encrypting a whole message, so each
    key keeps one CBC encryptor and one ECB decryptor for its lifetime, each made on first use
    (a ticket key mostly decrypts, a reply key only encrypts). Not thread-safe: the key cache
    hands each thread its own instances.
    """

    __slots__ = ("_algorithm", "_cbc", "_ecb_dec", "_chain")

    def __init__(self, algorithm: BlockCipherAlgorithm) -> None:
        self._algorithm = algorithm
        self._cbc: Any = None
        self._ecb_dec: Any = None
        self._chain = 0  # the CBC context's last output block, as an integer

    def encrypt(self, data: bytes) -> bytes:
        """CBC-CTS encrypt ``data`` (at least one block) with a zero IV."""
        n = len(data)
        if n < BLOCK:
            raise ValueError("CTS input shorter than one block")
        cbc = self._cbc
        if cbc is None:
            cbc = self._cbc = Cipher(self._algorithm, _CBC_ZERO_IV).encryptor()
        tail = n % BLOCK or BLOCK
        # The persistent CBC context chains from the last block it produced; XORing that block
        # into our first plaintext block cancels it, so every message starts from a zero IV.
        first = (int.from_bytes(data[:BLOCK], "big") ^ self._chain).to_bytes(BLOCK, "big")
        c = cbc.update(first + data[BLOCK:] + _PAD[tail])
        self._chain = int.from_bytes(c[-BLOCK:], "big")
        if n == BLOCK:
            return c  # one block: nothing to steal or swap
        return c[:-2 * BLOCK] + c[-BLOCK:] + c[-2 * BLOCK:tail - 2 * BLOCK]

    def decrypt(self, data: bytes) -> bytes:
        """Inverse of ``encrypt``; raises ValueError on input shorter than one block."""
        n = len(data)
        if n < BLOCK:
            raise ValueError("CTS input shorter than one block")
        ecb = self._ecb_dec
        if ecb is None:
            ecb = self._ecb_dec = Cipher(self._algorithm, ECB).decryptor()
        if n == BLOCK:
            return ecb.update(data)
        tail = n % BLOCK or BLOCK
        cut = n - BLOCK - tail  # wire order: C1..C(n-2) | Cn | first ``tail`` bytes of C(n-1)
        head, stolen = data[:cut], data[cut + BLOCK:]
        x = ecb.update(data[cut:cut + BLOCK])  # D(Cn) ends with the bytes stolen from C(n-1)
        # One ECB call decrypts C1..C(n-1); the CBC chaining (XOR with 0 | C1..C(n-2)) and the
        # last partial block (D(Cn) XOR the stolen bytes) are then a single big-integer XOR.
        plain = ecb.update(head + stolen + x[tail:]) + x[:tail]
        mask = int.from_bytes(head + stolen, "big")
        return (int.from_bytes(plain, "big") ^ mask).to_bytes(n, "big")
