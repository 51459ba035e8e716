"""Public codec entry points; dispatches to the fast codec or to the pyasn1 reference.

Contract (the fast-codec work fills the bodies in, the signatures stay):

- ``encode(msg) -> bytes`` for any dataclass of ``protocol.messages.types`` (and of the
  extension modules); raises ``EncodeError`` for values out of range.
- ``decode(data, cls) -> cls`` strictly: DER only, no trailing bytes, size and depth caps;
  every failure is ``DecodeError``. ``decode(data, KDCReq)`` accepts AS-REQ and TGS-REQ,
  ``decode(data, KDCRep)`` AS-REP and TGS-REP, ``decode(data, EncKDCRepPart)`` tags 25 and 26.
- ``peek_application_tag(data) -> int | None``: the APPLICATION tag number of the outer
  element without decoding it (the dispatcher's first look), None if there is none.
- helpers for the SEQUENCE OF types carried in OCTET STRINGs: METHOD-DATA, ETYPE-INFO2,
  AuthorizationData (e.g. inside AD-IF-RELEVANT).
"""

from __future__ import annotations

from typing import TypeVar

from protocol.messages.types import AuthorizationDataEntry, ETypeInfo2Entry, PAData

T = TypeVar("T")


def encode(msg: object) -> bytes:
    raise NotImplementedError("fast codec not written yet")


def decode(data: bytes, cls: type[T]) -> T:
    raise NotImplementedError("fast codec not written yet")


def peek_application_tag(data: bytes) -> int | None:
    raise NotImplementedError


def encode_method_data(items: tuple[PAData, ...]) -> bytes:
    raise NotImplementedError


def decode_method_data(data: bytes) -> tuple[PAData, ...]:
    raise NotImplementedError


def encode_etype_info2(items: tuple[ETypeInfo2Entry, ...]) -> bytes:
    raise NotImplementedError


def decode_etype_info2(data: bytes) -> tuple[ETypeInfo2Entry, ...]:
    raise NotImplementedError


def encode_authorization_data(items: tuple[AuthorizationDataEntry, ...]) -> bytes:
    raise NotImplementedError


def decode_authorization_data(data: bytes) -> tuple[AuthorizationDataEntry, ...]:
    raise NotImplementedError
