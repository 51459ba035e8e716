"""The kdcd/kdcadmin configuration: one TOML file parsed once into frozen dataclasses.

Contract (field names fixed; parsing and validation fill ``load_config``): durations are
int seconds, addresses are (host, port) pairs with IPv6 hosts unbracketed, paths are
absolute (relative ones resolved against the config file's folder). A wrong or missing key
raises ``ConfigError`` whose message names the key; the commands print it on one line and
exit with status 2.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kdc.timefmt import parse_duration
from protocol.crypto.enctypes import get_enctype, parse_enctype
from protocol.errors import UnsupportedEncType


class ConfigError(Exception):
    """A configuration problem; ``str()`` is a one-line message naming the key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"config: {key}: {message}")


@dataclass(frozen=True)
class ListenConfig:
    udp: tuple[tuple[str, int], ...] = (("127.0.0.1", 88),)
    tcp: tuple[tuple[str, int], ...] = (("127.0.0.1", 88),)
    # The password-change service (RFC 3244, MIT kpasswd; port 464 by convention); off when empty.
    kpasswd_udp: tuple[tuple[str, int], ...] = ()
    kpasswd_tcp: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class DatabaseConfig:
    """[database]: where principals live, and which per-request bookkeeping the KDC writes.

    ``disable_last_success`` and ``disable_lockout`` are MIT's [dbmodules] options of the
    same names: a successful pre-authenticated AS exchange stamps ``last_success`` (kdcd
    writes the stamps once a second, see ``kdc.db.sqlite``), a wrong key bumps
    ``fail_auth_count``/``last_failed`` at once; either can be turned off to spare the write.
    """

    url: str = "sqlite:///var/lib/kdcd/principals.sqlite3"
    disable_last_success: bool = False
    disable_lockout: bool = False


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
    """Read and validate the TOML file at ``path``; raises ConfigError.

    Every key is checked before anything else happens: unknown sections and keys are errors
    (a typo must not silently fall back to a default), and the message names the key.
    """
    abspath = os.path.abspath(path)
    try:
        with open(abspath, "rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"not valid TOML: {exc}") from None
    return parse_config(raw, base_dir=os.path.dirname(abspath), path=abspath)


def parse_config(raw: dict[str, Any], base_dir: str, path: str = "") -> Config:
    """Validate an already-decoded TOML document; relative paths resolve against ``base_dir``."""
    ctx = _Context(base_dir)
    unknown = sorted(set(raw) - {"realm"} - set(_SECTIONS))
    if unknown:
        raise ConfigError(unknown[0], "unknown key or section")
    if "realm" not in raw:
        raise ConfigError("realm", "missing (the realm this KDC serves, e.g. realm = \"EXAMPLE.TEST\")")
    sections = {name: _parse_section(name, raw.get(name, {}), ctx) for name in _SECTIONS}
    config = Config(realm=_realm(raw["realm"], ctx), path=path, **sections)
    _check_cross_keys(config)
    return config


class _Context:
    """What value parsers need besides the value: the folder relative paths start from."""

    def __init__(self, base_dir: str) -> None:
        self.base_dir = base_dir

    def path(self, value: str) -> str:
        return os.path.normpath(os.path.join(self.base_dir, os.path.expanduser(value)))


Parser = Callable[[Any, _Context], Any]


def _parse_section(name: str, table: Any, ctx: _Context) -> Any:
    """Build the dataclass of section ``name`` from its TOML table, key by key."""
    if not isinstance(table, dict):
        raise ConfigError(name, "must be a table ([%s])" % name)
    cls, parsers = _SECTIONS[name]
    values = {}
    for key, value in table.items():
        if key not in parsers:
            raise ConfigError(f"{name}.{key}", "unknown key")
        try:
            values[key] = parsers[key](value, ctx)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{name}.{key}", str(exc)) from None
    return cls(**values)


# -- value parsers (raise ValueError/TypeError; the caller adds the key) ----------------


def _string(value: Any, ctx: _Context | None = None) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {_toml_type(value)}")
    return value


def _nonempty(value: Any, ctx: _Context | None = None) -> str:
    text = _string(value)
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _realm(value: Any, ctx: _Context) -> str:
    try:
        text = _nonempty(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError("realm", str(exc)) from None
    if any(ch.isspace() or ch in "@/\\" for ch in text):
        raise ConfigError("realm", f"not a realm name: {text!r}")
    return text


def _duration(value: Any, ctx: _Context | None = None) -> int:
    """A kadmin duration string ("10h", "1d 2h", "01:30:00") or an integer of seconds."""
    if isinstance(value, bool):
        raise TypeError(f"not a duration: {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"not a duration: {value!r} (negative)")
        return value
    if not isinstance(value, str):
        raise TypeError(f"not a duration: {value!r}")
    return parse_duration(value)


def _positive_duration(value: Any, ctx: _Context | None = None) -> int:
    seconds = _duration(value)
    if seconds <= 0:
        raise ValueError(f"must be longer than zero: {value!r}")
    return seconds


def _int_range(low: int, high: int) -> Parser:
    def parse(value: Any, ctx: _Context | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected an integer, got {_toml_type(value)}")
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range {low}..{high}")
        return value

    return parse


def _boolean(value: Any, ctx: _Context | None = None) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {_toml_type(value)}")
    return value


def _choice(*allowed: str) -> Parser:
    def parse(value: Any, ctx: _Context | None = None) -> str:
        text = _string(value).lower()
        if text not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return text

    return parse


def _file_path(value: Any, ctx: _Context) -> str:
    return ctx.path(_nonempty(value))


def _module_path(value: Any, ctx: _Context) -> str:
    """A PKCS#11 module: a bare file name is left for the dynamic loader's search path."""
    text = _nonempty(value)
    return ctx.path(text) if "/" in text else text


def _env_name(value: Any, ctx: _Context | None = None) -> str:
    text = _nonempty(value)
    if "=" in text or "\0" in text:
        raise ValueError(f"not an environment variable name: {text!r}")
    return text


def _database_url(value: Any, ctx: _Context) -> str:
    """``sqlite:///abs/path`` or ``sqlite:rel/path`` (made absolute), or a PostgreSQL URL.

    After loading, a SQLite URL is always ``sqlite://`` followed by an absolute path.
    """
    url = _nonempty(value)
    scheme, sep, rest = url.partition(":")
    if not sep:
        raise ValueError(f"not a database URL: {url!r} (sqlite:///path or postgresql://...)")
    if scheme == "sqlite":
        target = rest[2:] if rest.startswith("//") else rest
        if not target:
            raise ValueError(f"sqlite URL without a file: {url!r}")
        return "sqlite://" + ctx.path(target)
    if scheme in ("postgresql", "postgres") and rest.startswith("//"):
        return url
    raise ValueError(f"unsupported database URL scheme {scheme!r} (sqlite or postgresql)")


def _address(text: Any) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port``, host an IP literal; returns (host, port), v6 unbracketed."""
    text = _string(text)
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
        if not sep:
            raise ValueError(f"not an address: {text!r} (IPv6 as \"[::1]:88\")")
    else:
        host, sep, port = text.rpartition(":")
        if not sep or ":" in host:
            raise ValueError(f"not an address: {text!r} (host:port, IPv6 as \"[::1]:88\")")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"not an IP address: {host!r} in {text!r}") from None
    if text.startswith("[") != (ip.version == 6):
        raise ValueError(f"not an address: {text!r} (brackets go around IPv6 addresses only)")
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"not a port: {port!r} in {text!r}")
    return str(ip), int(port)


def _addresses(value: Any, ctx: _Context | None = None) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list of \"host:port\" strings, got {_toml_type(value)}")
    return tuple(_address(item) for item in value)


def _enctypes(value: Any, ctx: _Context | None = None) -> tuple[int, ...]:
    """A list of MIT enctype names, or one string of names separated by spaces or commas."""
    if isinstance(value, str):
        items = value.replace(",", " ").split()
    elif isinstance(value, list):
        items = [_string(item) for item in value]
    else:
        raise TypeError(f"expected enctype names, got {_toml_type(value)}")
    result: list[int] = []
    for item in items:
        for etype in _enctype_numbers(item):
            if etype not in result:
                result.append(etype)
    if not result:
        raise ValueError("no enctypes listed")
    return tuple(result)


# MIT's enctype family names (krb5.conf(5), "enctypes"); single names, aliases and
# numbers come from the one enctype table, protocol.crypto.enctypes.
_ENCTYPE_FAMILIES: dict[str, tuple[int, ...]] = {
    "aes": (18, 17, 20, 19), "aes-sha1": (18, 17), "aes-sha2": (20, 19),
    "camellia": (26, 25), "rc4": (23,),
}


def _enctype_numbers(item: str) -> tuple[int, ...]:
    name, _, salt = item.partition(":")
    if salt and salt.lower() != "normal":
        raise ValueError(f"{item!r}: only the normal salt type is supported here")
    family = _ENCTYPE_FAMILIES.get(name.lower())
    if family is not None:
        return family
    try:
        return (int(parse_enctype(name)),)
    except UnsupportedEncType as exc:
        raise ValueError(str(exc)) from None


def _is_weak(etype: int) -> bool:
    return get_enctype(etype).weak


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


_SECTIONS: dict[str, tuple[type, dict[str, Parser]]] = {
    "listen": (ListenConfig, {"udp": _addresses, "tcp": _addresses,
                              "kpasswd_udp": _addresses, "kpasswd_tcp": _addresses}),
    "database": (DatabaseConfig, {
        "url": _database_url, "disable_last_success": _boolean, "disable_lockout": _boolean,
    }),
    "master_key": (MasterKeyConfig, {
        "pkcs11_module": _module_path, "token_label": _nonempty, "pin_file": _file_path,
        "pin_env": _env_name, "key_label": _nonempty,
    }),
    "tickets": (TicketsConfig, {
        "max_life": _positive_duration, "max_renewable_life": _duration, "clock_skew": _duration,
    }),
    "limits": (LimitsConfig, {
        # 1..65507: the largest UDP payload over IPv4; MIT's udp_preference_limit is 1465.
        "udp_max_reply": _int_range(512, 65507),
        "max_request_size": _int_range(1024, 16 * 1024 * 1024),
        "tcp_idle_timeout": _positive_duration,
        "tcp_max_connections": _int_range(1, 1_000_000),
        "lookaside_seconds": _duration,
    }),
    "crypto": (CryptoConfig, {
        "permitted_enctypes": _enctypes, "default_principal_enctypes": _enctypes,
        "allow_weak_crypto": _boolean,
    }),
    "logging": (LoggingConfig, {
        "format": _choice("json", "console"),
        "level": _choice("debug", "info", "warning", "error", "critical"),
    }),
}

def _check_cross_keys(config: Config) -> None:
    """Rules that involve more than one key."""
    mk = config.master_key
    if (mk.pin_file is None) == (mk.pin_env is None):
        raise ConfigError("master_key.pin_file", "set exactly one of pin_file and pin_env")
    crypto = config.crypto
    weak = [e for e in crypto.permitted_enctypes if _is_weak(e)]
    if weak and not crypto.allow_weak_crypto:
        raise ConfigError("crypto.permitted_enctypes", f"{get_enctype(weak[0]).name} is weak; set allow_weak_crypto = true to permit it")
    stray = [e for e in crypto.default_principal_enctypes if e not in crypto.permitted_enctypes]
    if stray:
        raise ConfigError("crypto.default_principal_enctypes", f"enctype {stray[0]} is not in permitted_enctypes")
    if not config.listen.udp and not config.listen.tcp:
        raise ConfigError("listen", "no udp or tcp address: the KDC would serve nothing")
