"""The public recipe API: error types at the edges, rng use, s2kparams limits, the key cache."""

from __future__ import annotations

import threading

import pytest

from protocol import crypto
from protocol.constants import ChecksumType
from protocol.crypto import keycache
from protocol.crypto.md4 import md4
from protocol.errors import IntegrityError, UnsupportedEncType
from protocol.messages.types import Checksum, EncryptionKey

AES256 = EncryptionKey(18, bytes(range(32)))
RC4 = EncryptionKey(23, bytes(range(16)))


def counter_rng(n: int) -> bytes:
    return bytes(n)


@pytest.mark.parametrize("row", crypto.ENCTYPES, ids=lambda r: r.name)
def test_every_short_ciphertext_is_an_integrity_error(row):
    """Every ciphertext shorter than confounder + MAC, down to empty, raises IntegrityError."""
    key = crypto.random_key(row.etype, counter_rng)
    minimum = len(crypto.encrypt(key, 1, b"", counter_rng))
    for n in range(minimum):
        with pytest.raises(IntegrityError):
            crypto.decrypt(key, 1, bytes(n))


def test_confounder_comes_from_rng():
    """encrypt asks rng for exactly the confounder size; different confounders give different ciphertexts."""
    asked = []

    def rng(n):
        asked.append(n)
        return bytes([len(asked)]) * n

    a = crypto.encrypt(AES256, 3, b"same", rng)
    b = crypto.encrypt(AES256, 3, b"same", rng)
    assert asked == [16, 16] and a != b
    crypto.encrypt(RC4, 3, b"x", rng)
    assert asked[-1] == 8


def test_rng_returning_wrong_length_is_refused():
    """A broken rng is a ValueError, not a silently short confounder."""
    with pytest.raises(ValueError):
        crypto.encrypt(AES256, 3, b"x", lambda n: b"\x00")


def test_des_key_is_unsupported():
    """Keys of enctypes outside the table are refused with UnsupportedEncType everywhere."""
    des = EncryptionKey(3, bytes(8))
    for call in (lambda: crypto.encrypt(des, 1, b"", counter_rng), lambda: crypto.decrypt(des, 1, bytes(40)),
                 lambda: crypto.make_checksum(des, 1, b""), lambda: crypto.string_to_key(16, "p", "s")):
        with pytest.raises(UnsupportedEncType):
            call()


def test_wrong_key_length_is_refused():
    """A key whose length does not fit its enctype raises ValueError."""
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.encrypt(EncryptionKey(18, bytes(16)), 1, b"", counter_rng)


@pytest.mark.parametrize("cksumtype", [ChecksumType.CRC32, ChecksumType.RSA_MD5, ChecksumType.SHA1])
def test_unkeyed_checksums_are_refused(cksumtype):
    """verify_checksum refuses CRC32/MD5/SHA1 (anyone can forge them); make_checksum will not make them."""
    with pytest.raises(IntegrityError, match="unkeyed"):
        crypto.verify_checksum(AES256, 6, b"data", Checksum(cksumtype, bytes(20)))
    with pytest.raises(UnsupportedEncType):
        crypto.make_checksum(AES256, 6, b"data", cksumtype)


def test_checksum_type_must_match_key():
    """A keyed checksum of another enctype (e.g. hmac-md5 over an AES key) is refused."""
    with pytest.raises(IntegrityError, match="does not go with"):
        crypto.verify_checksum(AES256, 6, b"data", Checksum(ChecksumType.HMAC_MD5, bytes(16)))
    with pytest.raises(UnsupportedEncType):
        crypto.make_checksum(AES256, 6, b"data", ChecksumType.HMAC_SHA1_96_AES128)


def test_unknown_checksum_type_is_unsupported():
    """An unknown checksum number raises UnsupportedEncType (KDC_ERR_SUMTYPE_NOSUPP)."""
    with pytest.raises(UnsupportedEncType):
        crypto.verify_checksum(AES256, 6, b"data", Checksum(12345, bytes(12)))


def test_default_checksum_is_the_mandatory_one():
    """make_checksum without a type uses the enctype's mandatory checksum type."""
    for row in crypto.ENCTYPES:
        key = crypto.random_key(row.etype, counter_rng)
        assert crypto.make_checksum(key, 6, b"x").cksumtype == row.cksumtype


@pytest.mark.parametrize("params", [b"", b"\x00\x00\x10", b"\x00\x00\x00\x00", (2**24 + 1).to_bytes(4, "big"),
                                    b"\xff\xff\xff\xff", b"\x00\x00\x10\x00\x00"])
def test_absurd_s2kparams_are_refused(params):
    """s2kparams that are not 4 bytes or ask for 0 or more than 2**24 iterations raise S2KParamsError."""
    with pytest.raises(crypto.S2KParamsError):
        crypto.string_to_key(18, "password", "EXAMPLE.COMuser", params)


