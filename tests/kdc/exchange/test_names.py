"""kdc.exchange.names: the audit's principal text is exactly str(Principal), remembered."""

from __future__ import annotations

import pytest

from kdc.exchange import names
from protocol.errors import PrincipalParseError
from protocol.principal import Principal


@pytest.mark.parametrize("components,realm", [
    (("alice",), "EXAMPLE.TEST"),
    (("krbtgt", "EXAMPLE.TEST"), "EXAMPLE.TEST"),
    (("a/b", "c@d", "back\\slash", "nl\n", "tab\t", "nul\0", "bs\b"), "R@ALM/X"),
])
def test_text_is_mit_unparse(components, realm):
    """The same text as str(Principal) (MIT quoting), the first time and from the table."""
    expected = str(Principal(1, components, realm))
    assert names.name_text(list(components), realm) == expected
    assert names.name_text(components, realm, 2) == expected
    assert names.principal_text(Principal(10, components, realm)) == expected


def test_empty_name_still_refused():
    """An empty name-string raises as Principal does (the dispatcher audits it another way)."""
    with pytest.raises(PrincipalParseError):
        names.name_text((), "EXAMPLE.TEST")


def test_table_is_bounded(monkeypatch):
    """Past the bound the table starts over instead of growing with every name a client sends."""
    monkeypatch.setattr(names, "_MAX_NAMES", 3)
    monkeypatch.setattr(names, "_TEXT", {})
    for i in range(10):
        assert names.name_text((f"user{i}",), "R") == f"user{i}@R"
        assert len(names._TEXT) <= 3
