"""DER primitives for the fast Kerberos codec (X.690 section 8 and 10, RFC 4120 section 5.2).

Decoding works on a ``bytes`` buffer with index arithmetic: every reader takes the buffer
``d``, a position ``i`` and the end ``end`` of the enclosing element, and returns the value
and the position after it. Nothing here recurses on the input, so nesting depth is bounded
by the fixed message schemas, never by the bytes received.

What is accepted is exactly canonical DER: one-octet tags (every Kerberos tag is below 31),
definite lengths in the minimal form (short form below 128, else 0x81/0x82 with no leading
zero octet; longer forms cannot fit in the 64 KiB input cap), minimal two's-complement
INTEGERs, primitive OCTET STRING/GeneralString, GeneralizedTime as ``YYYYMMDDHHMMSSZ``.

Reads past the end of the buffer raise IndexError; the public entry points turn that (and
ValueError, UnicodeDecodeError) into DecodeError. Element bounds are always checked against
``end``, so a read past ``end`` inside the buffer is never accepted.
"""

from __future__ import annotations

from datetime import date

from protocol.errors import DecodeError, EncodeError

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
UINT32_MAX = 2**32 - 1
USEC_MAX = 999_999

T_INTEGER, T_BITSTRING, T_OCTETS, T_SEQUENCE = 0x02, 0x03, 0x04, 0x30
T_GENTIME, T_GENSTRING = 0x18, 0x1B

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_TIME_MIN = 0  # 19700101000000Z: earlier times are refused, as by the reference codec
_TIME_MAX = (date(9999, 12, 31).toordinal() - _EPOCH_ORDINAL) * 86400 + 86399
_CACHE_LIMIT = 4096


# --------------------------------------------------------------------------- decoding


def fail(msg: str) -> DecodeError:
    return DecodeError(msg)


def hdr(d: bytes, i: int, end: int, tag: int) -> tuple[int, int]:
    """(start, stop) of the contents of the element at ``i``, which must carry ``tag``."""
    if i + 2 > end or d[i] != tag:
        raise _tag_error(d, i, end, tag)
    n = d[i + 1]
    if n < 0x80:
        s = i + 2
    elif n == 0x81:
        n = d[i + 2]
        if n < 0x80:
            raise fail("non-minimal length")
        s = i + 3
    elif n == 0x82:
        n = (d[i + 2] << 8) | d[i + 3]
        if n < 0x100:
            raise fail("non-minimal length")
        s = i + 4
    elif n == 0x80:
        raise fail("indefinite length")
    else:
        raise fail("length too large")
    e = s + n
    if e > end:
        raise fail("element runs past its container")
    return s, e


def _tag_error(d: bytes, i: int, end: int, tag: int) -> DecodeError:
    if i >= end:
        return fail(f"missing element with tag 0x{tag:02x}")
    if i + 1 >= end:
        return fail("truncated element header")
    return fail(f"expected tag 0x{tag:02x}, found 0x{d[i]:02x}")


def explicit(d: bytes, i: int, end: int, tag: int, inner: int) -> tuple[int, int]:
    """(start, stop) of the contents of the one ``inner`` element filling the ``tag`` element
    at ``i`` (an explicit ``[n]`` or APPLICATION wrapper): both headers in one step.

    Long-form lengths are read here too (a ticket, an AP-REQ or a padata-value is longer
    than 127 octets); anything but two canonical headers with the inner element ending
    exactly where the outer one does goes through ``hdr`` twice, which raises the error.
    """
    if d[i] == tag:
        n = d[i + 1]
        if n < 0x80:
            s = i + 2
        elif n == 0x81 and d[i + 2] > 0x7F:
            n = d[i + 2]
            s = i + 3
        elif n == 0x82 and d[i + 2]:  # a leading zero octet would be non-minimal
            n = (d[i + 2] << 8) | d[i + 3]
            s = i + 4
        else:
            s = end  # not canonical: the checked path below says why
        e = s + n
        if e <= end and d[s] == inner:
            m = d[s + 1]
            if m < 0x80:
                s2 = s + 2
            elif m == 0x81 and d[s + 2] > 0x7F:
                m = d[s + 2]
                s2 = s + 3
            elif m == 0x82 and d[s + 2]:
                m = (d[s + 2] << 8) | d[s + 3]
                s2 = s + 4
            else:
                s2 = e + 1
            if s2 + m == e:
                return s2, e
    s, e = hdr(d, i, end, tag)
    s2, e2 = hdr(d, s, e, inner)
    if e2 != e:
        raise fail("unexpected extra data")
    return s2, e2


