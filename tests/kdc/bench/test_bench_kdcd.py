"""kdc-bench against kdcd: a short count-based run per scenario, replies counted by type."""

from __future__ import annotations

import json

import pytest

from kdc.bench.main import main
from tests.support.kdcd import kdcd_realm  # noqa: F401  (fixture)

pytestmark = pytest.mark.interop


@pytest.mark.parametrize("scenario,expected", [("as", {"AS-REP": 100}), ("tgs", {"TGS-REP": 100}),
                                               ("as-nopreauth", {"KRB-ERROR": 100})])
def test_scenarios_against_kdcd(kdcd_realm, capsys, scenario, expected):  # noqa: F811
    """Every request of a 100-request run is answered with the reply its scenario expects."""
    rc = main(["--kdc", kdcd_realm.address, "--realm", kdcd_realm.realm.name, "--scenario", scenario,
               "--user", f"alice:{kdcd_realm.passwords['alice']}", "--service", "host/server.test",
               "--count", "100", "--concurrency", "8", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 0 and report["replies"] == expected and report["invalid"] == 0
    if scenario == "as-nopreauth":
        assert report["errors"] == {"25": 100}
