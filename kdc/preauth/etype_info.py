"""PA-ETYPE-INFO2 (RFC 4120 section 5.2.7.5): how the client turns its password into the key."""

from __future__ import annotations

from collections.abc import Sequence

from protocol.constants import PADataType
from protocol.messages import ETypeInfo2Entry, PAData, encode_etype_info2

from kdc.db.model import PrincipalEntry, SaltType, StoredKey


def salt_of(entry: PrincipalEntry, stored: StoredKey) -> str:
    """The salt string of a stored key: its explicit salt, else the one its salt type implies (MIT)."""
    if stored.salt is not None:
        return stored.salt.decode("utf-8", "surrogateescape")
    principal = entry.principal
    if stored.salt_type == SaltType.NOREALM:
        return "".join(principal.components)
    if stored.salt_type == SaltType.ONLYREALM:
        return principal.realm
    return principal.default_salt()


def etype_info2_entries(entry: PrincipalEntry, requested: Sequence[int], usable: Sequence[int]) -> tuple[ETypeInfo2Entry, ...]:
    """One entry per enctype the client asked for and has a current key of, in the client's order.

    s2kparams is omitted: keys are made with each enctype's default iteration count, and
    RFC 3962 section 4 says the default need not be sent.
    """
    by_etype = {k.enctype: k for k in entry.keys_for_kvno() if k.enctype in usable}
    seen: set[int] = set()
    out = []
    for etype in requested:
        if etype in by_etype and etype not in seen:
            seen.add(etype)
            out.append(ETypeInfo2Entry(etype=etype, salt=salt_of(entry, by_etype[etype])))
    return tuple(out)


def etype_info2_padata(entries: tuple[ETypeInfo2Entry, ...]) -> PAData | None:
    """The PA-ETYPE-INFO2 element for ``entries`` (None when there is nothing to say)."""
    if not entries:
        return None
    return PAData(PADataType.PA_ETYPE_INFO2, encode_etype_info2(entries))
