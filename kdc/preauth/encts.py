"""PA-ENC-TIMESTAMP (RFC 4120 section 5.2.7.2): the client proves its key by encrypting the time."""

from __future__ import annotations

from kdc.exchange.bits import TicketFlag
from protocol.constants import KeyUsage, PADataType
from protocol.crypto import decrypt
from protocol.errors import DecodeError, IntegrityError, UnsupportedEncType
from protocol.messages import EncryptedData, PAData, PAEncTSEnc, decode

from kdc.exchange.errors import PreauthFailed, Skew
from kdc.preauth.base import PreauthInput, PreauthOutcome


def key_etypes(pa: PAData) -> tuple[int, ...]:
    """The client key enctype the timestamp is encrypted in (none if the padata is malformed)."""
    try:
        return (decode(pa.padata_value, EncryptedData).etype,)
    except DecodeError:
        return ()


def hint(inp: PreauthInput) -> PAData | None:
    """An empty PA-ENC-TIMESTAMP offers the mechanism (MIT sends it when the client has keys)."""
    return PAData(PADataType.PA_ENC_TIMESTAMP, b"") if inp.client.keys else None


def verify(pa: PAData, inp: PreauthInput) -> PreauthOutcome:
    """Decrypt with the client key of the EncryptedData's enctype (usage 1), then check the skew.

    A key that does not decrypt is PREAUTH_FAILED (MIT: "Password incorrect" in kinit); a
    timestamp outside the clock skew is KRB_AP_ERR_SKEW, as MIT answers.
    """
    try:
        enc = decode(pa.padata_value, EncryptedData)
    except DecodeError as exc:
        raise PreauthFailed("PREAUTH_FAILED", detail=f"malformed PA-ENC-TIMESTAMP: {exc}") from None
    key = inp.keys.get(enc.etype)
    if key is None:
        raise PreauthFailed("PREAUTH_FAILED", detail=f"no client key of enctype {enc.etype}")
    try:
        ts = decode(decrypt(key, KeyUsage.AS_REQ_PA_ENC_TIMESTAMP, enc.cipher), PAEncTSEnc)
    except (IntegrityError, UnsupportedEncType):
        raise PreauthFailed("PREAUTH_FAILED", detail="wrong key (password incorrect)") from None
    except DecodeError:
        raise PreauthFailed("PREAUTH_FAILED", detail="PA-ENC-TS-ENC does not decode") from None
    offset = ts.patimestamp + (ts.pausec or 0) / 1e6 - inp.now
    if abs(offset) > inp.clock_skew:
        raise Skew("CLOCK_SKEW", detail=f"clock skew {offset:+.0f}s")
    return PreauthOutcome(flags=TicketFlag.PRE_AUTHENT)
