"""A principal's password change as one new record: the code path kpasswd (and kdcadmin cpw) share.

``change_password(entry, password, master_key, now=...)`` returns the record to ``put``:
new keys derived from ``password`` (RFC 3961 string-to-key) for the enctypes and salt
types the principal has now, sealed by the master key at kvno + 1, and the bookkeeping
MIT's kadm5_chpass_principal does (last password change, failure count cleared,
``needchange`` cleared, password expiration reset: no policies exist yet, so "never").
The caller writes it with one ``store.put(new, bookkeeping=BOOKKEEPING_SET)``: the change is
atomic, all keys or none, and a login kdcd records meanwhile is kept.

Key derivation itself is ``kdc.admin.keys.password_keys`` (the same function ``kdcadmin
addprinc`` uses), so a password set by kpasswd and the same password set by kdcadmin give
identical keys. ``kdcadmin cpw -pw`` calls ``change_password`` too, passing its ``-e`` list
(or the realm's default enctypes) as ``keysalts``; ``cpw -randkey`` and ``ktadd`` pass their
random keys to ``with_new_keys``, so every key change does the same bookkeeping.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Protocol

from kdc.admin.keys import KeySalt, password_keys
from kdc.db.model import Attr, PrincipalEntry, StoredKey
from protocol.messages.types import EncryptionKey
from protocol.principal import Principal

__all__ = ["BOOKKEEPING_SET", "KeySealer", "NoKeysToChange", "change_password", "current_keysalts", "with_new_keys"]

# The store's bookkeeping fields change_password sets: pass as ``store.put(new, bookkeeping=...)``
# so that a last_success or last_failed kdcd records meanwhile survives the change.
BOOKKEEPING_SET = ("fail_auth_count",)


class KeySealer(Protocol):
    """The part of ``kdc.masterkey.MasterKey`` a password change needs."""

    def seal(self, principal: Principal, kvno: int, key: EncryptionKey, *,
             salt_type: int = ..., salt: bytes | None = ...) -> StoredKey: ...


class NoKeysToChange(ValueError):
    """The principal has no keys now and no enctypes were given (``addprinc -nokey``)."""


def current_keysalts(entry: PrincipalEntry) -> tuple[KeySalt, ...]:
    """The (enctype, salt type) pairs of the principal's current kvno, in stored order, once each."""
    seen: list[KeySalt] = []
    for key in entry.keys_for_kvno():
        ks = KeySalt(key.enctype, key.salt_type)
        if ks not in seen:
            seen.append(ks)
    return tuple(seen)


def change_password(entry: PrincipalEntry, password: str | bytes, master_key: KeySealer, *, now: int,
                    by: str, keysalts: Iterable[KeySalt] | None = None,
                    keepold: bool = False) -> PrincipalEntry:
    """The record after setting ``password`` (RFC 3961 section 3 string-to-key, sealed; kvno + 1).

    ``keysalts`` defaults to the principal's current enctypes and salt types (what kpasswd
    keeps); NoKeysToChange when there are none. ``keepold`` keeps the older kvnos' keys
    (kdcadmin ``-keepold``); otherwise only the new keys remain. ``by`` is recorded as the
    modifier (MIT records the principal itself for a kpasswd change).
    """
    wanted = tuple(keysalts) if keysalts is not None else current_keysalts(entry)
    if not wanted:
        raise NoKeysToChange(f"{entry.principal} has no keys to change")
    kvno = entry.kvno + 1
    # password_keys takes str; string_to_key accepts bytes as well and encodes str as UTF-8.
    new = password_keys(master_key, entry.principal, kvno, password, wanted)  # type: ignore[arg-type]
    return with_new_keys(entry, new, now=now, by=by, keepold=keepold)


def with_new_keys(entry: PrincipalEntry, keys: tuple[StoredKey, ...], *, now: int, by: str,
                  keepold: bool = False) -> PrincipalEntry:
    """The record after its keys were replaced by ``keys`` (sealed at kvno + 1), by password or at random.

    The bookkeeping of MIT's kadm5_chpass_principal and kadm5_randkey_principal alike: last
    password change now, failure count cleared, ``needchange`` cleared, password expiration
    reset (no policies exist yet, so "never"). ``keepold`` keeps the older kvnos' keys.
    """
    kvno = entry.kvno + 1
    old = tuple(k for k in entry.keys if k.kvno != kvno) if keepold else ()
    return dataclasses.replace(
        entry, kvno=kvno, keys=keys + old, last_pwd_change=now, fail_auth_count=0, pw_expiration=None,
        attributes=int(entry.attributes & ~Attr.REQUIRES_PWCHANGE), mod_time=now, mod_princ=by,
    )
