"""The enctype and checksum tables and the name helpers (MIT spellings)."""

from __future__ import annotations

import pytest

from protocol.constants import ChecksumType, EncType
from protocol.crypto import (
    CHECKSUMS,
    ENCTYPES,
    checksum_name,
    enctype_name,
    get_checksum_type,
    get_enctype,
    parse_checksum_type,
    parse_enctype,
)
from protocol.errors import UnsupportedEncType

MIT_NAMES = {
    "aes256-cts-hmac-sha1-96": 18, "aes256-cts": 18, "aes256-sha1": 18,
    "aes128-cts-hmac-sha1-96": 17, "aes128-cts": 17, "aes128-sha1": 17,
    "aes128-cts-hmac-sha256-128": 19, "aes128-sha2": 19,
    "aes256-cts-hmac-sha384-192": 20, "aes256-sha2": 20,
    "camellia256-cts-cmac": 26, "camellia256-cts": 26,
    "camellia128-cts-cmac": 25, "camellia128-cts": 25,
    "arcfour-hmac": 23, "rc4-hmac": 23, "arcfour-hmac-md5": 23,
}


@pytest.mark.parametrize("name,etype", MIT_NAMES.items())
def test_parse_mit_names_and_aliases(name, etype):
    """Every MIT name and alias parses to its number, in any case and with spaces around."""
    assert parse_enctype(name) == etype
    assert parse_enctype(f" {name.upper()} ") == etype


def test_parse_decimal_numbers():
    """Decimal enctype numbers in the table parse; others are UnsupportedEncType."""
    assert parse_enctype("18") == 18
    with pytest.raises(UnsupportedEncType):
        parse_enctype("99")


@pytest.mark.parametrize("name", ["des-cbc-crc", "des-cbc-md5", "des3-cbc-sha1", "des3-hmac-sha1", "1", "3", "16",
                                  "arcfour-hmac-exp"])
def test_des_and_des3_are_refused(name):
    """DES, DES3 and export RC4, by name or number, raise UnsupportedEncType naming the problem."""
    with pytest.raises(UnsupportedEncType):
        parse_enctype(name)


@pytest.mark.parametrize("name", ["aes", "aes512-cts", "", "18x", "--18", "١٨"])
def test_unknown_names_are_value_errors(name):
    """A name nobody knows raises ValueError with the name in the message."""
    with pytest.raises(ValueError, match="unknown enctype"):
        parse_enctype(name)


def test_canonical_names_round_trip():
    """enctype_name gives MIT's canonical name, which parses back to the same number."""
    for row in ENCTYPES:
        assert parse_enctype(enctype_name(row.etype)) == row.etype
    assert enctype_name(EncType.AES256_CTS_HMAC_SHA1_96) == "aes256-cts-hmac-sha1-96"
    assert enctype_name(EncType.RC4_HMAC) == "arcfour-hmac"


@pytest.mark.parametrize("etype", [1, 2, 3, 16, 24, 0, -1, 1000])
def test_get_enctype_refuses_what_is_not_in_the_table(etype):
    """get_enctype raises UnsupportedEncType carrying the number for DES, DES3 and unknown types."""
    with pytest.raises(UnsupportedEncType) as info:
        get_enctype(etype)
    assert info.value.etype == etype


def test_table_rows():
    """Rows carry the RFC sizes, mandatory checksum, default s2kparams and weak flag."""
    expected = {
        17: (16, ChecksumType.HMAC_SHA1_96_AES128, 4096, False),
        18: (32, ChecksumType.HMAC_SHA1_96_AES256, 4096, False),
        19: (16, ChecksumType.HMAC_SHA256_128_AES128, 32768, False),
        20: (32, ChecksumType.HMAC_SHA384_192_AES256, 32768, False),
        25: (16, ChecksumType.CMAC_CAMELLIA128, 32768, False),
        26: (32, ChecksumType.CMAC_CAMELLIA256, 32768, False),
        23: (16, ChecksumType.HMAC_MD5, None, True),
    }
    assert {row.etype for row in ENCTYPES} == set(expected)
    for row in ENCTYPES:
        size, cksum, iterations, weak = expected[row.etype]
        assert (row.key_size, row.cksumtype, row.weak) == (size, cksum, weak)
        params = row.default_s2kparams
        assert (None if params is None else int.from_bytes(params, "big")) == iterations
        assert get_checksum_type(row.cksumtype).etype == row.etype


def test_rows_are_frozen():
    """Table rows cannot be modified at run time."""
    with pytest.raises(AttributeError):
        ENCTYPES[0].weak = True  # type: ignore[misc]


def test_checksum_table():
    """Keyed checksum rows name their enctype and size; crc32/md5/sha1 are present but unkeyed."""
    sizes = {15: 12, 16: 12, 19: 16, 20: 24, 17: 16, 18: 16, -138: 16}
    for cksumtype, size in sizes.items():
        row = get_checksum_type(cksumtype)
        assert row.keyed and row.size == size
    for cksumtype in (ChecksumType.CRC32, ChecksumType.RSA_MD5, ChecksumType.SHA1):
        assert not get_checksum_type(cksumtype).keyed
    assert len({row.cksumtype for row in CHECKSUMS}) == len(CHECKSUMS)


def test_checksum_names():
    """Checksum names follow MIT (hmac-md5-rc4 keeps its aliases); unknown numbers are refused."""
    assert parse_checksum_type("hmac-sha384-192-aes256") == 20
    assert parse_checksum_type("hmac-md5-enc") == -138
    assert parse_checksum_type("-138") == -138
    assert checksum_name(16) == "hmac-sha1-96-aes256"
    with pytest.raises(ValueError):
        parse_checksum_type("rsa-md4-des")
    with pytest.raises(UnsupportedEncType):
        get_checksum_type(9)
