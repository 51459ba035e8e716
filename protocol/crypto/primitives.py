"""Thin wrappers over pyca/cryptography's hazmat primitives shared by the profiles.

Camellia and ARC4 moved to ``cryptography.hazmat.decrepit`` in cryptography 43; the fallback
keeps cryptography 42 (our lower bound) working.
"""

from __future__ import annotations

import warnings

from cryptography.hazmat.primitives import cmac, hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from protocol.errors import S2KParamsError

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, Camellia
except ImportError:  # cryptography 42
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ARC4 = algorithms.ARC4
        Camellia = algorithms.Camellia

AES = algorithms.AES
ECB = modes.ECB()
ZERO_BLOCK = bytes(16)

# Largest PBKDF2 iteration count accepted: s2kparams may come from the network (ETYPE-INFO2),
# and 2**24 iterations already cost seconds. MIT refuses the same range.
MAX_ITERATIONS = 1 << 24


def xor(a: bytes, b: bytes) -> bytes:
    """Byte-wise XOR of two equal-length strings (one big-int operation, not a Python loop)."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def hmac_digest(key: bytes, algorithm: hashes.HashAlgorithm, *parts: bytes) -> bytes:
    h = hmac.HMAC(key, algorithm)
    for part in parts:
        h.update(part)
    return h.finalize()


def mac_copy(base: hmac.HMAC | cmac.CMAC, *parts: bytes) -> bytes:
    """MAC ``parts`` with a pre-keyed MAC object; copying it skips the key set-up."""
    h = base.copy()
    for part in parts:
        h.update(part)
    return h.finalize()


def cmac_digest(algorithm: algorithms.BlockCipherAlgorithm, *parts: bytes) -> bytes:
    c = cmac.CMAC(algorithm)
    for part in parts:
        c.update(part)
    return c.finalize()


def hash_digest(algorithm: hashes.HashAlgorithm, *parts: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    for part in parts:
        h.update(part)
    return h.finalize()


def pbkdf2(algorithm: hashes.HashAlgorithm, password: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    return PBKDF2HMAC(algorithm, length, salt, iterations).derive(password)


def ecb_encrypt(algorithm: algorithms.BlockCipherAlgorithm, data: bytes) -> bytes:
    return Cipher(algorithm, ECB).encryptor().update(data)


def arc4(key: bytes, data: bytes) -> bytes:
    return Cipher(ARC4(key), mode=None).encryptor().update(data)


def parse_iterations(s2kparams: bytes | None, default: int) -> int:
    """The PBKDF2 iteration count from 4-byte big-endian s2kparams (RFC 3962 section 4)."""
    if s2kparams is None:
        return default
    if len(s2kparams) != 4:
        raise S2KParamsError(f"s2kparams must be 4 bytes (an iteration count), got {len(s2kparams)}")
    count = int.from_bytes(s2kparams, "big")
    if not 1 <= count <= MAX_ITERATIONS:
        raise S2KParamsError(f"PBKDF2 iteration count {count} outside 1..{MAX_ITERATIONS}")
    return count
