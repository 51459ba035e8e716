"""Errors of the principal store; each ``str()`` is one line naming the problem."""

from __future__ import annotations


class StoreError(Exception):
    """Any principal-store failure (one-line message)."""


class PrincipalExists(StoreError):
    """``add`` of a principal that is already in the store."""

    def __init__(self, principal: object) -> None:
        self.principal = principal
        super().__init__(f"principal {principal} already exists")


class NoSuchPrincipal(StoreError):
    """``put``/``delete``/an update of a principal that is not in the store."""

    def __init__(self, principal: object) -> None:
        self.principal = principal
        super().__init__(f"principal {principal} does not exist")


class DatabaseMissing(StoreError):
    """The database does not exist yet (``kdcadmin init`` creates it)."""


class DatabaseLocked(StoreError):
    """Another process held the database lock past the busy timeout."""


class DatabaseCorrupt(StoreError):
    """The database file is not a principal database or is damaged."""
