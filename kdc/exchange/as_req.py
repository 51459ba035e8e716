"""AS exchange (RFC 4120 section 3.1): checks and issue, pure functions of a snapshot.

Order and codes follow MIT krb5kdc 1.20 (process_as_req, validate_as_request) so that MIT
clients see what they see against MIT's KDC.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass

from protocol.constants import KeyUsage, LastReqType, MessageType, NameType, PADataType, TransitedType
from protocol.crypto import Rng, encrypt, make_checksum, random_key
from protocol.messages import (
    EncKDCRepPart,
    EncryptedData,
    EncTicketPart,
    KDCRep,
    KDCReq,
    LastReqEntry,
    PAData,
    Ticket,
    TransitedEncoding,
    encode,
)
from protocol.messages.types import fast_construction
from protocol.principal import Principal

from kdc.config import Config
from kdc.db.errors import StoreError
from kdc.db.model import PrincipalEntry
from kdc.exchange import errors, rules
from kdc.exchange.bits import Attr, KDCOption, TicketFlag
from kdc.exchange.audit import Audit
from kdc.exchange.context import KDCContext
from kdc.exchange.etypes import session_etype_for
from kdc.exchange.gather import AsSnapshot, gather_as
from kdc.exchange.names import principal_text
from kdc.exchange.times import TicketTimes, compute_endtime, compute_renew_till, compute_start
from kdc.preauth import PreauthInput, check_preauth, method_data
from kdc.preauth.etype_info import etype_info2_entries, etype_info2_padata

_EMPTY_TRANSITED = TransitedEncoding(TransitedType.DOMAIN_X500_COMPRESS, b"")
_NO_LAST_REQ = (LastReqEntry(LastReqType.NONE, 0),)


@fast_construction  # built once or more per request
@dataclass(frozen=True, slots=True)
class AsResult:
    """The encoded AS-REP and what the audit record and the store need to know."""

    reply: bytes
    reply_etype: int
    ticket_etype: int
    session_etype: int
    preauthenticated: bool


async def handle_as(req: KDCReq, raw: bytes, ctx: KDCContext, now: float, audit: Audit) -> bytes:
    """Gather, decide, issue; record failed and successful pre-authentication in the store."""
    snap = await gather_as(req, raw, ctx)
    audit.client = principal_text(snap.client.principal)
    database = ctx.config.database
    try:
        result = process_as(snap, ctx.config, now, ctx.rng)
    except errors.PreauthFailed:
        # MIT counts a wrong key toward lockout (fail_auth_count); skew is not a wrong key.
        if not database.disable_lockout:
            await _record(ctx.store.record_failure(snap.client.principal, int(now)), audit)
        raise
    audit.reply_etype, audit.ticket_etype = result.reply_etype, result.ticket_etype
    audit.session_etype = result.session_etype
    if (result.preauthenticated and snap.client.attributes & Attr.REQUIRES_PRE_AUTH
            and not database.disable_last_success):
        # As MIT's lockout module: last_success is kept for principals that pre-authenticate.
        await _record(ctx.store.record_success(snap.client.principal, int(now)), audit)
    return result.reply


async def _record(write: Awaitable[None], audit: Audit) -> None:
    """Bookkeeping writes never decide the answer (MIT's KDB audit hook returns nothing either)."""
    try:
        await write
    except StoreError as exc:
        audit.detail = f"could not record the outcome: {exc}"[:200]


def process_as(snap: AsSnapshot, config: Config, now: float, rng: Rng) -> AsResult:
    """All AS checks, then the reply (pure: ``now`` and ``rng`` are arguments)."""
    body = snap.request.req_body
    check_as_policy(body.kdc_options, snap.client, snap.server, int(now))
    session_etype = session_etype_for(body.etype, snap.server, snap.usable)
    if session_etype is None:
        raise errors.EtypeNoSupp("BAD_ENCRYPTION_TYPE", detail=f"no session enctype among {list(body.etype)}")
    if snap.reply_etype is None:
        raise errors.EtypeNoSupp("CANT_FIND_CLIENT_KEY", detail=f"client has no key of {list(body.etype)}")
    earned = _check_preauth(snap, config, now)
    if snap.ticket_key is None:
        raise errors.EtypeNoSupp("FINDING_SERVER_KEY", detail=f"{snap.server.principal} has no usable key")
    flags, times = compute_as_ticket(snap, config, int(now))
    return _issue(snap, flags | earned, times, session_etype, rng)


def check_as_policy(options: int, client: PrincipalEntry, server: PrincipalEntry, now: int) -> None:
    """MIT validate_as_request: options, expirations, password change, postdating, disabled principals."""
    if options & rules.AS_INVALID_OPTIONS:
        raise errors.BadOption("INVALID AS OPTIONS")
    if client.expiration is not None and now > client.expiration:
        raise errors.NameExpired("CLIENT EXPIRED")
    pwchange_service = bool(server.attributes & Attr.PWCHANGE_SERVICE)
    if client.pw_expiration is not None and now > client.pw_expiration and not pwchange_service:
        raise errors.KeyExpired("CLIENT KEY EXPIRED")
    if server.expiration is not None and now > server.expiration:
        raise errors.ServiceExpired("SERVICE EXPIRED")
    if client.attributes & Attr.REQUIRES_PWCHANGE and not pwchange_service:
        raise errors.KeyExpired("REQUIRED PWCHANGE")
    if options & (KDCOption.ALLOW_POSTDATE | KDCOption.POSTDATED) and (
        (client.attributes | server.attributes) & Attr.DISALLOW_POSTDATED
    ):
        raise errors.CannotPostdate("POSTDATE NOT ALLOWED")
    if client.attributes & Attr.DISALLOW_ALL_TIX:
        raise errors.ClientRevoked("CLIENT LOCKED OUT")
    if server.attributes & Attr.DISALLOW_ALL_TIX:
        raise errors.ServerUnknown("SERVICE LOCKED OUT")
    if server.attributes & Attr.DISALLOW_SVR:
        raise errors.MustUseUser2User("SERVICE NOT ALLOWED")


def _check_preauth(snap: AsSnapshot, config: Config, now: float) -> int:
    inp = PreauthInput(snap.request, snap.raw, snap.client, snap.client_keys, now, config.tickets.clock_skew,
                       snap.usable)

    def hints() -> tuple[PAData, ...]:
        info = etype_info2_entries(snap.client, snap.request.req_body.etype, snap.usable)
        return method_data(inp, etype_info2_padata(info))

    required = bool(snap.client.attributes & Attr.REQUIRES_PRE_AUTH)
    return check_preauth(inp, required, hints)


def compute_as_ticket(snap: AsSnapshot, config: Config, now: int) -> tuple[int, TicketTimes]:
    """Flags and times of the TGT/ticket (RFC 4120 3.1.3; MIT kdc_get_ticket_endtime/renewtime)."""
    body, client, server = snap.request.req_body, snap.client, snap.server
    flags = rules.as_ticket_flags(body.kdc_options, client.attributes, server.attributes)
    start = compute_start(body.kdc_options, body.from_, now)
    end = compute_endtime(start, body.till, (client.max_life, server.max_life, config.tickets.max_life))
    renew_till = None
    if not (client.attributes | server.attributes) & Attr.DISALLOW_RENEWABLE:
        renew_lives = (client.max_renewable_life, server.max_renewable_life, config.tickets.max_renewable_life)
        renew_till = compute_renew_till(body.kdc_options, body.till, body.rtime, start, end, renew_lives)
    if renew_till is not None:
        flags |= TicketFlag.RENEWABLE
    times = TicketTimes(authtime=now, starttime=start if start != now else None, endtime=end, renew_till=renew_till)
    return flags, times


def _names(snap: AsSnapshot) -> tuple[Principal, Principal]:
    """Client and server names of the ticket: canonical ones when the client asked (MIT)."""
    body = snap.request.req_body
    canonicalize = bool(body.kdc_options & KDCOption.CANONICALIZE)
    client = snap.client.principal
    if not canonicalize and body.cname is not None and body.cname.name_type != NameType.NT_ENTERPRISE:
        client = Principal.from_name(body.cname, client.realm)
    server = Principal.from_name(body.sname, body.realm)
    if canonicalize and server.is_krbtgt and snap.server.principal.is_krbtgt:
        server = snap.server.principal
    return client, server


def _enc_pa_data(snap: AsSnapshot, reply_key) -> tuple[PAData, ...] | None:
    """RFC 6806 PA-REQ-ENC-PA-REP: a checksum over the AS-REQ as received, keyed with the reply key."""
    if not any(p.padata_type == PADataType.PA_REQ_ENC_PA_REP for p in snap.request.padata or ()):
        return None
    cksum = make_checksum(reply_key, KeyUsage.AS_REQ, snap.raw)
    return (PAData(PADataType.PA_REQ_ENC_PA_REP, encode(cksum)),)


def _issue(snap: AsSnapshot, flags: int, times: TicketTimes, session_etype: int, rng: Rng) -> AsResult:
    body = snap.request.req_body
    reply_key = snap.client_keys[snap.reply_etype]
    session_key = random_key(session_etype, rng)
    client, server = _names(snap)
    enc_pa = _enc_pa_data(snap, reply_key)
    if enc_pa is not None:
        flags |= TicketFlag.ENC_PA_REP
    part = EncTicketPart(
        flags=flags, key=session_key, crealm=client.realm, cname=client.name, transited=_EMPTY_TRANSITED,
        authtime=times.authtime, starttime=times.starttime, endtime=times.endtime,
        renew_till=times.renew_till, caddr=body.addresses,
    )
    tkey = snap.ticket_key
    ticket = Ticket(
        realm=server.realm, sname=server.name,
        enc_part=EncryptedData(tkey.key.keytype, encrypt(tkey.key, KeyUsage.KDC_REP_TICKET, encode(part), rng),
                               tkey.stored.kvno),
    )
    rep_part = EncKDCRepPart(
        key=session_key, last_req=_NO_LAST_REQ, nonce=body.nonce, flags=flags, authtime=times.authtime,
        endtime=times.endtime, srealm=server.realm, sname=server.name, tag=25,
        key_expiration=_key_expiration(snap.client), starttime=times.starttime, renew_till=times.renew_till,
        caddr=body.addresses, encrypted_pa_data=enc_pa,
    )
    reply = KDCRep(
        msg_type=MessageType.KRB_AS_REP, crealm=client.realm, cname=client.name, ticket=ticket,
        enc_part=EncryptedData(reply_key.keytype, encrypt(reply_key, KeyUsage.AS_REP_ENCPART, encode(rep_part), rng),
                               snap.client.kvno),  # the reply key is one of the current kvno's
        padata=_reply_padata(snap),
    )
    return AsResult(encode(reply), snap.reply_etype, tkey.key.keytype, session_etype,
                    bool(flags & TicketFlag.PRE_AUTHENT))


def _reply_padata(snap: AsSnapshot) -> tuple[PAData, ...] | None:
    """PA-ETYPE-INFO2 for the reply key, as MIT always sends (a client without preauth needs the salt)."""
    etype, usable = snap.reply_etype, snap.usable

    def build(client: PrincipalEntry) -> tuple[PAData, ...] | None:
        pa = etype_info2_padata(etype_info2_entries(client, (etype,), usable))
        return (pa,) if pa is not None else None

    return snap.client.derived(("reply_padata", etype, usable), build)


def _key_expiration(client: PrincipalEntry) -> int | None:
    """RFC 4120 5.4.2 key-expiration: the earlier of principal and password expiration (MIT get_key_exp)."""
    times = [t for t in (client.expiration, client.pw_expiration) if t is not None]
    return min(times) if times else None
