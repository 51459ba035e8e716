"""TCP record marking (RFC 4120 section 7.2.2): the incremental decoder and its limits."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.errors import FramingError
from protocol.framing import FrameDecoder, encode_frame


def test_encode_prefixes_the_big_endian_length() -> None:
    """Each message is preceded by its length as 4 big-endian bytes."""
    assert encode_frame(b"hello") == b"\x00\x00\x00\x05hello"
    assert encode_frame(b"") == b"\x00\x00\x00\x00"


def test_several_messages_in_one_chunk_and_a_partial_tail() -> None:
    """One feed returns every complete message in order and keeps the partial one buffered."""
    d = FrameDecoder()
    stream = encode_frame(b"one") + encode_frame(b"two") + encode_frame(b"three")
    assert d.feed(stream[:-2]) == [b"one", b"two"]
    assert d.buffered == 4 + 3 and not d.idle
    assert d.feed(stream[-2:]) == [b"three"]
    assert d.idle


def test_high_bit_is_reported_as_such() -> None:
    """A record mark with the reserved high bit raises FramingError with high_bit=True (RFC 4120 7.2.2:
    the server answers KRB_ERR_FIELD_TOOLONG)."""
    with pytest.raises(FramingError) as info:
        FrameDecoder().feed(b"\x80\x00\x00\x10")
    assert info.value.high_bit is True


def test_oversized_length_is_refused_from_the_header_alone() -> None:
    """A length over max_size raises as soon as the 4 header bytes arrive, with high_bit=False."""
    d = FrameDecoder(max_size=100)
    assert d.feed(encode_frame(b"x" * 100)) == [b"x" * 100]  # the limit itself is allowed
    with pytest.raises(FramingError) as info:
        d.feed(struct.pack(">I", 101))
    assert info.value.high_bit is False and info.value.length == 101


def test_declared_length_is_not_allocated() -> None:
    """A 2 GiB-1 declaration with a huge max_size buffers only the bytes that actually arrived."""
    d = FrameDecoder(max_size=2**31 - 1)
    assert d.feed(struct.pack(">I", 2**31 - 1) + b"abc") == []
    assert d.buffered == 7


def test_decoder_stays_failed() -> None:
    """After a framing error the stream is out of step: later feeds raise too, even with good frames."""
    d = FrameDecoder(max_size=10)
    with pytest.raises(FramingError):
        d.feed(struct.pack(">I", 11))
    with pytest.raises(FramingError):
        d.feed(encode_frame(b"ok"))


def test_max_size_must_fit_the_record_mark() -> None:
    """max_size outside 0..2**31-1 is a programming error (ValueError)."""
    with pytest.raises(ValueError):
        FrameDecoder(max_size=2**31)


@given(st.lists(st.binary(max_size=300), max_size=8), st.lists(st.integers(0, 2000), max_size=20))
def test_same_frames_however_the_stream_is_split(messages: list[bytes], cuts: list[int]) -> None:
    """Whatever the TCP segmentation, the decoder returns exactly the messages sent, in order."""
    stream = b"".join(encode_frame(m) for m in messages)
    points = sorted({min(c, len(stream)) for c in cuts} | {0, len(stream)})
    d = FrameDecoder(max_size=300)
    got: list[bytes] = []
    for a, b in zip(points, points[1:]):
        got += d.feed(stream[a:b])
    assert got == messages and d.idle


@given(st.binary(max_size=64))
def test_arbitrary_bytes_give_frames_or_framing_error(data: bytes) -> None:
    """Arbitrary input yields frames no larger than max_size, or FramingError; nothing else."""
    d = FrameDecoder(max_size=16)
    try:
        frames = d.feed(data)
    except FramingError:
        return
    assert all(len(f) <= 16 for f in frames)
    assert sum(4 + len(f) for f in frames) + d.buffered == len(data)
