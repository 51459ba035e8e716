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
from protocol.crypto.primitives import mac_copy
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

    @abstractmethod
    def block_cipher(self, key: bytes) -> BlockCipherAlgorithm: ...

    @abstractmethod
    def derive(self, key: bytes, constant: bytes) -> bytes:
        """DK(key, constant) for this family."""

    @abstractmethod
    def new_mac(self, key: bytes) -> Any:
        """A keyed MAC object (HMAC or CMAC) to copy per message."""

    def _enc_keys(self, key: bytes, usage: int) -> EncKeys:
        tag = (self.etype, "enc")
        keys = keycache.lookup(tag, key, usage)
        if keys is None:
            keys = keycache.store(tag, key, usage, EncKeys(
                CtsCipher(self.block_cipher(self.derive(key, usage_constant(usage, KE)))),
                self.new_mac(self.derive(key, usage_constant(usage, KI)))))
        return keys

    def _cksum_mac(self, key: bytes, usage: int) -> Any:
        tag = (self.etype, "cksum")
        mac = keycache.lookup(tag, key, usage)
        if mac is None:
            mac = keycache.store(tag, key, usage,
                                 self.new_mac(self.derive(key, usage_constant(usage, KC))))
        return mac

    def encrypt(self, key: bytes, usage: int, plaintext: bytes, confounder: bytes) -> bytes:
        """RFC 3961 5.3: E(Ke, conf | plaintext) | H(Ki, conf | plaintext) truncated."""
        keys = self._enc_keys(key, usage)
        data = confounder + plaintext
        return keys.cts.encrypt(data) + mac_copy(keys.mac, data)[:self.checksum_size]

    def decrypt(self, key: bytes, usage: int, ciphertext: bytes) -> bytes:
        """RFC 3961 5.3 decryption; any failure is IntegrityError."""
        h = self.checksum_size
        if len(ciphertext) < self.confounder_size + h:
            raise IntegrityError("ciphertext too short")
        keys = self._enc_keys(key, usage)
        data = keys.cts.decrypt(ciphertext[:-h])
        if not hmac.compare_digest(mac_copy(keys.mac, data)[:h], ciphertext[-h:]):
            raise IntegrityError("ciphertext integrity check failed")
        return data[self.confounder_size:]

    def checksum(self, key: bytes, usage: int, data: bytes) -> bytes:
        """RFC 3961 5.4: H(Kc, data) truncated to the checksum size."""
        return mac_copy(self._cksum_mac(key, usage), data)[:self.checksum_size]
