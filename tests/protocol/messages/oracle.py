"""Where the pyasn1 reference codec and X.690 DER part ways, so the differential tests
can tell an oracle quirk from a fast-codec bug.

pyasn1 0.6.5 (the reference's engine) has two deviations that the fast codec does not copy:

1. Its INTEGER encoder emits a redundant leading 0xFF for -2**(8k-1): -128 becomes
   ``02 02 ff 80`` instead of ``02 01 80`` (X.690 8.3.2 forbids the extra octet; reported
   upstream as https://github.com/pyasn1/pyasn1/issues/117). The
   reference's re-encode check then also refuses the correct ``02 01 80``. NameType
   NT_MS_PRINCIPAL is -128, so this matters on the wire.
2. Its DER Sequence encoder omits an OPTIONAL SEQUENCE OF that is present but empty
   (``omitEmptyOptionals``), and so refuses a received present-but-empty one. The
   ``types`` contract distinguishes ``()`` (present, empty) from ``None`` (absent); DER has
   no rule allowing either codec to drop a present component.

``has_quirk(value)`` says whether a message contains either case.
"""

from __future__ import annotations

import dataclasses
from typing import Any

NON_MINIMAL_IN_PYASN1 = frozenset(-(2 ** (8 * k - 1)) for k in range(1, 9))

# Field names of the OPTIONAL SEQUENCE OF components in protocol.messages.types.
OPTIONAL_SEQUENCES = {
    "caddr",
    "authorization_data",
    "addresses",
    "additional_tickets",
    "padata",
    "encrypted_pa_data",
}


def has_quirk(value: Any) -> bool:
    """True if ``value`` holds an integer or an empty optional SEQUENCE OF that pyasn1 mis-encodes."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value in NON_MINIMAL_IN_PYASN1
    if isinstance(value, tuple):
        return any(has_quirk(v) for v in value)
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if f.name == "raw" or f.name == "tag":
                continue
            v = getattr(value, f.name)
            if f.name in OPTIONAL_SEQUENCES and v == ():
                return True
            if has_quirk(v):
                return True
    return False
