"""CBC with ciphertext stealing, zero initial vector (RFC 3962 section 5, RFC 6803 section 2).

The last two ciphertext blocks are always swapped, even when the input fills its last block
(RFC 3962: "CBC-CS3"). Inputs are at least one block long: every enctype using this mode
prepends a 16-byte confounder.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.algorithms import BlockCipherAlgorithm

from protocol.crypto.primitives import ECB, ZERO_BLOCK, xor

BLOCK = 16


class CtsCipher:
    """CBC-CTS under one key, with long-lived OpenSSL contexts.

    Creating a cipher context costs about 5 µs, as much as encrypting a whole message, so each
    key keeps one CBC encryptor and one ECB decryptor for its lifetime, each made on first use
    (a ticket key mostly decrypts, a reply key only encrypts). Not thread-safe: the key cache
    hands each thread its own instances.
    """

    __slots__ = ("_algorithm", "_cbc", "_ecb_dec", "_chain")

    def __init__(self, algorithm: BlockCipherAlgorithm) -> None:
        self._algorithm = algorithm
        self._cbc: Any = None
        self._ecb_dec: Any = None
        self._chain = ZERO_BLOCK

    def _cbc_zero_iv(self, data: bytes) -> bytes:
        if self._cbc is None:
            self._cbc = Cipher(self._algorithm, modes.CBC(ZERO_BLOCK)).encryptor()
        # The persistent CBC context chains from the last block it produced; XORing that block
        # into our first plaintext block cancels it, so every message starts from a zero IV.
        out = self._cbc.update(xor(data[:BLOCK], self._chain) + data[BLOCK:])
        self._chain = out[-BLOCK:]
        return out

    def _ecb_decrypt(self, data: bytes) -> bytes:
        if self._ecb_dec is None:
            self._ecb_dec = Cipher(self._algorithm, ECB).decryptor()
        return self._ecb_dec.update(data)

    def encrypt(self, data: bytes) -> bytes:
        """CBC-CTS encrypt ``data`` (at least one block) with a zero IV."""
        n = len(data)
        if n < BLOCK:
            raise ValueError("CTS input shorter than one block")
        if n == BLOCK:
            return self._cbc_zero_iv(data)  # one block of CBC from a zero IV is plain ECB
        tail = n % BLOCK or BLOCK
        c = self._cbc_zero_iv(data + bytes(BLOCK - tail))
        return c[:-2 * BLOCK] + c[-BLOCK:] + c[-2 * BLOCK:-2 * BLOCK + tail]

    def decrypt(self, data: bytes) -> bytes:
        """Inverse of ``encrypt``; raises ValueError on input shorter than one block."""
        n = len(data)
        if n < BLOCK:
            raise ValueError("CTS input shorter than one block")
        if n == BLOCK:
            return self._ecb_decrypt(data)
        tail = n % BLOCK or BLOCK
        head, last_full, stolen = data[:n - BLOCK - tail], data[n - BLOCK - tail:n - tail], data[n - tail:]
        x = self._ecb_decrypt(last_full)
        last_plain = xor(x[:tail], stolen)
        chained = head + stolen + x[tail:]
        plain = xor(self._ecb_decrypt(chained), ZERO_BLOCK + chained[:-BLOCK])
        return plain + last_plain
