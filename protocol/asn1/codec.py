"""Strict DER decoding and encoding around pyasn1.

``der_decode`` is the only door from untrusted bytes into pyasn1. It

1. caps the input size (64 KiB by default: a UDP datagram, and what MIT's KDC accepts on TCP
   by default is far less than pyasn1 can be made to chew on);
2. walks the TLV structure once without recursion (``check_der_structure``) and refuses
   indefinite lengths, non-minimal length or tag encodings, absurd tag numbers, nesting
   deeper than ``max_depth``, lengths running past their container and trailing bytes,
   so that pyasn1 only ever sees small, well-formed, shallow input (DESIGN.md "Known traps");
3. decodes with pyasn1's DER decoder against the given spec;
4. re-encodes the value (pyasn1's DER encoder with two X.690 fixes, see ``_encode``) and
   requires the same octets: whatever DER rule the decoder let
   through (non-minimal INTEGER, BOOLEAN other than 0xFF, non-zero padding bits, constructed
   strings, default values sent...) is caught here, because DER has exactly one encoding
   per value (X.690 section 10);
5. turns every exception the library raises inside into ``DecodeError``.
"""

from __future__ import annotations

from typing import Any

from pyasn1.codec.ber import encoder as _ber_encoder
from pyasn1.codec.der import decoder as _der_decoder
from pyasn1.codec.der import encoder as _der_encoder
from pyasn1.type import univ

from protocol.errors import DecodeError, EncodeError

__all__ = [
    "DEFAULT_MAX_SIZE",
    "DEFAULT_MAX_DEPTH",
    "MAX_TAG_OCTETS",
    "MAX_LENGTH_OCTETS",
    "check_der_structure",
    "der_decode",
    "der_encode",
]

DEFAULT_MAX_SIZE = 64 * 1024
DEFAULT_MAX_DEPTH = 32
# A tag number needs at most 4 base-128 octets below 2**28; Kerberos uses numbers below 64.
MAX_TAG_OCTETS = 4
# Four length octets already allow 4 GiB, far past any input we accept.
MAX_LENGTH_OCTETS = 4


def _read_tag(data: bytes, pos: int, end: int) -> tuple[bool, int]:
    """Parse one identifier (X.690 8.1.2) at ``pos``; return (constructed, next position)."""
    first = data[pos]
    pos += 1
    if first == 0x00:
        raise DecodeError("end-of-contents octets outside an indefinite-length encoding")
    if first & 0x1F == 0x1F:
        start = pos
        while True:
            if pos >= end:
                raise DecodeError("truncated long-form tag")
            octet = data[pos]
            pos += 1
            if pos - start == 1 and octet == 0x80:
                raise DecodeError("non-minimal long-form tag (leading 0x80)")
            if pos - start > MAX_TAG_OCTETS:
                raise DecodeError("tag number too long")
            if not octet & 0x80:
                break
        if pos - start == 1 and data[start] < 31:
            raise DecodeError("long-form tag for a number below 31")
    return bool(first & 0x20), pos


def _read_length(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """Parse one definite length (X.690 8.1.3, 10.1) at ``pos``; return (length, next position)."""
    if pos >= end:
        raise DecodeError("truncated length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0:
        raise DecodeError("indefinite length is not DER")
    if count > MAX_LENGTH_OCTETS:
        raise DecodeError("length field too long")
    if pos + count > end:
        raise DecodeError("truncated length")
    length = int.from_bytes(data[pos : pos + count], "big")
    if data[pos] == 0 or length < 0x80:
        raise DecodeError("non-minimal length encoding")
    return length, pos + count


class _MinimalIntegerEncoder(_ber_encoder.IntegerEncoder):
    """INTEGER contents in the fewest two's-complement octets (X.690 8.3.2).

    pyasn1 0.6.5 emits a redundant leading 0xFF for -2**(8k-1) (-128 -> ``02 02 ff 80``),
    and NT_MS_PRINCIPAL is -128; this encoder replaces it everywhere, re-encode check included.
    """

    def encodeValue(self, value: Any, asn1Spec: Any, encodeFun: Any, **options: Any) -> tuple:
        number = int(value)
        size = (number if number >= 0 else ~number).bit_length() // 8 + 1
        return number.to_bytes(size, "big", signed=True), False, True


def _make_encoder() -> Any:
    integer = _MinimalIntegerEncoder()
    tag_map = dict(_der_encoder.TAG_MAP)
    tag_map[univ.Integer.tagSet] = integer
    type_map = dict(_der_encoder.TYPE_MAP)
    type_map[univ.Integer.typeId] = integer
    return _der_encoder.Encoder(tag_map, type_map)


_DER_ENCODER = _make_encoder()


def _encode(value: Any) -> bytes:
    # pyasn1's CER/DER encoders drop an empty OPTIONAL SEQUENCE OF by default; X.690 does
    # not, and Kerberos tells "absent" from "present and empty" (types.py conventions).
    return _DER_ENCODER(value, omitEmptyOptionals=False)


def check_der_structure(data: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
    """Refuse bytes that are not exactly one well-formed, definite-length, shallow TLV.

    Linear in ``len(data)``, iterative (no recursion), and independent of any schema, so a
    fast decoder can share it. Raises ``DecodeError``; returns None when the structure is
    acceptable. Contents of primitive elements are not inspected.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise DecodeError("empty input")
    ends = [len(data)]  # end offsets of the open constructed elements; [0] is the buffer
    pos = 0
    while True:
        while pos == ends[-1]:
            ends.pop()
            if not ends:
                return
        if len(ends) == 1 and pos != 0:
            raise DecodeError("trailing bytes after the outer element")
        end = ends[-1]
        constructed, pos = _read_tag(data, pos, end)
        length, pos = _read_length(data, pos, end)
        if length > end - pos:
            raise DecodeError("length runs past the enclosing element")
        if constructed:
            if len(ends) > max_depth:
                raise DecodeError(f"nesting deeper than {max_depth}")
            ends.append(pos + length)
        else:
            pos += length


def der_decode(
    data: bytes,
    spec: Any,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """Decode ``data`` as exactly one strictly DER-encoded value of ``spec`` (a pyasn1 type
    instance). Every failure is ``DecodeError`` (X.690 section 10; RFC 4120 section 5.1).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    if len(data) > max_size:
        raise DecodeError(f"input of {len(data)} octets exceeds the {max_size}-octet limit")
    data = bytes(data)
    check_der_structure(data, max_depth)
    try:
        value, rest = _der_decoder.decode(data, asn1Spec=spec)
        if rest:
            raise DecodeError("trailing bytes after the outer element")
        again = _encode(value)
    except DecodeError:
        raise
    except Exception as exc:  # pyasn1 raises PyAsn1Error, ValueError, TypeError, ... (see module doc)
        raise DecodeError(f"{type(exc).__name__}: {exc}") from exc
    if again != data:
        raise DecodeError("not the DER encoding of its value")
    return value


def der_encode(value: Any) -> bytes:
    """DER-encode a pyasn1 value; every library failure becomes ``EncodeError``."""
    try:
        return _encode(value)
    except Exception as exc:
        raise EncodeError(f"{type(exc).__name__}: {exc}") from exc
