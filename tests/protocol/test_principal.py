"""Principal names: MIT's parse/unparse rules, checked against MIT's own libkrb5.

The differential tests call krb5_parse_name and krb5_unparse_name from the installed MIT
library (libkrb5.so.3, from krb5-user) through ctypes, so "MIT's rules" means what MIT
actually does, not what we remember of it.
"""

from __future__ import annotations

import ctypes
import ctypes.util

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.constants import NameType
from protocol.errors import PrincipalParseError
from protocol.messages.types import PrincipalName
from protocol.principal import Principal


# -- MIT's libkrb5 through ctypes ---------------------------------------------------------


class _KData(ctypes.Structure):
    _fields_ = [("magic", ctypes.c_int32), ("length", ctypes.c_uint), ("data", ctypes.c_void_p)]


class _KPrincipal(ctypes.Structure):
    _fields_ = [("magic", ctypes.c_int32), ("realm", _KData), ("data", ctypes.POINTER(_KData)),
                ("length", ctypes.c_int32), ("type", ctypes.c_int32)]


class MITNames:
    """krb5_parse_name / krb5_unparse_name of the system's MIT library."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(ctypes.util.find_library("krb5") or "libkrb5.so.3")
        self.ctx = ctypes.c_void_p()
        assert self.lib.krb5_init_context(ctypes.byref(self.ctx)) == 0
        assert self.lib.krb5_set_default_realm(self.ctx, b"DEF.TEST") == 0

    def parse(self, text: str) -> tuple[tuple[bytes, ...], bytes, int] | None:
        """(components, realm, name type), or None when MIT refuses the name."""
        princ = ctypes.POINTER(_KPrincipal)()
        if self.lib.krb5_parse_name(self.ctx, text.encode(), ctypes.byref(princ)):
            return None
        p = princ.contents
        comps = tuple(ctypes.string_at(p.data[i].data, p.data[i].length) for i in range(p.length))
        result = comps, ctypes.string_at(p.realm.data, p.realm.length), p.type
        self.lib.krb5_free_principal(self.ctx, princ)
        return result

    def unparse(self, components: tuple[str, ...], realm: str) -> str:
        bufs = [ctypes.create_string_buffer(c.encode(), len(c.encode()) or 1) for c in components]
        datas = (_KData * len(components))(*(
            _KData(0, len(c.encode()), ctypes.cast(b, ctypes.c_void_p)) for c, b in zip(components, bufs)))
        rbuf = ctypes.create_string_buffer(realm.encode(), len(realm.encode()) or 1)
        princ = _KPrincipal(0, _KData(0, len(realm.encode()), ctypes.cast(rbuf, ctypes.c_void_p)),
                            datas, len(components), NameType.NT_PRINCIPAL)
        out = ctypes.c_char_p()
        assert self.lib.krb5_unparse_name(self.ctx, ctypes.byref(princ), ctypes.byref(out)) == 0
        text = out.value.decode()
        self.lib.krb5_free_unparsed_name(self.ctx, out)
        return text


@pytest.fixture(scope="module")
def mit() -> MITNames:
    return MITNames()


# -- examples -------------------------------------------------------------------------

PARSE_CASES = [
    ("alice@EXAMPLE.TEST", ("alice",), "EXAMPLE.TEST"),
    ("host/www.example.test@EXAMPLE.TEST", ("host", "www.example.test"), "EXAMPLE.TEST"),
    ("a\\/b@R", ("a/b",), "R"),
    ("a\\@b@R", ("a@b",), "R"),
    ("a\\\\b@R", ("a\\b",), "R"),
    ("a\\nb\\tc\\bd\\0e@R", ("a\nb\tc\bd\0e",), "R"),
    ("a\\qb@R", ("aqb",), "R"),  # any other quoted character stands for itself
    ("a//b@R", ("a", "", "b"), "R"),
    ("/@R", ("", ""), "R"),
    ("@R", ("",), "R"),
    ("a@", ("a",), ""),
    ("a@R\\/x\\@y", ("a",), "R/x@y"),
    ("alice", ("alice",), "DEF.TEST"),
]


@pytest.mark.parametrize(("text", "components", "realm"), PARSE_CASES)
def test_parse_examples(text: str, components: tuple[str, ...], realm: str) -> None:
    """Escapes, empty components and realms split as MIT splits them."""
    p = Principal.parse(text, default_realm="DEF.TEST")
    assert (p.components, p.realm) == (components, realm)


@pytest.mark.parametrize("text", ["", "a\\", "a@R\\", "a@R@S", "a/b@R/c", "a@@"])
def test_parse_refuses_malformed(text: str) -> None:
    """Empty names, a trailing backslash, a second '@' and '/' inside the realm are refused."""
    with pytest.raises(PrincipalParseError):
        Principal.parse(text, default_realm="DEF.TEST")


def test_missing_realm_without_default_is_an_error() -> None:
    """A name without '@' needs a default realm; without one parse raises, naming the text."""
    with pytest.raises(PrincipalParseError, match="alice"):
        Principal.parse("alice")


def test_name_type_inference_and_override() -> None:
    """krbtgt/X is NT_SRV_INST, WELLKNOWN/... NT_WELLKNOWN, else NT_PRINCIPAL; name_type= overrides."""
    assert Principal.parse("krbtgt/A@B").name_type == NameType.NT_SRV_INST
    assert Principal.parse("WELLKNOWN/ANONYMOUS@B").name_type == NameType.NT_WELLKNOWN
    assert Principal.parse("host/h@B").name_type == NameType.NT_PRINCIPAL
    assert Principal.parse("host/h@B", name_type=NameType.NT_SRV_HST).name_type == NameType.NT_SRV_HST


def test_equality_ignores_name_type() -> None:
    """As krb5_principal_compare: the same name under two name types is one principal (and one dict key)."""
    a = Principal(NameType.NT_PRINCIPAL, ("host", "h"), "R")
    b = Principal(NameType.NT_SRV_HST, ("host", "h"), "R")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Principal(NameType.NT_PRINCIPAL, ("host", "h"), "S")
    assert a != Principal(NameType.NT_PRINCIPAL, ("host", "H"), "R")


def test_wire_name_round_trip() -> None:
    """.name gives the RFC 4120 PrincipalName; from_name with the realm gives the principal back."""
    p = Principal.parse("host/h.test@R", name_type=NameType.NT_SRV_HST)
    assert p.name == PrincipalName(NameType.NT_SRV_HST, ("host", "h.test"))
    back = Principal.from_name(p.name, "R")
    assert back == p and back.name_type == NameType.NT_SRV_HST


def test_krbtgt_helpers() -> None:
    """krbtgt(A) is krbtgt/A@A, krbtgt(A, B) the cross-realm krbtgt/B@A; is_krbtgt spots both."""
    assert str(Principal.krbtgt("A")) == "krbtgt/A@A"
    cross = Principal.krbtgt("A", "B")
    assert str(cross) == "krbtgt/B@A" and cross.name_type == NameType.NT_SRV_INST
    assert cross.is_krbtgt and Principal.krbtgt("A").is_krbtgt
    assert Principal.krbtgt("A", remote_realm="B") == cross
    assert not Principal.parse("krbtgt@A").is_krbtgt
    assert not Principal.parse("host/krbtgt@A").is_krbtgt


def test_default_salt_is_realm_then_components() -> None:
    """MIT's normal salt: realm followed by the components, no separators (RFC 4120 section 4)."""
    assert Principal.parse("host/www.example.test@EXAMPLE.TEST").default_salt() == "EXAMPLE.TESThostwww.example.test"
    assert Principal.parse("alice@R").default_salt() == "Ralice"


