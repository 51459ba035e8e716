"""MIT ``kpasswd`` (and ``kinit``'s expired-password path) against a real kdcd's kpasswd service.

One kdcd per module, with the kpasswd service on two ports: UDP only on one, TCP only on
the other. MIT's kpasswd tries TCP first and UDP only when no TCP server answers, so a
krb5.conf whose ``kpasswd_server`` names the UDP-only port makes it use UDP; the kdcd's
``kdc.kpasswd`` log events confirm which transport each change really took. Each test
uses its own principal, so the tests do not depend on one another's passwords.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.kdcd import Kdcd, free_udp_tcp_port, make_realm, start_kdcd
from tests.support.mitkdc import mit_realm  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.interop

USERS = {name: f"{name}-Old-pass1" for name in
         ("alice", "bob", "carol", "dave", "erin", "frank", "gina", "hugo", "ivan")}


class KpasswdRealm:
    """The kdcd plus a krb5.conf per kpasswd transport."""

    def __init__(self, kdcd: Kdcd, udp_port: int, tcp_port: int) -> None:
        self.kdcd, self.udp_port, self.tcp_port = kdcd, udp_port, tcp_port

    def krb5_conf(self, transport: str) -> Path:
        port = self.udp_port if transport == "udp" else self.tcp_port
        path = self.kdcd.folder / f"krb5-kpasswd-{transport}.conf"
        path.write_text(
            "[libdefaults]\n"
            f"    default_realm = {self.kdcd.realm.name}\n"
            "    dns_lookup_kdc = false\n    dns_lookup_realm = false\n    rdns = false\n"
            f"[realms]\n    {self.kdcd.realm.name} = {{\n"
            f"        kdc = {self.kdcd.address}\n        kpasswd_server = 127.0.0.1:{port}\n    }}\n")
        return path

    def run(self, argv: list[str], stdin: str, transport: str = "tcp", name: str = "x"):
        env = self.kdcd.client_env(ccache=self.kdcd.folder / f"ccache-{name}")
        env["KRB5_CONFIG"] = str(self.krb5_conf(transport))
        return self.kdcd.run(*argv, input=stdin, env=env)

    def kpasswd(self, name: str, old: str, new: str, transport: str = "tcp", again: str | None = None):
        """MIT kpasswd NAME, answering its three prompts on stdin."""
        return self.run(["kpasswd", name], f"{old}\n{new}\n{again or new}\n", transport, name)

    def kinit(self, name: str, *answers: str):
        return self.run(["kinit", name], "".join(a + "\n" for a in answers), "tcp", name)

    def events_for(self, name: str) -> list[dict]:
        client = f"{name}@{self.kdcd.realm.name}"
        return [e for e in self.kdcd.events("kdc.kpasswd") if e.get("client") == client]


def _enable_kpasswd(config: Path, udp_port: int, tcp_port: int) -> None:
    """Add kpasswd_udp/kpasswd_tcp to the [listen] table of the test realm's kdcd.toml."""
    text = config.read_text()
    text, n = re.subn(r"(\[listen\]\n(?:[^\[\n].*\n)*?tcp = .*\n)",
                      lambda m: m.group(1) + f'kpasswd_udp = ["127.0.0.1:{udp_port}"]\n'
                                             f'kpasswd_tcp = ["127.0.0.1:{tcp_port}"]\n', text, count=1)
    assert n == 1, text
    config.write_text(text)


