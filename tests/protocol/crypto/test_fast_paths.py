"""The fast paths (kept cipher contexts, batched key derivation, cached keys) agree with
straightforward reference code built from fresh pyca/cryptography objects for every message."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import cmac, hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import crypto
from protocol.crypto import keycache
from protocol.crypto.cts import CtsCipher
from protocol.crypto.enctypes import get_enctype
from protocol.crypto.nfold import nfold
from protocol.crypto.primitives import AES, Camellia
from protocol.crypto.profile import KC, KE, KI, usage_constant
from protocol.errors import IntegrityError
from protocol.messages.types import Checksum, EncryptionKey

SIMPLIFIED = [17, 18, 25, 26]  # aes*-sha1, camellia*: RFC 3961 simplified profile
AES_SHA2 = [19, 20]
USAGES = st.integers(min_value=0, max_value=2**32 - 1)


# --- reference code: one fresh context per call, one block at a time, nothing cached ---------

def ref_cts_encrypt(algorithm, data: bytes) -> bytes:
    """RFC 3962 CBC-CS3 with a zero IV, from a fresh CBC context."""
    tail = len(data) % 16 or 16
    c = Cipher(algorithm, modes.CBC(bytes(16))).encryptor().update(data + bytes(16 - tail))
    if len(data) == 16:
        return c
    return c[:-32] + c[-16:] + c[-32:-32 + tail]


def ref_cts_decrypt(algorithm, data: bytes) -> bytes:
    """Inverse of ref_cts_encrypt, block by block."""
    ecb = Cipher(algorithm, modes.ECB()).decryptor()
    if len(data) == 16:
        return ecb.update(data)
    tail = len(data) % 16 or 16
    blocks = [data[i:i + 16] for i in range(0, len(data) - tail - 16, 16)]
    last, stolen = data[-tail - 16:-tail], data[-tail:]
    x = ecb.update(last)
    blocks += [stolen + x[tail:], last]
    plain, prev = b"", bytes(16)
    for block in blocks[:-1]:
        plain += bytes(a ^ b for a, b in zip(ecb.update(block), prev))
        prev = block
    return plain + bytes(a ^ b for a, b in zip(x[:tail], stolen))


def ref_derive(etype: int, key: bytes, constant: bytes) -> bytes:
    """DK (RFC 3961 5.1) for AES, KDF-FEEDBACK-CMAC (RFC 6803) for Camellia, one block at a time."""
    size = len(key)
    out = b""
    if etype in (17, 18):
        block = nfold(constant, 16)
        while len(out) < size:
            block = Cipher(AES(key), modes.ECB()).encryptor().update(block)
            out += block
    else:
        block, i = bytes(16), 1
        while len(out) < size:
            c = cmac.CMAC(Camellia(key))
            c.update(block + i.to_bytes(4, "big") + constant + b"\x00" + (size * 8).to_bytes(4, "big"))
            block = c.finalize()
            out += block
            i += 1
    return out[:size]


def ref_kdf_sha2(etype: int, key: bytes, label: bytes, nbytes: int) -> bytes:
    """RFC 8009 KDF-HMAC-SHA2 with a fresh HMAC."""
    h = hmac.HMAC(key, hashes.SHA256() if etype == 19 else hashes.SHA384())
    h.update(b"\x00\x00\x00\x01" + label + b"\x00" + (nbytes * 8).to_bytes(4, "big"))
    return h.finalize()[:nbytes]


def ref_mac(etype: int, key: bytes, data: bytes) -> bytes:
    if etype in (17, 18):
        h = hmac.HMAC(key, hashes.SHA1())
    elif etype in (19, 20):
        h = hmac.HMAC(key, hashes.SHA256() if etype == 19 else hashes.SHA384())
    else:
        h = cmac.CMAC(Camellia(key))
    h.update(data)
    return h.finalize()


def ref_cipher(etype: int, key: bytes):
    return Camellia(key) if etype in (25, 26) else AES(key)


def ref_encrypt(etype: int, key: bytes, usage: int, plaintext: bytes, confounder: bytes) -> bytes:
    """RFC 3961 5.3 (simplified profile) or RFC 8009 encryption, all from scratch."""
    if etype in AES_SHA2:
        h = 16 if etype == 19 else 24
        ke = ref_kdf_sha2(etype, key, usage_constant(usage, KE), len(key))
        ki = ref_kdf_sha2(etype, key, usage_constant(usage, KI), h)
        c = ref_cts_encrypt(AES(ke), confounder + plaintext)
        return c + ref_mac(etype, ki, bytes(16) + c)[:h]
    h = 12 if etype in (17, 18) else 16
    ke = ref_derive(etype, key, usage_constant(usage, KE))
    ki = ref_derive(etype, key, usage_constant(usage, KI))
    data = confounder + plaintext
    return ref_cts_encrypt(ref_cipher(etype, ke), data) + ref_mac(etype, ki, data)[:h]


def ref_checksum(etype: int, key: bytes, usage: int, data: bytes) -> bytes:
    if etype in AES_SHA2:
        h = 16 if etype == 19 else 24
        return ref_mac(etype, ref_kdf_sha2(etype, key, usage_constant(usage, KC), h), data)[:h]
    return ref_mac(etype, ref_derive(etype, key, usage_constant(usage, KC)), data)[:12 if etype in (17, 18) else 16]


# --- properties ------------------------------------------------------------------------------

@settings(max_examples=60)
@given(st.binary(min_size=16, max_size=16) | st.binary(min_size=32, max_size=32),
       st.lists(st.binary(min_size=16, max_size=200), min_size=1, max_size=6), st.booleans())
def test_kept_cts_contexts_match_fresh_ones(key, messages, camellia):
    """A CtsCipher reused for several messages (one running CBC context, XOR restart, one-call
    decrypt) gives what a fresh context per message gives, in both directions."""
    algorithm = Camellia(key) if camellia else AES(key)
    cts = CtsCipher(algorithm)
    for message in messages:
        sealed = cts.encrypt(message)
        assert sealed == ref_cts_encrypt(algorithm, message)
        assert ref_cts_decrypt(algorithm, sealed) == message
        assert cts.decrypt(sealed) == message


@settings(max_examples=40)
@given(st.sampled_from(SIMPLIFIED), st.data(), st.lists(USAGES, min_size=1, max_size=3), st.sampled_from([KE, KI, KC]))
def test_batched_derivation_matches_one_at_a_time(etype, data, usages, kind):
    """derive_with over several constants on one kept deriver equals RFC 3961 DK (RFC 6803 KDF)
    computed for each constant separately with fresh contexts."""
    profile = get_enctype(etype).profile
    key = data.draw(st.binary(min_size=profile.key_size, max_size=profile.key_size))
    constants = tuple(usage_constant(u, kind) for u in usages) + (b"kerberos", b"prf")
    deriver = profile.new_deriver(key)
    assert profile.derive_with(deriver, constants) == [ref_derive(etype, key, c) for c in constants]
    assert profile.derive_with(deriver, constants[:1]) == [profile.derive(key, constants[0])]


@settings(max_examples=60)
@given(st.sampled_from(SIMPLIFIED + AES_SHA2), st.data(), USAGES, st.binary(max_size=200), st.booleans())
def test_encrypt_and_checksum_match_reference(etype, data, usage, plaintext, cold):
    """encrypt/decrypt/make_checksum, warm or cold, equal the from-scratch reference."""
    size = get_enctype(etype).key_size
    key = EncryptionKey(etype, data.draw(st.binary(min_size=size, max_size=size)))
    confounder = data.draw(st.binary(min_size=16, max_size=16))
    for _ in range(2):  # the second round runs on cached keys unless ``cold``
        if cold:
            crypto.clear_key_cache()
        sealed = crypto.encrypt(key, usage, plaintext, lambda n: confounder)
        assert sealed == ref_encrypt(etype, key.keyvalue, usage, plaintext, confounder)
        assert crypto.decrypt(key, usage, sealed) == plaintext
        made = crypto.make_checksum(key, usage, plaintext)
        assert made.checksum == ref_checksum(etype, key.keyvalue, usage, plaintext)
        crypto.verify_checksum(key, usage, plaintext, made)


def test_cache_never_mixes_keys_enctypes_or_usages():
    """Keys with equal bytes but other enctypes, other keys of one enctype, and other usages each
    get their own cached entries: every result equals the reference, in any interleaving."""
    crypto.clear_key_cache()
    raw16, other16 = os.urandom(16), os.urandom(16)
    raw32, other32 = raw16 + other16, other16 + raw16
    keys = [EncryptionKey(e, raw16) for e in (17, 19, 25)] + [EncryptionKey(e, other16) for e in (17, 19, 25)] \
        + [EncryptionKey(e, raw32) for e in (18, 20, 26)] + [EncryptionKey(e, other32) for e in (18, 20, 26)]
    confounder = os.urandom(16)
    for round_ in range(3):
        for key in keys if round_ % 2 == 0 else reversed(keys):
            for usage in (3, 6, 7, 8):
                msg = bytes([usage, key.keytype]) * 20
                sealed = crypto.encrypt(key, usage, msg, lambda n: confounder)
                assert sealed == ref_encrypt(key.keytype, key.keyvalue, usage, msg, confounder)
                assert crypto.make_checksum(key, usage, msg).checksum == \
                    ref_checksum(key.keytype, key.keyvalue, usage, msg)
    sealed = crypto.encrypt(keys[0], 3, b"x", os.urandom)
    for other in keys[1:]:
        if other.keytype == keys[0].keytype:
            try:
                crypto.decrypt(other, 3, sealed)
            except IntegrityError:
                continue
            raise AssertionError("decrypted under another key of the same enctype")


def test_cache_bound_holds_with_kept_derivers(monkeypatch):
    """Per-base-key derivers count against the cache bound like per-usage keys, and an evicted
    deriver is rebuilt, not mistaken for another key's."""
    monkeypatch.setattr(keycache, "MAX_ENTRIES", 5)
    crypto.clear_key_cache()
    keys = [EncryptionKey(18, bytes([i]) * 32) for i in range(6)]
    for key in keys * 2:
        for usage in (7, 8):
            msg = bytes([usage]) * 30
            assert crypto.encrypt(key, usage, msg, lambda n: bytes(n)) == \
                ref_encrypt(18, key.keyvalue, usage, msg, bytes(16))
        made = crypto.make_checksum(key, 6, b"body")
        crypto.verify_checksum(key, 6, b"body", Checksum(made.cksumtype, made.checksum))
        assert len(keycache._local.entries) <= 5
    crypto.clear_key_cache()
