"""scripts/dev-realm, the README's first command: a working realm on localhost, reusable.

Runs the real script (its package-install steps find everything present here) with its
state folder in tmp_path and free ports (the KDC's and kpasswd's: the script's default
kpasswd port, KDC port + 1, may be taken), then uses MIT kinit/kvno/klist with the
printed krb5.conf and password; Ctrl-C (SIGINT) must stop it with status 0, and a
second run must reuse the token, database, password and keytab.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.kdcd import free_udp_tcp_port

pytestmark = pytest.mark.interop
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "dev-realm"


class DevRealm:
    def __init__(self, state: Path, port: int, kpasswd_port: int | None = None) -> None:
        """Start the script on ``port``; ``kpasswd_port`` None leaves KPASSWD_PORT as the environment has it."""
        self.state, self.port = state, port
        self.out = state.parent / f"dev-realm-{time.monotonic_ns()}.out"
        env = dict(os.environ, DEV_REALM_STATE=str(state), KDC_PORT=str(port))
        if kpasswd_port is not None:
            env["KPASSWD_PORT"] = str(kpasswd_port)
        env.pop("SOFTHSM2_CONF", None)
        with open(self.out, "w") as out:
            self.proc = subprocess.Popen([str(SCRIPT)], stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        deadline = time.monotonic() + 180
        while "kdcd.started" not in self.text():
            assert self.proc.poll() is None, self.text()
            assert time.monotonic() < deadline, self.text()
            time.sleep(0.1)

    def text(self) -> str:
        return self.out.read_text()

    def mit(self, *argv: str, input: str = "") -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, KRB5_CONFIG=str(self.state / "krb5.conf"),
                   KRB5CCNAME=f"FILE:{self.state / 'ccache'}")
        return subprocess.run(list(argv), input=input, env=env, capture_output=True, text=True, timeout=60)

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the script, which has become kdcd."""
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(30)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)


def test_dev_realm_serves_kinit_and_is_idempotent(tmp_path):
    """First run: printed password works with kinit/kvno; Ctrl-C exits 0; second run reuses it all.
    The kpasswd port is given explicitly, so a taken KDC port + 1 (held here) does not matter."""
    state, port = tmp_path / "state", free_udp_tcp_port()
    kpasswd_port = free_udp_tcp_port()
    while kpasswd_port in (port, port + 1):
        kpasswd_port = free_udp_tcp_port()
    held = _hold(port + 1)  # the script's default kpasswd port, taken as it may be on a busy machine
    try:
        _serve_twice(state, port, kpasswd_port)
    finally:
        for sock in held:
            sock.close()


def _hold(port: int) -> list:
    """Bind ``port`` on 127.0.0.1 for UDP and TCP where it is free (taken already is as good)."""
    import socket

    held = []
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        sock = socket.socket(socket.AF_INET, kind)
        try:
            sock.bind(("127.0.0.1", port))
            held.append(sock)
        except OSError:
            sock.close()
    return held


def _serve_twice(state: Path, port: int, kpasswd_port: int) -> None:
    first = DevRealm(state, port, kpasswd_port)
    try:
        text = first.text()
        password = re.search(r"password: (\S+)\s+\(shown once", text).group(1)
        assert f"kdc = 127.0.0.1:{port}" in text and f"KRB5_CONFIG={state}/krb5.conf" in text
        assert f"kdc = 127.0.0.1:{port}" in (state / "krb5.conf").read_text()
        assert f"kpasswd_server = 127.0.0.1:{kpasswd_port}" in (state / "krb5.conf").read_text()
        kinit = first.mit("kinit", "alice", input=password + "\n")
        assert kinit.returncode == 0, kinit.stderr
        kvno = first.mit("kvno", "host/localhost")
        assert kvno.returncode == 0, kvno.stderr
        listing = first.mit("klist").stdout
        assert "alice@DEV.TEST" in listing and "host/localhost@DEV.TEST" in listing
        keytab = first.mit("klist", "-k", str(state / "host-localhost.keytab"))
        assert "host/localhost@DEV.TEST" in keytab.stdout
    finally:
        assert first.interrupt() == 0
    keytab_bytes = (state / "host-localhost.keytab").read_bytes()
    tokens = sorted(p.name for p in (state / "tokens").iterdir())

    second = DevRealm(state, port, kpasswd_port)
    try:
        text = second.text()
        assert password not in text and "kdcadmin init" not in text
        assert f"password: in {state}/alice.password" in text
        kinit = second.mit("kinit", "alice", input=(state / "alice.password").read_text())
        assert kinit.returncode == 0, kinit.stderr
        assert second.mit("kvno", "host/localhost").returncode == 0
    finally:
        assert second.interrupt() == 0
    assert (state / "host-localhost.keytab").read_bytes() == keytab_bytes
    assert sorted(p.name for p in (state / "tokens").iterdir()) == tokens
