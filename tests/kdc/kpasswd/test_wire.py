"""kpasswd framing (RFC 3244 section 2): parse what MIT sends, refuse what it would not, build replies."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kdc.kpasswd.errors import BadVersion, Malformed, NotKpasswd, ResultCode
from kdc.kpasswd.wire import (
    VERSION_CHANGEPW,
    VERSION_SETPW,
    build_reply,
    build_request,
    decode_result,
    encode_result,
    parse_reply,
    parse_request,
)


def framed(version: int, ap_len: int, body: bytes) -> bytes:
    return struct.pack(">HHH", 6 + len(body), version, ap_len) + body


@pytest.mark.parametrize("version", [VERSION_CHANGEPW, VERSION_SETPW])
def test_request_splits_into_ap_req_and_priv(version):
    """Length, version, AP-REQ length, AP-REQ, KRB-PRIV: the two parts come back exactly."""
    req = parse_request(framed(version, 3, b"nPRpriv"))
    assert (req.version, req.ap_req, req.priv) == (version, b"nPR", b"priv")


def test_mit_layout_byte_for_byte():
    """The header is big-endian and counts itself, as MIT's krb5int_mk_chpw_req writes it."""
    data = build_request(VERSION_CHANGEPW, b"\x6e\x01", b"\x75\x02")
    assert data == b"\x00\x0a\x00\x01\x00\x02\x6e\x01\x75\x02"
    assert build_request(VERSION_SETPW, b"A", b"B")[2:4] == b"\xff\x80"


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x00\x06\x00\x01\x00", framed(1, 1, b"ny") + b"!",
                                  framed(1, 1, b"ny")[:-1], b"\xff\xff\x00\x01\x00\x01ny",
                                  framed(1, 1, b"xy"), framed(7, 1, b"xy"), framed(1, 0, b"uv")])
def test_inconsistent_length_is_not_kpasswd(data):
    """Too short, a length field other than the datagram's length, or no AP-REQ tag after the
    header: not ours, dropped (MIT drops these too; an answer would reward spoofed datagrams)."""
    with pytest.raises(NotKpasswd):
        parse_request(data)


@pytest.mark.parametrize("version", [0, 2, 0xFF81, 0x8000])
def test_unknown_version_is_bad_version(version):
    """Only 0x0001 and 0xff80 exist; others are BAD_VERSION with MIT's text, KDC_ERR_BAD_PVNO."""
    with pytest.raises(BadVersion) as info:
        parse_request(framed(version, 1, b"nb"))
    assert info.value.result == ResultCode.KRB5_KPASSWD_BAD_VERSION
    assert info.value.krb_code == 3
    assert str(version) in info.value.text


@pytest.mark.parametrize("ap_len, body", [(0, b"nriv"), (4, b"nriv"), (9, b"nriv"), (1, b"n")])
def test_ap_req_that_leaves_no_priv_is_malformed(ap_len, body):
    """An empty AP-REQ, or one running to (or past) the end with no KRB-PRIV after it, is MALFORMED."""
    with pytest.raises(Malformed):
        parse_request(framed(1, ap_len, body))


def test_reply_layout():
    """Replies carry version 1 and the AP-REP length; an error reply has an empty AP-REP."""
    assert build_reply(b"REP", b"PRIV") == b"\x00\x0d\x00\x01\x00\x03REPPRIV"
    assert parse_reply(build_reply(b"", b"ERR")) == (1, b"", b"ERR")


def test_oversized_message_cannot_be_framed():
    """The 16-bit length field bounds a message at 65535 bytes; building a longer one raises."""
    with pytest.raises(ValueError):
        build_reply(b"x" * 40000, b"y" * 30000)


def test_result_encoding():
    """Result user-data is a 2-byte code and a UTF-8 string (RFC 3244 section 2)."""
    data = encode_result(ResultCode.KRB5_KPASSWD_SOFTERROR, "trop court é")
    assert data[:2] == b"\x00\x04"
    assert decode_result(data) == (4, "trop court é".encode())
    with pytest.raises(Malformed):
        decode_result(b"\x00")


@given(st.binary(max_size=300))
def test_arbitrary_bytes_parse_or_raise_a_kpasswd_error(data):
    """Any bytes give a request or one of NotKpasswd/BadVersion/Malformed, and a request
    reassembles to the same bytes."""
    try:
        req = parse_request(data)
    except (NotKpasswd, BadVersion, Malformed):
        return
    assert build_request(req.version, req.ap_req, req.priv) == data


@given(st.sampled_from([VERSION_CHANGEPW, VERSION_SETPW]), st.binary(max_size=200),
       st.binary(min_size=1, max_size=200))
def test_build_then_parse_round_trips(version, ap_tail, priv):
    """parse_request(build_request(v, a, p)) gives v, a and p back."""
    ap_req = b"\x6e" + ap_tail
    req = parse_request(build_request(version, ap_req, priv))
    assert (req.version, req.ap_req, req.priv) == (version, ap_req, priv)
