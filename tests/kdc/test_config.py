"""kdcd/kdcadmin configuration: every key parsed, every mistake named."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kdc.config import _SECTIONS, Config, ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]

MINIMAL = """
realm = "EXAMPLE.TEST"
[master_key]
pin_env = "KDCD_TOKEN_PIN"
"""


def write(tmp_path: Path, text: str, name: str = "kdcd.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load(tmp_path: Path, extra: str) -> Config:
    return load_config(str(write(tmp_path, MINIMAL + extra)))


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(str(write(tmp_path, text)))
    return str(info.value)


def test_shipped_example_documents_and_loads_every_key() -> None:
    """conf/kdcd.toml loads, and sets every key of every section (so it documents them all)."""
    import tomllib

    raw = tomllib.loads((REPO / "conf" / "kdcd.toml").read_text())
    config = load_config(str(REPO / "conf" / "kdcd.toml"))
    assert config.realm == "EXAMPLE.TEST"
    for section, (cls, _) in _SECTIONS.items():
        documented = set(raw[section]) | ({"pin_env"} if section == "master_key" else set())
        assert {f.name for f in dataclasses.fields(cls)} == documented, section
    assert "# pin_env = " in (REPO / "conf" / "kdcd.toml").read_text()  # the alternative, commented


def test_every_dataclass_field_has_a_parser() -> None:
    """The parser table and the agreed dataclasses list the same keys (no key silently unparsed)."""
    for cls, parsers in _SECTIONS.values():
        assert {f.name for f in dataclasses.fields(cls)} == set(parsers)


def test_minimal_file_gets_the_defaults(tmp_path: Path) -> None:
    """With only realm and a PIN source, every other key takes the dataclass default."""
    config = load(tmp_path, "")
    assert config.tickets.max_life == 36000 and config.limits.max_request_size == 65536
    assert config.listen.udp == (("127.0.0.1", 88),)
    assert config.path == str(tmp_path / "kdcd.toml")


def test_contract_example(tmp_path: Path) -> None:
    """The CONTRACT.md example parses to the documented values."""
    config = load_config(str(write(tmp_path, """
realm = "EXAMPLE.TEST"
[listen]
udp = ["127.0.0.1:88"]
tcp = ["127.0.0.1:88", "[::1]:8888"]
[database]
url = "sqlite:///var/lib/kdcd/principals.sqlite3"
[master_key]
pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so"
token_label = "kdcd"
pin_file = "/etc/kdcd/token.pin"
key_label = "kdcd-master"
[tickets]
max_life = "10h"
max_renewable_life = "7d"
clock_skew = "5m"
""")))
    assert config.listen.tcp == (("127.0.0.1", 88), ("::1", 8888))
    assert config.database.url == "sqlite:///var/lib/kdcd/principals.sqlite3"
    assert config.master_key.pin_file == "/etc/kdcd/token.pin"
    assert (config.tickets.max_life, config.tickets.max_renewable_life, config.tickets.clock_skew) == \
        (36000, 604800, 300)


def test_relative_paths_resolve_against_the_file_folder(tmp_path: Path) -> None:
    """pin_file, a sqlite URL and a module path with '/' are made absolute from the config's folder;
    a bare module name is left for the dynamic loader."""
    sub = tmp_path / "etc"
    sub.mkdir()
    path = write(sub, """
realm = "R.TEST"
[database]
url = "sqlite:state/db.sqlite3"
[master_key]
pin_file = "../secrets/pin"
pkcs11_module = "lib/p11.so"
""")
    config = load_config(str(path))
    assert config.database.url == f"sqlite://{tmp_path}/etc/state/db.sqlite3"
    assert config.master_key.pin_file == str(tmp_path / "secrets" / "pin")
    assert config.master_key.pkcs11_module == str(tmp_path / "etc" / "lib" / "p11.so")
    bare = load(tmp_path, 'pkcs11_module = "libsofthsm2.so"\n')  # appended to MINIMAL's [master_key]
    assert bare.master_key.pkcs11_module == "libsofthsm2.so"


def test_sqlite_url_double_slash_relative(tmp_path: Path) -> None:
    """sqlite://rel/path (two slashes) is relative too; postgresql URLs pass through untouched."""
    config = load(tmp_path, '[database]\nurl = "sqlite://db.sqlite3"\n')
    assert config.database.url == f"sqlite://{tmp_path}/db.sqlite3"
    pg = load(tmp_path, '[database]\nurl = "postgresql://kdc@db.example/kdc"\n')
    assert pg.database.url == "postgresql://kdc@db.example/kdc"


@pytest.mark.parametrize(("value", "seconds"), [('"10h"', 36000), ('"1d 2h"', 93600), ('"01:30:00"', 5400),
                                                ("3600", 3600), ('"90m"', 5400)])
def test_durations_take_kadmin_formats_and_integers(tmp_path: Path, value: str, seconds: int) -> None:
    """Durations accept kadmin strings and plain TOML integers of seconds."""
    assert load(tmp_path, f"[tickets]\nmax_life = {value}\n").tickets.max_life == seconds


def test_enctype_names_and_families(tmp_path: Path) -> None:
    """Enctype lists take MIT names, aliases, families, ':normal' and space/comma separated strings."""
    config = load(tmp_path, """[crypto]
permitted_enctypes = "aes256-sha2, aes128-cts-hmac-sha256-128 aes camellia256-cts:normal"
default_principal_enctypes = ["aes256-cts", "aes128-sha2"]
""")
    assert config.crypto.permitted_enctypes == (20, 19, 18, 17, 26)
    assert config.crypto.default_principal_enctypes == (18, 19)
    assert all(type(e) is int for e in config.crypto.permitted_enctypes)


