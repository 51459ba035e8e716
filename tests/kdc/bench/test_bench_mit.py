"""kdc-bench against MIT's krb5kdc on loopback: short count-based runs, replies counted by type."""

from __future__ import annotations

import json

import pytest

from kdc.bench.main import main
from tests.support.mitkdc import MITRealm

pytestmark = pytest.mark.interop

SERVICE = "host/bench.mit.test"


@pytest.fixture(scope="module")
def realm(tmp_path_factory):
    r = MITRealm(tmp_path_factory.mktemp("mitkdc-bench"), disable_last_success=True, disable_lockout=True)
    with r:
        r.add_principal("alice", password="alice-pw")
        r.kadmin("modprinc +requires_preauth alice")
        r.add_principal(SERVICE, randkey=True)
        yield r


def bench(realm, capsys, *args) -> dict:
    rc = main(["--kdc", f"127.0.0.1:{realm.port}", "--realm", realm.realm, "--user", "alice:alice-pw",
               "--json", "--concurrency", "8", *args])
    assert rc == 0
    return json.loads(capsys.readouterr().out)


def test_as_over_udp_counts_every_as_rep(realm, capsys):
    """200 AS requests with PA-ENC-TIMESTAMP yield 200 verified AS-REPs and nothing else."""
    report = bench(realm, capsys, "--scenario", "as", "--count", "200")
    assert report["requests"] == 200 and report["replies"] == {"AS-REP": 200}
    assert report["errors"] == {} and report["invalid"] == 0


def test_nopreauth_counts_preauth_required(realm, capsys):
    """Requests without a timestamp for a +requires_preauth user come back as error 25, counted by code."""
    report = bench(realm, capsys, "--scenario", "as-nopreauth", "--count", "200", "--processes", "2")
    assert report["errors"] == {"25": 200} and report["replies"] == {"KRB-ERROR": 200}
    assert report["generator"]["processes"] == 2


@pytest.mark.parametrize("transport", ["udp", "tcp", "tcp-persistent"])
def test_tgs_counts_tgs_reps(realm, capsys, transport):
    """TGS requests for a known service come back as TGS-REPs, over each transport."""
    report = bench(realm, capsys, "--scenario", "tgs", "--service", SERVICE, "--transport", transport, "--count", "60")
    assert report["replies"].get("TGS-REP", 0) + report["timeouts"] == 60 and report["replies"]["TGS-REP"] > 0
    assert report["invalid"] == 0


def test_unknown_service_errors_are_counted(realm, capsys):
    """A KDC answering every request with an error: the run completes and counts code 7."""
    report = bench(realm, capsys, "--scenario", "tgs", "--service", "host/none.mit.test", "--count", "50")
    assert report["errors"] == {"7": 50}


def test_json_schema(realm, capsys):
    """The JSON report has the documented keys and types."""
    report = bench(realm, capsys, "--scenario", "as", "--count", "20", "--cpu", "0")
    for key, kind in [("scenario", str), ("transport", str), ("kdc", str), ("realm", str), ("requests", int),
                      ("duration_s", float), ("requests_per_s", float), ("latency_ms", dict), ("replies", dict),
                      ("errors", dict), ("timeouts", int), ("invalid", int), ("generator", dict)]:
        assert isinstance(report[key], kind), key
    assert set(report["latency_ms"]) == {"p50", "p90", "p99", "max"}
    assert set(report["generator"]) >= {"processes", "cpu_s", "cpu_percent_of_one_core", "per_process_cpu_percent"}
    assert report["generator"]["cpus"] == [0]


def test_wrong_password_fails_preparation(realm, capsys):
    """A user whose password the KDC refuses stops kdc-bench before the run, with status 1."""
    rc = main(["--kdc", f"127.0.0.1:{realm.port}", "--realm", realm.realm, "--user", "alice:wrong", "--count", "5"])
    assert rc == 1 and "PREAUTH_FAILED" in capsys.readouterr().err
