"""MIT keytab file format, version 0x502 (read 0x501 too).

Contract: ``KeytabEntry(principal: Principal, timestamp: int, kvno: int, key: EncryptionKey)``;
``parse_keytab(data: bytes) -> list[KeytabEntry]`` (raises FileFormatError);
``build_keytab(entries) -> bytes``. The 32-bit kvno extension is written when kvno > 255
and read when present.

The format is MIT's (documented in krb5's doc/formats/keytab_file_format.rst; Heimdal
writes the same): a 16-bit version, then records, each a signed 32-bit length and an
entry. A negative length marks a deleted record ("hole") of that many bytes, a zero
length ends the file. Version 0x502 is big-endian with a name type; 0x501 has host byte
order (little-endian on every machine that still has such files), no name type, and a
component count that includes the realm.

Like MIT, we always write the 32-bit kvno after the key (the 8-bit field carries its low
byte), so kvnos above 255 survive; on reading, a non-zero 32-bit kvno wins over the
8-bit one. Enctypes are plain numbers: entries for enctypes we do not implement are kept.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

from protocol.constants import NameType
from protocol.errors import FileFormatError, PrincipalParseError
from protocol.messages.types import EncryptionKey
from protocol.principal import Principal

__all__ = ["KeytabEntry", "parse_keytab", "build_keytab", "KEYTAB_VERSION", "ByteReader"]

KEYTAB_VERSION = 0x502
_V1 = 0x501


@dataclass(frozen=True)
class KeytabEntry:
    """One keytab record: a key of ``principal`` with version ``kvno``, written at ``timestamp``."""

    principal: Principal
    timestamp: int
    kvno: int
    key: EncryptionKey


class ByteReader:
    """Bounds-checked reads from ``data[pos:end]``; every overrun is a FileFormatError.

    Lengths read from the file are checked against the bytes actually left before
    anything is sliced, so an absurd length costs nothing.
    """

    def __init__(self, data: bytes | memoryview, pos: int = 0, end: int | None = None,
                 byteorder: str = ">", what: str = "file") -> None:
        self.data = memoryview(data)
        self.pos = pos
        self.end = len(data) if end is None else end
        self.order = byteorder
        self.what = what

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def _advance(self, n: int) -> int:
        """Move past the next ``n`` bytes; return where they start."""
        if n < 0 or n > self.remaining:
            raise FileFormatError(f"{self.what} truncated: {n} bytes wanted at offset {self.pos}, "
                                  f"{self.remaining} left")
        self.pos += n
        return self.pos - n

    def take(self, n: int) -> bytes:
        start = self._advance(n)
        return bytes(self.data[start:start + n])

    def sub(self, n: int, what: str) -> ByteReader:
        """A reader over the next ``n`` bytes (a record, a header), which this one moves past."""
        start = self._advance(n)
        return ByteReader(self.data, start, start + n, self.order, what)

    def _unpack(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        return struct.unpack(self.order + fmt, self.take(size))[0]

    def u8(self) -> int:
        return self._unpack("B")

    def u16(self) -> int:
        return self._unpack("H")

    def i16(self) -> int:
        return self._unpack("h")

    def u32(self) -> int:
        return self._unpack("I")

    def i32(self) -> int:
        return self._unpack("i")

    def counted16(self) -> bytes:
        return self.take(self.u16())

    def counted32(self) -> bytes:
        return self.take(self.u32())

    def text16(self) -> str:
        return self._text(self.counted16())

    def text32(self) -> str:
        return self._text(self.counted32())

    def _text(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FileFormatError(f"{self.what}: a name that is not UTF-8") from None


def parse_keytab(data: bytes) -> list[KeytabEntry]:
    """Every live entry of a keytab file (deleted records skipped); raises FileFormatError."""
    if len(data) < 2 or data[0] != 5 or data[1] not in (1, 2):
        raise FileFormatError("not an MIT keytab (version 0x501 or 0x502 expected)")
    version = 0x500 | data[1]
    order = ">" if version == KEYTAB_VERSION else "<"
    outer = ByteReader(data, 2, byteorder=order, what="keytab")
    entries: list[KeytabEntry] = []
    while outer.remaining:
        if outer.remaining < 4:
            raise FileFormatError(f"keytab truncated: {outer.remaining} stray bytes at the end")
        length = outer.i32()
        if length == 0:
            break  # MIT: a zero length ends the keytab
        if length < 0:
            outer.take(-length)  # a deleted record
            continue
        entries.append(_parse_entry(outer.sub(length, "keytab entry"), version))
    return entries


def _parse_entry(r: ByteReader, version: int) -> KeytabEntry:
    count = r.i16()
    if version == _V1:
        count -= 1  # 0x501 counts the realm as a component
    if count < 1:
        raise FileFormatError(f"keytab entry with {count} name components")
    realm = r.text16()
    components = tuple(r.text16() for _ in range(count))
    name_type = r.i32() if version == KEYTAB_VERSION else NameType.NT_UNKNOWN
    timestamp = r.u32()
    kvno = r.u8()
    keytype = r.u16()
    keyvalue = r.counted16()
    if r.remaining >= 4:
        kvno = r.u32() or kvno
    try:
        principal = Principal(name_type, components, realm)
    except PrincipalParseError as exc:
        raise FileFormatError(f"keytab entry: {exc}") from None
    return KeytabEntry(principal, timestamp, kvno, EncryptionKey(keytype, keyvalue))


def build_keytab(entries: Iterable[KeytabEntry]) -> bytes:
    """A version 0x502 keytab holding ``entries`` in order (what MIT ktutil/kadmin write)."""
    out = [struct.pack(">H", KEYTAB_VERSION)]
    for entry in entries:
        body = _build_entry(entry)
        out.append(struct.pack(">i", len(body)))
        out.append(body)
    return b"".join(out)


def _build_entry(entry: KeytabEntry) -> bytes:
    p = entry.principal
    if len(p.components) > 0x7FFF or not -0x8000 <= entry.key.keytype <= 0xFFFF:
        raise ValueError("keytab entry out of range for the file format")
    parts = [struct.pack(">H", len(p.components)), _counted16(p.realm.encode("utf-8"))]
    parts += [_counted16(c.encode("utf-8")) for c in p.components]
    try:
        parts.append(struct.pack(">iIBH", p.name_type, entry.timestamp, entry.kvno & 0xFF,
                                 entry.key.keytype & 0xFFFF))
        parts.append(_counted16(entry.key.keyvalue))
        parts.append(struct.pack(">I", entry.kvno))
    except struct.error as exc:
        raise ValueError(f"keytab entry out of range for the file format: {exc}") from None
    return b"".join(parts)


def _counted16(raw: bytes) -> bytes:
    if len(raw) > 0xFFFF:
        raise ValueError("keytab field longer than 65535 bytes")
    return struct.pack(">H", len(raw)) + raw
