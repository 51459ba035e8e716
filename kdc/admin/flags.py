"""kadmin's principal flags (``+allow_tix``, ``-requires_preauth`` ...) as one table over MIT's KRB5_KDB_* bits.

Most MIT bits are "disallow" bits, so ``+allow_X`` clears a bit and ``-allow_X`` sets it;
the table's ``inverted`` column says which. Names and meanings follow kadmin(1).
"""

from __future__ import annotations

from dataclasses import dataclass

from kdc.db.model import Attr


@dataclass(frozen=True)
class Flag:
    name: str
    bit: Attr
    inverted: bool  # True: "+name" clears ``bit`` (a DISALLOW_* bit)

    def apply(self, attributes: int, on: bool) -> int:
        """``attributes`` with this flag turned on (``+name``) or off (``-name``)."""
        set_bit = on != self.inverted
        return attributes | self.bit if set_bit else attributes & ~self.bit


FLAGS: tuple[Flag, ...] = (
    Flag("allow_postdated", Attr.DISALLOW_POSTDATED, True),
    Flag("allow_forwardable", Attr.DISALLOW_FORWARDABLE, True),
    Flag("allow_tgs_req", Attr.DISALLOW_TGT_BASED, True),
    Flag("allow_renewable", Attr.DISALLOW_RENEWABLE, True),
    Flag("allow_proxiable", Attr.DISALLOW_PROXIABLE, True),
    Flag("allow_dup_skey", Attr.DISALLOW_DUP_SKEY, True),
    Flag("allow_tix", Attr.DISALLOW_ALL_TIX, True),
    Flag("requires_preauth", Attr.REQUIRES_PRE_AUTH, False),
    Flag("requires_hwauth", Attr.REQUIRES_HW_AUTH, False),
    Flag("needchange", Attr.REQUIRES_PWCHANGE, False),
    Flag("allow_svr", Attr.DISALLOW_SVR, True),
    Flag("password_changing_service", Attr.PWCHANGE_SERVICE, False),
    Flag("ok_as_delegate", Attr.OK_AS_DELEGATE, False),
    Flag("ok_to_auth_as_delegate", Attr.OK_TO_AUTH_AS_DELEGATE, False),
    Flag("no_auth_data_required", Attr.NO_AUTH_DATA_REQUIRED, False),
    Flag("lockdown_keys", Attr.LOCKDOWN_KEYS, False),
)
FLAGS_BY_NAME = {f.name: f for f in FLAGS}


def lookup_flag(token: str) -> tuple[Flag, bool] | None:
    """``(flag, on)`` for a ``+name``/``-name`` token naming a flag; None when it names none."""
    if len(token) < 2 or token[0] not in "+-":
        return None
    flag = FLAGS_BY_NAME.get(token[1:].lower())
    return None if flag is None else (flag, token[0] == "+")


def attribute_names(attributes: int) -> list[str]:
    """MIT getprinc's ``Attributes:`` words: the KRB5_KDB_* names of the set bits."""
    names = [bit.name for bit in Attr if attributes & bit]
    unknown = attributes & ~sum(Attr)
    for shift in range(32):
        if unknown & (1 << shift):
            names.append(f"UNKNOWN_0x{1 << shift:08X}")
    return names
