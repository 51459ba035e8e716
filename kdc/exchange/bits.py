"""Plain-int copies of the flag registries, for the per-request hot path.

Arithmetic on ``IntFlag`` members goes through the enum machinery (a few µs per ``&``);
an exchange does dozens of flag tests, so the pure code uses these namespaces of plain
ints instead. Same names and values as ``protocol.constants`` and ``kdc.db.model.Attr``.
"""

from __future__ import annotations

from enum import IntFlag
from types import SimpleNamespace

from kdc.db.model import Attr as _Attr
from protocol.constants import APOption as _APOption
from protocol.constants import KDCOption as _KDCOption
from protocol.constants import TicketFlag as _TicketFlag


def _ints(flags: type[IntFlag]) -> SimpleNamespace:
    return SimpleNamespace(**{name: int(member) for name, member in flags.__members__.items()})


KDCOption = _ints(_KDCOption)
TicketFlag = _ints(_TicketFlag)
APOption = _ints(_APOption)
Attr = _ints(_Attr)
