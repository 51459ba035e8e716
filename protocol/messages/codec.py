"""Public codec entry points; dispatches to the fast codec or to the pyasn1 reference.

- ``encode(msg) -> bytes`` for any dataclass of ``protocol.messages.types`` (and of the
  extension modules); raises ``EncodeError`` for values out of range.
- ``decode(data, cls) -> cls`` strictly: DER only, no trailing bytes, size and depth caps;
  every failure is ``DecodeError``. ``decode(data, KDCReq)`` accepts AS-REQ and TGS-REQ,
  ``decode(data, KDCRep)`` AS-REP and TGS-REP, ``decode(data, EncKDCRepPart)`` tags 25 and 26.
- ``peek_application_tag(data) -> int | None``: the APPLICATION tag number of the outer
  element without decoding it (the dispatcher's first look), None if there is none.
- helpers for the SEQUENCE OF types carried in OCTET STRINGs: METHOD-DATA, ETYPE-INFO2,
  AuthorizationData (e.g. inside AD-IF-RELEVANT), plus ETYPE-INFO and TYPED-DATA.

Every type of ``protocol.messages.types`` goes through the fast codec
(``protocol.messages.fast``); other types (``protocol.messages.ext_types``) through the
pyasn1 reference (``protocol.messages.reference``), which is also the fast codec's oracle.
"""

from __future__ import annotations

from typing import Any, TypeVar

from protocol.messages import fast
from protocol.messages.types import AuthorizationDataEntry, ETypeInfo2Entry, ETypeInfoEntry, PAData, TypedDataEntry

T = TypeVar("T")

_DECODERS = fast.DECODERS
_ENCODERS = fast.ENCODERS


def _reference() -> Any:
    # Imported lazily: the hot path never needs pyasn1, and importing it costs ~100 ms.
    from protocol.messages import reference

    return reference


def encode(msg: object) -> bytes:
    """DER encoding of a message (RFC 4120 section 5; X.690 DER as section 5.1 requires)."""
    fn = _ENCODERS.get(type(msg))
    if fn is None:
        return _reference().encode(msg)
    return fast.run_encoder(fn, msg)


def decode(data: bytes, cls: type[T]) -> T:
    """Decode ``data`` as exactly one strictly DER-encoded ``cls`` (RFC 4120 section 5).

    Raises DecodeError for anything else: BER forms, trailing octets, wrong or missing tags,
    unknown fields, out-of-range values, inputs over 64 KiB.
    """
    fn = _DECODERS.get(cls)
    if fn is None:
        return _reference().decode(data, cls)
    return fast.run_decoder(fn, data)


def peek_application_tag(data: bytes) -> int | None:
    """APPLICATION tag number of the outer element (RFC 4120 5.10 msg-type), or None.

    Only the first octet is read: a constructed APPLICATION tag with a low tag number
    (every Kerberos message). Decoding validates the rest.
    """
    if not data:
        return None
    first = data[0]
    if first & 0xE0 != 0x60 or first & 0x1F == 0x1F:
        return None
    return first & 0x1F


def encode_method_data(items: tuple[PAData, ...]) -> bytes:
    """METHOD-DATA ::= SEQUENCE OF PA-DATA (RFC 4120 5.9.1), the e-data of PREAUTH_REQUIRED."""
    return fast.run_encoder(fast.encode_method_data, items)


def decode_method_data(data: bytes) -> tuple[PAData, ...]:
    """Inverse of encode_method_data; DecodeError on anything else."""
    return fast.run_decoder(fast.decode_method_data, data)


def encode_etype_info2(items: tuple[ETypeInfo2Entry, ...]) -> bytes:
    """ETYPE-INFO2 ::= SEQUENCE SIZE (1..MAX) OF ETYPE-INFO2-ENTRY (RFC 4120 5.2.7.5); empty is EncodeError."""
    return fast.run_encoder(fast.encode_etype_info2, items)


def decode_etype_info2(data: bytes) -> tuple[ETypeInfo2Entry, ...]:
    """Inverse of encode_etype_info2; an empty sequence is a DecodeError (SIZE (1..MAX))."""
    return fast.run_decoder(fast.decode_etype_info2, data)


def encode_etype_info(items: tuple[ETypeInfoEntry, ...]) -> bytes:
    """ETYPE-INFO ::= SEQUENCE OF ETYPE-INFO-ENTRY (RFC 4120 5.2.7.4)."""
    return fast.run_encoder(fast.encode_etype_info, items)


def decode_etype_info(data: bytes) -> tuple[ETypeInfoEntry, ...]:
    """Inverse of encode_etype_info."""
    return fast.run_decoder(fast.decode_etype_info, data)


def encode_typed_data(items: tuple[TypedDataEntry, ...]) -> bytes:
    """TYPED-DATA ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE {...} (RFC 4120 5.9.1)."""
    return fast.run_encoder(fast.encode_typed_data, items)


def decode_typed_data(data: bytes) -> tuple[TypedDataEntry, ...]:
    """Inverse of encode_typed_data; an empty sequence is a DecodeError."""
    return fast.run_decoder(fast.decode_typed_data, data)


def encode_authorization_data(items: tuple[AuthorizationDataEntry, ...]) -> bytes:
    """AuthorizationData ::= SEQUENCE OF SEQUENCE { ad-type, ad-data } (RFC 4120 5.2.6)."""
    return fast.run_encoder(fast.encode_authorization_data, items)


def decode_authorization_data(data: bytes) -> tuple[AuthorizationDataEntry, ...]:
    """Inverse of encode_authorization_data (also ``decode(data, AuthorizationData)``)."""
    return fast.run_decoder(fast.decode_authorization_data, data)
