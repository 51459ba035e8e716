"""MIT keytab format: our reader and writer, and MIT's tools reading/writing the same files."""

from __future__ import annotations

import re
import struct
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.constants import NameType
from protocol.crypto import string_to_key
from protocol.crypto.enctypes import enctype_name
from protocol.errors import FileFormatError
from protocol.keytab import KeytabEntry, build_keytab, parse_keytab
from protocol.messages.types import EncryptionKey
from protocol.principal import Principal
from tests.support.mitkdc import MITRealm, mit_realm  # noqa: F401

AES256, AES128, AES256_SHA2, AES128_SHA2, CAMELLIA256 = 18, 17, 20, 19, 26


def entry(name: str, kvno: int = 1, keytype: int = AES256, key: bytes = b"\x11" * 32,
          timestamp: int = 1_800_000_000) -> KeytabEntry:
    return KeytabEntry(Principal.parse(name), timestamp, kvno, EncryptionKey(keytype, key))


def record(body: bytes, order: str = ">") -> bytes:
    return struct.pack(order + "i", len(body)) + body


def v2_body(comps: list[bytes], realm: bytes, name_type: int, ts: int, kvno8: int, keytype: int,
            key: bytes, tail: bytes = b"") -> bytes:
    out = struct.pack(">H", len(comps)) + struct.pack(">H", len(realm)) + realm
    out += b"".join(struct.pack(">H", len(c)) + c for c in comps)
    return out + struct.pack(">iIBH", name_type, ts, kvno8, keytype) + struct.pack(">H", len(key)) + key + tail


# -- format details ---------------------------------------------------------------------


def test_layout_of_one_entry() -> None:
    """Version 0x502, then a length-prefixed record: count, realm, components, name type,
    timestamp, 8-bit kvno, enctype, key, 32-bit kvno (keytab_file_format.rst)."""
    data = build_keytab([entry("host/h@R", kvno=2, key=b"\x01\x02")])
    body = v2_body([b"host", b"h"], b"R", NameType.NT_PRINCIPAL, 1_800_000_000, 2, AES256, b"\x01\x02",
                   struct.pack(">I", 2))
    assert data == b"\x05\x02" + record(body)


def test_kvno_above_255_uses_the_32_bit_field() -> None:
    """kvno 300 is written as 300 & 0xff in the 8-bit field plus 300 in the 32-bit one, and read back as 300."""
    data = build_keytab([entry("a@R", kvno=300)])
    assert data.endswith(struct.pack(">I", 300))
    assert parse_keytab(data)[0].kvno == 300


@pytest.mark.parametrize(("tail", "kvno"), [(b"", 7), (struct.pack(">I", 0), 7), (struct.pack(">I", 1000), 1000),
                                            (b"\x00\x00", 7)])
def test_32_bit_kvno_only_when_present_and_nonzero(tail: bytes, kvno: int) -> None:
    """Old writers omit the 32-bit kvno (or write 0): the 8-bit kvno is used then."""
    data = b"\x05\x02" + record(v2_body([b"a"], b"R", 1, 0, 7, AES256, b"k", tail))
    assert parse_keytab(data)[0].kvno == kvno


def test_deleted_records_are_skipped_and_zero_length_ends() -> None:
    """A negative record length is a hole to skip; a zero length ends the keytab (as MIT's reader)."""
    live = build_keytab([entry("a@R")])[2:]
    data = b"\x05\x02" + struct.pack(">i", -10) + b"\xff" * 10 + live + struct.pack(">i", 0) + b"junk after end"
    assert [str(e.principal) for e in parse_keytab(data)] == ["a@R"]


def test_version_0x501_is_read() -> None:
    """0x501: host (little-endian) byte order, realm counted as a component, no name type."""
    body = struct.pack("<H", 2) + struct.pack("<H", 1) + b"R" + struct.pack("<H", 1) + b"a"
    body += struct.pack("<IBH", 1234, 5, AES128) + struct.pack("<H", 3) + b"key"
    (e,) = parse_keytab(b"\x05\x01" + record(body, "<"))
    assert (str(e.principal), e.principal.name_type, e.timestamp, e.kvno) == ("a@R", NameType.NT_UNKNOWN, 1234, 5)
    assert e.key == EncryptionKey(AES128, b"key")


