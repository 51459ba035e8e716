"""Pre-authentication (RFC 4120 section 5.2.7, RFC 6113): a table of mechanisms.

Encrypted timestamp is the only row today; encrypted challenge (FAST), PKINIT or SPAKE are
new rows of ``MECHANISMS`` with their own ``key_etypes``/``hint``/``verify``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from protocol.constants import PADataType
from protocol.messages import PAData

from kdc.exchange.errors import PreauthFailed, PreauthRequired
from kdc.preauth import encts
from kdc.preauth.base import Mechanism, PreauthInput, PreauthOutcome

__all__ = ["MECHANISMS", "Mechanism", "PreauthInput", "PreauthOutcome", "find_padata", "keys_needed",
           "method_data", "check_preauth"]

MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism(PADataType.PA_ENC_TIMESTAMP, "encrypted-timestamp", encts.key_etypes, encts.hint, encts.verify),
)
_BY_TYPE = {m.padata_type: m for m in MECHANISMS}


def find_padata(padata: Sequence[PAData] | None) -> tuple[Mechanism, PAData] | None:
    """The first padata element of the request that a mechanism of the table handles."""
    for pa in padata or ():
        mech = _BY_TYPE.get(pa.padata_type)
        if mech is not None:
            return mech, pa
    return None


def keys_needed(padata: Sequence[PAData] | None) -> tuple[int, ...]:
    """Client key enctypes the request's pre-authentication needs unsealed."""
    found = find_padata(padata)
    return found[0].key_etypes(found[1]) if found else ()


def method_data(inp: PreauthInput, etype_info2: PAData | None) -> tuple[PAData, ...]:
    """METHOD-DATA for PREAUTH_REQUIRED/PREAUTH_FAILED: PA-ETYPE-INFO2, then each mechanism's hint (MIT order)."""
    hints = [etype_info2] if etype_info2 is not None else []
    hints.extend(h for h in (m.hint(inp) for m in MECHANISMS) if h is not None)
    return tuple(hints)


def check_preauth(inp: PreauthInput, required: bool, hints: Callable[[], tuple[PAData, ...]]) -> int:
    """Verify the request's pre-authentication; return the ticket flags it earns.

    ``hints()`` builds the METHOD-DATA for errors (only on the error paths: a successful
    request does not pay for encoding ETYPE-INFO2 twice).
    No recognised padata: PREAUTH_REQUIRED (with the hints) when the client requires it,
    else nothing earned. A failed verification keeps its own code (SKEW stays SKEW, as
    MIT's filter_preauth_error) and PREAUTH_FAILED carries the hints too, as MIT does.
    """
    found = find_padata(inp.request.padata)
    if found is None:
        if required:
            raise PreauthRequired("NEEDED_PREAUTH", e_data=hints(), detail="pre-authentication required")
        return 0
    mech, pa = found
    try:
        return mech.verify(pa, inp).flags
    except PreauthFailed as err:
        err.e_data = hints()
        raise