def test_default_iterations_are_the_rfc_defaults():
    """No s2kparams means 4096 (RFC 3962) or 32768 (RFC 8009, RFC 6803) iterations."""
    for row in crypto.ENCTYPES:
        if row.default_s2kparams is not None:
            assert crypto.string_to_key(row.etype, "pw", "salt") == \
                crypto.string_to_key(row.etype, "pw", "salt", row.default_s2kparams)
    assert crypto.string_to_key(18, "pw", "salt") != crypto.string_to_key(18, "pw", "salt", b"\x00\x00\x10\x01")


def test_rc4_string_to_key_is_md4_of_utf16le():
    """rc4-hmac string-to-key is MD4(UTF-16LE(password)), ignoring the salt; it takes no s2kparams."""
    password = "pässwörd€"
    expected = md4(password.encode("utf-16-le"))
    assert crypto.string_to_key(23, password, "ANY.REALMuser").keyvalue == expected
    assert crypto.string_to_key(23, password.encode("utf-8"), b"").keyvalue == expected
    with pytest.raises(crypto.S2KParamsError):
        crypto.string_to_key(23, password, "", b"\x00\x00\x10\x00")


def test_md4_rfc1320_vectors():
    """The MD4 used for rc4-hmac matches RFC 1320 appendix A.5."""
    assert md4(b"").hex() == "31d6cfe0d16ae931b73c59d7e0c089c0"
    assert md4(b"abc").hex() == "a448017aaf21d8525fc10ae87aa6729d"
    assert md4(b"1234567890" * 8).hex() == "e33b4ddc9c38f2199c3e7b164fcc0536"


def test_random_to_key_and_random_key():
    """random-to-key needs exactly the seed size; random_key draws it from rng."""
    assert crypto.random_to_key(17, bytes(16)) == EncryptionKey(17, bytes(16))
    with pytest.raises(ValueError):
        crypto.random_to_key(17, bytes(15))
    key = crypto.random_key(20, lambda n: b"\x07" * n)
    assert key == EncryptionKey(20, b"\x07" * 32)


def test_prf_sizes():
    """PRF output sizes are 16 (aes-sha1, camellia), 32/48 (RFC 8009) and 20 (rc4-hmac) bytes."""
    sizes = {17: 16, 18: 16, 19: 32, 20: 48, 25: 16, 26: 16, 23: 20}
    for etype, size in sizes.items():
        assert len(crypto.prf(crypto.random_key(etype, counter_rng), b"x")) == size


def test_cf2_is_keyed_by_both_keys_and_peppers():
    """cf2 returns a key of key1's enctype that changes with either key or pepper."""
    k1 = crypto.random_key(18, lambda n: b"\x01" * n)
    k2 = crypto.random_key(17, lambda n: b"\x02" * n)
    out = crypto.cf2(k1, k2, b"a", b"b")
    assert out.keytype == 18 and len(out.keyvalue) == 32
    assert out != crypto.cf2(k1, k2, b"a", b"c")
    assert out != crypto.cf2(k1, crypto.random_key(17, lambda n: b"\x03" * n), b"a", b"b")


def test_rc4_usage_9_falls_back_to_8():
    """rc4-hmac TGS-REP parts sealed with RFC 4757's usage 8 still open with usage 9 (as MIT)."""
    sealed = crypto.encrypt(RC4, 8, b"enc-part", counter_rng)
    assert crypto.decrypt(RC4, 9, sealed) == b"enc-part"
    with pytest.raises(IntegrityError):
        crypto.decrypt(RC4, 10, sealed)


def test_key_cache_is_bounded(monkeypatch):
    """The derived-key cache evicts least-recently-used entries beyond its bound."""
    monkeypatch.setattr(keycache, "MAX_ENTRIES", 8)
    crypto.clear_key_cache()
    for usage in range(20):
        crypto.encrypt(AES256, usage, b"x", counter_rng)
    assert len(keycache._local.entries) == 8
    crypto.clear_key_cache()
    assert len(keycache._local.entries) == 0


def test_cached_and_cold_results_agree():
    """Results do not depend on the cache state: cold and warm encryptions are identical."""
    crypto.clear_key_cache()
    cold = crypto.encrypt(AES256, 3, b"a" * 100, counter_rng)
    warm = crypto.encrypt(AES256, 3, b"a" * 100, counter_rng)
    assert cold == warm


def test_threads_get_their_own_cipher_contexts():
    """Concurrent encrypt/decrypt from several threads under one key stay correct."""
    errors = []

    def work(tag: int) -> None:
        try:
            for i in range(300):
                msg = bytes([tag]) * (i % 70)
                assert crypto.decrypt(AES256, 3, crypto.encrypt(AES256, 3, msg, counter_rng)) == msg
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_key_repr_hides_key_material():
    """Keys built here never show their value in repr."""
    key = crypto.string_to_key(18, "secret-password", "EXAMPLE.COMalice")
    assert key.keyvalue.hex() not in repr(key)
