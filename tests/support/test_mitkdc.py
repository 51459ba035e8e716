"""The MIT realm fixture: a real MIT KDC that real MIT clients can use."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.support.mitkdc import MITRealm, MITRealmError, free_port, mit_realm  # noqa: F401


def test_kinit_gets_a_tgt_that_klist_shows(mit_realm: MITRealm) -> None:
    """kinit with a password against the fixture's KDC stores krbtgt/MIT.TEST in the realm's ccache."""
    mit_realm.add_principal("fixture-user", password="correct horse")
    mit_realm.kinit("fixture-user", "correct horse")
    listing = mit_realm.run("klist").stdout.decode()
    assert "Default principal: fixture-user@MIT.TEST" in listing
    assert "krbtgt/MIT.TEST@MIT.TEST" in listing


def test_wrong_password_is_refused(mit_realm: MITRealm) -> None:
    """The KDC really checks the password: kinit with a wrong one fails with an error."""
    mit_realm.add_principal("fixture-user2", password="right")
    with pytest.raises(MITRealmError, match="kinit exited"):
        mit_realm.kinit("fixture-user2", "wrong")


def test_kvno_gets_a_service_ticket(mit_realm: MITRealm) -> None:
    """A TGS exchange works too: kvno obtains a ticket for a randkey service."""
    mit_realm.add_principal("fixture-user3", password="pw3")
    mit_realm.add_principal("host/fixture.test", randkey=True)
    mit_realm.kinit("fixture-user3", "pw3")
    out = mit_realm.run("kvno", "host/fixture.test").stdout.decode()
    assert "host/fixture.test@MIT.TEST: kvno = 1" in out


def test_configured_enctypes_are_the_keys_made(mit_realm: MITRealm) -> None:
    """supported_enctypes reaches the KDC database: a new principal has exactly those five keys."""
    mit_realm.add_principal("fixture-keys", randkey=True)
    out = mit_realm.getprinc("fixture-keys")
    keys = [line.split(", ", 1)[1] for line in out.splitlines() if line.startswith("Key: vno")]
    assert keys == [e.split(":")[0] for e in mit_realm.supported_enctypes]


def test_kadmin_errors_raise(mit_realm: MITRealm) -> None:
    """kadmin.local exits 0 on a failed query; the helper still raises, naming the failure."""
    with pytest.raises(MITRealmError, match="does not exist"):
        mit_realm.getprinc("nobody-here")


def test_disable_last_success_option(tmp_path) -> None:
    """disable_last_success = true stops the KDC from recording successful logins, as kdc-bench expects."""
    with MITRealm(tmp_path, disable_last_success=True) as realm:
        realm.add_principal("quiet", password="pw")
        realm.kinit("quiet", "pw")
        assert "Last successful authentication: [never]" in realm.getprinc("quiet")
    assert "disable_last_success = true" in realm.kdc_conf_path.read_text()


def test_stop_ends_the_kdc(tmp_path) -> None:
    """After the context exits the KDC process is gone and its port no longer accepts."""
    with MITRealm(tmp_path, realm="STOP.TEST") as realm:
        port = realm.port
        assert realm.running
    assert not realm.running
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


@pytest.mark.parametrize(("limit", "transport"), [(65535, "dgram"), (1, "stream")])
def test_both_transports_answer(mit_realm: MITRealm, limit: int, transport: str) -> None:
    """The KDC answers on UDP and on TCP of the same port (udp_preference_limit picks the transport)."""
    mit_realm.add_principal(f"fixture-{transport}", password="pw")
    conf = mit_realm.dir / f"krb5-{transport}.conf"
    conf.write_text(mit_realm.krb5_conf_path.read_text().replace(
        "[libdefaults]", f"[libdefaults]\n    udp_preference_limit = {limit}"))
    proc = subprocess.run(["kinit", f"fixture-{transport}"], input=b"pw\n", capture_output=True,
                          env=mit_realm.env(KRB5_CONFIG=str(conf), KRB5_TRACE="/dev/stderr"))
    trace = proc.stderr.decode()
    assert proc.returncode == 0, trace
    assert "Received answer" in trace and f"from {transport} 127.0.0.1:{mit_realm.port}" in trace


def test_free_port_is_free_for_both_transports() -> None:
    """free_port returns a port that both a TCP and a UDP socket can bind."""
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", port))
        udp.bind(("127.0.0.1", port))
