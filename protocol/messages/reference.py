"""The pyasn1 reference codec: frozen dataclasses <-> strict DER, through the ASN.1 schema.

This is the oracle the fast codec (``protocol.messages.fast``) is tested against, and the
codec for every message that is not on the hot path. Same entry points and semantics as
``protocol.messages.codec``:

- ``encode(msg) -> bytes`` for every dataclass of ``protocol.messages.types`` and
  ``protocol.messages.ext_types``; ``EncodeError`` for values the schema refuses.
- ``decode(data, cls) -> cls``: strict DER through ``protocol.asn1.codec.der_decode``;
  every failure is ``DecodeError``.

Value conventions (the ``types`` module docstring, made exact):

- KerberosTime <-> ``int`` seconds since the epoch, encoded ``YYYYMMDDHHMMSSZ`` (RFC 4120
  section 5.2.3: no fractions, always Z). Accepted range 0 (19700101000000Z) to
  253402300799 (99991231235959Z); a decoded time must be a real calendar instant (no
  month 13, no 30 February, no leap second 60).
- KerberosFlags <-> ``int`` 0..2**32-1, always exactly 32 bits on the wire (``03 05 00
  xx xx xx xx``); a BIT STRING of any other length decodes to ``DecodeError`` (MIT and
  Heimdal both send 32 bits).
- Int32, UInt32, Microseconds, ``INTEGER (5)`` pvno and the msg-type of each message are
  range-checked by the schema both ways; ``KDCReq``/``KDCRep`` take their APPLICATION tag
  from ``msg_type`` and refuse a msg-type that does not match the tag; ``EncKDCRepPart``
  takes it from ``tag`` (25 or 26).
- KerberosString <-> ``str`` as UTF-8; non-UTF-8 octets are ``DecodeError``.
- ``raw`` (``KDCReqBody``, ``Ticket``) is filled on decode with the element's exact octets
  (its own tags included, the enclosing ``[n]`` excluded). The input is verified to be DER,
  so re-encoding the decoded element reproduces the received octets exactly.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
import time
from typing import Any, TypeVar

from pyasn1.type import univ
from pyasn1.type.base import noValue

from protocol.asn1 import mskkdcp, mspac, mssfu, rfc3244, rfc4120, rfc6113
from protocol.asn1.codec import (
    DEFAULT_MAX_SIZE,
    _read_length,
    _read_tag,
    der_decode,
    der_encode,
)
from protocol.constants import MessageType
from protocol.errors import DecodeError, EncodeError
from protocol.messages import ext_types as x
from protocol.messages import types as t
from protocol.messages.codec import peek_application_tag

__all__ = [
    "encode",
    "decode",
    "peek_application_tag",
    "encode_method_data",
    "decode_method_data",
    "encode_etype_info2",
    "decode_etype_info2",
    "encode_etype_info",
    "decode_etype_info",
    "encode_typed_data",
    "decode_typed_data",
    "encode_authorization_data",
    "decode_authorization_data",
    "encode_pa_authentication_set",
    "decode_pa_authentication_set",
    "MAX_KERBEROS_TIME",
]

T = TypeVar("T")

MAX_KERBEROS_TIME = 253402300799  # 9999-12-31 23:59:59 UTC
_TIME_RE = re.compile(rb"[0-9]{14}Z\Z")

# dataclass -> pyasn1 spec class, for types with one encoding.
_SPEC: dict[type, type] = {
    t.PrincipalName: rfc4120.PrincipalName,
    t.EncryptionKey: rfc4120.EncryptionKey,
    t.EncryptedData: rfc4120.EncryptedData,
    t.Checksum: rfc4120.Checksum,
    t.HostAddress: rfc4120.HostAddress,
    t.AuthorizationDataEntry: rfc4120.AuthorizationDataEntry,
    t.PAData: rfc4120.PAData,
    t.LastReqEntry: rfc4120.LastReqEntry,
    t.TransitedEncoding: rfc4120.TransitedEncoding,
    t.Ticket: rfc4120.Ticket,
    t.EncTicketPart: rfc4120.EncTicketPart,
    t.KDCReqBody: rfc4120.KDCReqBody,
    t.Authenticator: rfc4120.Authenticator,
    t.APReq: rfc4120.APReq,
    t.APRep: rfc4120.APRep,
    t.EncAPRepPart: rfc4120.EncAPRepPart,
    t.KRBError: rfc4120.KRBError,
    t.PAEncTSEnc: rfc4120.PAEncTSEnc,
    t.ETypeInfo2Entry: rfc4120.ETypeInfo2Entry,
    t.ETypeInfoEntry: rfc4120.ETypeInfoEntry,
    t.TypedDataEntry: rfc4120.TypedDataEntry,
}

_SPEC.update(
    {
        x.KRBSafeBody: rfc4120.KRBSafeBody,
        x.KRBSafe: rfc4120.KRBSafe,
        x.KRBPriv: rfc4120.KRBPriv,
        x.EncKrbPrivPart: rfc4120.EncKrbPrivPart,
        x.KRBCred: rfc4120.KRBCred,
        x.EncKrbCredPart: rfc4120.EncKrbCredPart,
        x.KrbCredInfo: rfc4120.KrbCredInfo,
        x.ADKDCIssued: rfc4120.ADKDCIssued,
        x.ADAndOr: rfc4120.ADAndOr,
        x.PAForUser: mssfu.PAForUser,
        x.S4UUserID: mssfu.S4UUserID,
        x.PAS4UX509User: mssfu.PAS4UX509User,
        x.PAPacRequest: mspac.KerbPaPacRequest,
        x.KDCProxyMessage: mskkdcp.KDCProxyMessage,
        x.ChangePasswdData: rfc3244.ChangePasswdData,
        x.KrbFastArmor: rfc6113.KrbFastArmor,
        x.KrbFastArmoredReq: rfc6113.KrbFastArmoredReq,
        x.PAFxFastRequest: rfc6113.PAFxFastRequest,
        x.KrbFastReq: rfc6113.KrbFastReq,
        x.KrbFastArmoredRep: rfc6113.KrbFastArmoredRep,
        x.PAFxFastReply: rfc6113.PAFxFastReply,
        x.KrbFastResponse: rfc6113.KrbFastResponse,
        x.KrbFastFinished: rfc6113.KrbFastFinished,
        x.PAAuthenticationSetElem: rfc6113.PAAuthenticationSetElem,
    }
)

# dataclass -> (selector field, {selector value / APPLICATION tag: spec class}).
_TAGGED: dict[type, tuple[str, dict[int, type]]] = {
    t.KDCReq: ("msg_type", {10: rfc4120.ASReq, 12: rfc4120.TGSReq}),
    t.KDCRep: ("msg_type", {11: rfc4120.ASRep, 13: rfc4120.TGSRep}),
    t.EncKDCRepPart: ("tag", {25: rfc4120.EncASRepPart, 26: rfc4120.EncTGSRepPart}),
}

# pyasn1 spec class -> dataclass, for decoding nested components.
_DATACLASS: dict[type, type] = {spec: dc for dc, spec in _SPEC.items()}
_DATACLASS.update({spec: dc for dc, (_, specs) in _TAGGED.items() for spec in specs.values()})


def python_name(asn1_name: str) -> str:
    """ASN.1 component name -> dataclass field name (``renew-till`` -> ``renew_till``,
    ``userName`` -> ``user_name``, ``from`` -> ``from_``)."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", asn1_name).replace("-", "_").lower()
    return "from_" if name == "from" else name


