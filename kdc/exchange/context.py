"""What the service hands the exchange for every request: config, store, keys, clock, RNG."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from kdc.config import Config
from kdc.db.model import StoredKey
from kdc.db.store import PrincipalStore
from kdc.exchange.etypes import usable_enctypes
from protocol.messages.types import EncryptionKey
from protocol.principal import Principal


class MasterKey(Protocol):
    """The part of ``kdc.masterkey`` the exchange uses: unseal one stored key (sync, cached)."""

    def unseal(self, principal: Principal, stored: StoredKey) -> EncryptionKey: ...


@dataclass(frozen=True)
class KDCContext:
    """Per-process dependencies of the exchange; ``rng``/``clock`` are os.urandom/time.time in kdcd."""

    config: Config
    store: PrincipalStore
    master_key: MasterKey
    rng: Callable[[int], bytes]
    clock: Callable[[], float]

    @cached_property
    def usable(self) -> tuple[int, ...]:
        """The realm's usable enctypes, strongest first (``usable_enctypes``), worked out once."""
        return usable_enctypes(self.config.crypto)