def test_unknown_enctypes_are_kept() -> None:
    """An enctype we do not implement is just a number: the entry survives a round trip."""
    es = [entry("a@R", keytype=99, key=b"odd"), entry("a@R", keytype=0xFF80, key=b"")]
    assert parse_keytab(build_keytab(es)) == es


@pytest.mark.parametrize("data", [
    b"", b"\x05", b"\x05\x03", b"\x04\x02",          # no or unknown version
    b"\x05\x02\x00\x00",                              # stray bytes shorter than a length
    b"\x05\x02" + struct.pack(">i", 100) + b"x" * 10,  # record longer than the file
    b"\x05\x02" + struct.pack(">i", -100),            # hole longer than the file
    b"\x05\x02" + struct.pack(">i", 2**31 - 1),       # absurd length
    b"\x05\x02" + record(struct.pack(">H", 0) + b"\x00\x01R" + b"\x00" * 12),  # no components
    b"\x05\x02" + record(struct.pack(">H", 1) + b"\x00\x01R\x00\x02\xff\xfe" + b"\x00" * 12),  # not UTF-8
    b"\x05\x02" + record(struct.pack(">H", 1) + b"\x00\x01R\x00\x01a" + b"\x00" * 5),  # cut in the middle
    b"\x05\x02" + record(struct.pack(">h", -1) + b"\x00" * 20),  # negative component count
])
def test_malformed_files_are_refused(data: bytes) -> None:
    """Truncated files, absurd lengths, empty names and bad text raise FileFormatError."""
    with pytest.raises(FileFormatError):
        parse_keytab(data)


def test_build_refuses_unrepresentable_values() -> None:
    """Values the format cannot hold (kvno >= 2**32, keys over 64 KiB) raise ValueError, not bad bytes."""
    with pytest.raises(ValueError):
        build_keytab([entry("a@R", kvno=2**32)])
    with pytest.raises(ValueError):
        build_keytab([entry("a@R", key=b"x" * 70000)])


# -- properties -------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10)
_entries = st.builds(
    KeytabEntry,
    st.builds(Principal, st.integers(-2**31, 2**31 - 1), st.lists(_text, min_size=1, max_size=4).map(tuple), _text),
    st.integers(0, 2**32 - 1),
    st.integers(1, 2**32 - 1),
    st.builds(EncryptionKey, st.integers(0, 0xFFFF), st.binary(max_size=40)),
)


@given(st.lists(_entries, max_size=5))
def test_round_trip(entries: list[KeytabEntry]) -> None:
    """parse(build(entries)) gives the entries back, name type, kvno and key included."""
    back = parse_keytab(build_keytab(entries))
    assert back == entries
    assert [(e.principal.name_type, e.kvno, e.key.keyvalue) for e in back] == \
        [(e.principal.name_type, e.kvno, e.key.keyvalue) for e in entries]


@given(st.one_of(st.binary(max_size=200), st.binary(max_size=200).map(lambda b: b"\x05\x02" + b)))
def test_arbitrary_bytes_parse_or_raise_file_format_error(data: bytes) -> None:
    """Any bytes give a list of entries or FileFormatError; nothing else escapes."""
    try:
        assert isinstance(parse_keytab(data), list)
    except FileFormatError:
        pass


@given(st.lists(_entries, min_size=1, max_size=3), st.data())
def test_truncated_keytabs_raise(entries: list[KeytabEntry], data: st.DataObject) -> None:
    """Cutting a valid keytab inside a record is always detected.

    A cut exactly between two records leaves a shorter but valid keytab, so cuts are drawn
    away from record boundaries.
    """
    full = build_keytab(entries)
    boundaries = {len(build_keytab(entries[:i])) for i in range(1, len(entries))}
    cut = data.draw(st.integers(3, len(full) - 1).filter(lambda c: c not in boundaries))
    try:
        parsed = parse_keytab(full[:cut])
    except FileFormatError:
        return
    raise AssertionError(f"truncation at {cut} accepted: {parsed}")


# -- MIT interop ------------------------------------------------------------------------

_KLIST_LINE = re.compile(r"^\s*(\d+) (\d\d/\d\d/\d\d \d\d:\d\d:\d\d) (\S+) \((\S+)\)\s+\(0x([0-9a-f]*)\)$")