def done(i: int, end: int) -> None:
    """Raise unless the element ended exactly where its container does."""
    if i != end:
        raise fail("unexpected extra data")


def int_at(d: bytes, s: int, e: int, lo: int, hi: int) -> int:
    """Value of INTEGER contents d[s:e]: minimal two's complement, within [lo, hi]."""
    n = e - s
    if n == 1:
        v = d[s]
        if v > 0x7F:
            v -= 0x100
    elif n == 0:
        raise fail("empty INTEGER")
    else:
        b0, b1 = d[s], d[s + 1]
        if (b0 == 0 and b1 < 0x80) or (b0 == 0xFF and b1 > 0x7F):
            raise fail("non-minimal INTEGER")
        if n > 9:
            raise fail("INTEGER out of range")
        v = int.from_bytes(d[s:e], "big", signed=True)
    if v < lo or v > hi:
        raise fail(f"INTEGER {v} out of range")
    return v


def ctx_int(d: bytes, i: int, end: int, tag: int, lo: int = INT32_MIN, hi: int = INT32_MAX) -> tuple[int, int]:
    """``[tag] INTEGER`` constrained to [lo, hi] (Int32 by default); returns (value, next position)."""
    # Fast path: both lengths in short form, the INTEGER filling the explicit tag.
    n = d[i + 3]
    if d[i] == tag and d[i + 1] == n + 2 and d[i + 2] == T_INTEGER and n < 0x7E and i + 4 + n <= end:
        if n == 1:
            v = d[i + 4]
            if v > 0x7F:
                v -= 0x100
        elif 1 < n < 6 and (d[i + 5] > 0x7F if d[i + 4] == 0 else d[i + 4] != 0xFF or d[i + 5] < 0x80):
            # two to five octets, minimal (no redundant leading 00 or ff): a nonce, cusec, seq-number
            v = int.from_bytes(d[i + 4 : i + 4 + n], "big", signed=True)
        else:
            return int_at(d, i + 4, i + 4 + n, lo, hi), i + 4 + n
        if v < lo or v > hi:
            raise fail(f"INTEGER {v} out of range")
        return v, i + 4 + n
    s, e = explicit(d, i, end, tag, T_INTEGER)
    return int_at(d, s, e, lo, hi), e


ctx_i32 = ctx_int  # ``[tag] Int32``; an alias, not a wrapper, to save a call per field


def int_list(d: bytes, s: int, e: int) -> tuple[int, ...]:
    """Contents of a SEQUENCE OF Int32 (the etype list of KDC-REQ-BODY)."""
    out = []
    while s < e:
        if d[s] == T_INTEGER and d[s + 1] == 1 and s + 3 <= e:
            v = d[s + 2]
            out.append(v - 0x100 if v > 0x7F else v)
            s += 3
        else:
            s2, s = hdr(d, s, e, T_INTEGER)
            out.append(int_at(d, s2, s, INT32_MIN, INT32_MAX))
    return tuple(out)


def ctx_pvno(d: bytes, i: int, end: int, tag: int) -> int:
    """``[tag] INTEGER (5)`` (pvno, tkt-vno, authenticator-vno); returns next position."""
    if d[i] == tag and d[i + 1] == 3 and d[i + 2] == T_INTEGER and d[i + 3] == 1 and d[i + 4] == 5 and i + 5 <= end:
        return i + 5
    return ctx_int(d, i, end, tag, 5, 5)[1]


