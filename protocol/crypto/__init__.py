"""RFC 3961 crypto over pyca/cryptography: the recipe API the rest of the project uses.

Contract (signatures fixed; the crypto work fills in the bodies):

- Keys are ``protocol.messages.EncryptionKey(keytype, keyvalue)``.
- Randomness is an argument: ``rng(n) -> n random bytes`` (``os.urandom`` in services,
  a seeded function in tests). Nothing here reads the RNG or the clock by itself.
- ``decrypt`` and ``verify_checksum`` raise ``IntegrityError``; they never return a bool.
- Unknown or disallowed enctypes raise ``UnsupportedEncType``. Weak enctypes (rc4-hmac) are
  in the table with ``weak=True``; whether one may be used is the caller's policy.

Per-usage derived keys are cached (``keycache``), so repeated operations under the same key
and usage cost one cipher call and one MAC. Tables and name helpers live in ``enctypes``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from protocol.crypto import keycache
from protocol.crypto.enctypes import (
    CHECKSUMS,
    ENCTYPES,
    ChecksumInfo,
    EncTypeInfo,
    checksum_name,
    enctype_name,
    get_checksum_type,
    get_enctype,
    parse_checksum_type,
    parse_enctype,
)
from protocol.crypto.primitives import MAX_ITERATIONS, xor
from protocol.errors import IntegrityError, S2KParamsError, UnsupportedEncType
from protocol.messages.types import Checksum, EncryptionKey

Rng = Callable[[int], bytes]

__all__ = [
    "CHECKSUMS", "ENCTYPES", "MAX_ITERATIONS", "ChecksumInfo", "EncTypeInfo", "Rng", "S2KParamsError",
    "checksum_name", "cf2", "clear_key_cache", "decrypt", "encrypt", "enctype_name", "get_checksum_type",
    "get_enctype", "make_checksum", "parse_checksum_type", "parse_enctype", "prf", "random_key",
    "random_to_key", "string_to_key", "verify_checksum",
]


def _row_for_key(key: EncryptionKey) -> EncTypeInfo:
    row = get_enctype(key.keytype)
    if len(key.keyvalue) != row.key_size:
        raise ValueError(f"{row.name} key must be {row.key_size} bytes, got {len(key.keyvalue)}")
    return row


def encrypt(key: EncryptionKey, usage: int, plaintext: bytes, rng: Rng) -> bytes:
    """RFC 3961 section 5.3 encryption with key usage ``usage``; returns the ciphertext.

    ``rng`` supplies the confounder (16 bytes; 8 for rc4-hmac, RFC 4757 section 4).
    """
    profile = _row_for_key(key).profile
    confounder = rng(profile.confounder_size)
    if len(confounder) != profile.confounder_size:
        raise ValueError(f"rng returned {len(confounder)} bytes, wanted {profile.confounder_size}")
    return profile.encrypt(key.keyvalue, usage, bytes(plaintext), confounder)


def decrypt(key: EncryptionKey, usage: int, ciphertext: bytes) -> bytes:
    """Inverse of ``encrypt``; raises IntegrityError on a wrong key or any tampering.

    Any ciphertext bytes, whatever their length, either decrypt or raise IntegrityError.
    """
    return _row_for_key(key).profile.decrypt(key.keyvalue, usage, bytes(ciphertext))


# cksumtype -> the enctype whose keys make it, keyed types only: verify_checksum's common case
# (the key's own checksum type) costs one dict lookup.
_KEYED_CKSUM_ETYPE = {info.cksumtype: info.etype for info in CHECKSUMS if info.keyed}


def _check_keyed_checksum(row: EncTypeInfo, cksumtype: int) -> None:
    info = get_checksum_type(cksumtype)
    if not info.keyed:
        raise IntegrityError(f"unkeyed checksum {info.name} cannot protect anything")
    if info.etype != row.etype:
        raise IntegrityError(f"checksum {info.name} does not go with {row.name} keys")


def make_checksum(key: EncryptionKey, usage: int, data: bytes, cksumtype: int | None = None) -> Checksum:
    """Keyed checksum; ``cksumtype`` defaults to the enctype's mandatory checksum (RFC 3961 section 4).

    UnsupportedEncType for an unkeyed type or one that does not match the key's enctype.
    """
    row = _row_for_key(key)
    if cksumtype is not None and cksumtype != row.cksumtype:
        info = get_checksum_type(cksumtype)
        raise UnsupportedEncType(cksumtype, f"cannot make {info.name} checksums with {row.name} keys")
    return Checksum(row.cksumtype, row.profile.checksum(key.keyvalue, usage, bytes(data)))


def verify_checksum(key: EncryptionKey, usage: int, data: bytes, checksum: Checksum) -> None:
    """Raise IntegrityError unless ``checksum`` is a valid keyed checksum over ``data``.

    Unkeyed checksums (CRC32, MD5, SHA1) are refused with IntegrityError: anyone can forge them.
    An unknown checksum type raises UnsupportedEncType (RFC 4120: KDC_ERR_SUMTYPE_NOSUPP).
    """
    row = _row_for_key(key)
    if _KEYED_CKSUM_ETYPE.get(checksum.cksumtype) != row.etype:
        _check_keyed_checksum(row, checksum.cksumtype)  # raises the precise error
    expected = row.profile.checksum(key.keyvalue, usage, bytes(data))
    if not hmac.compare_digest(expected, bytes(checksum.checksum)):
        raise IntegrityError("checksum verification failed")


def _to_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def string_to_key(enctype: int, password: str | bytes, salt: str | bytes, s2kparams: bytes | None = None) -> EncryptionKey:
    """RFC 3961 string-to-key; ``s2kparams`` as carried in ETYPE-INFO2 (None: the default).

    Strings are UTF-8 encoded. Malformed or absurd s2kparams (an iteration count outside
    1..MAX_ITERATIONS) raise S2KParamsError, a ValueError.
    """
    row = get_enctype(enctype)
    value = row.profile.string_to_key(_to_bytes(password), _to_bytes(salt), s2kparams)
    return EncryptionKey(row.etype, value)


def random_to_key(enctype: int, data: bytes) -> EncryptionKey:
    """RFC 3961 section 3 random-to-key: ``data`` must be the enctype's seed size."""
    row = get_enctype(enctype)
    return EncryptionKey(row.etype, row.profile.random_to_key(bytes(data)))


