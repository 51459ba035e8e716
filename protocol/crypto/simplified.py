"""RFC 3961 section 5.3 simplified profile: derived keys, MAC over the plaintext, CTS.

Shared by aes*-cts-hmac-sha1-96 (RFC 3962) and camellia*-cts-cmac (RFC 6803), which differ
only in the block cipher, the MAC and the key-derivation function.
"""

from __future__ import annotations

import hmac
from abc import abstractmethod
from typing import Any

from cryptography.hazmat.primitives.ciphers.algorithms import BlockCipherAlgorithm

from protocol.crypto import keycache
from protocol.crypto.cts import BLOCK, CtsCipher
from protocol.crypto.profile import KC, KE, KI, Profile, usage_constant
from protocol.errors import IntegrityError


class EncKeys:
    """Ke as a CTS cipher and Ki as a pre-keyed MAC, for one (key, usage)."""

    __slots__ = ("cts", "mac")

    def __init__(self, cts: CtsCipher, mac: Any) -> None:
        self.cts = cts
        self.mac = mac


class SimplifiedProfile(Profile):
    confounder_size = BLOCK

    def __init__(self, etype: int, key_size: int) -> None:
        self.etype = etype
        self.key_size = self.seed_size = key_size
        self._enc_tag = (etype, "enc")
        self._cksum_tag = (etype, "cksum")
        self._dk_tag = (etype, "dk")

    @abstractmethod
    def block_cipher(self, key: bytes) -> BlockCipherAlgorithm: ...

    @abstractmethod
    def new_deriver(self, key: bytes) -> Any:
        """A keyed object (cipher context, MAC) that ``derive_with`` computes DK under ``key`` with."""

    @abstractmethod
    def derive_with(self, deriver: Any, constants: tuple[bytes, ...]) -> list[bytes]:
        """DK(key, constant) for each constant, ``deriver`` coming from ``new_deriver(key)``."""

    @abstractmethod
    def new_mac(self, key: bytes) -> Any:
        """A keyed MAC object (HMAC or CMAC) to copy per message."""

    def derive(self, key: bytes, constant: bytes) -> bytes:
        """DK(key, constant) for this family (nothing cached)."""
        return self.derive_with(self.new_deriver(key), (constant,))[0]

    def _deriver(self, key: bytes) -> Any:
        # Kept per base key: a fresh session key is used with several usages in one TGS
        # exchange (authenticator, checksum, reply), and each would otherwise set up its own.
        deriver = keycache.lookup(self._dk_tag, key, 0)
        if deriver is None:
            deriver = keycache.store(self._dk_tag, key, 0, self.new_deriver(key))
        return deriver

    def _new_enc_keys(self, key: bytes, usage: int) -> EncKeys:
        ke, ki = self.derive_with(self._deriver(key), (usage_constant(usage, KE), usage_constant(usage, KI)))
        return keycache.store(self._enc_tag, key, usage, EncKeys(CtsCipher(self.block_cipher(ke)), self.new_mac(ki)))

    def _new_cksum_mac(self, key: bytes, usage: int) -> Any:
        (kc,) = self.derive_with(self._deriver(key), (usage_constant(usage, KC),))
        return keycache.store(self._cksum_tag, key, usage, self.new_mac(kc))

    def encrypt(self, key: bytes, usage: int, plaintext: bytes, confounder: bytes) -> bytes:
        """RFC 3961 5.3: E(Ke, conf | plaintext) | H(Ki, conf | plaintext) truncated."""
        keys = keycache.lookup(self._enc_tag, key, usage) or self._new_enc_keys(key, usage)
        data = confounder + plaintext
        mac = keys.mac.copy()
        mac.update(data)
        return keys.cts.encrypt(data) + mac.finalize()[:self.checksum_size]

    def decrypt(self, key: bytes, usage: int, ciphertext: bytes) -> bytes:
        """RFC 3961 5.3 decryption; any failure is IntegrityError."""
        h = self.checksum_size
        if len(ciphertext) < BLOCK + h:
            raise IntegrityError("ciphertext too short")
        keys = keycache.lookup(self._enc_tag, key, usage) or self._new_enc_keys(key, usage)
        data = keys.cts.decrypt(ciphertext[:-h])
        mac = keys.mac.copy()
        mac.update(data)
        if not hmac.compare_digest(mac.finalize()[:h], ciphertext[-h:]):
            raise IntegrityError("ciphertext integrity check failed")
        return data[BLOCK:]

    def checksum(self, key: bytes, usage: int, data: bytes) -> bytes:
        """RFC 3961 5.4: H(Kc, data) truncated to the checksum size."""
        mac = (keycache.lookup(self._cksum_tag, key, usage) or self._new_cksum_mac(key, usage)).copy()
        mac.update(data)
        return mac.finalize()[:self.checksum_size]