def ctx_octets(d: bytes, i: int, end: int, tag: int) -> tuple[bytes, int]:
    """``[tag] OCTET STRING`` (primitive only, as DER requires)."""
    # Fast path: both lengths in short form, the inner one filling the explicit tag.
    n = d[i + 1]
    if d[i] == tag and n < 0x80 and d[i + 2] == T_OCTETS and d[i + 3] == n - 2 and i + 2 + n <= end:
        return d[i + 4 : i + 2 + n], i + 2 + n
    s, e = explicit(d, i, end, tag, T_OCTETS)
    return d[s:e], e


def ctx_int_octets(d: bytes, i: int, end: int, tag: int, t0: int = 0xA0, t1: int = 0xA1) -> tuple[int, bytes, int]:
    """``[tag] SEQUENCE { [t0] Int32, [t1] OCTET STRING }`` (EncryptionKey, Checksum,
    TransitedEncoding, HostAddress, AD entries, PA-DATA): (number, octets, next position)."""
    # Fast path, one octet of number and every length short (a key, a checksum):
    #   tag n | 30 n-2 | t0 03 02 01 v | t1 n-9 04 n-11 <n-11 octets>
    n = d[i + 1]
    if (
        d[i] == tag
        and n < 0x80
        and d[i + 2] == T_SEQUENCE
        and d[i + 3] == n - 2
        and d[i + 4] == t0
        and d[i + 5] == 3
        and d[i + 6] == T_INTEGER
        and d[i + 7] == 1
        and d[i + 9] == t1
        and d[i + 10] == n - 9
        and d[i + 11] == T_OCTETS
        and d[i + 12] == n - 11
        and i + 2 + n <= end
    ):
        v = d[i + 8]
        if v > 0x7F:
            v -= 0x100
        return v, d[i + 13 : i + 2 + n], i + 2 + n
    s, e = ctx_seq(d, i, end, tag)
    v, octets = int_octets(d, s, e, t0, t1)
    return v, octets, e


def int_octets(d: bytes, s: int, e: int, t0: int, t1: int) -> tuple[int, bytes]:
    """SEQUENCE contents d[s:e] of the many two-field ``{ x [t0] Int32, y [t1] OCTET STRING }`` shapes."""
    v, i = ctx_int(d, s, e, t0)
    octets, i = ctx_octets(d, i, e, t1)
    if i != e:
        raise fail("unexpected extra data")
    return v, octets


def gstr_list(d: bytes, s: int, e: int) -> tuple[str, ...]:
    """Contents of a SEQUENCE OF KerberosString (GeneralString), each decoded as strict UTF-8."""
    out = []
    while s < e:
        if d[s] == T_GENSTRING and d[s + 1] < 0x80:
            s2 = s + 2
            s = s2 + d[s + 1]
            if s > e:
                raise fail("element runs past its container")
        else:
            s2, s = hdr(d, s, e, T_GENSTRING)
        out.append(d[s2:s].decode("utf-8"))
    return tuple(out)


def ctx_str(d: bytes, i: int, end: int, tag: int) -> tuple[str, int]:
    """``[tag] KerberosString`` (GeneralString), decoded as strict UTF-8."""
    n = d[i + 1]
    if d[i] == tag and n < 0x80 and d[i + 2] == T_GENSTRING and d[i + 3] == n - 2 and i + 2 + n <= end:
        return d[i + 4 : i + 2 + n].decode("utf-8"), i + 2 + n
    s, e = explicit(d, i, end, tag, T_GENSTRING)
    return d[s:e].decode("utf-8"), e


_time_cache: dict[bytes, int] = {}


