"""aes128-cts-hmac-sha256-128 and aes256-cts-hmac-sha384-192 (RFC 8009): encrypt-then-MAC."""

from __future__ import annotations

import hmac as std_hmac

from cryptography.hazmat.primitives import hashes, hmac

from protocol.crypto import keycache
from protocol.crypto.cts import BLOCK, CtsCipher
from protocol.crypto.primitives import AES, ZERO_BLOCK, parse_iterations, pbkdf2
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
        self._enc_tag = (etype, "enc")
        self._cksum_tag = (etype, "cksum")
        self._kdf_tag = (etype, "kdf")
        # RFC 8009 section 5: Ki/Kc and the MAC are 128 bits (SHA-256) or 192 bits (SHA-384).
        self.checksum_size = hash_cls.digest_size // 2
        self.prf_size = hash_cls.digest_size

    def kdf(self, key: bytes, label: bytes, nbytes: int, context: bytes = b"") -> bytes:
        """KDF-HMAC-SHA2 (RFC 8009 section 3): one SP800-108 counter-mode block, truncated."""
        return self._kdf_with(hmac.HMAC(key, self._hash()), label, nbytes, context)

    @staticmethod
    def _kdf_with(mac: hmac.HMAC, label: bytes, nbytes: int, context: bytes = b"") -> bytes:
        """``kdf`` with ``mac``, an HMAC keyed with the base key that this call consumes."""
        mac.update(b"\x00\x00\x00\x01" + label + b"\x00" + context + (nbytes * 8).to_bytes(4, "big"))
        return mac.finalize()[:nbytes]

    def _kdf_mac(self, key: bytes) -> hmac.HMAC:
        # The base key's HMAC is kept, to be copied for each usage's Ke/Ki/Kc: a fresh session
        # key serves several usages in one TGS exchange, and keying an HMAC costs 1-2 µs.
        mac = keycache.lookup(self._kdf_tag, key, 0)
        if mac is None:
            mac = keycache.store(self._kdf_tag, key, 0, hmac.HMAC(key, self._hash()))
        return mac

    def _new_enc_keys(self, key: bytes, usage: int) -> EncKeys:
        base = self._kdf_mac(key)
        ke = self._kdf_with(base.copy(), usage_constant(usage, KE), self.key_size)
        mac = hmac.HMAC(self._kdf_with(base.copy(), usage_constant(usage, KI), self.checksum_size), self._hash())
        mac.update(ZERO_BLOCK)  # every message's MAC starts with the (zero) cipher state
        return keycache.store(self._enc_tag, key, usage, EncKeys(CtsCipher(AES(ke)), mac))

    def _new_cksum_mac(self, key: bytes, usage: int) -> hmac.HMAC:
        kc = self._kdf_with(self._kdf_mac(key).copy(), usage_constant(usage, KC), self.checksum_size)
        return keycache.store(self._cksum_tag, key, usage, hmac.HMAC(kc, self._hash()))

    def encrypt(self, key: bytes, usage: int, plaintext: bytes, confounder: bytes) -> bytes:
        """RFC 8009 section 5: C = E(Ke, conf | plaintext), H = HMAC(Ki, IV | C) truncated."""
        keys = keycache.lookup(self._enc_tag, key, usage) or self._new_enc_keys(key, usage)
        c = keys.cts.encrypt(confounder + plaintext)
        mac = keys.mac.copy()  # has absorbed the IV already
        mac.update(c)
        return c + mac.finalize()[:self.checksum_size]

    def decrypt(self, key: bytes, usage: int, ciphertext: bytes) -> bytes:
        """RFC 8009 section 5: verify the MAC over IV | C before decrypting anything."""
        h = self.checksum_size
        if len(ciphertext) < BLOCK + h:
            raise IntegrityError("ciphertext too short")
        keys = keycache.lookup(self._enc_tag, key, usage) or self._new_enc_keys(key, usage)
        c = ciphertext[:-h]
        mac = keys.mac.copy()  # has absorbed the IV already
        mac.update(c)
        if not std_hmac.compare_digest(mac.finalize()[:h], ciphertext[-h:]):
            raise IntegrityError("ciphertext integrity check failed")
        return keys.cts.decrypt(c)[BLOCK:]

    def checksum(self, key: bytes, usage: int, data: bytes) -> bytes:
        """RFC 8009 section 5: HMAC(Kc, data) truncated."""
        mac = (keycache.lookup(self._cksum_tag, key, usage) or self._new_cksum_mac(key, usage)).copy()
        mac.update(data)
        return mac.finalize()[:self.checksum_size]

    def string_to_key(self, password: bytes, salt: bytes, s2kparams: bytes | None) -> bytes:
        """RFC 8009 section 4: KDF(PBKDF2-HMAC-SHA2(password, name | 0x00 | salt), "kerberos")."""
        iterations = parse_iterations(s2kparams, self.default_iterations)
        saltp = self._name + b"\x00" + salt
        tkey = pbkdf2(self._hash(), password, saltp, iterations, self.key_size)
        return self.kdf(tkey, b"kerberos", self.key_size)

    def prf(self, key: bytes, data: bytes) -> bytes:
        """RFC 8009 section 5: KDF-HMAC-SHA2(key, "prf", data), full hash length."""
        return self.kdf(key, b"prf", self.prf_size, data)