def test_zero_components_refused() -> None:
    """A principal needs a name: zero components cannot be constructed (nor read from a wire name)."""
    with pytest.raises(PrincipalParseError):
        Principal(NameType.NT_PRINCIPAL, (), "R")
    with pytest.raises(PrincipalParseError):
        Principal.from_name(PrincipalName(1, ()), "R")


def test_repr_and_short_form() -> None:
    """repr shows the unparsed name; unparse_short drops the default realm only."""
    p = Principal.parse("a/b@R")
    assert "a/b@R" in repr(p)
    assert p.unparse_short("R") == "a/b" and p.unparse_short("S") == "a/b@R"


# -- properties, with MIT's library as the oracle --------------------------------------

_TRICKY = st.sampled_from(list("ab/@\\ntb0q. é\n\t\b") + ["krbtgt", "WELLKNOWN"])
_NAME_TEXT = st.lists(_TRICKY, min_size=1, max_size=14).map("".join)
_COMPONENT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)


@given(_NAME_TEXT)
def test_parse_agrees_with_mit(mit: MITNames, text: str) -> None:
    """For any name text, we accept exactly what krb5_parse_name accepts, with the same parts and type."""
    expected = mit.parse(text)
    if expected is None:
        with pytest.raises(PrincipalParseError):
            Principal.parse(text, default_realm="DEF.TEST")
        return
    p = Principal.parse(text, default_realm="DEF.TEST")
    comps, realm, name_type = expected
    assert tuple(c.encode() for c in p.components) == comps
    assert p.realm.encode() == realm
    assert p.name_type == name_type


@given(st.lists(_COMPONENT, min_size=1, max_size=4), _COMPONENT)
def test_unparse_agrees_with_mit(mit: MITNames, components: list[str], realm: str) -> None:
    """str(p) is byte for byte what krb5_unparse_name prints, for arbitrary components and realm."""
    assert str(Principal(NameType.NT_PRINCIPAL, tuple(components), realm)) == mit.unparse(tuple(components), realm)


@given(st.lists(_COMPONENT, min_size=1, max_size=4), _COMPONENT,
       st.sampled_from([NameType.NT_PRINCIPAL, NameType.NT_SRV_INST, NameType.NT_SRV_HST]))
def test_parse_unparse_round_trip(components: list[str], realm: str, name_type: int) -> None:
    """parse(str(p)) == p for arbitrary components, including '/', '@', '\\\\', NUL and newlines."""
    p = Principal(name_type, tuple(components), realm)
    back = Principal.parse(str(p), name_type=name_type)
    assert back == p and back.components == p.components and back.realm == p.realm