def random_key(enctype: int, rng: Rng) -> EncryptionKey:
    """A fresh random key of ``enctype`` (session keys, randkey)."""
    row = get_enctype(enctype)
    return EncryptionKey(row.etype, row.profile.random_to_key(rng(row.seed_size)))


def prf(key: EncryptionKey, data: bytes) -> bytes:
    """RFC 3961 section 3 pseudo-random function; output size is the enctype's ``prf_size``."""
    return _row_for_key(key).profile.prf(key.keyvalue, bytes(data))


def _prf_plus(key: EncryptionKey, pepper: bytes, nbytes: int) -> bytes:
    """PRF+ of RFC 6113 section 5.1: PRF(key, 1 | pepper) | PRF(key, 2 | pepper) | ... truncated."""
    out = b""
    counter = 1
    while len(out) < nbytes:
        out += prf(key, bytes((counter,)) + pepper)
        counter += 1
    return out[:nbytes]


def cf2(key1: EncryptionKey, key2: EncryptionKey, pepper1: bytes, pepper2: bytes) -> EncryptionKey:
    """KRB-FX-CF2, RFC 6113 section 5.1: a key of key1's enctype from both keys and peppers."""
    row = get_enctype(key1.keytype)
    size = row.seed_size
    mixed = xor(_prf_plus(key1, pepper1, size), _prf_plus(key2, pepper2, size))
    return random_to_key(row.etype, mixed)


def clear_key_cache() -> None:
    """Forget this thread's cached per-usage keys (for benchmarks of the cold path)."""
    keycache.clear()
