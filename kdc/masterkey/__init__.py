"""The realm master key, kept in a PKCS#11 token; stored principal keys are sealed with it.

The master key is an AES-256 secret key generated inside the token (sensitive,
non-extractable), found by its label; its CKA_ID holds the master-key version (``mkvno``,
ASCII digits) so that a rotation can add version 2 beside version 1 and old rows still
open. Each principal key is sealed with AES-GCM computed by the token. The associated data
binds the blob to its row: principal name, kvno, enctype and mkvno, so a blob copied into
another principal's row (or relabelled with another kvno or enctype) fails to open instead
of letting one principal log in as another.

Sealed blob layout: ``0x01 || IV (12 bytes, os.urandom) || GCM ciphertext || tag (16)``.

Token calls are serialised by one process-wide lock: python-pkcs11 initialises the library
without OS locking and releases the GIL during calls, and SoftHSM crashes under concurrent
calls (DESIGN.md, Known traps). The API is synchronous on purpose: a token call costs about
20 µs and the unseal cache absorbs most of them, so a thread hop would cost more than it
saves. We log in exactly once per MasterKey (real HSMs lock a token after a few wrong PINs).

PKCS#11 sessions do not survive ``fork()``: a multi-process kdcd opens the master key in
each worker after forking.

The PIN file is held to sshd's StrictModes rule for key files: one that the group or
others may write is refused (whoever can replace the PIN can make the KDC try wrong PINs
until a real HSM locks the token, or hide a swapped token), one they may read is used with
a warning, given to the caller's ``warn`` after a successful login (else logged on the
``kdc.masterkey`` logger), so a start that fails still reports one line.

SoftHSM2's file store rewrites ``token.object`` in place on every C_Login. A process killed
in the middle of that write leaves the file empty and the token gone (NoSuchToken), and
with it the master key: back up the token folder after ``kdcadmin init``. We block the
catchable termination signals during login so that SIGTERM, SIGINT or SIGHUP is delivered
after the write, never inside it; SIGKILL cannot be blocked (measured: tests/kdc/admin).
"""

from __future__ import annotations

import logging
import os
import signal
import stat
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.mechanisms import GCMParams

from kdc.config import MasterKeyConfig
from kdc.db.model import SaltType, StoredKey
from protocol.errors import IntegrityError
from protocol.messages.types import EncryptionKey
from protocol.principal import Principal

__all__ = ["MasterKey", "MasterKeyError", "MasterKeyExists", "SealedKeyIntegrityError", "open_master_key", "create_master_key"]

BLOB_VERSION = 1
_IV_LEN = 12
_TAG_BITS = 128
_AAD_TAG = b"kdcd sealed key v1\0"
DEFAULT_CACHE_SIZE = 8192

# One lock for every token call in this process (see the module docstring).
_TOKEN_LOCK = threading.RLock()


class MasterKeyError(Exception):
    """A master-key or token problem; ``str()`` is one line naming it.

    Among them: a ``pin_file`` writable by group or others, refused (chmod 600 or 400).
    """


class MasterKeyExists(MasterKeyError):
    """``create_master_key`` found a master key with that label already in the token."""


class SealedKeyIntegrityError(MasterKeyError, IntegrityError):
    """A sealed key failed authentication: tampered, or moved from another row."""


Warn = Callable[[str], None]
_log = logging.getLogger("kdc.masterkey")


def open_master_key(cfg: MasterKeyConfig, *, cache_size: int = DEFAULT_CACHE_SIZE,
                    warn: Warn | None = None) -> MasterKey:
    """Load the module, find the token by label, log in once, find the master key.

    Raises MasterKeyError on any problem (module missing, token missing, no PIN, wrong PIN,
    PIN file writable by others, key missing): the KDC fails closed. ``warn`` receives
    one-line warnings (a PIN file readable by others); without it they are logged.
    """
    session = _login(cfg, warn)
    try:
        keys = _find_keys(session, cfg.key_label)
        if not keys:
            raise MasterKeyError(f"master key {cfg.key_label!r} not found in token {cfg.token_label!r}"
                                 " (run kdcadmin init)")
    except BaseException:
        _close_session(session)
        raise
    return MasterKey(session, keys, cache_size=cache_size)


def create_master_key(cfg: MasterKeyConfig, *, cache_size: int = DEFAULT_CACHE_SIZE,
                      warn: Warn | None = None) -> MasterKey:
    """Generate master key version 1 inside the token (``kdcadmin init``); refuse if one exists.

    The key is a token object, private, sensitive and non-extractable: it never leaves the
    token, and only a logged-in session can use it. ``warn`` as for ``open_master_key``.
    """
    session = _login(cfg, warn)
    try:
        if _find_keys(session, cfg.key_label):
            raise MasterKeyExists(f"master key {cfg.key_label!r} already exists in token {cfg.token_label!r}")
        with _TOKEN_LOCK, _token_errors(f"token {cfg.token_label!r}: cannot create the master key"):
            key = session.generate_key(KeyType.AES, 256, label=cfg.key_label, id=b"1", store=True, template={
                Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False, Attribute.PRIVATE: True,
                Attribute.ENCRYPT: True, Attribute.DECRYPT: True,
                Attribute.WRAP: False, Attribute.UNWRAP: False, Attribute.SIGN: False,
                Attribute.VERIFY: False, Attribute.DERIVE: False,
            })
    except BaseException:
        _close_session(session)
        raise
    return MasterKey(session, {1: key}, cache_size=cache_size)


