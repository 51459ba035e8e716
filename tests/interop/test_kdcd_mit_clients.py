"""MIT krb5-user clients against a real kdcd (real SoftHSM2 token, real SQLite DB, loopback).

Every test runs the stock MIT tools (kinit, klist, kvno) with an ordinary krb5.conf
pointing at a kdcd subprocess, as an administrator would, and checks what they print and
what kdcd logged for the request.
"""

from __future__ import annotations

import re

import pytest

from tests.support.kdcd import kdcd_realm  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.interop
TGT = "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST"


def ok(proc):
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stdout}{proc.stderr}"
    return proc


def last_event(kdcd, name, **match):
    events = [e for e in kdcd.events(name) if all(e.get(k) == v for k, v in match.items())]
    assert events, f"no {name} event matching {match}"
    return events[-1]


def test_kinit_password_over_udp_and_klist_shows_tgt(kdcd_realm, tmp_path):
    """kinit with a password gets a TGT over UDP; klist lists it; kdcd logged an ok AS over UDP."""
    cc = tmp_path / "cc"
    ok(kdcd_realm.kinit("alice", ccache=cc))
    listing = ok(kdcd_realm.run("klist", ccache=cc)).stdout
    assert "Default principal: alice@EXAMPLE.TEST" in listing
    assert TGT in listing
    event = last_event(kdcd_realm, "kdc.as_req", client="alice@EXAMPLE.TEST", result="ok")
    assert event["transport"] == "udp" and event["service"] == TGT
    assert event["reply_etype"] and event["ticket_etype"] and event["duration_ms"] >= 0


def test_kinit_over_tcp_only(kdcd_realm, tmp_path):
    """With udp_preference_limit = 1 MIT kinit uses TCP only, and gets its TGT."""
    cc = tmp_path / "cc"
    before = len(kdcd_realm.events("kdc.as_req"))
    ok(kdcd_realm.kinit("bob", ccache=cc, tcp_only=True))
    assert TGT in ok(kdcd_realm.run("klist", ccache=cc)).stdout
    new = [e for e in kdcd_realm.events("kdc.as_req")[before:] if e["client"] == "bob@EXAMPLE.TEST"]
    assert new and {e["transport"] for e in new} == {"tcp"}
    assert new[-1]["result"] == "ok"


@pytest.mark.parametrize("tcp_only", [False, True])
def test_kinit_and_kvno_over_ipv6(kdcd_realm, tmp_path, tcp_only):
    """kdcd serves the [::1] address too: kinit and kvno over IPv6 (UDP, then TCP only)."""
    cc = tmp_path / "cc"
    ok(kdcd_realm.kinit("carol", ccache=cc, tcp_only=tcp_only, ipv6=True))
    ok(kdcd_realm.run("kvno", "HTTP/www.test", ccache=cc, tcp_only=tcp_only, ipv6=True))
    event = last_event(kdcd_realm, "kdc.tgs_req", service="HTTP/www.test@EXAMPLE.TEST")
    assert event["peer"].startswith("[::1]:") and event["transport"] == ("tcp" if tcp_only else "udp")


def test_kvno_gets_a_service_ticket(kdcd_realm, tmp_path):
    """kvno for a service after kinit prints its kvno and the ticket is in the cache (TGS)."""
    cc = tmp_path / "cc"
    ok(kdcd_realm.kinit("alice", ccache=cc))
    out = ok(kdcd_realm.run("kvno", "host/server.test", ccache=cc)).stdout
    assert re.search(r"host/server\.test@EXAMPLE\.TEST: kvno = \d+", out)
    assert "host/server.test@EXAMPLE.TEST" in ok(kdcd_realm.run("klist", ccache=cc)).stdout
    event = last_event(kdcd_realm, "kdc.tgs_req", service="host/server.test@EXAMPLE.TEST")
    assert event["result"] == "ok"


def test_kinit_with_keytab_from_kdcadmin_ktadd(kdcd_realm, tmp_path):
    """kinit -k -t with a keytab written by kdcadmin ktadd gets a TGT for the service."""
    kdcd_realm.realm.add_service("svc/keytab.test")
    keytab = kdcd_realm.realm.ktadd("svc/keytab.test", tmp_path / "svc.keytab")
    cc = tmp_path / "cc"
    ok(kdcd_realm.run("kinit", "-k", "-t", str(keytab), "svc/keytab.test", ccache=cc))
    listing = ok(kdcd_realm.run("klist", ccache=cc)).stdout
    assert "Default principal: svc/keytab.test@EXAMPLE.TEST" in listing and TGT in listing


