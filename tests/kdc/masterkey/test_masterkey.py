"""The master key in a real SoftHSM2 token: creation, sealing, binding to the row, cache, failures."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pkcs11
import pytest

from kdc.masterkey import MasterKeyError, SealedKeyIntegrityError, create_master_key, open_master_key
from protocol.errors import IntegrityError
from protocol.messages.types import EncryptionKey
from protocol.principal import Principal
from tests.support.softhsm import softhsm_token  # noqa: F401  (fixture)

ALICE = Principal.parse("alice@EXAMPLE.TEST")
BOB = Principal.parse("bob@EXAMPLE.TEST")
KEY = EncryptionKey(18, bytes(range(32)))


@pytest.fixture
def mk(softhsm_token):
    key = create_master_key(softhsm_token.master_key_config())
    yield key
    key.close()


def test_created_key_is_sensitive_non_extractable_token_object(softhsm_token):
    """create_master_key makes an AES-256 token object that cannot be read out."""
    mk = create_master_key(softhsm_token.master_key_config())
    try:
        key = mk._keys[1]
        assert key[pkcs11.Attribute.TOKEN] is True
        assert key[pkcs11.Attribute.SENSITIVE] is True
        assert key[pkcs11.Attribute.EXTRACTABLE] is False
        assert key[pkcs11.Attribute.VALUE_LEN] == 32
        assert key[pkcs11.Attribute.LABEL] == "kdcd-master"
        assert mk.mkvno == 1
    finally:
        mk.close()


def test_seal_unseal_round_trip(mk):
    """unseal(seal(key)) gives back the same key, and the blob does not contain the key."""
    stored = mk.seal(ALICE, 3, KEY)
    assert (stored.kvno, stored.enctype, stored.mkvno) == (3, 18, 1)
    assert KEY.keyvalue not in stored.sealed
    assert mk.unseal(ALICE, stored) == KEY


def test_two_seals_differ(mk):
    """Each seal uses a fresh IV, so sealing the same key twice gives different blobs."""
    assert mk.seal(ALICE, 1, KEY).sealed != mk.seal(ALICE, 1, KEY).sealed


@pytest.mark.parametrize("change", [
    {"principal": BOB},
    {"kvno": 4},
    {"enctype": 17},
    {"mkvno_in_aad": True},
])
def test_blob_moved_to_another_row_fails(mk, change):
    """A blob copied to another principal, kvno, enctype or master-key version fails to open."""
    stored = mk.seal(ALICE, 3, KEY)
    mk.unseal(ALICE, stored)  # a cache entry for the genuine row must not help the moved blob
    who = change.get("principal", ALICE)
    moved = dataclasses.replace(stored, kvno=change.get("kvno", 3), enctype=change.get("enctype", 18))
    if "mkvno_in_aad" in change:
        mk._keys[2] = mk._keys[1]  # pretend version 2 exists with the same key: AAD must still differ
        moved = dataclasses.replace(stored, mkvno=2)
    with pytest.raises(SealedKeyIntegrityError):
        mk.unseal(who, moved)


def test_flipped_bit_fails(mk):
    """Any changed byte of the sealed blob makes unseal raise an IntegrityError."""
    stored = mk.seal(ALICE, 1, KEY)
    for i in (1, 13, len(stored.sealed) - 1):
        bad = bytearray(stored.sealed)
        bad[i] ^= 1
        with pytest.raises(IntegrityError):
            mk.unseal(ALICE, dataclasses.replace(stored, sealed=bytes(bad)))


def test_cache_avoids_token_round_trip(mk):
    """A second unseal of the same row is served from the cache without a token call."""
    stored = mk.seal(ALICE, 1, KEY)
    mk.unseal(ALICE, stored)
    calls = mk.token_calls
    assert mk.unseal(ALICE, stored) == KEY
    assert mk.token_calls == calls


def test_cache_is_bounded(softhsm_token):
    """The cache never holds more than its size; evicted rows are unsealed again by the token."""
    mk = create_master_key(softhsm_token.master_key_config(), cache_size=2)
    try:
        blobs = [mk.seal(ALICE, n, KEY) for n in (1, 2, 3)]
        for b in blobs:
            mk.unseal(ALICE, b)
        assert len(mk._cache) == 2
        calls = mk.token_calls
        mk.unseal(ALICE, blobs[0])
        assert mk.token_calls == calls + 1
    finally:
        mk.close()


def test_open_finds_existing_key(softhsm_token):
    """open_master_key finds the key made by create_master_key and opens its blobs."""
    cfg = softhsm_token.master_key_config()
    first = create_master_key(cfg)
    stored = first.seal(ALICE, 1, KEY)
    first.close()
    second = open_master_key(cfg)
    try:
        assert second.unseal(ALICE, stored) == KEY
    finally:
        second.close()


def test_create_refuses_existing_key(mk, softhsm_token):
    """create_master_key refuses when the label already exists in the token."""
    with pytest.raises(MasterKeyError, match="already exists"):
        create_master_key(softhsm_token.master_key_config())


def test_open_without_key_fails(softhsm_token):
    """open_master_key names the missing key."""
    with pytest.raises(MasterKeyError, match="master key 'nope' not found"):
        open_master_key(softhsm_token.master_key_config(key_label="nope"))


@pytest.mark.parametrize("field,value,message", [
    ("pkcs11_module", "/nonexistent/libnothing.so", "cannot load"),
    ("token_label", "no-such-token", "token 'no-such-token' not found"),
    ("pin_file", "/nonexistent/pin", "pin_file"),
])
def test_open_failures_are_one_line(softhsm_token, field, value, message):
    """A missing module, token or PIN file each gives a one-line MasterKeyError naming it."""
    cfg = dataclasses.replace(softhsm_token.master_key_config(), **{field: value})
    with pytest.raises(MasterKeyError, match=message) as info:
        open_master_key(cfg)
    assert "\n" not in str(info.value)


def test_pin_from_env(softhsm_token, monkeypatch):
    """pin_env names an environment variable holding the PIN; unset, it is an error."""
    cfg = dataclasses.replace(softhsm_token.master_key_config(), pin_file=None, pin_env="TEST_KDC_PIN")
    with pytest.raises(MasterKeyError, match="TEST_KDC_PIN"):
        create_master_key(cfg)
    monkeypatch.setenv("TEST_KDC_PIN", softhsm_token.pin)
    create_master_key(cfg).close()


def test_wrong_pin_fails_in_fresh_process(softhsm_token, tmp_path):
    """A wrong PIN is one MasterKeyError line (checked in a fresh process: login is per process)."""
    bad = tmp_path / "bad.pin"
    bad.write_text("0000\n")
    code = (
        "import dataclasses, sys\n"
        "from kdc.masterkey import open_master_key, MasterKeyError\n"
        "from tests.support.softhsm import MODULE\n"
        "from kdc.config import MasterKeyConfig\n"
        f"cfg = MasterKeyConfig(pkcs11_module=MODULE, token_label='kdcd', pin_file={str(bad)!r})\n"
        "try:\n    open_master_key(cfg)\nexcept MasterKeyError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, **softhsm_token.env),
                         capture_output=True, text=True, timeout=60, cwd=os.getcwd())
    assert out.stdout.strip() == "wrong PIN for token 'kdcd'", out.stderr


def test_login_defers_termination_signals(softhsm_token, tmp_path):
    """A SIGTERM sent while logging in waits until the login (SoftHSM's token.object rewrite) is over.

    A fresh process blocks in C_Login while we cannot time a signal into it, so the check is on
    the mechanism: during ``_signals_deferred`` SIGTERM is pending, not delivered; after it, the
    default action runs.
    """
    code = (
        "import os, signal, sys\n"
        "from kdc.masterkey import _signals_deferred\n"
        "with _signals_deferred():\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    print('still alive inside', flush=True)\n"
        "print('not reached', flush=True)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout == "still alive inside\n" and out.returncode == -15


def test_cache_never_serves_a_replaced_key(mk):
    """A row re-keyed under the same (principal, kvno, enctype) gets the new key, not the cached old one."""
    old = mk.seal(ALICE, 1, KEY)
    assert mk.unseal(ALICE, old) == KEY
    new_key = EncryptionKey(18, bytes(32))
    new = mk.seal(ALICE, 1, new_key)
    assert mk.unseal(ALICE, new) == new_key


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o440], ids=lambda m: f"{m:04o}")
def test_pin_file_readable_by_others_warns_once(softhsm_token, mode):
    """A PIN file the group or others may read is used, with one warning line naming the file and its mode."""
    softhsm_token.pin_file.chmod(mode)
    warnings: list[str] = []
    create_master_key(softhsm_token.master_key_config(), warn=warnings.append).close()
    assert len(warnings) == 1
    assert str(softhsm_token.pin_file) in warnings[0] and f"mode {mode:04o}" in warnings[0]
    assert "readable by group or others" in warnings[0] and "\n" not in warnings[0]
    assert softhsm_token.pin not in warnings[0]


@pytest.mark.parametrize("mode", [0o600, 0o400], ids=lambda m: f"{m:04o}")
def test_owner_only_pin_file_gives_no_warning(softhsm_token, mode):
    """A PIN file only its owner can read gives no warning."""
    softhsm_token.pin_file.chmod(mode)
    warnings: list[str] = []
    create_master_key(softhsm_token.master_key_config(), warn=warnings.append).close()
    assert warnings == []


@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602, 0o660], ids=lambda m: f"{m:04o}")
def test_pin_file_writable_by_others_is_refused_before_login(softhsm_token, mode):
    """A PIN file the group or others may write is refused with one line, before any login (a wrong PIN in it is never tried)."""
    softhsm_token.pin_file.write_text("0000\n")
    softhsm_token.pin_file.chmod(mode)
    with pytest.raises(MasterKeyError, match="writable by group or others") as info:
        open_master_key(softhsm_token.master_key_config())
    message = str(info.value)
    assert f"mode {mode:04o}" in message and "chmod 600" in message and "\n" not in message


def test_pin_file_warning_without_callback_is_logged(softhsm_token, caplog):
    """Without a warn callback the warning goes to the kdc.masterkey logger at WARNING level."""
    softhsm_token.pin_file.chmod(0o644)
    with caplog.at_level("WARNING", logger="kdc.masterkey"):
        create_master_key(softhsm_token.master_key_config()).close()
    assert [r.levelname for r in caplog.records if r.name == "kdc.masterkey"] == ["WARNING"]
    assert "readable by group or others" in caplog.text
