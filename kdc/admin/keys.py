"""Making a principal's keys: from a password (string-to-key) or at random, sealed by the master key.

Key/salt lists follow kadmin's ``-e`` syntax: ``"aes256-cts-hmac-sha1-96:normal aes128-cts"``,
space or comma separated, the ``:salt`` part optional (RFC 3961 section 3 string-to-key
takes the salt; RFC 4120 section 4 defines the default "normal" salt).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kdc.admin.errors import UsageError
from kdc.config import Config
from kdc.db.model import SaltType, StoredKey
from kdc.masterkey import MasterKey
from protocol import crypto
from protocol.crypto.enctypes import enctype_name, parse_enctype
from protocol.errors import UnsupportedEncType
from protocol.principal import Principal

SALT_TYPES = {"normal": SaltType.NORMAL, "norealm": SaltType.NOREALM, "onlyrealm": SaltType.ONLYREALM}
SALT_NAMES = {v: k for k, v in SALT_TYPES.items()}


@dataclass(frozen=True)
class KeySalt:
    enctype: int
    salt_type: int = SaltType.NORMAL


def parse_keysalts(text: str, config: Config) -> tuple[KeySalt, ...]:
    """kadmin's ``-e`` list; UsageError naming an unknown, refused or unpermitted enctype or salt."""
    result: list[KeySalt] = []
    for item in text.replace(",", " ").split():
        name, _, salt = item.partition(":")
        try:
            enctype = parse_enctype(name)
        except (ValueError, UnsupportedEncType) as exc:
            raise UsageError(f"-e: {exc}") from None
        if enctype not in config.crypto.permitted_enctypes:
            raise UsageError(f"-e: enctype {name!r} is not in crypto.permitted_enctypes")
        if salt and salt.lower() not in SALT_TYPES:
            raise UsageError(f"-e: unsupported salt type {salt!r} (normal, norealm, onlyrealm)")
        ks = KeySalt(enctype, SALT_TYPES[salt.lower()] if salt else SaltType.NORMAL)
        if ks not in result:
            result.append(ks)
    if not result:
        raise UsageError("-e: no enctypes given")
    return tuple(result)


def default_keysalts(config: Config) -> tuple[KeySalt, ...]:
    """The realm's default_principal_enctypes, normal salt."""
    return tuple(KeySalt(e) for e in config.crypto.default_principal_enctypes)


def salt_string(principal: Principal, salt_type: int) -> str:
    """The string-to-key salt of ``salt_type`` (MIT's normal, norealm and onlyrealm)."""
    if salt_type == SaltType.NOREALM:
        return "".join(principal.components)
    if salt_type == SaltType.ONLYREALM:
        return principal.realm
    return principal.default_salt()


def _explicit_salt(principal: Principal, salt_type: int) -> bytes | None:
    """What StoredKey.salt records: nothing for the normal salt, the salt itself otherwise."""
    return None if salt_type == SaltType.NORMAL else salt_string(principal, salt_type).encode("utf-8")


def password_keys(mk: MasterKey, principal: Principal, kvno: int, password: str,
                  keysalts: Iterable[KeySalt]) -> tuple[StoredKey, ...]:
    """Sealed keys derived from ``password`` (RFC 3961 string-to-key with each salt)."""
    return tuple(
        mk.seal(principal, kvno, crypto.string_to_key(ks.enctype, password, salt_string(principal, ks.salt_type)),
                salt_type=ks.salt_type, salt=_explicit_salt(principal, ks.salt_type))
        for ks in keysalts
    )


def random_keys(mk: MasterKey, principal: Principal, kvno: int, keysalts: Iterable[KeySalt],
                rng: crypto.Rng) -> tuple[StoredKey, ...]:
    """Sealed fresh random keys, one per enctype."""
    return tuple(
        mk.seal(principal, kvno, crypto.random_key(ks.enctype, rng),
                salt_type=ks.salt_type, salt=_explicit_salt(principal, ks.salt_type))
        for ks in keysalts
    )


def describe_key(key: StoredKey) -> str:
    """getprinc's key description: enctype name, plus ``:salt`` when not the normal salt."""
    try:
        name = enctype_name(key.enctype)
    except UnsupportedEncType:
        name = f"enctype {key.enctype}"
    if key.salt_type != SaltType.NORMAL:
        name += ":" + SALT_NAMES.get(key.salt_type, f"salttype{key.salt_type}")
    return name