# ---------------------------------------------------------------------------- times


def format_time(value: int) -> str:
    """Epoch seconds -> KerberosTime text (RFC 4120 section 5.2.3)."""
    if not 0 <= value <= MAX_KERBEROS_TIME:
        raise EncodeError(f"KerberosTime {value} outside 1970..9999")
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(value))


def parse_time(octets: bytes) -> int:
    """KerberosTime octets -> epoch seconds; refuses fractions, offsets and impossible dates."""
    if not _TIME_RE.match(octets):
        raise DecodeError(f"KerberosTime {octets!r} is not YYYYMMDDHHMMSSZ")
    fields = tuple(int(octets[i : i + w]) for i, w in ((0, 4), (4, 2), (6, 2), (8, 2), (10, 2), (12, 2)))
    if fields[0] < 1970 or not 1 <= fields[1] <= 12:
        raise DecodeError(f"KerberosTime {octets!r} out of range")
    value = calendar.timegm(fields + (0, 0, 0))
    if format_time(value).encode() != octets:
        raise DecodeError(f"KerberosTime {octets!r} is not a calendar instant")
    return value


# ---------------------------------------------------------------------------- decode side


def _strip_outer_tags(value: Any, encoded: bytes) -> bytes:
    """Drop the explicit ``[n]`` wrappers that the enclosing SEQUENCE put around ``value``."""
    extra = len(value.tagSet) - len(type(value).tagSet)
    pos = 0
    for _ in range(extra):
        _, pos = _read_tag(encoded, pos, len(encoded))
        _, pos = _read_length(encoded, pos, len(encoded))
    return encoded[pos:]


