"""MIT FILE credential cache, format version 4 (read 3 too).

Contract: ``Credential(client, server, key, authtime, starttime, endtime, renew_till,
is_skey, ticket_flags, addresses, authdata, ticket: bytes, second_ticket: bytes)``,
``CCache(primary_principal, credentials, kdc_offset: tuple[int, int] | None)``,
``parse_ccache(data) -> CCache`` (raises FileFormatError), ``build_ccache(cc) -> bytes``.
Times are int seconds since the epoch; ``ticket`` is the DER-encoded Ticket.

The layout is MIT's (krb5 doc/formats/ccache_file_format.rst): a version (0x0504 or
0x0503, both big-endian), in version 4 a header of tagged fields (tag 1: the KDC time
offset, seconds and microseconds; unknown tags are skipped as MIT does), the default
principal, then credentials until the end of the file. Configuration entries (server
realm ``X-CACHECONF:``) are ordinary credentials here and survive a round trip.
Versions 1 and 2 (host byte order, last written in the 1990s) are refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from protocol.constants import NameType
from protocol.errors import FileFormatError, PrincipalParseError
from protocol.keytab import ByteReader
from protocol.messages.types import AuthorizationDataEntry, EncryptionKey, HostAddress
from protocol.principal import Principal

__all__ = ["Credential", "CCache", "parse_ccache", "build_ccache", "CONFIG_REALM", "config_credential"]

CONFIG_REALM = "X-CACHECONF:"
CONFIG_FIRST_COMPONENT = "krb5_ccache_conf_data"
_HEADER_KDC_OFFSET = 1


@dataclass(frozen=True)
class Credential:
    """One cached credential: a ticket for ``server`` with its session key and times."""

    client: Principal
    server: Principal
    key: EncryptionKey
    authtime: int
    starttime: int
    endtime: int
    renew_till: int
    is_skey: bool
    ticket_flags: int
    addresses: tuple[HostAddress, ...]
    authdata: tuple[AuthorizationDataEntry, ...]
    ticket: bytes = field(repr=False)
    second_ticket: bytes = field(repr=False)

    @property
    def is_config(self) -> bool:
        """A configuration entry (fast_avail, pa_type, ...) rather than a ticket."""
        return self.server.realm == CONFIG_REALM

    @property
    def config_key(self) -> str | None:
        """The configuration key of a config entry (``pa_type``...), else None."""
        if not self.is_config or len(self.server.components) < 2:
            return None
        return self.server.components[1]


@dataclass(frozen=True)
class CCache:
    """A credential cache: its default principal, its credentials, the KDC time offset.

    ``kdc_offset`` is (seconds, microseconds) to add to the local clock to get the KDC's.
    ``version`` is 4 for what we write; parsing a version 3 file records 3 so the file can
    be rebuilt as it was.
    """

    primary_principal: Principal
    credentials: tuple[Credential, ...] = ()
    kdc_offset: tuple[int, int] | None = None
    version: int = 4

    def tickets(self) -> tuple[Credential, ...]:
        """The credentials that are tickets (configuration entries left out, as klist does)."""
        return tuple(c for c in self.credentials if not c.is_config)

    def config(self, key: str, principal: Principal | None = None) -> bytes | None:
        """The value of configuration ``key`` (for ``principal`` if given), None when absent."""
        want = None if principal is None else str(principal)
        for cred in self.credentials:
            comps = cred.server.components
            if cred.config_key == key and (comps[2] if len(comps) > 2 else None) == want:
                return cred.ticket
        return None


def config_credential(client: Principal, key: str, value: bytes, principal: Principal | None = None) -> Credential:
    """A configuration entry as MIT writes it: every field zero, the value in ``ticket``."""
    comps = (CONFIG_FIRST_COMPONENT, key) + (() if principal is None else (str(principal),))
    server = Principal(NameType.NT_PRINCIPAL, comps, CONFIG_REALM)  # as MIT writes it
    return Credential(client, server, EncryptionKey(0, b""), 0, 0, 0, 0, False, 0, (), (), value, b"")


# -- parsing ----------------------------------------------------------------------------


def parse_ccache(data: bytes) -> CCache:
    """Parse a FILE ccache of version 3 or 4; raises FileFormatError on anything malformed."""
    if len(data) < 2 or data[0] != 5:
        raise FileFormatError("not an MIT credential cache (first byte 5 expected)")
    if data[1] not in (3, 4):
        raise FileFormatError(f"credential cache version {data[1]} is not supported (3 and 4 are)")
    version = data[1]
    r = ByteReader(data, 2, what="ccache")
    kdc_offset = _parse_header(r) if version == 4 else None
    primary = _parse_principal(r)
    creds: list[Credential] = []
    while r.remaining:
        creds.append(_parse_credential(r, version))
    return CCache(primary, tuple(creds), kdc_offset, version)


def _parse_header(r: ByteReader) -> tuple[int, int] | None:
    header = r.sub(r.u16(), "ccache header")
    offset = None
    while header.remaining:
        tag = header.u16()
        value = header.sub(header.u16(), "ccache header field")
        if tag == _HEADER_KDC_OFFSET:
            if value.remaining != 8:
                raise FileFormatError("ccache KDC time offset field is not 8 bytes")
            offset = (value.i32(), value.i32())
    return offset


def _count(r: ByteReader, min_item_size: int) -> int:
    """A 32-bit item count, refused when the items could not fit in what is left."""
    n = r.u32()
    if n * min_item_size > r.remaining:
        raise FileFormatError(f"ccache truncated: {n} items announced, {r.remaining} bytes left")
    return n


def _parse_principal(r: ByteReader) -> Principal:
    name_type = r.i32()
    count = _count(r, 4)
    realm = r.text32()
    components = tuple(r.text32() for _ in range(count))
    try:
        return Principal(name_type, components, realm)
    except PrincipalParseError as exc:
        raise FileFormatError(f"ccache principal: {exc}") from None


def _parse_credential(r: ByteReader, version: int) -> Credential:
    client = _parse_principal(r)
    server = _parse_principal(r)
    keytype = r.u16()
    if version == 3:
        r.u16()  # version 3 repeats the enctype
    key = EncryptionKey(keytype, r.counted32())
    authtime, starttime, endtime, renew_till = (r.u32() for _ in range(4))
    is_skey = r.u8() != 0
    flags = r.u32()
    addresses = tuple(HostAddress(r.u16(), r.counted32()) for _ in range(_count(r, 6)))
    authdata = tuple(AuthorizationDataEntry(r.u16(), r.counted32()) for _ in range(_count(r, 6)))
    ticket = r.counted32()
    second_ticket = r.counted32()
    return Credential(client, server, key, authtime, starttime, endtime, renew_till, is_skey, flags,
                      addresses, authdata, ticket, second_ticket)


# -- building ---------------------------------------------------------------------------


def build_ccache(cc: CCache) -> bytes:
    """The FILE ccache bytes for ``cc`` (version ``cc.version``: 4 as MIT writes, or 3)."""
    if cc.version not in (3, 4):
        raise ValueError(f"cannot write credential cache version {cc.version}")
    if cc.version == 3 and cc.kdc_offset is not None:
        raise ValueError("a version 3 credential cache has no header for the KDC time offset")
    out = [bytes((5, cc.version))]
    if cc.version == 4:
        out.append(_build_header(cc.kdc_offset))
    out.append(_build_principal(cc.primary_principal))
    out += [_build_credential(c, cc.version) for c in cc.credentials]
    return b"".join(out)


def _build_header(kdc_offset: tuple[int, int] | None) -> bytes:
    if kdc_offset is None:
        return struct.pack(">H", 0)
    return struct.pack(">HHHii", 12, _HEADER_KDC_OFFSET, 8, *kdc_offset)


def _build_principal(p: Principal) -> bytes:
    parts = [struct.pack(">iI", p.name_type, len(p.components)), _data(p.realm.encode("utf-8"))]
    parts += [_data(c.encode("utf-8")) for c in p.components]
    return b"".join(parts)


def _data(raw: bytes) -> bytes:
    return struct.pack(">I", len(raw)) + raw


def _build_credential(c: Credential, version: int) -> bytes:
    try:
        keytype = struct.pack(">H", c.key.keytype & 0xFFFF) * (2 if version == 3 else 1)
        fixed = struct.pack(">IIIIBI", c.authtime, c.starttime, c.endtime, c.renew_till,
                            1 if c.is_skey else 0, c.ticket_flags)
        addrs = [struct.pack(">H", a.addr_type) + _data(a.address) for a in c.addresses]
        ads = [struct.pack(">H", a.ad_type) + _data(a.ad_data) for a in c.authdata]
    except struct.error as exc:
        raise ValueError(f"credential out of range for the ccache format: {exc}") from None
    return b"".join([
        _build_principal(c.client), _build_principal(c.server), keytype, _data(c.key.keyvalue), fixed,
        struct.pack(">I", len(addrs)), *addrs, struct.pack(">I", len(ads)), *ads,
        _data(c.ticket), _data(c.second_ticket),
    ])
