"""A GSSAPI security context between MIT's gss-client and gss-server through tickets from kdcd.

gss-server accepts with a keytab that ``kdcadmin ktadd`` exported; gss-client uses a TGT
from kinit against kdcd and asks kdcd for the service ticket. Mutual authentication is
on (gss-client's default) and the message is wrapped (sealed) and its MIC verified.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.support.kdcd import free_udp_tcp_port, kdcd_realm  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.interop


def test_gss_context_mutual_auth_and_wrapped_message(kdcd_realm, tmp_path):
    """gss-client establishes a mutually authenticated context and sends a wrapped message."""
    kdcd_realm.realm.add_service("host/gss.test")
    keytab = kdcd_realm.realm.ktadd("host/gss.test", tmp_path / "gss.keytab")
    cc = tmp_path / "cc"
    assert kdcd_realm.kinit("alice", ccache=cc).returncode == 0
    port = free_udp_tcp_port()
    server_env = kdcd_realm.client_env(tmp_path / "server-cc", KRB5_KTNAME=f"FILE:{keytab}")
    server = subprocess.Popen(
        ["gss-server", "-port", str(port), "-once", "-verbose", "-keytab", str(keytab), "host@gss.test"],
        env=server_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        client = _run_client(kdcd_realm, cc, port)
        server_out, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert client.returncode == 0, client.stdout + client.stderr
    assert "Signature verified" in client.stdout
    assert "context flag: GSS_C_MUTUAL_FLAG" in client.stdout
    assert 'Received message: "interop hello"' in server_out or "interop hello" in server_out
    assert "alice@EXAMPLE.TEST" in server_out
    event = [e for e in kdcd_realm.events("kdc.tgs_req") if e["service"] == "host/gss.test@EXAMPLE.TEST"]
    assert event and event[-1]["result"] == "ok"


def _run_client(kdcd, cc, port):
    """gss-client, retried briefly while gss-server is still starting to listen."""
    for _ in range(50):
        proc = kdcd.run("gss-client", "-port", str(port), "127.0.0.1", "host@gss.test", "interop hello",
                        ccache=cc)
        if "Connection refused" not in proc.stderr + proc.stdout:
            return proc
        time.sleep(0.1)
    return proc
