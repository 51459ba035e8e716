"""PA-ENC-TIMESTAMP (RFC 4120 section 5.2.7.2): the client proves its key by encrypting the time."""

from __future__ import annotations

from kdc.exchange.bits import TicketFlag
from protocol.constants import KeyUsage, PADataType
from protocol.crypto import decrypt
from protocol.errors import DecodeError, IntegrityError, UnsupportedEncType
from protocol.messages import EncryptedData, PAData, PAEncTSEnc, decode

from kdc.exchange.errors import EtypeNoSupp, PreauthFailed, Skew
from kdc.preauth.base import PreauthInput, PreauthOutcome


_PRE_AUTHENT = PreauthOutcome(flags=TicketFlag.PRE_AUTHENT)

# The last PA-ENC-TIMESTAMP value decoded, and its EncryptedData: gather asks for its
# enctype (key_etypes) and verify then needs the same value decoded (one tuple, swapped
# whole, so that a reader never pairs one value with another's decoding).
_last: tuple[bytes | None, EncryptedData | None] = (None, None)


def _encrypted(value: bytes) -> EncryptedData:
    global _last
    last = _last
    if last[0] is value:
        return last[1]  # type: ignore[return-value]
    enc = decode(value, EncryptedData)
    _last = (value, enc)
    return enc


def key_etypes(pa: PAData) -> tuple[int, ...]:
    """The client key enctype the timestamp is encrypted in (none if the padata is malformed)."""
    try:
        return (_encrypted(pa.padata_value).etype,)
    except DecodeError:
        return ()


def hint(inp: PreauthInput) -> PAData | None:
    """An empty PA-ENC-TIMESTAMP offers the mechanism (MIT sends it when the client has keys)."""
    return PAData(PADataType.PA_ENC_TIMESTAMP, b"") if inp.client.keys else None


def verify(pa: PAData, inp: PreauthInput) -> PreauthOutcome:
    """Decrypt with the client key of the EncryptedData's enctype (usage 1), then check the skew.

    A key that does not decrypt is PREAUTH_FAILED (MIT: "Password incorrect" in kinit); a
    timestamp outside the clock skew is KRB_AP_ERR_SKEW, as MIT answers.

    A timestamp in an enctype the realm does not use (weak with ``allow_weak_crypto`` off,
    or not permitted) is never decrypted: KDC_ERR_ETYPE_NOSUPP, whether or not the client
    has such a key and whatever the password. Decrypting it would make an rc4 key a
    password oracle although rc4 is off. MIT's encts tries any stored key of the enctype;
    ETYPE_NOSUPP is a code its filter_preauth_error passes through, it tells a client that
    ignored our PA-ETYPE-INFO2 what is wrong, and it does not count toward lockout: it
    says nothing about the password.
    """
    try:
        enc = _encrypted(pa.padata_value)
    except DecodeError as exc:
        raise PreauthFailed("PREAUTH_FAILED", detail=f"malformed PA-ENC-TIMESTAMP: {exc}") from None
    if enc.etype not in inp.usable:
        raise EtypeNoSupp("BAD_ENCRYPTION_TYPE", detail=f"PA-ENC-TIMESTAMP in enctype {enc.etype}, not usable here")
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
    return _PRE_AUTHENT
