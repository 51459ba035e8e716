"""Principal names as text for the audit record, without unparsing each one every time.

``str(Principal)`` quotes character by character (MIT's krb5_unparse_name rules); a
request names the same few principals over and over (krbtgt, its users and services), so
their text is kept in a bounded table keyed by (components, realm).
"""

from __future__ import annotations

from collections.abc import Sequence

from protocol.principal import Principal

# Names a request may spell freely (audit of unknown clients): bounded, emptied when full.
_MAX_NAMES = 4096
_TEXT: dict[tuple[tuple[str, ...], str], str] = {}


def name_text(components: Sequence[str], realm: str, name_type: int = 1) -> str:
    """``str(Principal(name_type, components, realm))``, remembered; raises PrincipalParseError as it does."""
    key = (tuple(components), realm)
    text = _TEXT.get(key)
    if text is None:
        text = str(Principal(name_type, key[0], realm))  # name_type never changes the text
        if len(_TEXT) >= _MAX_NAMES:
            _TEXT.clear()
        _TEXT[key] = text
    return text


def principal_text(principal: Principal) -> str:
    """``str(principal)``, remembered."""
    return name_text(principal.components, principal.realm, principal.name_type)
