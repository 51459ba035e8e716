"""A complete temporary realm for integration tests: SoftHSM2 token, TOML config, ``kdcadmin init``, principals.

``build_realm(folder, ...)`` makes everything a kdcd needs, driving the real ``kdcadmin``
as a subprocess (the same path an administrator takes), and returns a ``TestRealm`` whose
``kdcadmin(...)`` runs further commands and whose ``env`` a kdcd subprocess needs
(``SOFTHSM2_CONF``). Example (kdcd engineers)::

    from tests.support.realm import build_realm, free_port

    def test_kinit(tmp_path):
        port = free_port()
        realm = build_realm(tmp_path, udp=[f"127.0.0.1:{port}"], tcp=[f"127.0.0.1:{port}"],
                            users={"alice": "alice-password"}, services=["host/server.test"])
        realm.ktadd("host/server.test", tmp_path / "server.keytab")
        # start: [sys.executable, "-m", "kdc.service.main", "--config", str(realm.config_path)],
        #        env=realm.env

Nothing here uses fixed ports: pass addresses in, or take ``free_port()``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.softhsm import SoftHSMToken, make_token

KDCADMIN = [sys.executable, "-m", "kdc.admin.main"]


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP on ``host`` a moment ago (kinit uses both on one port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(50):
        with socket.socket(family, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = tcp.getsockname()[1]
            with socket.socket(family, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((host, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free UDP+TCP port")


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


@dataclass
class TestRealm:
    """A realm built by ``build_realm``; every path lives under ``folder``."""

    __test__ = False  # not a pytest test class

    name: str
    folder: Path
    config_path: Path
    db_path: Path
    token: SoftHSMToken
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """os.environ plus what kdcadmin/kdcd need to reach the token."""
        return dict(os.environ, **self.token.env)

    def kdcadmin(self, *args: str, input: str | None = None, check: bool = True,
                 timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run ``kdcadmin --config CONFIG ARGS...``; with ``check``, fail loudly on a non-zero exit."""
        proc = subprocess.run(KDCADMIN + ["--config", str(self.config_path), *args], input=input,
                              env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=None if input is not None else subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise AssertionError(f"kdcadmin {' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()}")
        return proc

    def add_user(self, name: str, password: str, *flags: str) -> None:
        """addprinc -pw PASSWORD [flags] NAME (default flags: +requires_preauth, realm lifetimes)."""
        self.kdcadmin("addprinc", "-pw", password, *flags, name)
        self.passwords[name] = password

    def add_service(self, name: str, *flags: str) -> None:
        """addprinc -randkey [flags] NAME."""
        self.kdcadmin("addprinc", "-randkey", *flags, name)

    def ktadd(self, name: str, keytab: Path | str, *options: str) -> Path:
        """ktadd -k KEYTAB [options] NAME; returns the keytab path."""
        self.kdcadmin("ktadd", "-k", str(keytab), *options, name)
        return Path(keytab)

    def krb5_conf(self, path: Path, kdc: str) -> Path:
        """Write a minimal MIT krb5.conf pointing at ``kdc`` ("host:port") for this realm."""
        path.write_text(
            "[libdefaults]\n"
            f"    default_realm = {self.name}\n"
            "    dns_lookup_kdc = false\n    dns_lookup_realm = false\n    rdns = false\n"
            "[realms]\n"
            f"    {self.name} = {{\n        kdc = {kdc}\n    }}\n"
        )
        return path


def write_config(folder: Path, token: SoftHSMToken, realm: str = "EXAMPLE.TEST", *,
                 udp: list[str] | None = None, tcp: list[str] | None = None,
                 extra_toml: str = "") -> tuple[Path, Path]:
    """Write ``folder/kdcd.toml`` for ``token`` and a database in ``folder``; returns (config, db) paths."""
    if udp is None and tcp is None:
        port = free_port()
        udp = tcp = [f"127.0.0.1:{port}"]
    db_path = folder / "principals.sqlite3"
    config_path = folder / "kdcd.toml"
    config_path.write_text(
        f'realm = "{realm}"\n\n'
        f"[listen]\nudp = {_toml_list(udp or [])}\ntcp = {_toml_list(tcp or [])}\n\n"
        f'[database]\nurl = "sqlite:///{db_path}"\n\n'
        f'[master_key]\npkcs11_module = "{token.module}"\ntoken_label = "{token.label}"\n'
        f'pin_file = "{token.pin_file}"\nkey_label = "kdcd-master"\n\n'
        '[tickets]\nmax_life = "10h"\nmax_renewable_life = "7d"\nclock_skew = "5m"\n\n'
        '[logging]\nformat = "json"\nlevel = "info"\n'
        + extra_toml
    )
    return config_path, db_path


def build_realm(folder: Path | str, realm: str = "EXAMPLE.TEST", *,
                udp: list[str] | None = None, tcp: list[str] | None = None,
                users: dict[str, str] | None = None, services: list[str] | None = None,
                extra_toml: str = "") -> TestRealm:
    """Token, config, ``kdcadmin init`` and principals, all under ``folder``.

    ``udp``/``tcp`` are the listen addresses written to the config (default: one free
    port on 127.0.0.1 for both). ``users`` maps names to passwords (addprinc -pw);
    ``services`` get random keys. ``extra_toml`` is appended verbatim (e.g. a
    ``[crypto]`` or ``[limits]`` section).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    token = make_token(folder / "softhsm", label="kdcd")
    config_path, db_path = write_config(folder, token, realm, udp=udp, tcp=tcp, extra_toml=extra_toml)
    test_realm = TestRealm(realm, folder, config_path, db_path, token)
    test_realm.kdcadmin("init")
    for name, password in (users or {}).items():
        test_realm.add_user(name, password)
    for name in services or []:
        test_realm.add_service(name)
    return test_realm
