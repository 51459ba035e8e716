"""The kdcd command (kdc.service.main) as a real subprocess with a real token and database.

Start-up refusals must be one line on stderr, with status 2 for configuration errors and 1
for an unusable database or token, and must happen before any address is bound: the tests
hold the configured port themselves, so a kdcd that tried to bind first would report
"Address already in use" instead of the real problem.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kdcd import KDCD, Kdcd, make_realm, start_kdcd

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def realm(tmp_path_factory):
    """One realm (token, database, alice) shared by these tests; each starts its own kdcd."""
    folder = tmp_path_factory.mktemp("kdcd-main")
    realm, port = make_realm(folder, users={"alice": "alice-Pass-1"}, services=[])
    realm.port = port
    return realm


def run_kdcd(config: Path, env: dict, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(KDCD + ["--config", str(config), *args], env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def variant(realm, tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the realm's config with one substitution."""
    text = realm.config_path.read_text()
    assert old in text
    path = tmp_path / "kdcd.toml"
    path.write_text(text.replace(old, new))
    return path


@contextlib.contextmanager
def holding_port(port: int) -> Iterator[None]:
    """The configured UDP and TCP port bound while the block runs, as a competitor would."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, \
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
        udp.bind(("127.0.0.1", port))
        tcp.bind(("127.0.0.1", port))
        tcp.listen()
        yield


def assert_one_line(proc, status: int, *words: str) -> None:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == status, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("kdcd: ")
    for word in words:
        assert word in lines[0], lines[0]
    assert "Address already in use" not in lines[0]


def test_unknown_config_key_exits_2(realm, tmp_path):
    """A misspelt key: one line naming it, status 2."""
    config = variant(realm, tmp_path, "[tickets]\n", "[tickets]\nmax_lifetime = \"1h\"\n")
    assert_one_line(run_kdcd(config, realm.env), 2, "max_lifetime")


def test_missing_config_file_exits_2(realm, tmp_path):
    """A config path that does not exist: one line, status 2."""
    assert_one_line(run_kdcd(tmp_path / "nope.toml", realm.env), 2, "nope.toml")


def test_workers_zero_is_a_usage_error(realm):
    """--workers 0 is refused with status 2."""
    assert_one_line(run_kdcd(realm.config_path, realm.env, "--workers", "0"), 2, "--workers")


def test_missing_token_exits_1_before_binding(realm, tmp_path):
    """A token label that does not exist: one line naming the token, status 1, nothing bound."""
    config = variant(realm, tmp_path, 'token_label = "kdcd"', 'token_label = "no-such-token"')
    with holding_port(realm.port):
        assert_one_line(run_kdcd(config, realm.env), 1, "no-such-token")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_wrong_pin_exits_1_before_binding(realm, tmp_path, workers):
    """A wrong PIN: one line (once, however many workers), status 1, nothing bound."""
    pin = tmp_path / "wrong.pin"
    pin.write_text("999999\n")
    pin.chmod(0o600)
    config = variant(realm, tmp_path, f'pin_file = "{realm.token.pin_file}"', f'pin_file = "{pin}"')
    with holding_port(realm.port):
        assert_one_line(run_kdcd(config, realm.env, "--workers", workers), 1, "PIN")


def test_missing_database_exits_1_before_binding(realm, tmp_path):
    """A database file that does not exist is not silently created: one line, status 1."""
    config = variant(realm, tmp_path, str(realm.db_path), str(tmp_path / "missing.sqlite3"))
    with holding_port(realm.port):
        assert_one_line(run_kdcd(config, realm.env), 1, "missing.sqlite3")
    assert not (tmp_path / "missing.sqlite3").exists()


def test_address_in_use_exits_1(realm):
    """When the configured port is taken, kdcd says which address, status 1."""
    with holding_port(realm.port):
        proc = run_kdcd(realm.config_path, realm.env)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1
    assert lines[-1] == f"kdcd: cannot listen on udp 127.0.0.1:{realm.port}: Address already in use"


def test_pin_file_readable_by_others_is_a_log_event(realm, tmp_path):
    """A PIN file others may read: kdcd starts, and the warning is one structured log event
    (kdcd.master_key_warning, level warning) rather than a plain line on stderr."""
    import dataclasses

    pin = tmp_path / "readable.pin"
    pin.write_text(Path(realm.token.pin_file).read_text())
    pin.chmod(0o644)
    config = variant(realm, tmp_path, f'pin_file = "{realm.token.pin_file}"', f'pin_file = "{pin}"')
    kdcd = Kdcd(dataclasses.replace(realm, config_path=config), realm.port, tmp_path).start()
    try:
        events = kdcd.events("kdcd.master_key_warning")
        assert len(events) == 1 and events[0]["level"] == "warning"
        assert str(pin) in events[0]["warning"] and "readable by group or others" in events[0]["warning"]
        assert all(line.startswith("{") for line in kdcd.log_text().splitlines() if line.strip())
    finally:
        assert kdcd.stop() == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly_with_status_0(realm, tmp_path, signum):
    """SIGTERM or SIGINT: the daemon logs stopping/stopped, releases the port and exits 0."""
    kdcd = start_kdcd(realm, realm.port, tmp_path)
    assert kdcd.kinit("alice", "alice-Pass-1", ccache=tmp_path / "cc").returncode == 0
    kdcd.proc.send_signal(signum)
    assert kdcd.proc.wait(30) == 0
    assert kdcd.events("kdcd.stopping")[0]["signal"] == signal.Signals(signum).name
    assert kdcd.events("kdcd.stopped")
    with holding_port(kdcd.port):  # the port is free again
        pass


def test_two_workers_serve_and_stop_together(realm, tmp_path):
    """--workers 2: two processes start on the same port, kinit works, SIGTERM stops all with 0."""
    kdcd = start_kdcd(realm, realm.port, tmp_path, workers=2)
    try:
        started = kdcd.events("kdcd.started")
        deadline = time.monotonic() + 30
        while len(started) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
            started = kdcd.events("kdcd.started")
        pids = {e["pid"] for e in started}
        assert len(pids) == 2 and kdcd.proc.pid not in pids
        for i in range(6):
            proc = kdcd.kinit("alice", "alice-Pass-1", ccache=tmp_path / f"cc{i}", tcp_only=bool(i % 2))
            assert proc.returncode == 0, proc.stderr
    finally:
        kdcd.proc.send_signal(signal.SIGTERM)
        status = kdcd.proc.wait(30)
    assert status == 0
    assert len(kdcd.events("kdcd.stopped")) == 3  # each worker and the supervisor
    for pid in pids:
        assert not _running(pid)


def test_dead_worker_is_replaced(realm, tmp_path):
    """A worker killed from outside is replaced and the realm keeps being served."""
    kdcd = start_kdcd(realm, realm.port, tmp_path, workers=2)
    try:
        victim = kdcd.events("kdcd.started")[0]["pid"]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while len(kdcd.events("kdcd.started")) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kdcd.events("kdcd.worker_died")[0]["pid"] == victim
        assert len(kdcd.events("kdcd.started")) == 3
        assert kdcd.kinit("alice", "alice-Pass-1", ccache=tmp_path / "cc").returncode == 0
    finally:
        assert kdcd.stop() == 0


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and not re.search(r"State:\s+Z", status.read_text())
