"""Principal names with MIT's parse/unparse rules (krb5_parse_name, krb5_unparse_name).

Contract: ``Principal(name_type, components, realm)``, frozen and hashable;
``Principal.parse(text, default_realm=None)`` raises PrincipalParseError;
``str(p)`` unparses with MIT escaping (``\\/``, ``\\@``, ``\\n``, ``\\t``, ``\\b``, ``\\0``, ``\\\\``);
``p.name`` is the wire ``PrincipalName``; ``Principal.from_name(name, realm)``;
``p.default_salt()`` is MIT's default salt (realm + components, no separators);
``Principal.krbtgt(realm, remote_realm=None)``; ``p.is_krbtgt``.

The text syntax is MIT's (RFC 1964 section 2.1.1 describes the same string form): ``/``
separates components, the first unescaped ``@`` starts the realm, and a backslash quotes
the next character, with ``\\n``, ``\\t``, ``\\b`` and ``\\0`` standing for newline, tab,
backspace and NUL. The behaviour below was checked against MIT krb5 1.20's libkrb5
(tests/protocol/test_principal.py calls it through ctypes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from protocol.constants import NameType
from protocol.errors import PrincipalParseError
from protocol.messages.types import PrincipalName

__all__ = ["Principal", "PrincipalParseError", "KRBTGT"]

KRBTGT = "krbtgt"
_WELLKNOWN = "WELLKNOWN"

# krb5_unparse_name's quoting; the same table serves components and the realm.
_ESCAPE_OUT = {"/": "\\/", "@": "\\@", "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\b": "\\b", "\0": "\\0"}
# krb5_parse_name's unquoting; any other quoted character stands for itself.
_ESCAPE_IN = {"n": "\n", "t": "\t", "b": "\b", "0": "\0"}


@dataclass(frozen=True, eq=False, slots=True)
class Principal:
    """A Kerberos principal: name type, name components and realm (RFC 4120 section 6.2).

    Equality and hashing ignore ``name_type``, as MIT's krb5_principal_compare does:
    clients send the same principal as NT_PRINCIPAL, NT_SRV_INST, NT_SRV_HST or
    NT_UNKNOWN (kinit, kvno and Windows differ), and RFC 4120 section 6.2 says the name
    type is a hint that must not change which principal is meant.
    """

    name_type: int
    components: tuple[str, ...]
    realm: str

    def __new__(cls, name_type: int, components: tuple[str, ...], realm: str) -> Principal:
        # Checks and normalises like a __post_init__ would, but fills the slots of a
        # same-layout twin by plain assignment (a frozen dataclass's __init__ pays an
        # object.__setattr__ per field; see protocol.messages.types.fast_construction):
        # several Principals are made per request.
        comps = components if type(components) is tuple else tuple(components)
        if not comps:
            raise PrincipalParseError("a principal needs at least one name component")
        for c in comps:
            if type(c) is not str and not isinstance(c, str):
                raise PrincipalParseError("principal components and realm must be str")
        if type(realm) is not str and not isinstance(realm, str):
            raise PrincipalParseError("principal components and realm must be str")
        self = _new(_PrincipalTwin)
        self.name_type = name_type if type(name_type) is int else int(name_type)
        self.components = comps
        self.realm = realm
        self.__class__ = cls
        return self

    def __init_subclass__(cls, **_kwargs: object) -> None:
        raise TypeError("Principal is final (its __new__ builds exactly a Principal)")

    def __reduce__(self) -> tuple[type, tuple[int, tuple[str, ...], str]]:
        return Principal, (self.name_type, self.components, self.realm)

    # -- identity -------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Principal):
            return NotImplemented
        return self.components == other.components and self.realm == other.realm

    def __hash__(self) -> int:
        return hash((self.components, self.realm))

    def __repr__(self) -> str:
        return f"Principal({str(self)!r}, name_type={self.name_type})"

    # -- text form ------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str, default_realm: str | None = None, name_type: int | None = None) -> Principal:
        """Parse MIT's string form (krb5_parse_name).

        A missing realm takes ``default_realm``; without one, PrincipalParseError. Empty
        components (``a//b``, ``/``) and an empty realm after ``@`` are kept, as MIT keeps
        them. Unlike MIT, the empty string is refused instead of naming an empty
        component in the default realm: no caller means that. ``name_type`` overrides the
        inferred type (NT_SRV_INST for ``krbtgt/X``, NT_WELLKNOWN for ``WELLKNOWN/...``,
        else NT_PRINCIPAL).
        """
        if not isinstance(text, str) or text == "":
            raise PrincipalParseError("empty principal name")
        components, realm = _split(text)
        if realm is None:
            if default_realm is None:
                raise PrincipalParseError(f"principal {text!r} has no realm and no default realm was given")
            realm = default_realm
        if name_type is None:
            name_type = _infer_name_type(components)
        return cls(name_type, components, realm)

    def __str__(self) -> str:
        """krb5_unparse_name: components joined by ``/``, then ``@realm``, quoted."""
        comps, realm = self.components, self.realm
        if _NEEDS_QUOTING.search(realm) is None and _NEEDS_QUOTING.search("".join(comps)) is None:
            return "/".join(comps) + "@" + realm  # nothing to quote, the usual case
        return "/".join(_quote(c) for c in comps) + "@" + _quote(realm)

    def unparse_short(self, default_realm: str | None) -> str:
        """The name without ``@realm`` when the realm is ``default_realm`` (KRB5_PRINCIPAL_UNPARSE_SHORT)."""
        if self.realm == default_realm:
            if _NEEDS_QUOTING.search("".join(self.components)) is None:
                return "/".join(self.components)
            return "/".join(_quote(c) for c in self.components)
        return str(self)

    # -- wire form ------------------------------------------------------------------

    @property
    def name(self) -> PrincipalName:
        """The RFC 4120 section 5.2.2 PrincipalName (realm travels separately)."""
        return PrincipalName(self.name_type, self.components)

    @classmethod
    def from_name(cls, name: PrincipalName, realm: str) -> Principal:
        """A Principal from a wire PrincipalName and the Realm that accompanies it."""
        return cls(name.name_type, tuple(name.name_string), realm)

    # -- well-known shapes ----------------------------------------------------------

    @classmethod
    def krbtgt(cls, realm: str, remote_realm: str | None = None) -> Principal:
        """The TGS principal ``krbtgt/REMOTE@REALM`` (RFC 4120 section 7.3); ``remote_realm`` defaults to ``realm``.

        For a cross-realm TGT issued by realm A for realm B, this is ``krbtgt(A, B)``
        = ``krbtgt/B@A``.
        """
        return cls(NameType.NT_SRV_INST, (KRBTGT, realm if remote_realm is None else remote_realm), realm)

    @property
    def is_krbtgt(self) -> bool:
        """True for any ticket-granting service principal ``krbtgt/X@Y``."""
        return len(self.components) == 2 and self.components[0] == KRBTGT

    def default_salt(self) -> str:
        """MIT's "normal" salt: the realm then every component, no separators (RFC 3961 section 4 / RFC 4120 section 4)."""
        return self.realm + "".join(self.components)

    def with_realm(self, realm: str) -> Principal:
        """The same name in another realm."""
        return Principal(self.name_type, self.components, realm)


del Principal.__init__  # __new__ does all of it; object.__init__ takes the arguments
_new = object.__new__
_PrincipalTwin = type("PrincipalBuilder", (), {"__slots__": Principal.__slots__})
_NEEDS_QUOTING = re.compile("[" + re.escape("".join(_ESCAPE_OUT)) + "]")


def _split(text: str) -> tuple[tuple[str, ...], str | None]:
    """Split ``text`` into unquoted components and the realm (None when absent)."""
    if "\\" not in text:  # nothing quoted: plain splits give the same answer
        name, at, tail = text.partition("@")
        if not at:
            return tuple(name.split("/")), None
        if "@" not in tail and "/" not in tail:
            return tuple(name.split("/")), tail
    return _split_quoted(text)


def _split_quoted(text: str) -> tuple[tuple[str, ...], str | None]:
    """``_split`` character by character, honouring backslash quoting."""
    components: list[str] = []
    current: list[str] = []
    realm: list[str] | None = None
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            quoted = next(chars, None)
            if quoted is None:
                raise PrincipalParseError(f"principal {text!r} ends with a backslash")
            current.append(_ESCAPE_IN.get(quoted, quoted))
        elif ch == "/" and realm is None:
            components.append("".join(current))
            current = []
        elif ch == "/" or (ch == "@" and realm is not None):
            raise PrincipalParseError(f"principal {text!r}: unquoted {ch!r} in the realm")
        elif ch == "@":
            components.append("".join(current))
            current = realm = []
        else:
            current.append(ch)
    if realm is None:
        components.append("".join(current))
        return tuple(components), None
    return tuple(components), "".join(current)


def _quote(part: str) -> str:
    return "".join(_ESCAPE_OUT.get(ch, ch) for ch in part)


def _infer_name_type(components: tuple[str, ...]) -> int:
    """MIT's k5_infer_principal_type: the name type kinit/kvno would send for this name."""
    if len(components) == 2 and components[0] == KRBTGT:
        return NameType.NT_SRV_INST
    if len(components) >= 2 and components[0] == _WELLKNOWN:
        return NameType.NT_WELLKNOWN
    return NameType.NT_PRINCIPAL
