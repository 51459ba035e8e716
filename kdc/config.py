"""The kdcd/kdcadmin configuration: one TOML file parsed once into frozen dataclasses.

Contract (field names fixed; parsing and validation fill ``load_config``): durations are
int seconds, addresses are (host, port) pairs with IPv6 hosts unbracketed, paths are
absolute (relative ones resolved against the config file's folder). A wrong or missing key
raises ``ConfigError`` whose message names the key; the commands print it on one line and
exit with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ConfigError(Exception):
    """A configuration problem; ``str()`` is a one-line message naming the key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"config: {key}: {message}")


@dataclass(frozen=True)
class ListenConfig:
    udp: tuple[tuple[str, int], ...] = (("127.0.0.1", 88),)
    tcp: tuple[tuple[str, int], ...] = (("127.0.0.1", 88),)


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite:///var/lib/kdcd/principals.sqlite3"


@dataclass(frozen=True)
class MasterKeyConfig:
    pkcs11_module: str = "/usr/lib/softhsm/libsofthsm2.so"
    token_label: str = "kdcd"
    pin_file: str | None = None
    pin_env: str | None = None
    key_label: str = "kdcd-master"


@dataclass(frozen=True)
class TicketsConfig:
    max_life: int = 10 * 3600
    max_renewable_life: int = 7 * 86400
    clock_skew: int = 300


@dataclass(frozen=True)
class LimitsConfig:
    """[limits]: transport and resource limits of kdcd."""

    udp_max_reply: int = 4096
    max_request_size: int = 65536
    tcp_idle_timeout: int = 30
    tcp_max_connections: int = 1024
    lookaside_seconds: int = 120


@dataclass(frozen=True)
class CryptoConfig:
    """[crypto]: permitted enctypes (MIT names) and whether weak ones (rc4-hmac) may be used."""

    permitted_enctypes: tuple[int, ...] = (20, 19, 18, 17, 26, 25)
    default_principal_enctypes: tuple[int, ...] = (18, 17, 20, 19)
    allow_weak_crypto: bool = False


@dataclass(frozen=True)
class LoggingConfig:
    format: str = "json"  # "json" or "console"
    level: str = "info"


@dataclass(frozen=True)
class Config:
    realm: str
    path: str = ""  # the file it was read from
    listen: ListenConfig = field(default_factory=ListenConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    master_key: MasterKeyConfig = field(default_factory=MasterKeyConfig)
    tickets: TicketsConfig = field(default_factory=TicketsConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    crypto: CryptoConfig = field(default_factory=CryptoConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)


def load_config(path: str) -> Config:
    """Read and validate the TOML file at ``path``; raises ConfigError."""
    raise NotImplementedError
