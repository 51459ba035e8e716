"""Dependencies point one way (DESIGN.md): protocol <- pure kdc code <- I/O backends <- service.

A static check of every import statement and of clock/RNG reads, so a stray
``import twisted`` or ``time.time()`` in pure code, or ``protocol`` reaching into ``kdc``,
fails the suite instead of slowly eroding the design. Pure code may convert times
(``time.gmtime``, ``calendar.timegm``); it may not read the clock or the RNG.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

_IO = {"twisted", "structlog", "pkcs11", "sqlite3", "socket", "asyncio", "random", "secrets", "selectors"}
# package prefix -> modules it must never import
FORBIDDEN_IMPORTS = {
    "protocol": _IO | {"kdc"},
    "kdc/exchange": _IO | {"kdc.service", "kdc.db.sqlite", "kdc.masterkey.pkcs11", "kdc.logging"},
    "kdc/preauth": _IO | {"kdc.service", "kdc.db.sqlite", "kdc.masterkey.pkcs11", "kdc.logging"},
}
# dotted attribute reads that consult the clock or the RNG
CLOCK_AND_RNG = {
    "time.time", "time.time_ns", "time.monotonic", "time.perf_counter", "datetime.now",
    "datetime.utcnow", "datetime.today", "date.today", "os.urandom", "os.getrandom",
}


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _findings(path: pathlib.Path, banned: set[str]):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if any(name == b or name.startswith(b + ".") for b in banned) or name in CLOCK_AND_RNG:
                yield node.lineno, f"imports {name}"
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted and any(dotted == c or dotted.endswith("." + c) for c in CLOCK_AND_RNG):
                yield node.lineno, f"reads {dotted}"


def _violations(prefix: str, banned: set[str], root: pathlib.Path = ROOT):
    for path in sorted((root / prefix).rglob("*.py")):
        for lineno, what in _findings(path, banned):
            yield f"{path.relative_to(root)}:{lineno} {what}"


@pytest.mark.parametrize("prefix", sorted(FORBIDDEN_IMPORTS))
def test_pure_layers_import_no_io_and_read_no_clock(prefix):
    """No module under ``prefix`` imports I/O or a higher layer, or reads the clock or RNG."""
    assert list(_violations(prefix, FORBIDDEN_IMPORTS[prefix])) == []


def test_checker_sees_violations(tmp_path):
    """The checker flags forbidden imports and clock/RNG reads (so an empty result means something)."""
    pkg = tmp_path / "protocol"
    pkg.mkdir()
    (pkg / "bad.py").write_text(
        "import twisted.internet\nfrom kdc.db import x\nimport time, os\n"
        "now = time.time()\nkey = os.urandom(16)\nok = time.gmtime(0)\n"
    )
    found = list(_violations("protocol", FORBIDDEN_IMPORTS["protocol"], root=tmp_path))
    assert [f.split(" ", 1)[1] for f in found] == [
        "imports twisted.internet", "imports kdc.db", "imports kdc.db.x", "reads time.time", "reads os.urandom",
    ]