def klist_keytab(realm: MITRealm, path: Path) -> list[tuple[int, str, str, str, str]]:
    out = realm.run("klist", "-k", "-t", "-e", "-K", str(path), LC_ALL="C", TZ="UTC").stdout.decode()
    rows = [_KLIST_LINE.match(line) for line in out.splitlines()[3:] if line.strip()]
    assert all(rows), out
    return [(int(m[1]), m[2], m[3], m[4], m[5]) for m in rows]


@pytest.mark.interop
def test_mit_klist_reads_our_keytab(mit_realm: MITRealm, tmp_path: Path) -> None:
    """klist -k -t -e -K lists our entries: kvno (incl. > 255), timestamp, principal, enctype, key bytes."""
    es = [entry("host/h.test@MIT.TEST", 3, AES256, bytes(range(32))),
          entry("host/h.test@MIT.TEST", 300, AES128, bytes(range(16, 32)), 1_900_000_000),
          entry("alice@OTHER.TEST", 1, CAMELLIA256, b"\xab" * 32, 0),
          entry("bob\\/x@MIT.TEST", 7, AES128_SHA2, b"\x00" * 16)]
    path = tmp_path / "ours.keytab"
    path.write_bytes(build_keytab(es))
    expected = [(e.kvno, datetime.fromtimestamp(e.timestamp, timezone.utc).strftime("%m/%d/%y %H:%M:%S"),
                 str(e.principal), enctype_name(e.key.keytype), e.key.keyvalue.hex()) for e in es]
    assert klist_keytab(mit_realm, path) == expected


@pytest.mark.interop
def test_we_read_ktutil_password_keytab(mit_realm: MITRealm, tmp_path: Path) -> None:
    """A keytab ktutil makes from a password parses, and its keys are our string_to_key of it."""
    path = tmp_path / "ktutil.keytab"
    script = "".join(f"addent -password -p kt-user@MIT.TEST -k 4 -e {enctype_name(e)}\npass word\n"
                     for e in (AES256, AES128, AES256_SHA2, CAMELLIA256))
    mit_realm.run("ktutil", input=(script + f"wkt {path}\nquit\n").encode())
    es = parse_keytab(path.read_bytes())
    assert [(str(e.principal), e.kvno, e.key.keytype) for e in es] == \
        [("kt-user@MIT.TEST", 4, et) for et in (AES256, AES128, AES256_SHA2, CAMELLIA256)]
    for e in es:
        assert e.key == string_to_key(e.key.keytype, "pass word", e.principal.default_salt())
    assert build_keytab(es) == path.read_bytes()


@pytest.mark.interop
def test_we_read_kadmin_ktadd_keytab(mit_realm: MITRealm, tmp_path: Path) -> None:
    """kadmin.local ktadd -norandkey writes one entry per supported enctype; we parse and rebuild it exactly."""
    mit_realm.add_principal("host/ktadd.test", password="svc password")
    path = mit_realm.ktadd(tmp_path / "ktadd.keytab", "host/ktadd.test")
    es = parse_keytab(path.read_bytes())
    assert [e.key.keytype for e in es] == [AES256, AES128, AES256_SHA2, AES128_SHA2, CAMELLIA256]
    assert {(str(e.principal), e.kvno) for e in es} == {("host/ktadd.test@MIT.TEST", 1)}
    for e in es:
        assert e.key == string_to_key(e.key.keytype, "svc password", "MIT.TESThostktadd.test")
    assert build_keytab(es) == path.read_bytes()


@pytest.mark.interop
def test_mit_kinit_uses_our_keytab(mit_realm: MITRealm, tmp_path: Path) -> None:
    """kinit -k -t with a keytab we built from string_to_key authenticates to MIT's KDC."""
    mit_realm.add_principal("kt-client", password="client pw")
    p = Principal.parse("kt-client@MIT.TEST")
    es = [KeytabEntry(p, 1_800_000_000, 1, string_to_key(et, "client pw", p.default_salt()))
          for et in (AES256_SHA2, AES256)]
    path = tmp_path / "client.keytab"
    path.write_bytes(build_keytab(es))
    cache = tmp_path / "cc"
    mit_realm.run("kinit", "-k", "-t", str(path), "kt-client@MIT.TEST", KRB5CCNAME=f"FILE:{cache}")
    listing = mit_realm.run("klist", KRB5CCNAME=f"FILE:{cache}").stdout.decode()
    assert "Default principal: kt-client@MIT.TEST" in listing and "krbtgt/MIT.TEST@MIT.TEST" in listing
