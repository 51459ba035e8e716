"""kdc.keys.change_password: the new record a password change writes (kpasswd's, and kdcadmin's to share)."""

from __future__ import annotations

import pytest

from kdc.admin.keys import KeySalt, salt_string
from kdc.db.model import Attr, PrincipalEntry, SaltType, StoredKey
from kdc.keys import NoKeysToChange, change_password, current_keysalts
from protocol.crypto import string_to_key
from protocol.messages.types import EncryptionKey
from protocol.principal import Principal

ALICE = Principal.parse("alice@EXAMPLE.TEST")


class ClearSealer:
    """Seals by prefixing the row identity: enough to check what was sealed, for which row."""

    def seal(self, principal, kvno, key, *, salt_type=SaltType.NORMAL, salt=None):
        tag = f"{principal}:{kvno}:".encode()
        return StoredKey(kvno=kvno, enctype=key.keytype, sealed=tag + key.keyvalue, mkvno=1,
                         salt_type=salt_type, salt=salt)

    def unseal(self, principal, stored):
        tag = f"{principal}:{stored.kvno}:".encode()
        assert stored.sealed.startswith(tag)
        return EncryptionKey(stored.enctype, stored.sealed[len(tag):])


def entry(**fields) -> PrincipalEntry:
    mk = ClearSealer()
    keys = (
        mk.seal(ALICE, 3, string_to_key(18, "old", ALICE.default_salt())),
        mk.seal(ALICE, 3, string_to_key(17, "old", "alice"), salt_type=SaltType.NOREALM, salt=b"alice"),
        mk.seal(ALICE, 2, string_to_key(18, "older", ALICE.default_salt())),
    )
    base = dict(principal=ALICE, attributes=int(Attr.REQUIRES_PRE_AUTH | Attr.REQUIRES_PWCHANGE), kvno=3,
                keys=keys, pw_expiration=1_700_000_000, fail_auth_count=4, last_pwd_change=1)
    base.update(fields)
    return PrincipalEntry(**base)


def test_new_keys_for_the_current_enctypes_and_salts_at_next_kvno():
    """Each current (enctype, salt type) gets a key from the new password with that salt, at kvno + 1;
    older kvnos are dropped."""
    mk = ClearSealer()
    new = change_password(entry(), "n3w-password", mk, now=1_800_000_000, by="alice@EXAMPLE.TEST")
    assert new.kvno == 4
    assert [(k.kvno, k.enctype, k.salt_type, k.salt) for k in new.keys] == [
        (4, 18, SaltType.NORMAL, None), (4, 17, SaltType.NOREALM, b"alice")]
    for stored in new.keys:
        want = string_to_key(stored.enctype, "n3w-password", salt_string(ALICE, stored.salt_type))
        assert mk.unseal(ALICE, stored) == want


def test_bookkeeping_is_mits_chpass():
    """last_pwd_change and modifier set, failures cleared, needchange cleared, expiry reset; other flags kept."""
    new = change_password(entry(), "n3w-password", ClearSealer(), now=1_800_000_000, by="alice@EXAMPLE.TEST")
    assert (new.last_pwd_change, new.mod_time, new.mod_princ) == (1_800_000_000, 1_800_000_000, "alice@EXAMPLE.TEST")
    assert new.fail_auth_count == 0 and new.pw_expiration is None
    assert new.attributes == Attr.REQUIRES_PRE_AUTH


def test_keepold_and_explicit_keysalts():
    """``keepold`` keeps every older key; ``keysalts`` replaces the enctype list (kdcadmin -e)."""
    new = change_password(entry(), "pw-12345", ClearSealer(), now=5, by="admin", keepold=True,
                          keysalts=[KeySalt(20)])
    assert [(k.kvno, k.enctype) for k in new.keys] == [(4, 20), (3, 18), (3, 17), (2, 18)]


def test_same_keys_as_kdcadmin_makes_for_that_password():
    """The keys are password_keys' (kdcadmin addprinc/cpw), so both paths agree byte for byte."""
    from kdc.admin.keys import password_keys

    mk = ClearSealer()
    new = change_password(entry(), "shared-pw", mk, now=5, by="x")
    assert new.keys == password_keys(mk, ALICE, 4, "shared-pw", current_keysalts(entry()))


def test_bytes_password_is_its_utf8_text():
    """A password given as UTF-8 bytes (as kpasswd receives it) makes the same keys as the text."""
    mk = ClearSealer()
    a = change_password(entry(), "pässwörd", mk, now=5, by="x")
    b = change_password(entry(), "pässwörd".encode(), mk, now=5, by="x")
    assert a.keys == b.keys


def test_principal_without_keys_needs_keysalts():
    """addprinc -nokey principals have nothing to keep: NoKeysToChange unless keysalts are given."""
    with pytest.raises(NoKeysToChange):
        change_password(entry(keys=()), "pw-12345", ClearSealer(), now=5, by="x")
    assert change_password(entry(keys=()), "pw-12345", ClearSealer(), now=5, by="x",
                           keysalts=[KeySalt(18)]).keys[0].enctype == 18
