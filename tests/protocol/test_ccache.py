"""MIT FILE credential caches: our reader and writer, and MIT's kinit/klist on the same files."""

from __future__ import annotations

import re
import struct
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.ccache import CCache, Credential, build_ccache, config_credential, parse_ccache
from protocol.constants import NameType, TicketFlag
from protocol.errors import FileFormatError
from protocol.messages import EncryptedData, Ticket, decode, encode
from protocol.messages.types import AuthorizationDataEntry, EncryptionKey, HostAddress
from protocol.principal import Principal
from tests.support.mitkdc import MITRealm, mit_realm  # noqa: F401

ALICE = Principal.parse("alice@MIT.TEST")
TGS = Principal.krbtgt("MIT.TEST")


def cred(server: Principal = TGS, *, start: int = 1_800_000_000, life: int = 36000, flags: int = 0,
         ticket: bytes = b"\x61\x03opaque", keytype: int = 18, **kw) -> Credential:
    fields = dict(client=ALICE, server=server, key=EncryptionKey(keytype, b"\x42" * 32), authtime=start,
                  starttime=start, endtime=start + life, renew_till=start + 7 * 86400, is_skey=False,
                  ticket_flags=flags, addresses=(), authdata=(), ticket=ticket, second_ticket=b"")
    fields.update(kw)
    return Credential(**fields)


# -- format details ---------------------------------------------------------------------


def test_v4_header_carries_the_kdc_offset() -> None:
    """Version 4 starts with a header; tag 1 holds the KDC time offset (seconds, microseconds)."""
    data = build_ccache(CCache(ALICE, (), (-5, 250_000)))
    assert data[:16] == b"\x05\x04" + struct.pack(">HHHii", 12, 1, 8, -5, 250_000)
    assert parse_ccache(data).kdc_offset == (-5, 250_000)
    assert build_ccache(CCache(ALICE, ()))[:4] == b"\x05\x04\x00\x00"


def test_unknown_header_tags_are_skipped() -> None:
    """A header field with an unknown tag is ignored, as the format says readers must."""
    data = b"\x05\x04" + struct.pack(">HHH", 7, 99, 3) + b"abc" + build_ccache(CCache(ALICE))[4:]
    cc = parse_ccache(data)
    assert cc.primary_principal == ALICE and cc.kdc_offset is None


def test_version_3_is_read_and_rebuilt() -> None:
    """Version 3 has no header and writes the key's enctype twice; a v3 file rebuilds byte for byte."""
    cc = CCache(ALICE, (cred(),), None, version=3)
    data = build_ccache(cc)
    assert data[:2] == b"\x05\x03"
    assert struct.pack(">HH", 18, 18) + struct.pack(">I", 32) in data
    back = parse_ccache(data)
    assert back == cc and build_ccache(back) == data


def test_version_3_cannot_carry_a_kdc_offset() -> None:
    """Building a v3 cache with a KDC offset raises instead of silently dropping the offset."""
    with pytest.raises(ValueError, match="version 3"):
        build_ccache(CCache(ALICE, (), (1, 0), version=3))


def test_principal_name_types_and_fields_survive() -> None:
    """Every credential field, name types included, comes back from a round trip."""
    c = cred(Principal(NameType.NT_SRV_HST, ("host", "h"), "MIT.TEST"), is_skey=True, flags=0x50e00000,
             addresses=(HostAddress(2, b"\x7f\x00\x00\x01"),), authdata=(AuthorizationDataEntry(1, b"ad"),),
             second_ticket=b"second")
    back = parse_ccache(build_ccache(CCache(ALICE, (c,))))
    assert back.credentials == (c,)
    assert back.credentials[0].server.name_type == NameType.NT_SRV_HST


def test_config_entries_round_trip_and_lookup() -> None:
    """X-CACHECONF: entries are kept in order, found by key (and principal), and left out of tickets()."""
    entries = (config_credential(ALICE, "fast_avail", b"yes", TGS), cred(),
               config_credential(ALICE, "pa_type", b"2", TGS), config_credential(ALICE, "refresh_time", b"9"))
    cc = parse_ccache(build_ccache(CCache(ALICE, entries)))
    assert cc.credentials == entries
    assert cc.config("pa_type", TGS) == b"2" and cc.config("refresh_time") == b"9"
    assert cc.config("pa_type") is None and cc.config("missing") is None
    assert cc.tickets() == (entries[1],)


