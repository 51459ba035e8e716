"""Hypothesis properties of encrypt/decrypt/checksum for every enctype in the table."""

from __future__ import annotations


from hypothesis import assume, given, settings
from hypothesis import strategies as st

from protocol import crypto
from protocol.errors import IntegrityError
from protocol.messages.types import Checksum, EncryptionKey
from tests.support.rng import seeded_rng

ETYPES = st.sampled_from([row.etype for row in crypto.ENCTYPES])
USAGES = st.integers(min_value=0, max_value=2**31 - 1)
PLAINTEXT = st.binary(max_size=300)


@st.composite
def keys(draw, etype=ETYPES):
    e = draw(etype)
    return crypto.random_key(e, seeded_rng(draw(st.integers(0, 2**32))))


def seal(key: EncryptionKey, usage: int, plaintext: bytes) -> bytes:
    return crypto.encrypt(key, usage, plaintext, seeded_rng(usage))


@given(keys(), USAGES, PLAINTEXT)
def test_round_trip(key, usage, plaintext):
    """decrypt(encrypt(x)) == x for every enctype, usage and plaintext."""
    assert crypto.decrypt(key, usage, seal(key, usage, plaintext)) == plaintext


@given(keys(), USAGES, PLAINTEXT, st.data())
def test_any_flipped_bit_is_detected(key, usage, plaintext, data):
    """Flipping any single ciphertext bit makes decrypt raise IntegrityError."""
    ciphertext = bytearray(seal(key, usage, plaintext))
    bit = data.draw(st.integers(0, len(ciphertext) * 8 - 1))
    ciphertext[bit // 8] ^= 1 << (bit % 8)
    try:
        crypto.decrypt(key, usage, bytes(ciphertext))
    except IntegrityError:
        return
    raise AssertionError("tampered ciphertext decrypted")


@given(keys(), st.integers(0, 2**32), USAGES, PLAINTEXT)
def test_wrong_key_is_detected(key, seed, usage, plaintext):
    """Decrypting under another key of the same enctype raises IntegrityError."""
    other = crypto.random_key(key.keytype, seeded_rng(seed))
    assume(other.keyvalue != key.keyvalue)
    try:
        crypto.decrypt(other, usage, seal(key, usage, plaintext))
    except IntegrityError:
        return
    raise AssertionError("decrypted under the wrong key")


@given(keys(), USAGES, USAGES, PLAINTEXT)
def test_wrong_usage_is_detected(key, usage, other_usage, plaintext):
    """Decrypting with another key usage raises IntegrityError (rc4's documented 9->8 fallback aside)."""
    assume(usage != other_usage)
    assume(not (key.keytype == 23 and (usage, other_usage) == (8, 9)))
    # RFC 4757 section 3 maps usage 3 to 8 and 23 to 13: those pairs are the same key.
    assume(not (key.keytype == 23 and ({usage, other_usage} <= {3, 8} or {usage, other_usage} <= {13, 23})))
    try:
        crypto.decrypt(key, other_usage, seal(key, usage, plaintext))
    except IntegrityError:
        return
    raise AssertionError("decrypted under the wrong usage")


@given(keys(), USAGES, PLAINTEXT, st.data())
def test_truncation_is_detected(key, usage, plaintext, data):
    """Any strict prefix of a ciphertext raises IntegrityError and nothing else."""
    ciphertext = seal(key, usage, plaintext)
    cut = data.draw(st.integers(0, len(ciphertext) - 1))
    try:
        crypto.decrypt(key, usage, ciphertext[:cut])
    except IntegrityError:
        return
    raise AssertionError("truncated ciphertext decrypted")


@settings(max_examples=200)
@given(keys(), USAGES, st.binary(max_size=120))
def test_arbitrary_bytes_decrypt_or_integrity_error(key, usage, junk):
    """For any bytes, decrypt raises IntegrityError (forging is infeasible), never another exception."""
    try:
        crypto.decrypt(key, usage, junk)
    except IntegrityError:
        return
    raise AssertionError("random bytes decrypted")


@given(keys(), USAGES, PLAINTEXT, st.data())
def test_checksum_refuses_modified_data_or_checksum(key, usage, data_bytes, data):
    """verify_checksum accepts the checksum it made and refuses a modified checksum or data."""
    made = crypto.make_checksum(key, usage, data_bytes)
    crypto.verify_checksum(key, usage, data_bytes, made)
    bit = data.draw(st.integers(0, len(made.checksum) * 8 - 1))
    bad = bytearray(made.checksum)
    bad[bit // 8] ^= 1 << (bit % 8)
    for args in ((data_bytes, Checksum(made.cksumtype, bytes(bad))), (data_bytes + b"\x00", made),
                 (data_bytes, Checksum(made.cksumtype, made.checksum[:-1]))):
        try:
            crypto.verify_checksum(key, usage, *args)
        except IntegrityError:
            continue
        raise AssertionError("modified checksum or data verified")