def test_weak_enctype_needs_allow_weak_crypto(tmp_path: Path) -> None:
    """rc4-hmac may be permitted only with allow_weak_crypto = true."""
    msg = error_of(tmp_path, MINIMAL + '[crypto]\npermitted_enctypes = ["aes", "rc4-hmac"]\n')
    assert msg.startswith("config: crypto.permitted_enctypes:") and "allow_weak_crypto" in msg
    ok = load(tmp_path, '[crypto]\npermitted_enctypes = ["aes", "rc4-hmac"]\nallow_weak_crypto = true\n')
    assert 23 in ok.crypto.permitted_enctypes


@pytest.mark.parametrize(("text", "expected"), [
    (MINIMAL + '[tickets]\nmax_life = "10x"\n', "config: tickets.max_life: not a duration: '10x'"),
    (MINIMAL + '[tickets]\nmax_life = "0"\n', "config: tickets.max_life: must be longer than zero"),
    (MINIMAL + '[tickets]\nclock_skew = -1\n', "config: tickets.clock_skew: not a duration: -1"),
    (MINIMAL + '[tickets]\nmax_lif = "10h"\n', "config: tickets.max_lif: unknown key"),
    (MINIMAL + '[ticket]\nmax_life = "10h"\n', "config: ticket: unknown key or section"),
    ('[master_key]\npin_env = "X"\n', "config: realm: missing"),
    ('realm = ""\n[master_key]\npin_env = "X"\n', "config: realm: must not be empty"),
    ('realm = "A@B"\n[master_key]\npin_env = "X"\n', "config: realm: not a realm name"),
    ('realm = 5\n[master_key]\npin_env = "X"\n', "config: realm: expected a string, got an integer"),
    ('realm = "R"\n', "config: master_key.pin_file: set exactly one of pin_file and pin_env"),
    ('realm = "R"\n[master_key]\npin_env = "X"\npin_file = "p"\n', "config: master_key.pin_file: set exactly one"),
    (MINIMAL + '[listen]\nudp = ["127.0.0.1"]\n', "config: listen.udp: not an address: '127.0.0.1'"),
    (MINIMAL + '[listen]\nudp = ["::1:88"]\n', "config: listen.udp: not an address: '::1:88'"),
    (MINIMAL + '[listen]\nudp = ["[127.0.0.1]:88"]\n', "config: listen.udp: not an address"),
    (MINIMAL + '[listen]\ntcp = ["localhost:88"]\n', "config: listen.tcp: not an IP address: 'localhost'"),
    (MINIMAL + '[listen]\ntcp = ["127.0.0.1:70000"]\n', "config: listen.tcp: not a port: '70000'"),
    (MINIMAL + '[listen]\ntcp = ["127.0.0.1:-1"]\n', "config: listen.tcp: not a port"),
    (MINIMAL + '[listen]\ntcp = "127.0.0.1:88"\n', "config: listen.tcp: expected a list"),
    (MINIMAL + '[listen]\nudp = []\ntcp = []\n', "config: listen: no udp or tcp address"),
    (MINIMAL + '[database]\nurl = "mysql://x/y"\n', "config: database.url: unsupported database URL scheme"),
    (MINIMAL + '[database]\nurl = "principals.db"\n', "config: database.url: not a database URL"),
    (MINIMAL + '[limits]\nudp_max_reply = 100\n', "config: limits.udp_max_reply: 100 is out of range"),
    (MINIMAL + '[limits]\ntcp_max_connections = true\n', "config: limits.tcp_max_connections: expected an integer"),
    (MINIMAL + '[crypto]\npermitted_enctypes = ["aes512"]\n', "config: crypto.permitted_enctypes: unknown enctype 'aes512'"),
    (MINIMAL + '[crypto]\npermitted_enctypes = ["des-cbc-crc"]\n', "config: crypto.permitted_enctypes: enctype 'des-cbc-crc' is not supported"),
    (MINIMAL + '[crypto]\npermitted_enctypes = "aes:special"\n', "config: crypto.permitted_enctypes: 'aes:special'"),
    (MINIMAL + '[crypto]\npermitted_enctypes = "aes-sha1"\ndefault_principal_enctypes = "aes256-sha2"\n',
     "config: crypto.default_principal_enctypes: enctype 20 is not in permitted_enctypes"),
    (MINIMAL + '[crypto]\nallow_weak_crypto = "yes"\n', "config: crypto.allow_weak_crypto: expected true or false"),
    (MINIMAL + '[logging]\nlevel = "loud"\n', "config: logging.level: 'loud' is not one of"),
    ('realm = "R"\nlisten = 5\n[master_key]\npin_env = "X"\n', "config: listen: must be a table"),
    ("realm = \n", "not valid TOML"),
])
def test_mistakes_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    """Each wrong, missing or unknown key raises ConfigError with a one-line message naming it."""
    msg = error_of(tmp_path, text)
    assert expected in msg and "\n" not in msg


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """A file that cannot be read is a ConfigError naming the path, not an OSError."""
    with pytest.raises(ConfigError, match="nothere.toml: cannot read"):
        load_config(str(tmp_path / "nothere.toml"))


def test_ipv6_and_wildcard_addresses(tmp_path: Path) -> None:
    """IPv6 hosts come back unbracketed and normalised; 0.0.0.0 and [::] are accepted."""
    config = load(tmp_path, '[listen]\nudp = ["[::]:88", "0.0.0.0:750"]\ntcp = ["[0:0::1]:88"]\n')
    assert config.listen.udp == (("::", 88), ("0.0.0.0", 750))
    assert config.listen.tcp == (("::1", 88),)
