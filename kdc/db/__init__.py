"""Principal store: the record model, the async store interface, and its backends.

``open_store(url)`` picks the backend from the URL scheme: ``sqlite:///abs/path`` now,
``postgresql://`` later. Every backend raises the ``StoreError`` family below, whose
``str()`` is one line naming the problem, so kdcadmin and kdcd can print it as is.
"""

from __future__ import annotations

from kdc.db.errors import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseMissing,
    NoSuchPrincipal,
    PrincipalExists,
    StoreError,
)
from kdc.db.model import Attr, PrincipalEntry, SaltType, StoredKey
from kdc.db.store import PrincipalStore

__all__ = [
    "Attr",
    "DatabaseCorrupt",
    "DatabaseLocked",
    "DatabaseMissing",
    "NoSuchPrincipal",
    "PrincipalEntry",
    "PrincipalExists",
    "PrincipalStore",
    "SaltType",
    "StoreError",
    "StoredKey",
    "open_store",
]

_SQLITE_PREFIX = "sqlite:///"


def open_store(url: str, *, create: bool = False) -> PrincipalStore:
    """Open the principal store named by ``url``.

    ``sqlite:///abs/path`` opens an SQLite file (three slashes, then an absolute path, as
    SQLAlchemy spells it). Without ``create`` a missing database is a StoreError rather
    than a silently created empty realm; ``kdcadmin init`` passes ``create=True``.
    """
    if url.startswith(_SQLITE_PREFIX):
        from kdc.db.sqlite import SQLiteStore

        return SQLiteStore.open("/" + url[len(_SQLITE_PREFIX):].lstrip("/"), create=create)
    scheme = url.split(":", 1)[0] if ":" in url else url
    raise StoreError(f"database url {url!r}: unsupported scheme {scheme!r} (expected sqlite:///PATH)")
