"""A real kdcd subprocess serving a temporary realm on free loopback ports, for tests.

``start_kdcd(realm)`` runs ``python -m kdc.service.main --config ...`` (the ``kdcd``
console script's code) with the realm's SoftHSM2 token, waits until it logs
``kdcd.started`` (or fails loudly with its stderr), and returns a ``Kdcd`` that writes
krb5.conf files for MIT clients, runs those clients against it, reads its JSON log
events and stops it with SIGTERM. The ``kdcd_realm`` fixture builds a realm
(``tests.support.realm``) with a few principals and starts a kdcd for one test module.

Usage::

    from tests.support.kdcd import kdcd_realm  # noqa: F401  (pytest fixture)

    def test_kinit(kdcd_realm):
        assert kdcd_realm.kinit("alice", kdcd_realm.passwords["alice"]).returncode == 0
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.realm import TestRealm, build_realm
from tests.support.realm import free_port as free_udp_tcp_port

KDCD = [sys.executable, "-m", "kdc.service.main"]
START_TIMEOUT = 60.0
USERS = {"alice": "alice-Pass-1", "bob": "bob-Pass-2", "carol": "carol-Pass-3"}
SERVICES = ["host/server.test", "HTTP/www.test"]


@dataclass
class Kdcd:
    """A running kdcd and the MIT client environment that reaches it."""

    realm: TestRealm
    port: int
    folder: Path
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    workers: int = 1
    passwords: dict[str, str] = field(default_factory=dict)
    port6: int | None = None  # the [::1] port, when the realm also listens on IPv6

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def krb5_conf(self, tcp_only: bool = False, extra_libdefaults: str = "", ipv6: bool = False) -> Path:
        """A complete small krb5.conf for MIT tools; ``tcp_only`` sets udp_preference_limit = 1,
        ``ipv6`` points at the [::1] listener instead of 127.0.0.1."""
        name = f"krb5{'-tcp' if tcp_only else ''}{'-v6' if ipv6 else ''}.conf"
        path = self.folder / name
        kdc = f"[::1]:{self.port6}" if ipv6 else self.address
        path.write_text(
            "[libdefaults]\n"
            f"    default_realm = {self.realm.name}\n"
            "    dns_lookup_kdc = false\n    dns_lookup_realm = false\n    rdns = false\n"
            "    dns_canonicalize_hostname = false\n"
            + ("    udp_preference_limit = 1\n" if tcp_only else "")
            + extra_libdefaults
            + f"[realms]\n    {self.realm.name} = {{\n        kdc = {kdc}\n    }}\n"
            + f"[domain_realm]\n    .test = {self.realm.name}\n"
        )
        return path

    def client_env(self, ccache: Path | None = None, tcp_only: bool = False, ipv6: bool = False,
                   **extra: str) -> dict[str, str]:
        """Environment for MIT client tools: this krb5.conf, a private ccache and replay cache dir."""
        env = dict(self.realm.env)
        env["KRB5_CONFIG"] = str(self.krb5_conf(tcp_only, ipv6=ipv6))
        env["KRB5CCNAME"] = f"FILE:{ccache or self.folder / 'ccache'}"
        env["KRB5RCACHEDIR"] = str(self.folder)
        env.pop("KRB5_KTNAME", None)
        env.update(extra)
        return env

    def run(self, *argv: str, input: str | None = None, ccache: Path | None = None,
            tcp_only: bool = False, timeout: float = 60, env: dict[str, str] | None = None,
            ipv6: bool = False) -> subprocess.CompletedProcess[str]:
        """Run an MIT client tool against this kdcd (output captured as text)."""
        return subprocess.run(list(argv), input=input if input is not None else "", text=True,
                              capture_output=True, timeout=timeout,
                              env=env or self.client_env(ccache, tcp_only, ipv6))

    def kinit(self, principal: str, password: str | None = None, *flags: str, ccache: Path | None = None,
              tcp_only: bool = False, ipv6: bool = False) -> subprocess.CompletedProcess[str]:
        """``kinit [flags] principal`` with the password on stdin."""
        pw = password if password is not None else self.passwords[principal]
        return self.run("kinit", *flags, principal, input=pw + "\n", ccache=ccache, tcp_only=tcp_only,
                        ipv6=ipv6)

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """kdcd's JSON log events so far (only those named ``name`` if given)."""
        out = []
        for line in self.log_text().splitlines():
            if line.startswith("{"):
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if name is None or record.get("event") == name:
                    out.append(record)
        return out

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, *args: str) -> Kdcd:
        """Start kdcd and wait for its start-up event; raise with its stderr if it exits."""
        self.log_path = self.folder / f"kdcd-{time.monotonic_ns()}.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(KDCD + ["--config", str(self.realm.config_path), *args],
                                         env=self.realm.env, stdout=subprocess.DEVNULL, stderr=log,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        ready = "kdcd.workers_started" if self.workers > 1 else "kdcd.started"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.events(ready):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"kdcd exited {self.proc.returncode}: {self.log_text().strip()}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"kdcd did not start in {START_TIMEOUT}s: {self.log_text().strip()}")

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM, wait; SIGKILL the whole process group if it does not stop. Returns the status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        _kill_group(self.proc.pid)
        return self.proc.returncode


def _kill_group(pgid: int) -> None:
    """Leave no worker behind (they share the group started with start_new_session)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def make_realm(folder: Path, *, users: dict[str, str] | None = None, services: list[str] | None = None,
               extra_toml: str = "", ipv6: bool = False) -> tuple[TestRealm, int]:
    """A realm whose config listens on one free loopback port for both UDP and TCP
    (and with ``ipv6`` on another on [::1], recorded as ``realm.port6``)."""
    port = free_udp_tcp_port()
    addresses = [f"127.0.0.1:{port}"]
    port6 = free_udp_tcp_port("::1") if ipv6 else None
    if port6:
        addresses.append(f"[::1]:{port6}")
    realm = build_realm(folder, udp=addresses, tcp=addresses,
                        users=dict(USERS) if users is None else users,
                        services=list(SERVICES) if services is None else services, extra_toml=extra_toml)
    realm.port6 = port6  # type: ignore[attr-defined]
    return realm, port


def start_kdcd(realm: TestRealm, port: int, folder: Path, *, workers: int = 1) -> Kdcd:
    """Start kdcd for ``realm``; on a lost port race, move to another free port and retry."""
    for attempt in range(3):
        kdcd = Kdcd(realm, port, folder, workers=workers, passwords=dict(realm.passwords),
                    port6=getattr(realm, "port6", None))
        try:
            return kdcd.start(*(["--workers", str(workers)] if workers > 1 else []))
        except RuntimeError as exc:
            if "cannot listen" not in str(exc) or attempt == 2:
                raise
            port = _move_port(realm, port)
    raise AssertionError("unreachable")


def _move_port(realm: TestRealm, old: int) -> int:
    new = free_udp_tcp_port()
    text = realm.config_path.read_text()
    realm.config_path.write_text(re.sub(rf"127\.0\.0\.1:{old}\b", f"127.0.0.1:{new}", text))
    return new


@pytest.fixture(scope="module")
def kdcd_realm(tmp_path_factory: pytest.TempPathFactory):
    """A realm (alice, bob, carol; host/server.test, HTTP/www.test) served by a kdcd on
    127.0.0.1 and [::1], per module."""
    folder = tmp_path_factory.mktemp("kdcd-realm")
    realm, port = make_realm(folder, ipv6=True)
    kdcd = start_kdcd(realm, port, folder)
    try:
        yield kdcd
    finally:
        kdcd.stop()