def ctx_time(d: bytes, i: int, end: int, tag: int) -> tuple[int, int]:
    """``[tag] KerberosTime``: GeneralizedTime exactly ``YYYYMMDDHHMMSSZ`` (RFC 4120 5.2.3)."""
    if d[i] == tag and d[i + 1] == 17 and d[i + 2] == T_GENTIME and d[i + 3] == 15 and i + 19 <= end:
        raw = d[i + 4 : i + 19]
        v = _time_cache.get(raw)
        if v is None:
            v = _parse_time(raw)
        return v, i + 19
    explicit(d, i, end, tag, T_GENTIME)  # raises for a broken header; else the length is wrong
    raise fail("KerberosTime must be 15 octets YYYYMMDDHHMMSSZ")


def _parse_time(raw: bytes) -> int:
    if raw[14] != 0x5A or not raw[:14].isdigit():
        raise fail("KerberosTime must be YYYYMMDDHHMMSSZ")
    year, month, day = int(raw[0:4]), int(raw[4:6]), int(raw[6:8])
    hour, minute, sec = int(raw[8:10]), int(raw[10:12]), int(raw[12:14])
    if year < 1970 or hour > 23 or minute > 59 or sec > 59:
        raise fail("KerberosTime field out of range")
    try:
        days = date(year, month, day).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        raise fail("KerberosTime is not a valid date") from None
    v = days * 86400 + hour * 3600 + minute * 60 + sec
    if len(_time_cache) >= _CACHE_LIMIT:
        _time_cache.clear()
    _time_cache[raw] = v
    return v


def ctx_flags(d: bytes, i: int, end: int, tag: int) -> tuple[int, int]:
    """``[tag] KerberosFlags`` (RFC 4120 5.2.8): BIT STRING (SIZE (32..MAX)).

    Accepted: exactly 32 bits, i.e. ``03 05 00 xx xx xx xx``, which is what MIT, Heimdal
    and Windows send and what the pyasn1 reference accepts. Longer bit strings (allowed by
    the SIZE constraint, sent by nobody) and shorter ones are refused.
    """
    if d[i] == tag and d[i + 1] == 7 and d[i + 2] == T_BITSTRING and d[i + 3] == 5 and d[i + 4] == 0 and i + 9 <= end:
        return int.from_bytes(d[i + 5 : i + 9], "big"), i + 9
    explicit(d, i, end, tag, T_BITSTRING)  # raises for a broken header; else the length is wrong
    raise fail("KerberosFlags must be a BIT STRING of exactly 32 bits")


def ctx_seq(d: bytes, i: int, end: int, tag: int) -> tuple[int, int]:
    """``[tag] SEQUENCE`` (or SEQUENCE OF): (start, stop) of the SEQUENCE contents.

    The stop is also the end of the explicit tag, since that must hold exactly one element.
    """
    n = d[i + 1]
    if d[i] == tag and n < 0x80 and d[i + 2] == T_SEQUENCE and d[i + 3] == n - 2 and i + 2 + n <= end:
        return i + 4, i + 2 + n
    return explicit(d, i, end, tag, T_SEQUENCE)


# --------------------------------------------------------------------------- encoding
#
# Every encoder checks its value's type and range. The fast paths below take exact
# ``int``/``bytes``/``str`` values (never bool or a subclass, which take the checked
# general path) and contents short enough for one-octet lengths, and join precomputed
# header octets instead of calling ``tlv`` once per level.

