"""Dependencies point one way (DESIGN.md): protocol <- pure kdc code <- I/O backends <- service.

A static check of every import statement, so a stray ``import twisted`` in pure code, or
``protocol`` reaching into ``kdc``, fails the suite instead of slowly eroding the design.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

# package prefix -> top-level modules it must never import
FORBIDDEN = {
    "protocol": {"kdc", "twisted", "structlog", "pkcs11", "sqlite3", "socket", "asyncio", "time", "random", "secrets"},
    "kdc/exchange": {"twisted", "structlog", "pkcs11", "sqlite3", "socket", "time", "random", "secrets", "kdc.service", "kdc.db.sqlite", "kdc.masterkey.pkcs11"},
    "kdc/preauth": {"twisted", "structlog", "pkcs11", "sqlite3", "socket", "time", "random", "secrets", "kdc.service"},
}


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _violations(prefix: str, banned: set[str], root: pathlib.Path = ROOT):
    for path in sorted((root / prefix).rglob("*.py")):
        for lineno, name in _imports(path):
            for ban in banned:
                if name == ban or name.startswith(ban + "."):
                    yield f"{path.relative_to(root)}:{lineno} imports {name}"


@pytest.mark.parametrize("prefix", sorted(FORBIDDEN))
def test_layer_imports_only_downwards(prefix):
    """No module under ``prefix`` imports I/O, clock/RNG or a higher layer."""
    assert list(_violations(prefix, FORBIDDEN[prefix])) == []


def test_checker_sees_a_violation(tmp_path):
    """The checker itself flags a forbidden import (so an empty result above means something)."""
    pkg = tmp_path / "protocol"
    pkg.mkdir()
    (pkg / "bad.py").write_text("import twisted.internet\nfrom kdc.db import x\n")
    found = list(_violations("protocol", FORBIDDEN["protocol"], root=tmp_path))
    assert len(found) == 2
