"""Every published vector we hold passes (data files in tests/data/vectors name their sources)."""

from __future__ import annotations

import pytest

from protocol import crypto
from protocol.crypto import enctypes
from protocol.crypto.cts import CtsCipher
from protocol.crypto.nfold import nfold
from protocol.crypto.primitives import AES
from protocol.crypto.profile import usage_constant
from protocol.messages.types import Checksum, EncryptionKey
from tests.protocol.crypto.vectors import ids, octets, rows

S2K = rows("rfc3962.json", "string_to_key") + rows("rfc8009.json", "string_to_key") \
    + rows("rfc6803.json", "string_to_key") + rows("rc4-hmac.json", "string_to_key")
DERIVE = rows("rfc8009.json", "derive") + rows("rfc6803.json", "derive") + rows("mit-aes-sha1.json", "derive")
ENCRYPT = rows("rfc8009.json", "encrypt") + rows("rfc6803.json", "encrypt") \
    + rows("mit-aes-sha1.json", "encrypt") + rows("rc4-hmac.json", "encrypt")
CHECKSUM = rows("rfc8009.json", "checksum") + rows("rfc6803.json", "checksum") \
    + rows("mit-aes-sha1.json", "checksum") + rows("rc4-hmac.json", "checksum")
PRF = rows("rfc8009.json", "prf") + rows("mit-aes-sha1.json", "prf")
CTS = rows("rfc3962.json", "aes_cts")


@pytest.mark.parametrize("v", rows("rfc3961-nfold.json", "nfold"), ids=lambda v: f"{v['bits']}-{v['input'][:8]}")
def test_nfold(v):
    """n-fold matches RFC 3961 appendix A.1."""
    assert nfold(v["input"].encode(), v["bits"] // 8).hex() == v["output"]


@pytest.mark.parametrize("case", CTS["cases"], ids=lambda c: str(len(c["input"]) // 2))
def test_aes_cts(case):
    """AES-128 CBC-CTS with a zero IV matches RFC 3962 appendix B, both directions."""
    cipher = CtsCipher(AES(bytes.fromhex(CTS["key"])))
    assert cipher.encrypt(bytes.fromhex(case["input"])).hex() == case["output"]
    assert cipher.decrypt(bytes.fromhex(case["output"])).hex() == case["input"]


@pytest.mark.parametrize("v", S2K, ids=ids("s2k", S2K))
def test_string_to_key(v):
    """string-to-key with the vector's salt and iteration count gives the published key."""
    params = v["iterations"].to_bytes(4, "big") if "iterations" in v else None
    key = crypto.string_to_key(v["enctype"], octets(v["password"]), octets(v["salt"]), params)
    assert key == EncryptionKey(v["enctype"], bytes.fromhex(v["key"]))


@pytest.mark.parametrize("v", DERIVE, ids=ids("derive", DERIVE))
def test_key_derivation(v):
    """Kc/Ke/Ki for a usage match the published derived keys (RFC 3961 DK, RFC 8009 KDF, RFC 6803 KDF)."""
    profile = enctypes.get_enctype(v["enctype"]).profile
    constant = usage_constant(v["usage"], {"Kc": 0x99, "Ke": 0xAA, "Ki": 0x55}[v["kind"]])
    base = bytes.fromhex(v["base_key"])
    expected = bytes.fromhex(v["derived_key"])
    if hasattr(profile, "kdf"):
        derived = profile.kdf(base, constant, len(expected))
    else:
        derived = profile.derive(base, constant)
    assert derived == expected


@pytest.mark.parametrize("v", ENCRYPT, ids=ids("enc", ENCRYPT))
def test_encrypt_with_given_confounder(v):
    """encrypt with the vector's confounder reproduces the ciphertext; decrypt returns the plaintext."""
    key = EncryptionKey(v["enctype"], bytes.fromhex(v["key"]))
    confounder = bytes.fromhex(v["confounder"])

    def rng(n: int) -> bytes:
        assert n == len(confounder)
        return confounder

    ciphertext = crypto.encrypt(key, v["usage"], bytes.fromhex(v["plaintext"]), rng)
    assert ciphertext.hex() == v["ciphertext"]
    assert crypto.decrypt(key, v["usage"], bytes.fromhex(v["ciphertext"])).hex() == v["plaintext"]


@pytest.mark.parametrize("v", CHECKSUM, ids=ids("cksum", CHECKSUM))
def test_checksum(v):
    """make_checksum gives the published value and verify_checksum accepts it."""
    key = EncryptionKey(v["enctype"], bytes.fromhex(v["key"]))
    data = octets(v["data"])
    made = crypto.make_checksum(key, v["usage"], data, v["cksumtype"])
    assert made == Checksum(v["cksumtype"], bytes.fromhex(v["checksum"]))
    crypto.verify_checksum(key, v["usage"], data, made)


@pytest.mark.parametrize("v", PRF, ids=ids("prf", PRF))
def test_prf(v):
    """The PRF of the published key and input matches (RFC 8009 A, MIT t_prf for RFC 3962)."""
    key = EncryptionKey(v["enctype"], bytes.fromhex(v["key"]))
    assert crypto.prf(key, bytes.fromhex(v["input"])).hex() == v["output"]


CF2 = rows("rfc6113-cf2.json", "cf2")


@pytest.mark.parametrize("v", CF2, ids=ids("cf2", CF2))
def test_cf2(v):
    """KRB-FX-CF2 of two string-to-key keys matches MIT's t_cf2 known answers."""
    etype = v["enctype"]
    key1 = crypto.string_to_key(etype, v["key1_password"], v["key1_password"])
    key2 = crypto.string_to_key(etype, v["key2_password"], v["key2_password"])
    out = crypto.cf2(key1, key2, v["pepper1"].encode(), v["pepper2"].encode())
    assert out == EncryptionKey(etype, bytes.fromhex(v["output"]))