def test_renewable_tgt_renewed(kdcd_realm, tmp_path):
    """kinit -r asks for a renewable TGT (klist shows renew until); kinit -R renews it."""
    cc = tmp_path / "cc"
    ok(kdcd_realm.kinit("alice", None, "-r", "2d", "-l", "1h", ccache=cc))
    assert "renew until" in ok(kdcd_realm.run("klist", ccache=cc)).stdout
    ok(kdcd_realm.run("kinit", "-R", ccache=cc))
    assert TGT in ok(kdcd_realm.run("klist", ccache=cc)).stdout
    event = last_event(kdcd_realm, "kdc.tgs_req", service=TGT)
    assert event["result"] == "ok"


def test_forwardable_flag_shown_by_klist_f(kdcd_realm, tmp_path):
    """kinit -f gets a forwardable TGT: klist -f shows the F flag; without -f (and -F) it does not."""
    cc = tmp_path / "cc"
    ok(kdcd_realm.kinit("alice", None, "-f", ccache=cc))
    flags = re.search(r"Flags: (\w+)", ok(kdcd_realm.run("klist", "-f", ccache=cc)).stdout).group(1)
    assert "F" in flags and "I" in flags  # forwardable, initial
    ok(kdcd_realm.kinit("alice", None, "-F", ccache=cc))
    flags = re.search(r"Flags: (\w+)", ok(kdcd_realm.run("klist", "-f", ccache=cc)).stdout).group(1)
    assert "F" not in flags


def test_wrong_password_is_password_incorrect(kdcd_realm, tmp_path):
    """A wrong password: kinit says "Password incorrect"; kdcd logged PREAUTH_FAILED."""
    proc = kdcd_realm.kinit("alice", "not-her-password", ccache=tmp_path / "cc")
    assert proc.returncode != 0
    assert "Password incorrect" in proc.stderr
    last_event(kdcd_realm, "kdc.as_req", client="alice@EXAMPLE.TEST", error_code="KDC_ERR_PREAUTH_FAILED")


def test_unknown_principal(kdcd_realm, tmp_path):
    """kinit for a principal not in the database: "not found in Kerberos database"."""
    proc = kdcd_realm.kinit("nobody", "whatever", ccache=tmp_path / "cc")
    assert proc.returncode != 0
    assert "not found in Kerberos database" in proc.stderr
    last_event(kdcd_realm, "kdc.as_req", client="nobody@EXAMPLE.TEST",
               error_code="KDC_ERR_C_PRINCIPAL_UNKNOWN")


def test_disabled_principal_refused(kdcd_realm, tmp_path):
    """After modprinc -allow_tix, kinit is refused with "credentials have been revoked"."""
    kdcd_realm.realm.add_user("dave", "dave-Pass-4")
    ok(kdcd_realm.kinit("dave", "dave-Pass-4", ccache=tmp_path / "cc"))
    kdcd_realm.realm.kdcadmin("modprinc", "-allow_tix", "dave")
    proc = kdcd_realm.kinit("dave", "dave-Pass-4", ccache=tmp_path / "cc2")
    assert proc.returncode != 0
    assert "revoked" in proc.stderr
    last_event(kdcd_realm, "kdc.as_req", client="dave@EXAMPLE.TEST", error_code="KDC_ERR_CLIENT_REVOKED")


def test_unknown_service(kdcd_realm, tmp_path):
    """kvno for a service not in the database: "Server not found in Kerberos database"."""
    cc = tmp_path / "cc"
    ok(kdcd_realm.kinit("alice", ccache=cc))
    proc = kdcd_realm.run("kvno", "nosuch/service.test", ccache=cc)
    assert proc.returncode != 0
    assert "not found in Kerberos database" in proc.stderr
    last_event(kdcd_realm, "kdc.tgs_req", service="nosuch/service.test@EXAMPLE.TEST",
               error_code="KDC_ERR_S_PRINCIPAL_UNKNOWN")
