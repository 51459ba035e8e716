"""ktadd: write principal keys to an MIT keytab (version 0x502, via protocol.keytab).

Entries are appended to an existing keytab, as MIT's WRFILE does. The file is rewritten
through a temporary file and rename, so a crash leaves the old keytab or the new one,
never a torn file; it is created mode 0600.
"""

from __future__ import annotations

import os

from kdc.admin.errors import Refused, UsageError
from kdc.admin.keys import KeySalt, describe_key
from kdc.admin.ops import Admin
from kdc.db.model import Attr, PrincipalEntry, StoredKey
from protocol.errors import FileFormatError
from protocol.keytab import KeytabEntry, build_keytab, parse_keytab
from protocol.principal import Principal

_PREFIXES = ("WRFILE:", "FILE:")


def keytab_path(text: str | None) -> str:
    """The file named by ``-k``: a path, or ``FILE:``/``WRFILE:`` and a path."""
    if not text:
        raise UsageError("ktadd needs -k KEYTAB")
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    else:
        if ":" in text.split("/", 1)[0]:
            raise UsageError(f"-k {text!r}: only FILE: and WRFILE: keytabs can be written")
    if not text:
        raise UsageError("-k: empty keytab path")
    return os.path.abspath(text)


async def export_keys(admin: Admin, principal: Principal, path: str, keysalts: tuple[KeySalt, ...] | None,
                      *, randomize: bool) -> list[tuple[int, str]]:
    """Add ``principal``'s keys to the keytab at ``path``; returns (kvno, enctype name) per entry.

    With ``randomize`` (kadmin's default) the principal first gets new random keys at
    kvno + 1, its old keys kept in the database so tickets issued before stay valid.
    With ``-norandkey`` the existing keys of every kvno are exported unchanged (refused for
    a principal with ``lockdown_keys``).
    """
    existing = _read_keytab(path)  # before any change: a bad keytab must not cost a rekey
    folder = os.path.dirname(path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Refused(f"keytab {path}: cannot write in {folder}")
    if randomize:
        entry = await admin.change_keys(principal, None, keepold=True, keysalts=keysalts)
        chosen = entry.keys_for_kvno()
    else:
        entry = await admin.get(principal)
        if entry.attributes & Attr.LOCKDOWN_KEYS:
            raise Refused(f"principal {principal} has lockdown_keys: its keys cannot be extracted")
        chosen = _filtered(entry, keysalts)
    if not chosen:
        raise Refused(f"principal {principal} has no keys to export")
    now = admin.now()
    new = [KeytabEntry(entry.principal, now, k.kvno, admin.unseal(entry, k)) for k in chosen]
    _write_keytab(path, existing + new)
    return [(k.kvno, describe_key(k)) for k in chosen]


def _filtered(entry: PrincipalEntry, keysalts: tuple[KeySalt, ...] | None) -> tuple[StoredKey, ...]:
    if keysalts is None:
        return entry.keys
    wanted = {ks.enctype for ks in keysalts}
    return tuple(k for k in entry.keys if k.enctype in wanted)


def _read_keytab(path: str) -> list[KeytabEntry]:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise Refused(f"keytab {path}: {exc.strerror}") from None
    if not data:
        return []
    try:
        return parse_keytab(data)
    except FileFormatError as exc:
        raise Refused(f"keytab {path} is not a keytab ({exc})") from None


def _write_keytab(path: str, entries: list[KeytabEntry]) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(build_keytab(entries))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise Refused(f"keytab {path}: cannot write: {exc.strerror}") from None
