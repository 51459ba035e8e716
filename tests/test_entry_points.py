"""The console scripts exist and exit cleanly."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["kdc.service.main", "kdc.admin.main", "kdc.bench.main"])
def test_entry_point_runs_without_traceback(module):
    """Each command either works or says so on one line; it never dumps a traceback."""
    proc = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 2)
