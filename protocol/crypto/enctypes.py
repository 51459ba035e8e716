"""The one enctype table and the one checksum-type table (frozen rows; MIT etypes.c names).

DES and DES3 are recognised by name and number only to be refused with UnsupportedEncType.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes

from protocol.constants import ChecksumType as C
from protocol.constants import EncType as E
from protocol.crypto.aes_sha1 import AesSha1
from protocol.crypto.aes_sha2 import AesSha2
from protocol.crypto.camellia import CamelliaCmac
from protocol.crypto.profile import Profile
from protocol.crypto.rc4 import Rc4Hmac
from protocol.errors import UnsupportedEncType


@dataclass(frozen=True, slots=True)
class EncTypeInfo:
    """One supported enctype: its number, MIT names, sizes (bytes) and default s2kparams.

    The number, key size and default s2kparams are read from ``profile`` (the code that
    uses them), so a row cannot disagree with its algorithms.
    """

    etype: int = field(init=False)
    name: str
    aliases: tuple[str, ...]
    key_size: int = field(init=False)
    cksumtype: int
    default_s2kparams: bytes | None = field(init=False)
    weak: bool
    profile: Profile = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        iterations = self.profile.default_iterations
        object.__setattr__(self, "etype", self.profile.etype)
        object.__setattr__(self, "key_size", self.profile.key_size)
        object.__setattr__(self, "default_s2kparams", None if iterations is None else iterations.to_bytes(4, "big"))

    @property
    def seed_size(self) -> int:
        return self.profile.seed_size

    @property
    def prf_size(self) -> int:
        return self.profile.prf_size


@dataclass(frozen=True, slots=True)
class ChecksumInfo:
    """One checksum type. ``etype`` is the enctype whose keys it takes (None: unkeyed)."""

    cksumtype: int
    name: str
    aliases: tuple[str, ...]
    size: int
    etype: int | None

    @property
    def keyed(self) -> bool:
        return self.etype is not None


_AES128_SHA2 = "aes128-cts-hmac-sha256-128"
_AES256_SHA2 = "aes256-cts-hmac-sha384-192"

ENCTYPES: tuple[EncTypeInfo, ...] = (
    EncTypeInfo("aes256-cts-hmac-sha1-96", ("aes256-cts", "aes256-sha1"), C.HMAC_SHA1_96_AES256, False,
                AesSha1(E.AES256_CTS_HMAC_SHA1_96, 32)),
    EncTypeInfo("aes128-cts-hmac-sha1-96", ("aes128-cts", "aes128-sha1"), C.HMAC_SHA1_96_AES128, False,
                AesSha1(E.AES128_CTS_HMAC_SHA1_96, 16)),
    EncTypeInfo(_AES256_SHA2, ("aes256-sha2",), C.HMAC_SHA384_192_AES256, False,
                AesSha2(E.AES256_CTS_HMAC_SHA384_192, _AES256_SHA2, 32, hashes.SHA384)),
    EncTypeInfo(_AES128_SHA2, ("aes128-sha2",), C.HMAC_SHA256_128_AES128, False,
                AesSha2(E.AES128_CTS_HMAC_SHA256_128, _AES128_SHA2, 16, hashes.SHA256)),
    EncTypeInfo("camellia256-cts-cmac", ("camellia256-cts",), C.CMAC_CAMELLIA256, False,
                CamelliaCmac(E.CAMELLIA256_CTS_CMAC, 32, "camellia256-cts-cmac")),
    EncTypeInfo("camellia128-cts-cmac", ("camellia128-cts",), C.CMAC_CAMELLIA128, False,
                CamelliaCmac(E.CAMELLIA128_CTS_CMAC, 16, "camellia128-cts-cmac")),
    EncTypeInfo("arcfour-hmac", ("rc4-hmac", "arcfour-hmac-md5"), C.HMAC_MD5, True, Rc4Hmac(E.RC4_HMAC)),
)

CHECKSUMS: tuple[ChecksumInfo, ...] = (
    ChecksumInfo(C.HMAC_SHA1_96_AES128, "hmac-sha1-96-aes128", (), 12, E.AES128_CTS_HMAC_SHA1_96),
    ChecksumInfo(C.HMAC_SHA1_96_AES256, "hmac-sha1-96-aes256", (), 12, E.AES256_CTS_HMAC_SHA1_96),
    ChecksumInfo(C.HMAC_SHA256_128_AES128, "hmac-sha256-128-aes128", (), 16, E.AES128_CTS_HMAC_SHA256_128),
    ChecksumInfo(C.HMAC_SHA384_192_AES256, "hmac-sha384-192-aes256", (), 24, E.AES256_CTS_HMAC_SHA384_192),
    ChecksumInfo(C.CMAC_CAMELLIA128, "cmac-camellia128", (), 16, E.CAMELLIA128_CTS_CMAC),
    ChecksumInfo(C.CMAC_CAMELLIA256, "cmac-camellia256", (), 16, E.CAMELLIA256_CTS_CMAC),
    # MIT accepts hmac-md5-rc4 with any key; we tie it to rc4-hmac keys so that a weak checksum
    # cannot stand in for an AES session key's mandatory one.
    ChecksumInfo(C.HMAC_MD5, "hmac-md5-rc4", ("hmac-md5-enc", "hmac-md5-earcfour"), 16, E.RC4_HMAC),
    ChecksumInfo(C.CRC32, "crc32", (), 4, None),
    ChecksumInfo(C.RSA_MD5, "md5", (), 16, None),
    ChecksumInfo(C.SHA1, "sha1", ("sha",), 20, None),
)

# Names MIT knows that we refuse on purpose (RFC 6649, RFC 8429 deprecations).
_REFUSED_NAMES = {
    "des-cbc-crc": E.DES_CBC_CRC, "des-cbc-md4": E.DES_CBC_MD4, "des-cbc-md5": E.DES_CBC_MD5,
    "des-cbc-raw": 4, "des-hmac-sha1": 8, "des3-cbc-raw": 6, "des3-cbc-sha1": E.DES3_CBC_SHA1_KD,
    "des3-hmac-sha1": E.DES3_CBC_SHA1_KD, "des3-cbc-sha1-kd": E.DES3_CBC_SHA1_KD,
    "arcfour-hmac-exp": E.RC4_HMAC_EXP, "rc4-hmac-exp": E.RC4_HMAC_EXP, "arcfour-hmac-md5-exp": E.RC4_HMAC_EXP,
}

_NUMBER = re.compile(r"-?[0-9]+")
_BY_NUMBER = {row.etype: row for row in ENCTYPES}
_BY_NAME = {n: row.etype for row in ENCTYPES for n in (row.name, *row.aliases)}
_CKSUM_BY_NUMBER = {row.cksumtype: row for row in CHECKSUMS}
_CKSUM_BY_NAME = {n: row.cksumtype for row in CHECKSUMS for n in (row.name, *row.aliases)}


def get_enctype(etype: int) -> EncTypeInfo:
    """The table row of ``etype``; UnsupportedEncType if we do not implement it (e.g. DES)."""
    try:
        return _BY_NUMBER[etype]
    except (KeyError, TypeError):
        raise UnsupportedEncType(etype) from None


def parse_enctype(name: str) -> int:
    """An enctype number from an MIT name, alias or decimal number (case-insensitive, as MIT).

    ValueError for a name nobody knows; UnsupportedEncType for one we refuse (DES, DES3,
    export RC4) or a number not in the table.
    """
    text = name.strip().lower()
    if _NUMBER.fullmatch(text):
        return get_enctype(int(text)).etype
    if text in _BY_NAME:
        return _BY_NAME[text]
    if text in _REFUSED_NAMES:
        raise UnsupportedEncType(_REFUSED_NAMES[text], f"enctype {name!r} is not supported (weak, removed)")
    raise ValueError(f"unknown enctype {name!r}; known: {', '.join(row.name for row in ENCTYPES)}")


def enctype_name(etype: int) -> str:
    """MIT's canonical name of ``etype`` (UnsupportedEncType if not in the table)."""
    return get_enctype(etype).name


def get_checksum_type(cksumtype: int) -> ChecksumInfo:
    """The checksum table row of ``cksumtype``; UnsupportedEncType if unknown."""
    try:
        return _CKSUM_BY_NUMBER[cksumtype]
    except (KeyError, TypeError):
        raise UnsupportedEncType(cksumtype, f"unsupported checksum type {cksumtype}") from None


def parse_checksum_type(name: str) -> int:
    """A checksum type number from an MIT name, alias or decimal number."""
    text = name.strip().lower()
    if _NUMBER.fullmatch(text):
        return get_checksum_type(int(text)).cksumtype
    if text in _CKSUM_BY_NAME:
        return _CKSUM_BY_NAME[text]
    raise ValueError(f"unknown checksum type {name!r}")


def checksum_name(cksumtype: int) -> str:
    return get_checksum_type(cksumtype).name
