"""The interface each enctype family implements, on raw key bytes (RFC 3961 section 3)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import lru_cache


# A KDC uses a dozen usages; remembering their constants saves rebuilding them per derivation.
@lru_cache(maxsize=256)
def usage_constant(usage: int, kind: int) -> bytes:
    """RFC 3961 section 5.3: the key usage as 4 big-endian bytes followed by 0xAA/0x55/0x99.

    Negative usages (MIT's AD-SIGNEDPATH, -21) are taken modulo 2**32 as MIT stores them.
    """
    return (usage & 0xFFFFFFFF).to_bytes(4, "big") + bytes((kind,))


KE, KI, KC = 0xAA, 0x55, 0x99


class Profile(ABC):
    """One enctype's algorithms. ``decrypt`` raises IntegrityError; sizes are in bytes."""

    etype: int
    key_size: int
    seed_size: int
    confounder_size: int
    checksum_size: int
    prf_size: int
    default_iterations: int | None

    @abstractmethod
    def encrypt(self, key: bytes, usage: int, plaintext: bytes, confounder: bytes) -> bytes: ...

    @abstractmethod
    def decrypt(self, key: bytes, usage: int, ciphertext: bytes) -> bytes: ...

    @abstractmethod
    def checksum(self, key: bytes, usage: int, data: bytes) -> bytes: ...

    @abstractmethod
    def string_to_key(self, password: bytes, salt: bytes, s2kparams: bytes | None) -> bytes: ...

    @abstractmethod
    def prf(self, key: bytes, data: bytes) -> bytes: ...

    def random_to_key(self, seed: bytes) -> bytes:
        """Identity for every enctype we support (RFC 3962 section 6, 8009 section 5, 6803 section 2)."""
        if len(seed) != self.seed_size:
            raise ValueError(f"random-to-key needs {self.seed_size} bytes, got {len(seed)}")
        return bytes(seed)
