"""Where a client's long-term key comes from: a password (string-to-key) or keytab entries.

The AS exchange asks a key source for the key of an enctype with the salt and s2kparams
the KDC advertised in ETYPE-INFO2 (RFC 4120 section 5.2.7.5); a keytab ignores the salt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from protocol import crypto
from protocol.client.errors import NoUsableKey
from protocol.messages.types import EncryptionKey

__all__ = ["KeySource", "PasswordKey", "KeytabKeys"]


class KeySource(Protocol):
    def etypes(self) -> tuple[int, ...] | None:
        """Enctypes this source can produce (None: any the crypto layer supports)."""

    def key_for(self, etype: int, salt: str | bytes, s2kparams: bytes | None) -> EncryptionKey:
        """The long-term key of ``etype``; raises NoUsableKey when there is none."""


@dataclass(frozen=True)
class PasswordKey:
    """A password, turned into keys with RFC 3961 string-to-key on demand (cached per salt)."""

    password: str = field(repr=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def etypes(self) -> tuple[int, ...] | None:
        return None

    def key_for(self, etype: int, salt: str | bytes, s2kparams: bytes | None) -> EncryptionKey:
        cache_key = (etype, salt, s2kparams)
        if cache_key not in self._cache:
            self._cache[cache_key] = crypto.string_to_key(etype, self.password, salt, s2kparams)
        return self._cache[cache_key]


@dataclass(frozen=True)
class KeytabKeys:
    """Keys of one principal taken from a keytab; the highest kvno of each enctype wins."""

    keys: tuple[EncryptionKey, ...] = field(repr=False)

    @classmethod
    def from_entries(cls, entries: Iterable, principal) -> KeytabKeys:
        """Select ``principal``'s keys from ``protocol.keytab.KeytabEntry`` values."""
        best: dict[int, tuple[int, EncryptionKey]] = {}
        for entry in entries:
            if entry.principal != principal:
                continue
            etype = entry.key.keytype
            if etype not in best or entry.kvno > best[etype][0]:
                best[etype] = (entry.kvno, entry.key)
        if not best:
            raise NoUsableKey(f"keytab has no key for {principal}")
        return cls(tuple(key for _, key in best.values()))

    def etypes(self) -> tuple[int, ...] | None:
        return tuple(k.keytype for k in self.keys)

    def key_for(self, etype: int, salt: str | bytes, s2kparams: bytes | None) -> EncryptionKey:
        for key in self.keys:
            if key.keytype == etype:
                return key
        raise NoUsableKey(f"keytab has no key of enctype {etype}")
