"""Gather: the async half of each exchange (DESIGN.md "Gather, then decide").

Looks up the principals a request names and unseals only the keys it may use, then hands
a frozen snapshot to the pure checks. Lookup failures raise here, with MIT's codes.

A store that cannot answer (locked, damaged, gone) or a master key that cannot unseal is
KDC_ERR_SVC_UNAVAILABLE, as MIT answers KRB5_KDB_CANTLOCK_DB: the fault is this KDC's,
and MIT's client library then tries the realm's next KDC instead of giving up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from protocol.constants import NameType, PADataType
from protocol.errors import DecodeError, PrincipalParseError
from protocol.messages import (
    APReq, Authenticator, EncryptionKey, EncTicketPart, KDCReq, PrincipalName, Ticket, decode,
)
from protocol.messages.types import fast_construction
from protocol.principal import Principal

from kdc.db.errors import StoreError
from kdc.db.model import PrincipalEntry, StoredKey
from kdc.exchange import errors
from kdc.exchange.bits import Attr, KDCOption
from kdc.exchange.context import KDCContext
from kdc.exchange.etypes import reply_etype_for, ticket_key_for
from kdc.exchange.tickets import open_authenticator, open_ticket
from kdc.preauth import find_padata, keys_needed


@fast_construction  # built once or more per request
@dataclass(frozen=True, slots=True)
class ServerKey:
    """A stored key and its unsealed value."""

    stored: StoredKey
    key: EncryptionKey


@fast_construction  # built once or more per request
@dataclass(frozen=True, slots=True)
class AsSnapshot:
    """Everything the AS decision needs, read once."""

    request: KDCReq
    raw: bytes
    client: PrincipalEntry
    server: PrincipalEntry
    reply_etype: int | None
    client_keys: Mapping[int, EncryptionKey]
    ticket_key: ServerKey | None
    usable: tuple[int, ...]


@fast_construction  # built once or more per request
@dataclass(frozen=True, slots=True)
class TgsSnapshot:
    """Everything the TGS decision needs: the opened TGT and authenticator, the entries, the keys."""

    request: KDCReq
    ap_req: APReq
    header: PrincipalEntry
    tgt: EncTicketPart
    authenticator: Authenticator
    server: PrincipalEntry
    client: PrincipalEntry | None
    ticket_key: ServerKey | None
    second_ticket: EncTicketPart | None
    second_ticket_server: Principal | None
    usable: tuple[int, ...]
    # The names as the messages spell them (Principal.from_name), made once for every check.
    client_name: Principal  # the TGT's client
    header_name: Principal  # the header ticket's server
    requested_name: Principal  # the request's sname


def _principal(name: PrincipalName, realm: str, error: type[errors.KDCError], text: str) -> Principal:
    """The principal a request names; an enterprise name (RFC 6806) names the principal it spells."""
    try:
        if name.name_type == NameType.NT_ENTERPRISE and len(name.name_string) == 1:
            return Principal.parse(name.name_string[0], default_realm=realm)
        return Principal.from_name(name, realm)
    except PrincipalParseError:
        raise error(text, detail=f"unusable name {name.name_string!r}") from None


async def _get(ctx: KDCContext, name: Principal) -> PrincipalEntry | None:
    """The store's record of ``name``; a store failure is SVC_UNAVAILABLE (MIT: KRB5_KDB_CANTLOCK_DB)."""
    try:
        return await ctx.store.get(name)
    except StoreError as exc:
        raise errors.SvcUnavailable("LOOKING_UP_PRINCIPAL", detail=f"principal store: {exc}"[:200]) from None


async def _lookup(ctx: KDCContext, name: Principal, error: type[errors.KDCError], text: str) -> PrincipalEntry:
    entry = await _get(ctx, name) if name.realm == ctx.config.realm else None
    if entry is None:
        raise error(text, detail=f"{name} not found")
    return entry


def _unseal(ctx: KDCContext, entry: PrincipalEntry, stored: StoredKey) -> EncryptionKey:
    """The clear key; any failure of the token is SVC_UNAVAILABLE, never the client's fault.

    Pure code cannot import ``kdc.masterkey`` (it loads the PKCS#11 library) to name its
    MasterKeyError, and ``unseal`` does nothing but the token's work: whatever it raises
    (token gone, master key version missing, a sealed blob that fails authentication)
    means this KDC cannot use the key now. The audit detail keeps the exception's type.
    """
    try:
        return ctx.master_key.unseal(entry.principal, stored)
    except Exception as exc:
        raise errors.SvcUnavailable("DECRYPTING_KEY", detail=f"master key: {type(exc).__name__}: {exc}"[:200]) from None


def _unseal_etypes(ctx: KDCContext, entry: PrincipalEntry, etypes: set[int]) -> dict[int, EncryptionKey]:
    return {k.enctype: _unseal(ctx, entry, k) for k in entry.keys_for_kvno() if k.enctype in etypes}


def _ticket_key(ctx: KDCContext, entry: PrincipalEntry, usable: tuple[int, ...]) -> ServerKey | None:
    stored = ticket_key_for(entry, usable)
    return ServerKey(stored, _unseal(ctx, entry, stored)) if stored is not None else None


