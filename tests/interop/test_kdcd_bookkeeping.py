"""[database] disable_last_success / disable_lockout against a real kdcd, seen through getprinc.

MIT kinit logs in against a kdcd subprocess (real SoftHSM2 token, real SQLite database);
``kdcadmin getprinc`` then shows what kdcd wrote: by default the login's time and the
wrong-password count, with the options on neither.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.support.kdcd import make_realm, start_kdcd

pytestmark = pytest.mark.interop


def getprinc(realm, name: str) -> dict[str, str]:
    out = realm.kdcadmin("getprinc", name).stdout
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def test_bookkeeping_writes_follow_the_database_options(tmp_path):
    """Default: kinit stamps "Last successful authentication", a wrong password counts.
    With both options true: neither is written, and kinit still works."""
    realm, port = make_realm(tmp_path / "realm", users={"alice": "alice-Pass-1", "bob": "bob-Pass-2"},
                             services=[])
    kdcd = start_kdcd(realm, port, tmp_path)
    try:
        assert kdcd.kinit("alice", ccache=tmp_path / "cc-a").returncode == 0
        assert kdcd.kinit("alice", "wrong", ccache=tmp_path / "cc-x").returncode != 0
    finally:
        kdcd.stop()
    alice = getprinc(realm, "alice")
    assert re.match(r"\w{3} \w{3} +\d+ \d\d:\d\d:\d\d UTC \d{4}$", alice["Last successful authentication"])
    assert alice["Failed password attempts"] == "1"

    text = realm.config_path.read_text()
    url = re.search(r"^url = .*$", text, re.M).group(0)
    realm.config_path.write_text(text.replace(
        url, url + "\ndisable_last_success = true\ndisable_lockout = true"))
    kdcd = start_kdcd(realm, kdcd.port, tmp_path)
    try:
        assert kdcd.kinit("bob", ccache=tmp_path / "cc-b").returncode == 0
        assert kdcd.kinit("bob", "wrong", ccache=tmp_path / "cc-y").returncode != 0
        assert kdcd.events("kdc.as_req")[-1]["error_code"] == "KDC_ERR_PREAUTH_FAILED"
    finally:
        kdcd.stop()
    bob = getprinc(realm, "bob")
    assert bob["Last successful authentication"] == "[never]"
    assert bob["Failed password attempts"] == "0"


def test_last_success_reaches_the_database_while_kdcd_runs(tmp_path):
    """kdcd defers last_success off the request path; its once-a-second flush makes the
    login visible to kdcadmin within a few seconds, without stopping kdcd."""
    realm, port = make_realm(tmp_path / "realm", users={"alice": "alice-Pass-1"}, services=[])
    kdcd = start_kdcd(realm, port, tmp_path)
    try:
        assert kdcd.kinit("alice", ccache=tmp_path / "cc-a").returncode == 0
        deadline = time.monotonic() + 10
        while (seen := getprinc(realm, "alice")["Last successful authentication"]) == "[never]":
            assert time.monotonic() < deadline, "last_success never flushed"
            time.sleep(0.2)
        assert re.match(r"\w{3} \w{3} +\d+ \d\d:\d\d:\d\d UTC \d{4}$", seen)
        assert kdcd.proc.poll() is None
    finally:
        kdcd.stop()
