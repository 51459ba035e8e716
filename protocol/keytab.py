"""MIT keytab file format, version 0x502 (read 0x501 too).

Contract: ``KeytabEntry(principal: Principal, timestamp: int, kvno: int, key: EncryptionKey)``;
``parse_keytab(data: bytes) -> list[KeytabEntry]`` (raises FileFormatError);
``build_keytab(entries) -> bytes``. The 32-bit kvno extension is written when kvno > 255
and read when present.
"""