@pytest.mark.parametrize("data", [
    b"", b"\x05", b"\x04\x04", b"\x05\x01", b"\x05\x02", b"\x05\x05",
    b"\x05\x04\x00\x10\x00\x01",                                       # header longer than the file
    b"\x05\x04" + struct.pack(">HHH", 6, 1, 2) + b"\x00\x00",          # offset field not 8 bytes
    b"\x05\x04\x00\x00" + struct.pack(">iI", 1, 0xFFFFFFFF),            # absurd component count
    b"\x05\x04\x00\x00" + struct.pack(">iII", 1, 0, 0),                 # principal without components
    b"\x05\x04\x00\x00" + struct.pack(">iII", 1, 1, 0x7FFFFFFF),        # absurd string length
    b"\x05\x04\x00\x00" + struct.pack(">iIIIH", 1, 1, 0, 2, 0xFFFF),    # component not UTF-8
])
def test_malformed_caches_are_refused(data: bytes) -> None:
    """Unsupported versions, truncations, absurd counts and lengths raise FileFormatError."""
    with pytest.raises(FileFormatError):
        parse_ccache(data)


def test_absurd_address_count_is_refused_before_looping() -> None:
    """An address count of 2**32-1 in a tiny file fails at once instead of looping."""
    data = bytearray(build_ccache(CCache(ALICE, (cred(),))))
    at = data.index(struct.pack(">IBI", 1_800_000_000 + 7 * 86400, 0, 0)) + 9
    data[at:at + 4] = b"\xff\xff\xff\xff"
    with pytest.raises(FileFormatError, match="items announced"):
        parse_ccache(bytes(data))


# -- properties -------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
_principal = st.builds(Principal, st.integers(-2**31, 2**31 - 1), st.lists(_text, min_size=1, max_size=3).map(tuple),
                       _text)
_u32 = st.integers(0, 2**32 - 1)
_credential = st.builds(
    Credential, _principal, _principal, st.builds(EncryptionKey, st.integers(0, 0xFFFF), st.binary(max_size=32)),
    _u32, _u32, _u32, _u32, st.booleans(), _u32,
    st.lists(st.builds(HostAddress, st.integers(0, 0xFFFF), st.binary(max_size=16)), max_size=2).map(tuple),
    st.lists(st.builds(AuthorizationDataEntry, st.integers(0, 0xFFFF), st.binary(max_size=16)), max_size=2).map(tuple),
    st.binary(max_size=64), st.binary(max_size=16),
)
_offset = st.none() | st.tuples(st.integers(-2**31, 2**31 - 1), st.integers(-2**31, 2**31 - 1))
_ccache = st.one_of(
    st.builds(CCache, _principal, st.lists(_credential, max_size=3).map(tuple), _offset, st.just(4)),
    st.builds(CCache, _principal, st.lists(_credential, max_size=3).map(tuple), st.none(), st.just(3)),
)


@given(_ccache)
def test_round_trip(cc: CCache) -> None:
    """parse(build(cc)) == cc, and rebuilding gives the same bytes."""
    data = build_ccache(cc)
    back = parse_ccache(data)
    assert back == cc
    assert build_ccache(back) == data


@given(st.one_of(st.binary(max_size=200), st.binary(max_size=200).map(lambda b: b"\x05\x04" + b)))
def test_arbitrary_bytes_parse_or_raise_file_format_error(data: bytes) -> None:
    """Any bytes give a CCache or FileFormatError; nothing else escapes."""
    try:
        assert isinstance(parse_ccache(data), CCache)
    except FileFormatError:
        pass


@given(_ccache, st.data())
def test_truncation_is_detected_or_ends_on_a_credential(cc: CCache, data: st.DataObject) -> None:
    """A cut file either raises or (cut exactly between credentials) holds a prefix of the credentials."""
    full = build_ccache(cc)
    cut = data.draw(st.integers(0, len(full) - 1))
    try:
        back = parse_ccache(full[:cut])
    except FileFormatError:
        return
    assert back.primary_principal == cc.primary_principal
    assert back.credentials == cc.credentials[:len(back.credentials)]
    assert len(back.credentials) < len(cc.credentials)


# -- MIT interop ------------------------------------------------------------------------

_FLAG_LETTERS = [(TicketFlag.FORWARDABLE, "F"), (TicketFlag.FORWARDED, "f"), (TicketFlag.PROXIABLE, "P"),
                 (TicketFlag.PROXY, "p"), (TicketFlag.MAY_POSTDATE, "D"), (TicketFlag.POSTDATED, "d"),
                 (TicketFlag.INVALID, "i"), (TicketFlag.RENEWABLE, "R"), (TicketFlag.INITIAL, "I"),
                 (TicketFlag.PRE_AUTHENT, "A"), (TicketFlag.HW_AUTHENT, "H"),
                 (TicketFlag.TRANSITED_POLICY_CHECKED, "T"), (TicketFlag.OK_AS_DELEGATE, "O"),
                 (TicketFlag.ANONYMOUS, "a")]