async def gather_as(req: KDCReq, raw: bytes, ctx: KDCContext) -> AsSnapshot:
    """Client and server records and the keys the reply may need (RFC 4120 3.1.2; MIT process_as_req)."""
    body = req.req_body
    if body.cname is None:
        raise errors.PrincipalUnknown("NULL_CLIENT")
    if body.sname is None:
        raise errors.ServerUnknown("NULL_SERVER")
    client = await _lookup(ctx, _principal(body.cname, body.realm, errors.PrincipalUnknown, "CLIENT_NOT_FOUND"),
                           errors.PrincipalUnknown, "CLIENT_NOT_FOUND")
    server = await _lookup(ctx, _principal(body.sname, body.realm, errors.ServerUnknown, "SERVER_NOT_FOUND"),
                           errors.ServerUnknown, "SERVER_NOT_FOUND")
    usable = ctx.usable
    reply_etype = reply_etype_for(body.etype, client, usable)
    # Unseal nothing for the first, padata-less round trip that will only get PREAUTH_REQUIRED.
    may_issue = find_padata(req.padata) is not None or not client.attributes & Attr.REQUIRES_PRE_AUTH
    # Only usable enctypes: a weak key the client holds is never unsealed for its padata.
    wanted = set(keys_needed(req.padata)).intersection(usable)
    if may_issue and reply_etype is not None:
        wanted.add(reply_etype)
    return AsSnapshot(
        request=req,
        raw=raw,
        client=client,
        server=server,
        reply_etype=reply_etype,
        client_keys=_unseal_etypes(ctx, client, wanted),
        ticket_key=_ticket_key(ctx, server, usable) if may_issue else None,
        usable=usable,
    )


def _pa_tgs_req(req: KDCReq) -> APReq:
    pa = next((p for p in req.padata or () if p.padata_type == PADataType.PA_TGS_REQ), None)
    if pa is None:
        raise errors.PadataTypeNoSupp("NO PA-TGS-REQ")
    try:
        return decode(pa.padata_value, APReq)
    except DecodeError as exc:
        raise errors.Generic("MALFORMED AP-REQ", detail=f"PA-TGS-REQ does not decode: {exc}") from None


def _tgs_key(ctx: KDCContext, entry: PrincipalEntry, etype: int, kvno: int | None) -> EncryptionKey:
    """The key of ``entry`` that a ticket names by kvno and enctype (RFC 4120 5.3; kvno 0/absent: current)."""
    keys = entry.keys_for_kvno(kvno or None)
    if not keys:
        raise errors.BadKeyVer("BAD KVNO", detail=f"{entry.principal} has no key version {kvno}")
    stored = next((k for k in keys if k.enctype == etype), None)
    if stored is None:
        raise errors.NoKey("NO KEY", detail=f"{entry.principal} kvno {kvno} has no enctype {etype} key")
    return _unseal(ctx, entry, stored)


async def _ticket_server(ctx: KDCContext, ticket: Ticket, text: str) -> PrincipalEntry:
    """The record of a presented ticket's server; disabled ones are unknown, as MIT's kdc_get_server_key."""
    name = _principal(ticket.sname, ticket.realm, errors.ServerUnknown, text)
    entry = await _lookup(ctx, name, errors.ServerUnknown, text)
    if entry.attributes & (Attr.DISALLOW_SVR | Attr.DISALLOW_ALL_TIX):
        raise errors.ServerUnknown(text, detail=f"{name} may not be a server")
    return entry


async def _header_entry(ctx: KDCContext, ap_req: APReq) -> PrincipalEntry:
    """The record of the header ticket's server (the krbtgt, unless renewing or validating)."""
    return await _ticket_server(ctx, ap_req.ticket, "UNKNOWN TICKET SERVER")


async def gather_tgs(req: KDCReq, ctx: KDCContext) -> TgsSnapshot:
    """Open the PA-TGS-REQ and look up the service (RFC 4120 3.3.2; MIT gather_tgs_req_info)."""
    body = req.req_body
    ap_req = _pa_tgs_req(req)
    header = await _header_entry(ctx, ap_req)
    enc = ap_req.ticket.enc_part
    tgt = open_ticket(ap_req.ticket, _tgs_key(ctx, header, enc.etype, enc.kvno))
    authenticator = open_authenticator(ap_req.authenticator, tgt.key)
    if body.sname is None:
        raise errors.ServerUnknown("NULL_SERVER")
    # Cross-realm is not served yet: a service of another realm is simply unknown here.
    server = await _lookup(ctx, _principal(body.sname, body.realm, errors.ServerUnknown, "SERVER_NOT_FOUND"),
                           errors.ServerUnknown, "SERVER_NOT_FOUND")
    client_name = Principal.from_name(tgt.cname, tgt.crealm)
    client = await _get(ctx, client_name) if tgt.crealm == ctx.config.realm else None
    second, second_server = await _second_ticket(req, ctx)
    usable = ctx.usable
    u2u = bool(body.kdc_options & KDCOption.ENC_TKT_IN_SKEY)
    return TgsSnapshot(
        request=req,
        ap_req=ap_req,
        header=header,
        tgt=tgt,
        authenticator=authenticator,
        server=server,
        client=client,
        ticket_key=None if u2u else _ticket_key(ctx, server, usable),
        second_ticket=second,
        second_ticket_server=second_server,
        usable=usable,
        client_name=client_name,
        header_name=Principal.from_name(ap_req.ticket.sname, ap_req.ticket.realm),
        requested_name=Principal.from_name(body.sname, body.realm),
    )


async def _second_ticket(req: KDCReq, ctx: KDCContext) -> tuple[EncTicketPart | None, Principal | None]:
    """For ENC-TKT-IN-SKEY, the opened additional ticket and its server's name (MIT decrypt_2ndtkt)."""
    tickets = req.req_body.additional_tickets
    if not req.req_body.kdc_options & KDCOption.ENC_TKT_IN_SKEY or not tickets:
        return None, None
    ticket = tickets[0]
    entry = await _ticket_server(ctx, ticket, "2ND_TKT_SERVER")
    return open_ticket(ticket, _tgs_key(ctx, entry, ticket.enc_part.etype, ticket.enc_part.kvno)), entry.principal
