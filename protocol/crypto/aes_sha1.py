"""aes128-cts-hmac-sha1-96 and aes256-cts-hmac-sha1-96 (RFC 3962)."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher

from protocol.crypto.cts import BLOCK
from protocol.crypto.nfold import nfold
from protocol.crypto.primitives import AES, ECB, ecb_encrypt, hash_digest, parse_iterations, pbkdf2
from protocol.crypto.simplified import SimplifiedProfile


class AesSha1(SimplifiedProfile):
    checksum_size = 12
    prf_size = 16
    default_iterations = 4096

    def __init__(self, etype: int, key_size: int) -> None:
        self.etype = etype
        self.key_size = self.seed_size = key_size

    def block_cipher(self, key: bytes) -> AES:
        return AES(key)

    def derive(self, key: bytes, constant: bytes) -> bytes:
        """DK(key, constant) = random-to-key(DR(key, constant)), RFC 3961 section 5.1.

        DR chains single-block encryptions of n-fold(constant), which for one block is ECB.
        """
        encryptor = Cipher(AES(key), ECB).encryptor()
        block = nfold(constant, BLOCK)
        out = b""
        while len(out) < self.key_size:
            block = encryptor.update(block)
            out += block
        return out[:self.key_size]

    def new_mac(self, key: bytes) -> hmac.HMAC:
        return hmac.HMAC(key, hashes.SHA1())

    def string_to_key(self, password: bytes, salt: bytes, s2kparams: bytes | None) -> bytes:
        """RFC 3962 section 4: DK(PBKDF2-HMAC-SHA1(password, salt, iterations), "kerberos")."""
        iterations = parse_iterations(s2kparams, self.default_iterations)
        tkey = pbkdf2(hashes.SHA1(), password, salt, iterations, self.key_size)
        return self.derive(tkey, b"kerberos")

    def prf(self, key: bytes, data: bytes) -> bytes:
        """RFC 3962 section 6: E(DK(key, "prf"), SHA1(data) truncated to one block)."""
        digest = hash_digest(hashes.SHA1(), data)[:BLOCK]
        return ecb_encrypt(AES(self.derive(key, b"prf")), digest)
