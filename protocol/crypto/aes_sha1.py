"""aes128-cts-hmac-sha1-96 and aes256-cts-hmac-sha1-96 (RFC 3962)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher

from protocol.crypto.cts import BLOCK
from protocol.crypto.nfold import nfold
from protocol.crypto.primitives import AES, ECB, ecb_encrypt, hash_digest, parse_iterations, pbkdf2
from protocol.crypto.simplified import SimplifiedProfile


# A KDC derives keys for a dozen usages: their DR inputs are worth remembering.
@lru_cache(maxsize=256)
def _folded(constants: tuple[bytes, ...]) -> bytes:
    """The DR input blocks n-fold(constant) of ``constants``, concatenated."""
    return b"".join([nfold(constant, BLOCK) for constant in constants])


class AesSha1(SimplifiedProfile):
    checksum_size = 12
    prf_size = 16
    default_iterations = 4096

    def block_cipher(self, key: bytes) -> AES:
        return AES(key)

    def new_deriver(self, key: bytes) -> Any:
        return Cipher(AES(key), ECB).encryptor()

    def derive_with(self, deriver: Any, constants: tuple[bytes, ...]) -> list[bytes]:
        """DK(key, constant) = random-to-key(DR(key, constant)), RFC 3961 section 5.1.

        DR chains single-block encryptions of n-fold(constant), which for one block is ECB;
        the chains of all ``constants`` advance together, one ECB call per block of key.
        """
        first = deriver.update(_folded(constants))
        if self.key_size == BLOCK:
            return [first[i:i + BLOCK] for i in range(0, len(first), BLOCK)]
        second = deriver.update(first)  # aes256 keys take two chained blocks
        return [first[i:i + BLOCK] + second[i:i + BLOCK] for i in range(0, len(first), BLOCK)]

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
