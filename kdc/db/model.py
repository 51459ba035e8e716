"""What a principal record holds, as MIT's KDB entry does.

Attribute bits use MIT's KRB5_KDB_* values and meanings (mostly "disallow" bits), so that
kadmin flag names, getprinc output and policy checks line up with MIT's.
Keys are stored sealed by the master key (``StoredKey.sealed``); a clear key exists only
in memory, as ``protocol.messages.EncryptionKey``, after the master-key token unseals it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from enum import IntFlag
from typing import TypeVar

from protocol.principal import Principal


class Attr(IntFlag):
    """MIT KRB5_KDB_* attribute bits (kdb.h)."""

    DISALLOW_POSTDATED = 0x00000001
    DISALLOW_FORWARDABLE = 0x00000002
    DISALLOW_TGT_BASED = 0x00000004
    DISALLOW_RENEWABLE = 0x00000008
    DISALLOW_PROXIABLE = 0x00000010
    DISALLOW_DUP_SKEY = 0x00000020
    DISALLOW_ALL_TIX = 0x00000040
    REQUIRES_PRE_AUTH = 0x00000080
    REQUIRES_HW_AUTH = 0x00000100
    REQUIRES_PWCHANGE = 0x00000200
    DISALLOW_SVR = 0x00001000
    PWCHANGE_SERVICE = 0x00002000
    SUPPORT_DESMD5 = 0x00004000
    NEW_PRINC = 0x00008000
    OK_AS_DELEGATE = 0x00100000
    OK_TO_AUTH_AS_DELEGATE = 0x00200000
    NO_AUTH_DATA_REQUIRED = 0x00400000
    LOCKDOWN_KEYS = 0x00800000


T = TypeVar("T")

# Values one record keeps through ``derived``: a few per configuration and enctype.
_DERIVED_LIMIT = 64


class SaltType:
    """MIT KRB5_KDB_SALTTYPE_* values."""

    NORMAL = 0
    NOREALM = 2
    ONLYREALM = 3
    SPECIAL = 4


@dataclass(frozen=True)
class StoredKey:
    """One key of a principal, sealed by master key version ``mkvno``.

    ``salt`` is the explicit salt string when it differs from the principal's default
    salt (None: the default for ``salt_type``).
    """

    kvno: int
    enctype: int
    sealed: bytes
    mkvno: int
    salt_type: int = SaltType.NORMAL
    salt: bytes | None = None


@dataclass(frozen=True)
class PrincipalEntry:
    """A principal record. Times are int seconds since the epoch; None means never/unset."""

    principal: Principal
    attributes: int
    kvno: int
    keys: tuple[StoredKey, ...]
    max_life: int | None = None
    max_renewable_life: int | None = None
    expiration: int | None = None
    pw_expiration: int | None = None
    last_pwd_change: int | None = None
    last_success: int | None = None
    last_failed: int | None = None
    fail_auth_count: int = 0
    policy: str | None = None
    mod_time: int | None = None
    mod_princ: str | None = None

    def keys_for_kvno(self, kvno: int | None = None) -> tuple[StoredKey, ...]:
        """Keys of ``kvno`` (the current one when None)."""
        if kvno is None or kvno == self.kvno:
            return self._current_keys
        return tuple(k for k in self.keys if k.kvno == kvno)

    def derived(self, key: Hashable, compute: Callable[[PrincipalEntry], T]) -> T:
        """``compute(self)``, computed once per record and ``key`` (at most a few dozen keys).

        The store hands the same record object to every request until the record changes,
        so what the exchange derives from it alone (the enctype choices under a
        configuration, the encoded PA-ETYPE-INFO2) need not be derived per request.
        ``compute`` must depend on nothing but the record and what ``key`` names.
        """
        memo = self.__dict__.get("_derived")
        if memo is None:
            memo = self.__dict__["_derived"] = {}
        try:
            return memo[key]
        except KeyError:
            value = compute(self)
            if len(memo) < _DERIVED_LIMIT:
                memo[key] = value
            return value

    @cached_property
    def _current_keys(self) -> tuple[StoredKey, ...]:
        # Asked for several times per request; the record is frozen, so filter once.
        return tuple(k for k in self.keys if k.kvno == self.kvno)