def _scalar_from_asn1(value: Any) -> Any:
    if isinstance(value, rfc4120.KerberosTime):
        return parse_time(value.asOctets())
    if isinstance(value, univ.Boolean):
        return bool(value)
    if isinstance(value, rfc4120.KerberosString):
        try:
            return value.asOctets().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError("KerberosString is not UTF-8") from exc
    if isinstance(value, univ.BitString):
        if len(value) != 32:
            raise DecodeError(f"flags BIT STRING of {len(value)} bits, expected 32")
        return value.asInteger()
    if isinstance(value, univ.OctetString):
        return value.asOctets()
    if isinstance(value, univ.Integer):
        return int(value)
    raise DecodeError(f"no conversion for {type(value).__name__}")


def from_asn1(value: Any) -> Any:
    """pyasn1 value (already strictly decoded) -> dataclass / tuple / scalar."""
    if isinstance(value, univ.SequenceOf):
        return tuple(from_asn1(item) for item in value)
    if isinstance(value, (univ.Sequence, univ.Choice)):
        return _dataclass_from_asn1(value)
    return _scalar_from_asn1(value)


def _dataclass_from_asn1(value: Any) -> Any:
    cls = _DATACLASS.get(type(value))
    if cls is None:
        raise DecodeError(f"no dataclass bound to {type(value).__name__}")
    kwargs: dict[str, Any] = {}
    if isinstance(value, univ.Choice):
        kwargs[python_name(value.getName())] = from_asn1(value.getComponent())
    else:
        for named in value.componentType.namedTypes:
            component = value.getComponentByName(named.name, instantiate=False)
            if component is not noValue and component.isValue:
                kwargs[python_name(named.name)] = from_asn1(component)
    if "msg_type" in kwargs:
        kwargs["msg_type"] = MessageType(kwargs["msg_type"])
    if "raw" in _field_names(cls):
        kwargs["raw"] = _strip_outer_tags(value, der_encode(value))
    return cls(**kwargs)


# ---------------------------------------------------------------------------- encode side


def _check_int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise EncodeError(f"{what}: expected int, got {type(value).__name__}")
    return int(value)