@pytest.fixture(scope="module")
def kp(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("kpasswd-realm")
    realm, port = make_realm(folder, users=dict(USERS), services=[])
    udp_port, tcp_port = free_udp_tcp_port(), free_udp_tcp_port()
    _enable_kpasswd(realm.config_path, udp_port, tcp_port)
    kdcd = start_kdcd(realm, port, folder)
    try:
        yield KpasswdRealm(kdcd, udp_port, tcp_port)
    finally:
        kdcd.stop()


def test_kdcd_reports_its_kpasswd_addresses(kp):
    """kdcd's start-up event lists the kpasswd listeners it bound, per transport."""
    started = kp.kdcd.events("kdcd.started")[-1]
    assert started["kpasswd_udp"] == [f"127.0.0.1:{kp.udp_port}"]
    assert started["kpasswd_tcp"] == [f"127.0.0.1:{kp.tcp_port}"]


@pytest.mark.parametrize("transport, name", [("tcp", "alice"), ("udp", "bob")])
def test_kpasswd_changes_the_password(kp, transport, name):
    """MIT kpasswd says "Password changed."; kinit then takes the new password and refuses the old."""
    new = f"{name}-New-pass2"
    done = kp.kpasswd(name, USERS[name], new, transport)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Password changed." in done.stdout
    assert kp.kinit(name, new).returncode == 0
    old = kp.kinit(name, USERS[name])
    assert old.returncode != 0
    assert "Password incorrect" in old.stderr
    events = kp.events_for(name)
    assert [(e["transport"], e["result"], e["request_type"]) for e in events] == [(transport, "ok", "KPASSWD")]


def test_kpasswd_rekeys_at_the_next_kvno(kp):
    """The change writes new keys at kvno + 1 with the same enctypes, as kdcadmin getprinc shows."""
    before = kp.kdcd.realm.kdcadmin("getprinc", "gina").stdout
    assert kp.kpasswd("gina", USERS["gina"], "gina-New-pass2").returncode == 0
    after = kp.kdcd.realm.kdcadmin("getprinc", "gina").stdout
    kvno = int(re.search(r"^Key: vno (\d+)", before, re.M).group(1))
    assert re.findall(r"^Key: vno \d+, (\S+)", after, re.M) == re.findall(r"^Key: vno \d+, (\S+)", before, re.M)
    assert set(re.findall(r"^Key: vno (\d+)", after, re.M)) == {str(kvno + 1)}


def test_wrong_old_password_is_refused_by_the_kdc(kp):
    """A wrong current password fails the initial ticket with MIT's message (the KDC's
    PREAUTH_FAILED, as MIT's KDC answers); nothing changes and the kpasswd service sees nothing."""
    done = kp.kpasswd("carol", "not-carols-password", "carol-New-pass2")
    assert done.returncode == 1
    assert done.stderr.strip() == "kpasswd: Preauthentication failed getting initial ticket"
    assert kp.kinit("carol", USERS["carol"]).returncode == 0
    assert kp.events_for("carol") == []


def test_wrong_old_password_message_is_what_mits_kdc_gives(mit_realm):  # noqa: F811
    """The message above is MIT's own: MIT kpasswd against MIT's krb5kdc prints the same line."""
    mit_realm.add_principal("carol", password="carol-Old-pass1")
    done = mit_realm.run("kpasswd", "carol", input=b"not-carols-password\nx-New-pass2\nx-New-pass2\n",
                         check=False)
    assert done.returncode == 1
    assert done.stderr.decode().strip() == "kpasswd: Preauthentication failed getting initial ticket"


def test_short_password_is_rejected_and_nothing_changes(kp):
    """The quality check answers SOFTERROR, which MIT prints as "Password change rejected" (exit 2)."""
    done = kp.kpasswd("frank", USERS["frank"], "short")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Password change rejected: New password is too short" in done.stdout
    assert kp.kinit("frank", USERS["frank"]).returncode == 0
    assert [e["result"] for e in kp.events_for("frank")] == ["KRB5_KPASSWD_SOFTERROR"]


@pytest.mark.parametrize("name, flags", [("dave", ("-pwexpire", "2020-01-01")), ("erin", ("+needchange",))])
def test_expired_password_must_be_changed_then_works(kp, name, flags):
    """kinit is told the password expired; kpasswd (allowed to reach kadmin/changepw) changes it;
    the new password gets a TGT again, and the change cleared the expiry or needchange."""
    kp.kdcd.realm.kdcadmin("modprinc", *flags, name)
    told = kp.kinit(name, USERS[name])
    assert told.returncode != 0
    assert "Password expired" in told.stdout + told.stderr
    new = f"{name}-New-pass2"
    done = kp.kpasswd(name, USERS[name], new, "udp" if name == "erin" else "tcp")
    assert done.returncode == 0, done.stdout + done.stderr
    assert kp.kinit(name, new).returncode == 0
    info = kp.kdcd.realm.kdcadmin("getprinc", name).stdout
    assert "Password expiration date: [never]" in info
    assert "REQUIRES_PWCHANGE" not in info and "needchange" not in info.lower()


def test_kinit_changes_an_expired_password_through_kpasswd(kp):
    """MIT kinit itself, given an expired password, prompts for a new one and sets it through the
    kpasswd service (krb5_change_password), then gets its TGT with the new password."""
    kp.kdcd.realm.kdcadmin("modprinc", "+needchange", "hugo")
    done = kp.kinit("hugo", USERS["hugo"], "hugo-New-pass2", "hugo-New-pass2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Password expired" in done.stdout + done.stderr
    assert kp.kinit("hugo", "hugo-New-pass2").returncode == 0
    assert [e["result"] for e in kp.events_for("hugo")] == ["ok"]


def test_mismatched_new_passwords_never_reach_the_server(kp):
    """MIT kpasswd checks the two entries itself; the server sees no request and nothing changes."""
    done = kp.kpasswd("ivan", USERS["ivan"], "ivan-New-pass2", again="ivan-Other-pass3")
    assert done.returncode == 1
    assert kp.events_for("ivan") == []
    assert kp.kinit("ivan", USERS["ivan"]).returncode == 0


def test_dev_realm_prints_kpasswd_server_and_kpasswd_works(tmp_path, monkeypatch):
    """scripts/dev-realm turns the kpasswd service on and prints its krb5.conf line; MIT kpasswd
    with the printed krb5.conf and password changes the user's password."""
    from tests.interop.test_dev_realm import DevRealm

    port, kpasswd_port = free_udp_tcp_port(), free_udp_tcp_port()
    monkeypatch.setenv("KPASSWD_PORT", str(kpasswd_port))
    dev = DevRealm(tmp_path / "state", port)
    try:
        text = dev.text()
        assert f"kpasswd_server = 127.0.0.1:{kpasswd_port}" in text
        assert f"kpasswd_server = 127.0.0.1:{kpasswd_port}" in (dev.state / "krb5.conf").read_text()
        password = re.search(r"password: (\S+)\s+\(shown once", text).group(1)
        done = dev.mit("kpasswd", "alice", input=f"{password}\nalice-New-pass2\nalice-New-pass2\n")
        assert done.returncode == 0 and "Password changed." in done.stdout, done.stdout + done.stderr
        assert dev.mit("kinit", "alice", input="alice-New-pass2\n").returncode == 0
    finally:
        assert dev.interrupt() == 0


def test_kpasswd_with_several_workers(tmp_path):
    """kdcd --workers 2: every worker serves kpasswd on the shared ports (SO_REUSEPORT), and a
    change made through one is seen by the KDC in whichever worker answers the next kinit."""
    realm, port = make_realm(tmp_path, users={"alice": USERS["alice"]}, services=[])
    udp_port, tcp_port = free_udp_tcp_port(), free_udp_tcp_port()
    _enable_kpasswd(realm.config_path, udp_port, tcp_port)
    kdcd = start_kdcd(realm, port, tmp_path, workers=2)
    try:
        kp = KpasswdRealm(kdcd, udp_port, tcp_port)
        for transport, new in (("udp", "alice-New-pass2"), ("tcp", "alice-New-pass3")):
            old = kp.kdcd.passwords["alice"]
            done = kp.kpasswd("alice", old, new, transport)
            assert done.returncode == 0, done.stdout + done.stderr
            kp.kdcd.passwords["alice"] = new
            assert kp.kinit("alice", new).returncode == 0
    finally:
        assert kdcd.stop() == 0
