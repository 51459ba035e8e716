"""RFC 3961 crypto over pyca/cryptography: the recipe API the rest of the project uses.

Contract (signatures fixed; the crypto work fills in the bodies):

- Keys are ``protocol.messages.EncryptionKey(keytype, keyvalue)``.
- Randomness is an argument: ``rng(n) -> n random bytes`` (``os.urandom`` in services,
  a seeded function in tests). Nothing here reads the RNG or the clock by itself.
- ``decrypt`` and ``verify_checksum`` raise ``IntegrityError``; they never return a bool.
- Unknown or disallowed enctypes raise ``UnsupportedEncType``. Weak enctypes (rc4-hmac) are
  in the table with ``weak=True``; whether one may be used is the caller's policy.
"""

from __future__ import annotations

from collections.abc import Callable

from protocol.messages.types import Checksum, EncryptionKey

Rng = Callable[[int], bytes]


def encrypt(key: EncryptionKey, usage: int, plaintext: bytes, rng: Rng) -> bytes:
    """RFC 3961 section 5.3 encryption with key usage ``usage``; returns the ciphertext."""
    raise NotImplementedError


def decrypt(key: EncryptionKey, usage: int, ciphertext: bytes) -> bytes:
    """Inverse of ``encrypt``; raises IntegrityError on a wrong key or any tampering."""
    raise NotImplementedError


def make_checksum(key: EncryptionKey, usage: int, data: bytes, cksumtype: int | None = None) -> Checksum:
    """Keyed checksum; ``cksumtype`` defaults to the enctype's mandatory checksum."""
    raise NotImplementedError


def verify_checksum(key: EncryptionKey, usage: int, data: bytes, checksum: Checksum) -> None:
    """Raise IntegrityError unless ``checksum`` is a valid keyed checksum over ``data``.

    Unkeyed checksums (CRC32, MD5, SHA1) are refused with IntegrityError: anyone can forge them.
    """
    raise NotImplementedError


def string_to_key(enctype: int, password: str | bytes, salt: str | bytes, s2kparams: bytes | None = None) -> EncryptionKey:
    """RFC 3961 string-to-key; ``s2kparams`` as carried in ETYPE-INFO2 (None: the default)."""
    raise NotImplementedError


def random_to_key(enctype: int, data: bytes) -> EncryptionKey:
    raise NotImplementedError


def random_key(enctype: int, rng: Rng) -> EncryptionKey:
    """A fresh random key of ``enctype`` (session keys, randkey)."""
    raise NotImplementedError


def prf(key: EncryptionKey, data: bytes) -> bytes:
    raise NotImplementedError


def cf2(key1: EncryptionKey, key2: EncryptionKey, pepper1: bytes, pepper2: bytes) -> EncryptionKey:
    """KRB-FX-CF2, RFC 6113 section 5.1."""
    raise NotImplementedError
