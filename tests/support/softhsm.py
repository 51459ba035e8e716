"""A real SoftHSM2 token in a temporary folder, for tests of the master key and everything above it.

``make_token(folder)`` writes a ``softhsm2.conf`` whose token directory lives in ``folder``,
initialises a token with ``softhsm2-util`` and returns a ``SoftHSMToken`` describing it:
the module path, label, PIN, a PIN file, and ``env`` (``SOFTHSM2_CONF``) to pass to
subprocesses (kdcadmin, kdcd).

In-process use: SoftHSM reads ``SOFTHSM2_CONF`` once, at C_Initialize, and python-pkcs11
loads the library once per process. The ``softhsm_token`` fixture therefore sets the
variable for the test and re-initialises the already-loaded library, so python-pkcs11 in
this process sees the new token. Re-initialising ends every session opened earlier in the
process, so tests must not keep a MasterKey open across tests (function scope only).

Usage from any test module::

    from tests.support.softhsm import softhsm_token  # noqa: F401  (pytest fixture)

    def test_x(softhsm_token):
        mk = create_master_key(softhsm_token.master_key_config())
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kdc.config import MasterKeyConfig

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SOFTHSM2_UTIL = shutil.which("softhsm2-util") or "/usr/bin/softhsm2-util"
DEFAULT_LABEL = "kdcd"
DEFAULT_PIN = "1234"
DEFAULT_SO_PIN = "5678"


@dataclass(frozen=True)
class SoftHSMToken:
    """A freshly initialised SoftHSM2 token living under ``folder``."""

    folder: Path
    conf: Path
    module: str
    label: str
    pin: str = field(repr=False)
    pin_file: Path
    so_pin: str = field(repr=False, default=DEFAULT_SO_PIN)

    @property
    def env(self) -> dict[str, str]:
        """Environment additions a subprocess needs to see this token."""
        return {"SOFTHSM2_CONF": str(self.conf)}

    def master_key_config(self, key_label: str = "kdcd-master") -> MasterKeyConfig:
        """The ``[master_key]`` config that reaches this token with the PIN file."""
        return MasterKeyConfig(pkcs11_module=self.module, token_label=self.label,
                               pin_file=str(self.pin_file), key_label=key_label)


def make_token(folder: Path, label: str = DEFAULT_LABEL, pin: str = DEFAULT_PIN) -> SoftHSMToken:
    """Create ``folder/softhsm2.conf``, a token directory and an initialised token labelled ``label``.

    Several tokens may share one folder (one conf); each call adds a token with a new label.
    """
    folder = Path(folder)
    tokendir = folder / "tokens"
    tokendir.mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    if not conf.exists():
        conf.write_text(f"directories.tokendir = {tokendir}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = dict(os.environ, SOFTHSM2_CONF=str(conf))
    subprocess.run(
        [SOFTHSM2_UTIL, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", DEFAULT_SO_PIN],
        env=env, check=True, capture_output=True, timeout=60,
    )
    pin_file = folder / f"{label}.pin"
    pin_file.write_text(pin + "\n")
    pin_file.chmod(0o600)
    return SoftHSMToken(folder=folder, conf=conf, module=MODULE, label=label, pin=pin, pin_file=pin_file)


def reload_in_process(token: SoftHSMToken) -> None:
    """Make python-pkcs11 in this process see ``token``: set SOFTHSM2_CONF, re-run C_Initialize."""
    import pkcs11

    os.environ["SOFTHSM2_CONF"] = str(token.conf)
    lib = pkcs11.lib(token.module)  # first load initialises with the new conf already
    lib.reinitialize()


@pytest.fixture
def softhsm_token(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> SoftHSMToken:
    """A new SoftHSM2 token ('kdcd', PIN 1234, PIN file) visible to this process and to subprocesses."""
    token = make_token(tmp_path_factory.mktemp("softhsm"))
    monkeypatch.setenv("SOFTHSM2_CONF", str(token.conf))
    reload_in_process(token)
    return token