def _scalar_to_asn1(value: Any, spec: Any, what: str) -> Any:
    if isinstance(spec, rfc4120.KerberosTime):
        return spec.clone(format_time(_check_int(value, what)))
    if isinstance(spec, univ.Boolean):
        if not isinstance(value, bool):
            raise EncodeError(f"{what}: expected bool, got {type(value).__name__}")
        return spec.clone(value)
    if isinstance(spec, rfc4120.KerberosString):
        if not isinstance(value, str):
            raise EncodeError(f"{what}: expected str, got {type(value).__name__}")
        try:
            return spec.clone(value.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise EncodeError(f"{what}: not encodable as UTF-8") from exc
    if isinstance(spec, univ.BitString):
        flags = _check_int(value, what)
        if not 0 <= flags < 1 << 32:
            raise EncodeError(f"{what}: flags {flags} do not fit 32 bits")
        return spec.clone(binValue=format(flags, "032b"))
    if isinstance(spec, univ.OctetString):
        if not isinstance(value, (bytes, bytearray)):
            raise EncodeError(f"{what}: expected bytes, got {type(value).__name__}")
        return spec.clone(bytes(value))
    if isinstance(spec, univ.Integer):
        return spec.clone(_check_int(value, what))
    raise EncodeError(f"{what}: no conversion for {type(spec).__name__}")


def to_asn1(value: Any, spec: Any, what: str = "value") -> Any:
    """dataclass / tuple / scalar -> pyasn1 value shaped (and tagged) like ``spec``."""
    try:
        if isinstance(spec, univ.SequenceOf):
            if not isinstance(value, (tuple, list)):
                raise EncodeError(f"{what}: expected a tuple, got {type(value).__name__}")
            out = spec.clone()
            out.clear()
            for item in value:
                out.append(to_asn1(item, spec.componentType, what))
            return out
        if isinstance(spec, (univ.Sequence, univ.Choice)):
            return _dataclass_to_asn1(value, spec, what)
        return _scalar_to_asn1(value, spec, what)
    except EncodeError:
        raise
    except Exception as exc:  # pyasn1 constraint violations and friends
        raise EncodeError(f"{what}: {type(exc).__name__}: {exc}") from exc


def _dataclass_to_asn1(value: Any, spec: Any, what: str) -> Any:
    expected = _DATACLASS.get(type(spec))
    if expected is None or not isinstance(value, expected):
        want = expected.__name__ if expected else type(spec).__name__
        raise EncodeError(f"{what}: expected {want}, got {type(value).__name__}")
    out = spec.clone()
    for named in spec.componentType.namedTypes:
        item = getattr(value, python_name(named.name))
        if item is None:
            if named.isOptional or isinstance(spec, univ.Choice):
                continue
            raise EncodeError(f"{type(value).__name__}.{python_name(named.name)} is required")
        out[named.name] = to_asn1(item, named.asn1Object, f"{type(value).__name__}.{named.name}")
    return out


# ---------------------------------------------------------------------------- entry points


def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def _spec_for_value(msg: Any) -> type:
    cls = type(msg)
    if cls in _TAGGED:
        selector, specs = _TAGGED[cls]
        key = getattr(msg, selector)
        if key not in specs:
            raise EncodeError(f"{cls.__name__}.{selector}={key!r} is not one of {sorted(specs)}")
        return specs[key]
    if cls not in _SPEC:
        raise EncodeError(f"no encoding for {cls.__name__}")
    return _SPEC[cls]


def encode(msg: object) -> bytes:
    """DER-encode a message dataclass (RFC 4120 section 5; X.690 DER)."""
    return _encode_as(msg, _spec_for_value(msg), type(msg).__name__)


def _spec_for_bytes(data: bytes, cls: type) -> tuple[type, int | None]:
    if cls in _TAGGED:
        _, specs = _TAGGED[cls]
        tag = peek_application_tag(data)
        if tag not in specs:
            raise DecodeError(f"APPLICATION tag {tag} is not a {cls.__name__} ({sorted(specs)})")
        return specs[tag], tag
    if cls not in _SPEC:
        raise DecodeError(f"no decoding for {getattr(cls, '__name__', cls)!r}")
    return _SPEC[cls], None


def decode(data: bytes, cls: type[T], *, max_size: int = DEFAULT_MAX_SIZE) -> T:
    """Decode exactly one strictly DER-encoded ``cls`` from ``data`` (RFC 4120 section 5).

    ``KDCReq`` accepts AS-REQ and TGS-REQ, ``KDCRep`` AS-REP and TGS-REP, and their msg-type
    must equal the APPLICATION tag; ``EncKDCRepPart`` accepts tags 25 and 26.
    """
    spec, tag = _spec_for_bytes(data, cls)
    result = _decode_as(data, spec, max_size)
    if cls in _TAGGED:
        selector, _ = _TAGGED[cls]
        if selector == "tag":
            result = dataclasses.replace(result, tag=tag)
        elif getattr(result, selector) != tag:
            raise DecodeError(f"msg-type {getattr(result, selector)} inside APPLICATION {tag}")
    return result  # type: ignore[return-value]


def _encode_as(value: Any, spec: type, name: str) -> bytes:
    return der_encode(to_asn1(value, spec(), name))


def _decode_as(data: bytes, spec: type, max_size: int = DEFAULT_MAX_SIZE) -> Any:
    """``data`` strictly decoded as ``spec`` and converted; every failure is DecodeError."""
    value = der_decode(data, spec(), max_size=max_size)
    try:
        return from_asn1(value)
    except DecodeError:
        raise
    except Exception as exc:
        raise DecodeError(f"{type(exc).__name__}: {exc}") from exc


def encode_method_data(items: tuple[t.PAData, ...]) -> bytes:
    """METHOD-DATA ::= SEQUENCE OF PA-DATA (RFC 4120 section 5.9.1, KRB-ERROR e-data)."""
    return _encode_as(items, rfc4120.MethodData, "METHOD-DATA")


def decode_method_data(data: bytes) -> tuple[t.PAData, ...]:
    """Inverse of ``encode_method_data``; ``DecodeError`` on anything else."""
    return _decode_as(data, rfc4120.MethodData)


def encode_etype_info2(items: tuple[t.ETypeInfo2Entry, ...]) -> bytes:
    """ETYPE-INFO2 ::= SEQUENCE SIZE (1..MAX) OF ETYPE-INFO2-ENTRY (RFC 4120 section 5.2.7.5);
    an empty tuple is ``EncodeError``."""
    return _encode_as(items, rfc4120.ETypeInfo2, "ETYPE-INFO2")


def decode_etype_info2(data: bytes) -> tuple[t.ETypeInfo2Entry, ...]:
    """Inverse of ``encode_etype_info2``; an empty SEQUENCE is ``DecodeError``."""
    return _decode_as(data, rfc4120.ETypeInfo2)


def encode_etype_info(items: tuple[t.ETypeInfoEntry, ...]) -> bytes:
    """ETYPE-INFO ::= SEQUENCE OF ETYPE-INFO-ENTRY (RFC 4120 section 5.2.7.4)."""
    return _encode_as(items, rfc4120.ETypeInfo, "ETYPE-INFO")


def decode_etype_info(data: bytes) -> tuple[t.ETypeInfoEntry, ...]:
    """Inverse of ``encode_etype_info``."""
    return _decode_as(data, rfc4120.ETypeInfo)


def encode_typed_data(items: tuple[t.TypedDataEntry, ...]) -> bytes:
    """TYPED-DATA ::= SEQUENCE SIZE (1..MAX) OF ... (RFC 4120 section 5.9.1)."""
    return _encode_as(items, rfc4120.TypedData, "TYPED-DATA")


def decode_typed_data(data: bytes) -> tuple[t.TypedDataEntry, ...]:
    """Inverse of ``encode_typed_data``."""
    return _decode_as(data, rfc4120.TypedData)


def encode_authorization_data(items: tuple[t.AuthorizationDataEntry, ...]) -> bytes:
    """AuthorizationData ::= SEQUENCE OF SEQUENCE { ad-type, ad-data } (RFC 4120 section 5.2.6);
    also the encoding of AD-IF-RELEVANT and AD-MANDATORY-FOR-KDC contents."""
    return _encode_as(items, rfc4120.AuthorizationData, "AuthorizationData")


def decode_authorization_data(data: bytes) -> tuple[t.AuthorizationDataEntry, ...]:
    """Inverse of ``encode_authorization_data``."""
    return _decode_as(data, rfc4120.AuthorizationData)


def encode_pa_authentication_set(items: tuple[x.PAAuthenticationSetElem, ...]) -> bytes:
    """PA-AUTHENTICATION-SET ::= SEQUENCE OF PA-AUTHENTICATION-SET-ELEM (RFC 6113 section 5.3)."""
    return _encode_as(items, rfc6113.PAAuthenticationSet, "PA-AUTHENTICATION-SET")


def decode_pa_authentication_set(data: bytes) -> tuple[x.PAAuthenticationSetElem, ...]:
    """Inverse of ``encode_pa_authentication_set``."""
    return _decode_as(data, rfc6113.PAAuthenticationSet)