class MasterKey:
    """Seals and unseals principal keys with the token's master key (see the module docstring)."""

    def __init__(self, session: pkcs11.Session, keys: dict[int, pkcs11.SecretKey], *,
                 cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self._session = session
        self._keys = dict(keys)
        self.mkvno: int = max(self._keys)
        self._cache: OrderedDict[tuple, EncryptionKey] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self.token_calls = 0  # unseals that reached the token (for tests and measurements)

    def seal(self, principal: Principal, kvno: int, key: EncryptionKey, *,
             salt_type: int = SaltType.NORMAL, salt: bytes | None = None) -> StoredKey:
        """Encrypt ``key`` in the token under the current master key, bound to its row."""
        iv = os.urandom(_IV_LEN)
        aad = _aad(principal, kvno, key.keytype, self.mkvno)
        params = GCMParams(iv, aad, _TAG_BITS)
        with _TOKEN_LOCK, _token_errors("token: sealing a key failed"):
            body = self._keys[self.mkvno].encrypt(key.keyvalue, mechanism=Mechanism.AES_GCM, mechanism_param=params)
        sealed = bytes([BLOB_VERSION]) + iv + bytes(body)
        return StoredKey(kvno=kvno, enctype=key.keytype, sealed=sealed, mkvno=self.mkvno,
                         salt_type=salt_type, salt=salt)

    def unseal(self, principal: Principal, stored: StoredKey) -> EncryptionKey:
        """The clear key of ``stored``; raises SealedKeyIntegrityError if the blob is not this row's.

        Results are kept in a bounded LRU cache keyed by the row identity and the sealed
        bytes themselves, so a changed record (new blob) never hits a stale entry and a
        moved blob never hits the entry of the row it came from.
        """
        ident = (principal.components, principal.realm, stored.kvno, stored.enctype, stored.mkvno, stored.sealed)
        with self._cache_lock:
            hit = self._cache.get(ident)
            if hit is not None:
                self._cache.move_to_end(ident)
                return hit
        clear = EncryptionKey(stored.enctype, self._open(principal, stored))
        with self._cache_lock:
            self._cache[ident] = clear
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return clear

    def _open(self, principal: Principal, stored: StoredKey) -> bytes:
        blob = stored.sealed
        if len(blob) < 1 + _IV_LEN + _TAG_BITS // 8 or blob[0] != BLOB_VERSION:
            raise SealedKeyIntegrityError(f"sealed key of {principal} kvno {stored.kvno} has an unknown format")
        key = self._keys.get(stored.mkvno)
        if key is None:
            raise MasterKeyError(f"master key version {stored.mkvno} (used by {principal}) is not in the token")
        params = GCMParams(blob[1:1 + _IV_LEN], _aad(principal, stored.kvno, stored.enctype, stored.mkvno), _TAG_BITS)
        with _TOKEN_LOCK:
            self.token_calls += 1
            try:
                return bytes(key.decrypt(blob[1 + _IV_LEN:], mechanism=Mechanism.AES_GCM, mechanism_param=params))
            except pkcs11.PKCS11Error:
                # SoftHSM reports a failed GCM tag as CKR_GENERAL_ERROR, others as
                # CKR_ENCRYPTED_DATA_INVALID: both mean "not this row's blob".
                raise SealedKeyIntegrityError(
                    f"sealed key of {principal} kvno {stored.kvno} enctype {stored.enctype} failed "
                    "authentication (tampered or moved from another row)") from None

    def clear_cache(self) -> None:
        """Drop every cached clear key."""
        with self._cache_lock:
            self._cache.clear()

    def destroy(self) -> None:
        """Delete this master key from the token (used only to undo a failed ``kdcadmin init``)."""
        with _TOKEN_LOCK, _token_errors("token: cannot delete the master key"):
            for key in self._keys.values():
                key.destroy()
        self._keys.clear()

    def close(self) -> None:
        """Forget cached keys and close the token session."""
        self.clear_cache()
        _close_session(self._session)


def _aad(principal: Principal, kvno: int, enctype: int, mkvno: int) -> bytes:
    """Associated data naming the row: length-prefixed name, then kvno, enctype, mkvno."""
    name = str(principal).encode("utf-8")
    return _AAD_TAG + struct.pack(">I", len(name)) + name + struct.pack(">IiI", kvno, enctype, mkvno)


def _read_pin(cfg: MasterKeyConfig) -> tuple[str, str | None]:
    """The PIN, and a warning line about the PIN file's mode or None."""
    warning = None
    if cfg.pin_file:
        try:
            with open(cfg.pin_file, encoding="utf-8") as f:
                # fstat of the open file: the mode checked is that of the file read.
                warning = _check_pin_mode(cfg.pin_file, os.fstat(f.fileno()).st_mode)
                pin = f.read().rstrip("\r\n")
        except OSError as exc:
            raise MasterKeyError(f"master_key.pin_file {cfg.pin_file}: {exc.strerror}") from None
    elif cfg.pin_env:
        pin = os.environ.get(cfg.pin_env, "")
        if not pin:
            raise MasterKeyError(f"master_key.pin_env: environment variable {cfg.pin_env} is not set")
    else:
        raise MasterKeyError("master_key: set pin_file or pin_env to give the token PIN")
    if not pin:
        raise MasterKeyError("master_key: the token PIN is empty")
    return pin, warning


def _check_pin_mode(path: str, mode: int) -> str | None:
    """sshd StrictModes for the PIN file: refuse group/world-writable, warn on group/world-readable."""
    perms = f"mode {stat.S_IMODE(mode):04o}"
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise MasterKeyError(f"master_key.pin_file {path} is writable by group or others ({perms}): refused; "
                             "only its owner may write it (chmod 600)")
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        return f"master_key.pin_file {path} is readable by group or others ({perms}); chmod 600 it"
    return None


def _login(cfg: MasterKeyConfig, warn: Warn | None = None) -> pkcs11.Session:
    """Open a read-write session on the token and log in once; then pass on the PIN file warning."""
    pin, warning = _read_pin(cfg)
    session = _token_session(cfg, pin)
    if warning is not None:
        try:
            (warn or _log.warning)(warning)
        except BaseException:
            _close_session(session)
            raise
    return session


def _token_session(cfg: MasterKeyConfig, pin: str) -> pkcs11.Session:
    with _TOKEN_LOCK:
        try:
            lib = pkcs11.lib(cfg.pkcs11_module)
        except pkcs11.PKCS11Error as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise MasterKeyError(f"PKCS#11 module {cfg.pkcs11_module}: cannot load ({detail})") from None
        try:
            token = lib.get_token(token_label=cfg.token_label)
        except pkcs11.NoSuchToken:
            raise MasterKeyError(f"token {cfg.token_label!r} not found by {cfg.pkcs11_module}") from None
        except pkcs11.MultipleTokensReturned:
            raise MasterKeyError(f"several tokens are labelled {cfg.token_label!r}") from None
        except pkcs11.PKCS11Error as exc:
            raise MasterKeyError(f"PKCS#11 module {cfg.pkcs11_module}: {type(exc).__name__}") from None
        return _open_session(token, pin, cfg.token_label)


@contextmanager
def _signals_deferred():
    """Hold back termination signals for the duration (they are delivered when it ends)."""
    held = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _open_session(token: pkcs11.Token, pin: str, label: str) -> pkcs11.Session:
    try:
        with _signals_deferred():  # SoftHSM rewrites token.object during login (module docstring)
            return token.open(rw=True, user_pin=pin)
    except pkcs11.PinIncorrect:
        raise MasterKeyError(f"wrong PIN for token {label!r}") from None
    except pkcs11.PinLocked:
        raise MasterKeyError(f"the PIN of token {label!r} is locked") from None
    except pkcs11.UserAlreadyLoggedIn:
        # Login state is per process: another MasterKey here already logged in, and a new
        # session shares it. Logging in again would only risk a lockout count.
        return token.open(rw=True)
    except pkcs11.PKCS11Error as exc:
        raise MasterKeyError(f"token {label!r}: cannot log in ({type(exc).__name__})") from None


def _find_keys(session: pkcs11.Session, label: str) -> dict[int, pkcs11.SecretKey]:
    """Master keys labelled ``label`` by version (CKA_ID as ASCII digits)."""
    with _TOKEN_LOCK, _token_errors(f"token: cannot search for master key {label!r}"):
        found = list(session.get_objects({Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.LABEL: label}))
        keys: dict[int, pkcs11.SecretKey] = {}
        for key in found:
            ident = bytes(key[Attribute.ID] or b"")
            if not ident.isdigit():
                raise MasterKeyError(f"master key {label!r} has CKA_ID {ident!r}, not a version number")
            keys[int(ident)] = key
    return keys


def _close_session(session: pkcs11.Session) -> None:
    with _TOKEN_LOCK:
        try:
            session.close()
        except pkcs11.PKCS11Error:
            pass  # closing is best effort; the process is letting go of the token anyway


class _token_errors:
    """Context manager: any PKCS#11 exception becomes a one-line MasterKeyError."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, etype, exc, tb) -> bool:
        if exc is not None and isinstance(exc, pkcs11.PKCS11Error):
            raise MasterKeyError(f"{self.what} ({type(exc).__name__})") from None
        return False
