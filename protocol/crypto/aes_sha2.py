"""aes128-cts-hmac-sha256-128 and aes256-cts-hmac-sha384-192 (RFC 8009): encrypt-then-MAC."""

from __future__ import annotations

import hmac as std_hmac

from cryptography.hazmat.primitives import hashes, hmac

from protocol.crypto import keycache
from protocol.crypto.cts import BLOCK, CtsCipher
from protocol.crypto.primitives import AES, ZERO_BLOCK, hmac_digest, mac_copy, parse_iterations, pbkdf2
from protocol.crypto.profile import KC, KE, KI, Profile, usage_constant
from protocol.crypto.simplified import EncKeys
from protocol.errors import IntegrityError


class AesSha2(Profile):
    confounder_size = BLOCK
    default_iterations = 32768

    def __init__(self, etype: int, name: str, key_size: int, hash_cls: type[hashes.HashAlgorithm]) -> None:
        self.etype = etype
        self.key_size = self.seed_size = key_size
        self._name = name.encode("ascii")
        self._hash = hash_cls
        # RFC 8009 section 5: Ki/Kc and the MAC are 128 bits (SHA-256) or 192 bits (SHA-384).
        self.checksum_size = hash_cls.digest_size // 2
        self.prf_size = hash_cls.digest_size

    def kdf(self, key: bytes, label: bytes, nbytes: int, context: bytes = b"") -> bytes:
        """KDF-HMAC-SHA2 (RFC 8009 section 3): one SP800-108 counter-mode block, truncated."""
        k = (nbytes * 8).to_bytes(4, "big")
        return hmac_digest(key, self._hash(), b"\x00\x00\x00\x01", label, b"\x00", context, k)[:nbytes]

    def _enc_keys(self, key: bytes, usage: int) -> EncKeys:
        tag = (self.etype, "enc")
        keys = keycache.lookup(tag, key, usage)
        if keys is None:
            keys = keycache.store(tag, key, usage, EncKeys(
                CtsCipher(AES(self.kdf(key, usage_constant(usage, KE), self.key_size))),
                hmac.HMAC(self.kdf(key, usage_constant(usage, KI), self.checksum_size), self._hash())))
        return keys

    def _cksum_mac(self, key: bytes, usage: int) -> hmac.HMAC:
        tag = (self.etype, "cksum")
        mac = keycache.lookup(tag, key, usage)
        if mac is None:
            mac = keycache.store(tag, key, usage, hmac.HMAC(
                self.kdf(key, usage_constant(usage, KC), self.checksum_size), self._hash()))
        return mac

    def encrypt(self, key: bytes, usage: int, plaintext: bytes, confounder: bytes) -> bytes:
        """RFC 8009 section 5: C = E(Ke, conf | plaintext), H = HMAC(Ki, IV | C) truncated."""
        keys = self._enc_keys(key, usage)
        c = keys.cts.encrypt(confounder + plaintext)
        return c + mac_copy(keys.mac, ZERO_BLOCK, c)[:self.checksum_size]

    def decrypt(self, key: bytes, usage: int, ciphertext: bytes) -> bytes:
        """RFC 8009 section 5: verify the MAC over IV | C before decrypting anything."""
        h = self.checksum_size
        if len(ciphertext) < self.confounder_size + h:
            raise IntegrityError("ciphertext too short")
        keys = self._enc_keys(key, usage)
        c = ciphertext[:-h]
        if not std_hmac.compare_digest(mac_copy(keys.mac, ZERO_BLOCK, c)[:h], ciphertext[-h:]):
            raise IntegrityError("ciphertext integrity check failed")
        return keys.cts.decrypt(c)[self.confounder_size:]

    def checksum(self, key: bytes, usage: int, data: bytes) -> bytes:
        """RFC 8009 section 5: HMAC(Kc, data) truncated."""
        return mac_copy(self._cksum_mac(key, usage), data)[:self.checksum_size]

    def string_to_key(self, password: bytes, salt: bytes, s2kparams: bytes | None) -> bytes:
        """RFC 8009 section 4: KDF(PBKDF2-HMAC-SHA2(password, name | 0x00 | salt), "kerberos")."""
        iterations = parse_iterations(s2kparams, self.default_iterations)
        saltp = self._name + b"\x00" + salt
        tkey = pbkdf2(self._hash(), password, saltp, iterations, self.key_size)
        return self.kdf(tkey, b"kerberos", self.key_size)

    def prf(self, key: bytes, data: bytes) -> bytes:
        """RFC 8009 section 5: KDF-HMAC-SHA2(key, "prf", data), full hash length."""
        return self.kdf(key, b"prf", self.prf_size, data)
