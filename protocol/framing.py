"""TCP record marking for Kerberos, RFC 4120 section 7.2.2.

Contract: ``encode_frame(message: bytes) -> bytes``;
``FrameDecoder(max_size=65536)`` with ``feed(data) -> list[bytes]`` returning every whole
message so far, however the stream was split, and raising ``FramingError`` (with
``.high_bit`` set when the reserved high bit was used, so the server can answer
KRB_ERR_FIELD_TOOLONG as RFC 4120 7.2.2 says) for lengths over ``max_size``; it never
allocates a declared length before the bytes arrive.
"""
