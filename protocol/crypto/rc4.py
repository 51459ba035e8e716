"""rc4-hmac (RFC 4757), weak: kept only for interoperability with old Windows peers."""

from __future__ import annotations

import hmac as std_hmac

from cryptography.hazmat.primitives import hashes, hmac

from protocol.crypto import keycache
from protocol.crypto.md4 import md4
from protocol.crypto.primitives import arc4, hash_digest, hmac_digest, mac_copy
from protocol.crypto.profile import Profile
from protocol.errors import IntegrityError, S2KParamsError

# RFC 4757 section 3 (and MIT's arcfour_translate_usage): Microsoft numbers two usages differently.
_MS_USAGE = {3: 8, 23: 13}
_CHECKSUM_SIZE = 16


def ms_usage(usage: int) -> bytes:
    """The usage as Microsoft's 4-byte little-endian salt (RFC 4757 section 3)."""
    return (_MS_USAGE.get(usage, usage) & 0xFFFFFFFF).to_bytes(4, "little")


class Rc4Hmac(Profile):
    key_size = seed_size = 16
    confounder_size = 8
    checksum_size = _CHECKSUM_SIZE
    prf_size = 20
    default_iterations = None

    def __init__(self, etype: int) -> None:
        self.etype = etype

    def _k1(self, key: bytes, usage: int) -> hmac.HMAC:
        return keycache.cached((self.etype, "enc"), key, usage, lambda: hmac.HMAC(
            hmac_digest(key, hashes.MD5(), ms_usage(usage)), hashes.MD5()))

    def encrypt(self, key: bytes, usage: int, plaintext: bytes, confounder: bytes) -> bytes:
        """RFC 4757 section 4: checksum = HMAC(K1, conf | data); RC4 under K3 = HMAC(K1, checksum)."""
        k1 = self._k1(key, usage)
        data = confounder + plaintext
        checksum = mac_copy(k1, data)
        return checksum + arc4(mac_copy(k1, checksum), data)

    def decrypt(self, key: bytes, usage: int, ciphertext: bytes) -> bytes:
        """RFC 4757 section 4 decryption; any failure is IntegrityError.

        RFC 4757 says usage 8 for TGS-REP parts sealed in a subkey, Windows uses 9: like MIT,
        try 9 and fall back to 8.
        """
        if len(ciphertext) < _CHECKSUM_SIZE + self.confounder_size:
            raise IntegrityError("ciphertext too short")
        try:
            return self._decrypt(key, usage, ciphertext)
        except IntegrityError:
            if usage != 9:
                raise
            return self._decrypt(key, 8, ciphertext)

    def _decrypt(self, key: bytes, usage: int, ciphertext: bytes) -> bytes:
        k1 = self._k1(key, usage)
        checksum = ciphertext[:_CHECKSUM_SIZE]
        data = arc4(mac_copy(k1, checksum), ciphertext[_CHECKSUM_SIZE:])
        if not std_hmac.compare_digest(mac_copy(k1, data), checksum):
            raise IntegrityError("ciphertext integrity check failed")
        return data[self.confounder_size:]

    def checksum(self, key: bytes, usage: int, data: bytes) -> bytes:
        """RFC 4757 section 4 hmac-md5: HMAC(HMAC(key, "signaturekey\\0"), MD5(usage | data))."""
        ksign = keycache.cached((self.etype, "cksum"), key, 0, lambda: hmac.HMAC(
            hmac_digest(key, hashes.MD5(), b"signaturekey\x00"), hashes.MD5()))
        return mac_copy(ksign, hash_digest(hashes.MD5(), ms_usage(usage), data))

    def string_to_key(self, password: bytes, salt: bytes, s2kparams: bytes | None) -> bytes:
        """RFC 4757 section 4: MD4 of the UTF-16LE password; the salt is ignored."""
        if s2kparams:
            raise S2KParamsError("rc4-hmac string-to-key takes no s2kparams")
        return md4(password.decode("utf-8").encode("utf-16-le"))

    def prf(self, key: bytes, data: bytes) -> bytes:
        """HMAC-SHA1(key, data), as MIT and Heimdal define the rc4-hmac PRF (RFC 4757 has none)."""
        return hmac_digest(key, hashes.SHA1(), data)
