"""What a pre-authentication mechanism sees and returns (kept apart to avoid import cycles)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from protocol.messages import EncryptionKey, KDCReq, PAData
from protocol.messages.types import fast_construction

from kdc.db.model import PrincipalEntry


@fast_construction  # built once or more per request
@dataclass(frozen=True, slots=True)
class PreauthInput:
    """The request, the client record and its unsealed keys (by enctype), the time and skew.

    ``usable`` is the realm's usable enctypes (``kdc.exchange.etypes.usable_enctypes``): a
    mechanism must not verify with a key outside it, even when ``keys`` holds one.
    """

    request: KDCReq
    raw: bytes
    client: PrincipalEntry
    keys: Mapping[int, EncryptionKey]
    now: float
    clock_skew: int
    usable: tuple[int, ...]


@fast_construction  # built once or more per request
@dataclass(frozen=True, slots=True)
class PreauthOutcome:
    """What a mechanism that verified grants: ticket flags (PRE_AUTHENT, HW_AUTHENT)."""

    flags: int


@dataclass(frozen=True, slots=True)
class Mechanism:
    """One row of the mechanism table.

    ``key_etypes(pa)``: client keys ``verify`` needs (the gather step unseals only these);
    ``hint(inp)``: its element of the PREAUTH_REQUIRED METHOD-DATA, or None;
    ``verify(pa, inp)``: raises a KDCError (PreauthFailed, Skew, ...) or returns the outcome.
    """

    padata_type: int
    name: str
    key_etypes: Callable[[PAData], tuple[int, ...]]
    hint: Callable[[PreauthInput], PAData | None]
    verify: Callable[[PAData, PreauthInput], PreauthOutcome]
