"""kpasswd message framing (RFC 3244 section 2; RFC 3244 is the 0x0001 format extended).

Request and reply share one layout, all integers big-endian::

    message length (2, counting every byte)  version (2)  AP-REQ/AP-REP length (2)
    AP-REQ or AP-REP  KRB-PRIV (or, in a reply without AP-REP, KRB-ERROR)

Versions: 0x0001 is the original change-password request (the KRB-PRIV holds the new
password itself); 0xff80 is RFC 3244 set-password (the KRB-PRIV holds ChangePasswdData).
Replies carry version 0x0001 whatever the request's (as MIT's kadmind and RFC 3244 do).
The result inside the reply's KRB-PRIV user-data, or the KRB-ERROR's e-data, is a 2-byte
result code and a UTF-8 result string.

Over TCP each message is additionally wrapped in RFC 4120 section 7.2.2's 4-byte record
marker; that is the transport's business, not this module's.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from kdc.kpasswd.errors import BadVersion, Malformed, NotKpasswd, ResultCode

__all__ = [
    "VERSION_CHANGEPW", "VERSION_SETPW", "KpasswdRequest", "parse_request", "build_reply",
    "parse_reply", "encode_result", "decode_result", "build_request",
]

VERSION_CHANGEPW = 0x0001
VERSION_SETPW = 0xFF80
_HEADER = struct.Struct(">HHH")
MAX_MESSAGE = 0xFFFF  # the length field is 16 bits
_AP_REQ_TAG = b"\x6e"  # [APPLICATION 14], the first octet of every AP-REQ


@dataclass(frozen=True)
class KpasswdRequest:
    """A framed request: its version, the AP-REQ octets and the KRB-PRIV octets."""

    version: int
    ap_req: bytes = field(repr=False)
    priv: bytes = field(repr=False)


def parse_request(data: bytes) -> KpasswdRequest:
    """Split a request into its parts (RFC 3244 section 2).

    NotKpasswd for bytes whose length field does not match or that have no AP-REQ tag
    after the header (MIT's kadmind drops these, and bad versions too: nothing shows they
    are meant for us). BadVersion for an unknown version, Malformed for an
    AP-REQ length that leaves no KRB-PRIV (MIT's "Request was truncated in AP-REQ").
    """
    data = bytes(data)
    if len(data) < _HEADER.size:
        raise NotKpasswd("shorter than the kpasswd header")
    length, version, ap_len = _HEADER.unpack_from(data)
    if length != len(data):
        raise NotKpasswd(f"length field {length} but {len(data)} bytes")
    if data[_HEADER.size:_HEADER.size + 1] != _AP_REQ_TAG:
        # Answered errors are reserved for what looks like kpasswd: a spoofed datagram of
        # six chosen bytes must not buy a reply twenty times its size.
        raise NotKpasswd("no AP-REQ after the header")
    if version not in (VERSION_CHANGEPW, VERSION_SETPW):
        raise BadVersion(f"Request contained unknown protocol version number {version}")
    end_of_ap = _HEADER.size + ap_len
    if ap_len == 0 or end_of_ap >= len(data):
        raise Malformed("Request was truncated in AP-REQ")
    return KpasswdRequest(version, data[_HEADER.size:end_of_ap], data[end_of_ap:])


def build_request(version: int, ap_req: bytes, priv: bytes) -> bytes:
    """A framed request (the client side; tests and tools use it)."""
    return _frame(version, ap_req, priv)


def build_reply(ap_rep: bytes, body: bytes) -> bytes:
    """A framed reply: ``ap_rep`` (empty with a KRB-ERROR body) then the KRB-PRIV or KRB-ERROR."""
    return _frame(VERSION_CHANGEPW, ap_rep, body)


def _frame(version: int, first: bytes, rest: bytes) -> bytes:
    total = _HEADER.size + len(first) + len(rest)
    if total > MAX_MESSAGE:
        raise ValueError(f"kpasswd message of {total} bytes exceeds the 16-bit length field")
    return _HEADER.pack(total, version, len(first)) + first + rest


def parse_reply(data: bytes) -> tuple[int, bytes, bytes]:
    """(version, AP-REP octets, KRB-PRIV or KRB-ERROR octets) of a framed reply; Malformed if not one."""
    data = bytes(data)
    if len(data) < _HEADER.size:
        raise Malformed("reply shorter than the kpasswd header")
    length, version, ap_len = _HEADER.unpack_from(data)
    if length != len(data) or _HEADER.size + ap_len > len(data):
        raise Malformed("reply length fields are inconsistent")
    return version, data[_HEADER.size:_HEADER.size + ap_len], data[_HEADER.size + ap_len:]


def encode_result(code: ResultCode, text: str) -> bytes:
    """Result user-data: 2-byte result code, then the result string in UTF-8 (RFC 3244 section 2)."""
    return struct.pack(">H", int(code)) + text.encode("utf-8")


def decode_result(data: bytes) -> tuple[int, bytes]:
    """(result code, result string octets); Malformed under 2 bytes. The code is not range-checked."""
    if len(data) < 2:
        raise Malformed("result shorter than its code")
    return struct.unpack_from(">H", data)[0], bytes(data[2:])