def klist_time(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%m/%d/%y %H:%M:%S")


def real_ticket(sname: Principal, etype: int) -> bytes:
    return encode(Ticket(sname.realm, sname.name, EncryptedData(etype, b"\x00" * 60, kvno=2)))


@pytest.mark.interop
def test_mit_klist_lists_our_ccache(mit_realm: MITRealm, tmp_path: Path) -> None:
    """klist -f -e -c shows our default principal, each ticket's times, service, flags and
    enctypes, and hides the configuration entries."""
    svc = Principal.parse("host/svc.test@MIT.TEST")
    tgt_flags = TicketFlag.FORWARDABLE | TicketFlag.RENEWABLE | TicketFlag.INITIAL | TicketFlag.PRE_AUTHENT
    creds = (config_credential(ALICE, "pa_type", b"2", TGS),
             cred(TGS, flags=int(tgt_flags), ticket=real_ticket(TGS, 18)),
             cred(svc, start=1_800_000_100, life=600, flags=int(TicketFlag.FORWARDABLE), keytype=17,
                  key=EncryptionKey(17, b"\x01" * 16), ticket=real_ticket(svc, 20)))
    path = tmp_path / "ours.ccache"
    path.write_bytes(build_ccache(CCache(ALICE, creds, (0, 0))))
    out = mit_realm.run("klist", "-f", "-e", "-c", f"FILE:{path}", LC_ALL="C", TZ="UTC").stdout.decode()
    assert "Default principal: alice@MIT.TEST" in out
    assert "X-CACHECONF" not in out and "pa_type" not in out
    for c in creds[1:]:
        letters = "".join(ch for flag, ch in _FLAG_LETTERS if c.ticket_flags & flag)
        assert f"{klist_time(c.starttime)}  {klist_time(c.endtime)}  {c.server}" in out
        assert f"Flags: {letters}" in out
    assert "Etype (skey, tkt): aes256-cts-hmac-sha1-96, aes256-cts-hmac-sha1-96" in out
    assert "Etype (skey, tkt): aes128-cts-hmac-sha1-96, aes256-cts-hmac-sha384-192" in out
    assert f"renew until {klist_time(creds[1].renew_till)}" in out


@pytest.mark.interop
def test_we_read_and_rebuild_mit_kinit_ccache(mit_realm: MITRealm, tmp_path: Path) -> None:
    """The cache MIT kinit (and kvno) wrote parses to sane credentials and rebuilds byte for byte."""
    mit_realm.add_principal("cc-user", password="cc pw")
    mit_realm.add_principal("host/cc.test", randkey=True)
    path = tmp_path / "mit.ccache"
    before = int(time.time()) - 5
    mit_realm.kinit("cc-user", "cc pw", "-f", "-r", "2d", ccache=path)
    mit_realm.run("kvno", "host/cc.test", KRB5CCNAME=f"FILE:{path}")
    data = path.read_bytes()
    cc = parse_ccache(data)
    assert cc.primary_principal == Principal.parse("cc-user@MIT.TEST")
    assert cc.kdc_offset is not None
    tgt, svc = cc.tickets()
    assert (tgt.server, svc.server) == (TGS, Principal.parse("host/cc.test@MIT.TEST"))
    for c in (tgt, svc):
        assert c.client == cc.primary_principal
        assert before <= c.authtime <= c.starttime < c.endtime <= c.renew_till <= before + 3 * 86400
        assert c.key.keytype == 18 and len(c.key.keyvalue) == 32
        ticket = decode(c.ticket, Ticket)
        assert Principal.from_name(ticket.sname, ticket.realm) == c.server
    assert tgt.ticket_flags & TicketFlag.INITIAL and tgt.ticket_flags & TicketFlag.FORWARDABLE
    assert cc.config("pa_type", TGS) == b"2"  # encrypted timestamp: the principal requires preauth
    assert build_ccache(cc) == data


def test_klist_time_format_matches_locale_c() -> None:
    """The helper's time format is klist's under LC_ALL=C (guards the interop assertions)."""
    assert re.fullmatch(r"\d\d/\d\d/\d\d \d\d:\d\d:\d\d", klist_time(1_800_000_000))
