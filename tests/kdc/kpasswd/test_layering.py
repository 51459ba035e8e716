"""kdc.kpasswd is pure like kdc.exchange: no I/O, no service, no logging, no clock or RNG reads.

tests/test_layering.py holds the checker and the rules for the older packages; this applies
the same checker to kdc/kpasswd (and kdc/keys.py) with kdc/exchange's banned list.
"""

from __future__ import annotations

from tests.test_layering import _IO, _violations

BANNED = _IO | {"kdc.service", "kdc.db.sqlite", "kdc.masterkey", "kdc.logging"}


def test_kpasswd_imports_no_io_and_reads_no_clock():
    """No module of kdc/kpasswd imports I/O or a higher layer, or reads the clock or the RNG."""
    assert list(_violations("kdc/kpasswd", BANNED)) == []


def test_shared_key_change_is_pure_too():
    """kdc/keys.py (the password-change record) imports no I/O and reads no clock."""
    from pathlib import Path

    import tests.test_layering as layering

    found = list(layering._findings(Path(layering.ROOT / "kdc" / "keys.py"), BANNED))
    assert found == []
