"""The MIT 1.20 captures in tests/data/mit (made by scripts/capture-mit): their metadata,
the outer messages' names and types, their octets and the keys of MIT's keytab."""

from __future__ import annotations

import json
from pathlib import Path

from protocol.keytab import parse_keytab
from protocol.messages import types as t

DATA = Path(__file__).resolve().parents[1] / "data" / "mit"
META = json.loads((DATA / "capture.json").read_text())

# Each captured message by name, with the type it decodes to, in capture order.
CAPTURES: dict[str, type] = {
    "as-req-no-preauth": t.KDCReq,
    "krb-error-preauth-required": t.KRBError,
    "as-req-enc-timestamp": t.KDCReq,
    "as-rep": t.KDCRep,
    "tgs-req": t.KDCReq,
    "tgs-rep": t.KDCRep,
    "tgs-req-unknown-service": t.KDCReq,
    "krb-error-unknown-service": t.KRBError,
    "tgs-req-unknown-service-no-canon": t.KDCReq,
    "krb-error-unknown-service-no-canon": t.KRBError,
}


def raw(name: str) -> bytes:
    """The octets of capture ``name`` as they crossed the wire."""
    return (DATA / f"{name}.der").read_bytes()


def keytab_key(principal: str, etype: int) -> t.EncryptionKey:
    """``principal``'s key of ``etype`` from the keytab MIT's kadmin wrote for the captures."""
    for entry in parse_keytab((DATA / "keys.keytab").read_bytes()):
        if str(entry.principal) == principal and entry.key.keytype == etype:
            return entry.key
    raise LookupError(f"no {etype} key for {principal} in the capture keytab")