_SHORT = [[bytes((t, n)) for n in range(128)] for t in range(256)]


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element: tag octet, minimal definite length, contents."""
    n = len(content)
    if n < 0x80:
        return _SHORT[tag][n] + content
    if n < 0x100:
        return bytes((tag, 0x81, n)) + content
    if n < 0x10000:
        return bytes((tag, 0x82, n >> 8, n & 0xFF)) + content
    size = (n.bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + n.to_bytes(size, "big") + content


def tlv2(tag: int, inner: int, content: bytes) -> bytes:
    """``tag`` around one ``inner`` element holding ``content`` (an explicit tag's two headers)."""
    n = len(content)
    if n < 0x7E:
        return _SHORT[tag][n + 2] + _SHORT[inner][n] + content
    if n < 0x80:
        head, m = _SHORT[inner][n], n + 2
    elif n < 0x100:
        head, m = bytes((inner, 0x81, n)), n + 3
    elif n < 0xFFFC:
        head, m = bytes((inner, 0x82, n >> 8, n & 0xFF)), n + 4
    else:
        return tlv(tag, tlv(inner, content))
    if m < 0x100:
        return bytes((tag, 0x81, m)) + head + content
    return bytes((tag, 0x82, m >> 8, m & 0xFF)) + head + content


def seq(tag: int, parts: list[bytes]) -> bytes:
    """``[tag] SEQUENCE { parts }``: the explicit wrapper around a SEQUENCE."""
    return tlv2(tag, T_SEQUENCE, b"".join(parts))


_SMALL_INT = {v: bytes((T_INTEGER, 1, v & 0xFF)) for v in range(-128, 128)}
# ``[tag] INTEGER v`` for the context tags [0]..[31] and v in -128..127, by [tag][v + 128].
_CTX_SMALL_INT = {t: [bytes((t, 3, T_INTEGER, 1, v & 0xFF)) for v in range(-128, 128)] for t in range(0xA0, 0xC0)}


def int_tlv(v: int, lo: int, hi: int) -> bytes:
    """An INTEGER element for ``v``, which must lie in [lo, hi] (a bool is refused, as by
    the reference: True where a number belongs is a caller's bug)."""
    if not isinstance(v, int) or v.__class__ is bool:
        raise EncodeError(f"INTEGER value must be int, not {type(v).__name__}")
    if v < lo or v > hi:
        raise EncodeError(f"INTEGER {v} out of range [{lo}, {hi}]")
    b = _SMALL_INT.get(v)
    if b is not None:
        return b
    # Minimal two's complement: the magnitude bits plus one sign bit (X.690 8.3.2).
    size = (v if v >= 0 else ~v).bit_length() // 8 + 1
    return tlv(T_INTEGER, v.to_bytes(size, "big", signed=True))


def _exact_int(v: int) -> int:
    """``v`` as a plain int: an IntEnum member (NameType, EncType, ...) by its value; a bool,
    a float or anything else is refused, as by the reference."""
    if not isinstance(v, int) or v.__class__ is bool:
        raise EncodeError(f"INTEGER value must be int, not {type(v).__name__}")
    return int(v)


def _ctx_int(tag: int, v: int, lo: int, hi: int) -> bytes:
    if v.__class__ is not int:
        v = _exact_int(v)
    if v < lo or v > hi:
        raise EncodeError(f"INTEGER {v} out of range [{lo}, {hi}]")
    if -128 <= v < 128:
        return _CTX_SMALL_INT[tag][v + 128]
    size = (v if v >= 0 else ~v).bit_length() // 8 + 1
    return _SHORT[tag][size + 2] + _SHORT[T_INTEGER][size] + v.to_bytes(size, "big", signed=True)


def e_i32(tag: int, v: int) -> bytes:
    if v.__class__ is not int:
        v = _exact_int(v)
    if -128 <= v < 128:
        return _CTX_SMALL_INT[tag][v + 128]
    return _ctx_int(tag, v, INT32_MIN, INT32_MAX)


def e_u32(tag: int, v: int) -> bytes:
    return _ctx_int(tag, v, 0, UINT32_MAX)


def e_usec(tag: int, v: int) -> bytes:
    return _ctx_int(tag, v, 0, USEC_MAX)


def e_pvno(tag: int, v: int, expected: int = 5) -> bytes:
    if v.__class__ is int and v == expected and -128 <= v < 128:
        return _CTX_SMALL_INT[tag][v + 128]
    return tlv(tag, int_tlv(v, expected, expected))


def e_octets(tag: int, v: bytes) -> bytes:
    if v.__class__ is bytes:
        n = len(v)
        if n < 0x7E:
            return _SHORT[tag][n + 2] + _SHORT[T_OCTETS][n] + v
        return tlv(tag, tlv(T_OCTETS, v))
    if not isinstance(v, (bytes, bytearray, memoryview)):
        raise EncodeError(f"OCTET STRING value must be bytes, not {type(v).__name__}")
    return tlv(tag, tlv(T_OCTETS, bytes(v)))


# Encoded KerberosStrings by text: realms and name components repeat in every message.
# Bounded (cleared when full); only exact str keys, so an equal str subclass never hits.
_gstr_cache: dict[str, bytes] = {}


def gstr_tlv(v: str) -> bytes:
    """A KerberosString element (GeneralString carrying UTF-8)."""
    if v.__class__ is str:
        b = _gstr_cache.get(v)
        if b is not None:
            return b
    elif type(v) is not str:
        raise EncodeError(f"KerberosString value must be str, not {type(v).__name__}")
    try:
        b = tlv(T_GENSTRING, v.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise EncodeError(f"KerberosString is not encodable as UTF-8: {exc}") from None
    if len(v) <= 256:
        if len(_gstr_cache) >= _CACHE_LIMIT:
            _gstr_cache.clear()
        _gstr_cache[v] = b
    return b


def e_str(tag: int, v: str) -> bytes:
    b = gstr_tlv(v)
    n = len(b)
    return _SHORT[tag][n] + b if n < 0x80 else tlv(tag, b)


_time_enc_cache: dict[int, bytes] = {}


def time_tlv(v: int) -> bytes:
    """A GeneralizedTime element ``YYYYMMDDHHMMSSZ`` for POSIX seconds ``v`` (years 1970..9999)."""
    # Only exact ints hit the cache: 1.0 and True hash like 1 and must not be taken for it.
    b = _time_enc_cache.get(v) if v.__class__ is int else None
    if b is not None:
        return b
    if not isinstance(v, int) or v.__class__ is bool:
        raise EncodeError(f"KerberosTime must be int seconds, not {type(v).__name__}")
    v = int(v)
    if v < _TIME_MIN or v > _TIME_MAX:
        raise EncodeError(f"KerberosTime {v} outside years 1970..9999")
    days, secs = divmod(v, 86400)
    dt = date.fromordinal(days + _EPOCH_ORDINAL)
    hh, rem = divmod(secs, 3600)
    mm, ss = divmod(rem, 60)
    text = "%04d%02d%02d%02d%02d%02dZ" % (dt.year, dt.month, dt.day, hh, mm, ss)
    b = bytes((T_GENTIME, 15)) + text.encode("ascii")
    if len(_time_enc_cache) >= _CACHE_LIMIT:
        _time_enc_cache.clear()
    _time_enc_cache[v] = b
    return b


def e_time(tag: int, v: int) -> bytes:
    # The cache lookup of time_tlv, inlined: a reply carries five to eight times.
    b = _time_enc_cache.get(v) if v.__class__ is int else None
    return _SHORT[tag][17] + (b if b is not None else time_tlv(v))


_FLAGS_HEAD = {t: bytes((t, 7, T_BITSTRING, 5, 0)) for t in range(0xA0, 0xC0)}


def e_flags(tag: int, v: int) -> bytes:
    """KerberosFlags as MIT sends them: exactly 32 bits, no unused bits."""
    if v.__class__ is int and 0 <= v <= UINT32_MAX:
        return _FLAGS_HEAD[tag] + v.to_bytes(4, "big")
    if not isinstance(v, int) or v.__class__ is bool:
        raise EncodeError(f"KerberosFlags must be int, not {type(v).__name__}")
    if v < 0 or v > UINT32_MAX:
        raise EncodeError(f"KerberosFlags {v:#x} does not fit in 32 bits")
    return _SHORT[tag][7] + b"\x03\x05\x00" + v.to_bytes(4, "big")
