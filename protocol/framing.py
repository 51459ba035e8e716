"""TCP record marking for Kerberos, RFC 4120 section 7.2.2.

Contract: ``encode_frame(message: bytes) -> bytes``;
``FrameDecoder(max_size=65536)`` with ``feed(data) -> list[bytes]`` returning every whole
message so far, however the stream was split, and raising ``FramingError`` (with
``.high_bit`` set when the reserved high bit was used, so the server can answer
KRB_ERR_FIELD_TOOLONG as RFC 4120 7.2.2 says) for lengths over ``max_size``; it never
allocates a declared length before the bytes arrive.

Each Kerberos message over TCP is preceded by its length as a 4-byte big-endian number
whose high bit is reserved (RFC 4120 section 7.2.2; RFC 5021 keeps it reserved for an
extension negotiation nobody deployed). Sans-I/O: the transport feeds bytes in and sends
what it is handed.
"""

from __future__ import annotations

import struct

from protocol.errors import FramingError

__all__ = ["encode_frame", "FrameDecoder", "FramingError", "HEADER_SIZE", "MAX_FRAME"]

HEADER_SIZE = 4
_HIGH_BIT = 0x80000000
MAX_FRAME = _HIGH_BIT - 1  # the largest length the record mark can carry


def encode_frame(message: bytes) -> bytes:
    """``message`` preceded by its 4-byte record mark (RFC 4120 section 7.2.2)."""
    if len(message) > MAX_FRAME:
        raise ValueError(f"a Kerberos TCP message cannot exceed {MAX_FRAME} bytes")
    return struct.pack(">I", len(message)) + bytes(message)


class FrameDecoder:
    """Incremental decoder of record-marked messages on one TCP stream.

    After an error the stream is out of step and the decoder stays failed: every later
    ``feed`` raises the same error (the server closes the connection).
    """

    def __init__(self, max_size: int = 65536) -> None:
        if not 0 <= max_size <= MAX_FRAME:
            raise ValueError(f"max_size must be in 0..{MAX_FRAME}")
        self.max_size = max_size
        self._buffer = bytearray()
        self._error: FramingError | None = None

    @property
    def buffered(self) -> int:
        """Bytes received that are not yet part of a returned message."""
        return len(self._buffer)

    @property
    def idle(self) -> bool:
        """True between messages (nothing partial is buffered)."""
        return not self._buffer

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data`` from the stream; return the messages it completed, in order.

        Raises FramingError for a length over ``max_size`` or with the reserved high bit
        (``.high_bit`` tells which), as soon as the 4-byte mark is seen: the body is
        never waited for nor buffered.
        """
        if self._error is not None:
            raise self._error
        self._buffer += data
        messages: list[bytes] = []
        start = 0
        while len(self._buffer) - start >= HEADER_SIZE:
            (length,) = struct.unpack_from(">I", self._buffer, start)
            self._check_length(length)
            end = start + HEADER_SIZE + length
            if end > len(self._buffer):
                break
            messages.append(bytes(self._buffer[start + HEADER_SIZE:end]))
            start = end
        del self._buffer[:start]
        return messages

    def _check_length(self, length: int) -> None:
        if length & _HIGH_BIT:
            self._fail(FramingError(
                "TCP record mark uses the reserved high bit (RFC 4120 section 7.2.2)", length, True))
        if length > self.max_size:
            self._fail(FramingError(
                f"TCP message of {length} bytes exceeds the {self.max_size}-byte limit", length, False))

    def _fail(self, exc: FramingError) -> None:
        self._buffer = bytearray()
        self._error = exc
        raise exc
