"""camellia128-cts-cmac and camellia256-cts-cmac (RFC 6803)."""

from __future__ import annotations

from cryptography.hazmat.primitives import cmac, hashes

from protocol.crypto.primitives import Camellia, cmac_digest, mac_copy, parse_iterations, pbkdf2
from protocol.crypto.simplified import SimplifiedProfile


class CamelliaCmac(SimplifiedProfile):
    checksum_size = 16
    prf_size = 16
    default_iterations = 32768

    def __init__(self, etype: int, key_size: int, name: str) -> None:
        super().__init__(etype, key_size)
        self._name = name.encode("ascii")

    def block_cipher(self, key: bytes) -> Camellia:
        return Camellia(key)

    def new_deriver(self, key: bytes) -> cmac.CMAC:
        return cmac.CMAC(Camellia(key))

    def derive_with(self, deriver: cmac.CMAC, constants: tuple[bytes, ...]) -> list[bytes]:
        """KDF-FEEDBACK-CMAC (RFC 6803 section 2, NIST SP800-108 feedback mode).

        K(i) = CMAC(key, K(i-1) | i | constant | 0x00 | k), K(0) = zero block; each block is
        a copy of the keyed ``deriver``.
        """
        k = (self.key_size * 8).to_bytes(4, "big")
        return [self._feedback(deriver, constant + b"\x00" + k) for constant in constants]

    def _feedback(self, deriver: cmac.CMAC, suffix: bytes) -> bytes:
        block, out, i = bytes(16), b"", 1
        while len(out) < self.key_size:
            block = mac_copy(deriver, block, i.to_bytes(4, "big"), suffix)
            out += block
            i += 1
        return out[:self.key_size]

    def new_mac(self, key: bytes) -> cmac.CMAC:
        return cmac.CMAC(Camellia(key))

    def string_to_key(self, password: bytes, salt: bytes, s2kparams: bytes | None) -> bytes:
        """RFC 6803 section 2: PBKDF2-HMAC-SHA1 over enctype-name | 0x00 | salt, then DK "kerberos"."""
        iterations = parse_iterations(s2kparams, self.default_iterations)
        tkey = pbkdf2(hashes.SHA1(), password, self._name + b"\x00" + salt, iterations, self.key_size)
        return self.derive(tkey, b"kerberos")

    def prf(self, key: bytes, data: bytes) -> bytes:
        """RFC 6803 section 2: CMAC(DK(key, "prf"), data)."""
        return cmac_digest(Camellia(self.derive(key, b"prf")), data)
