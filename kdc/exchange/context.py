"""What the service hands the exchange for every request: config, store, keys, clock, RNG."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kdc.config import Config
from kdc.db.model import StoredKey
from kdc.db.store import PrincipalStore
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
