"""CBC with ciphertext stealing, zero initial vector (RFC 3962 section 5, RFC 6803 section 2).

The last two ciphertext blocks are always swapped, even when the input fills its last block
(RFC 3962: "CBC-CS3"). Inputs are at least one block long: every enctype using this mode
prepends a 16-byte confounder.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.algorithms import BlockCipherAlgorithm

from protocol.crypto.primitives import ECB, ZERO_BLOCK, xor

BLOCK = 16


class CtsCipher:
    """CBC-CTS under one key, with long-lived OpenSSL contexts.

    Creating a cipher context costs about 5 µs, as much as encrypting a whole message, so each
    key keeps one CBC encryptor and one ECB decryptor for its lifetime. Not thread-safe: the
    key cache hands each thread its own instances.
    """

    __slots__ = ("_cbc", "_ecb_dec", "_ecb_enc", "_chain")

    def __init__(self, algorithm: BlockCipherAlgorithm) -> None:
        self._cbc = Cipher(algorithm, modes.CBC(ZERO_BLOCK)).encryptor()
        self._ecb_dec = Cipher(algorithm, ECB).decryptor()
        self._ecb_enc = Cipher(algorithm, ECB).encryptor()
        self._chain = ZERO_BLOCK

    def _cbc_zero_iv(self, data: bytes) -> bytes:
        # The persistent CBC context chains from the last block it produced; XORing that block
        # into our first plaintext block cancels it, so every message starts from a zero IV.
        out = self._cbc.update(xor(data[:BLOCK], self._chain) + data[BLOCK:])
        self._chain = out[-BLOCK:]
        return out

    def encrypt_block(self, block: bytes) -> bytes:
        """Raw single-block encryption (the E() of RFC 3961 DK and the RFC 3962 PRF)."""
        return self._ecb_enc.update(block)

    def encrypt(self, data: bytes) -> bytes:
        """CBC-CTS encrypt ``data`` (at least one block) with a zero IV."""
        n = len(data)
        if n < BLOCK:
            raise ValueError("CTS input shorter than one block")
        if n == BLOCK:
            return self._ecb_enc.update(data)
        tail = n % BLOCK or BLOCK
        c = self._cbc_zero_iv(data + bytes(BLOCK - tail))
        return c[:-2 * BLOCK] + c[-BLOCK:] + c[-2 * BLOCK:-2 * BLOCK + tail]

    def decrypt(self, data: bytes) -> bytes:
        """Inverse of ``encrypt``; raises ValueError on input shorter than one block."""
        n = len(data)
        if n < BLOCK:
            raise ValueError("CTS input shorter than one block")
        if n == BLOCK:
            return self._ecb_dec.update(data)
        tail = n % BLOCK or BLOCK
        head, last_full, stolen = data[:n - BLOCK - tail], data[n - BLOCK - tail:n - tail], data[n - tail:]
        x = self._ecb_dec.update(last_full)
        last_plain = xor(x[:tail], stolen)
        chained = head + stolen + x[tail:]
        plain = xor(self._ecb_dec.update(chained), ZERO_BLOCK + chained[:-BLOCK])
        return plain + last_plain
