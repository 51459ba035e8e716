"""TGS exchange (RFC 4120 section 3.3): checks and issue, pure functions of a snapshot.

Follows MIT krb5kdc 1.20 (kdc_process_tgs_req, check_tgs_req, tgs_issue_ticket) for the
order of checks and the codes. Cross-realm TGTs and referrals are not served: a service of
another realm is KDC_ERR_S_PRINCIPAL_UNKNOWN (gather), as MIT says for unknown services.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.constants import KeyUsage, LastReqType, MessageType
from protocol.crypto import Rng, decrypt, encrypt, random_key, verify_checksum
from protocol.errors import DecodeError, IntegrityError, UnsupportedEncType
from protocol.messages import (
    AuthorizationDataEntry,
    EncKDCRepPart,
    EncryptedData,
    EncryptionKey,
    EncTicketPart,
    KDCRep,
    KDCReq,
    LastReqEntry,
    Ticket,
    decode_authorization_data,
    encode,
)
from protocol.messages.types import fast_construction
from protocol.principal import Principal

from kdc.config import Config
from kdc.exchange.bits import APOption, Attr, KDCOption, TicketFlag
from kdc.exchange import errors, rules
from kdc.exchange.audit import Audit
from kdc.exchange.context import KDCContext
from kdc.exchange.etypes import check_client_key, is_keyed_checksum, session_etype_for
from kdc.exchange.gather import TgsSnapshot, gather_tgs
from kdc.exchange.names import principal_text
from kdc.exchange.times import TicketTimes, compute_endtime, compute_renew_till, compute_start

_NO_LAST_REQ = (LastReqEntry(LastReqType.NONE, 0),)
_ADDRESS_OPTIONS = KDCOption.FORWARDED | KDCOption.PROXY


@fast_construction  # built once or more per request
@dataclass(frozen=True, slots=True)
class TgsResult:
    """The encoded TGS-REP and the enctypes chosen (for the audit record)."""

    reply: bytes
    reply_etype: int
    ticket_etype: int
    session_etype: int


async def handle_tgs(req: KDCReq, raw: bytes, ctx: KDCContext, now: float, audit: Audit) -> bytes:
    """Gather, decide, issue; errors name the TGT's client once the TGT is open (MIT)."""
    snap = await gather_tgs(req, ctx)
    client = snap.client_name
    audit.client = principal_text(client)
    try:
        result = process_tgs(snap, ctx.config, now, ctx.rng)
    except errors.KDCError as err:
        err.client = err.client or client
        raise
    audit.reply_etype, audit.ticket_etype, audit.session_etype = (
        result.reply_etype, result.ticket_etype, result.session_etype)
    return result.reply


def process_tgs(snap: TgsSnapshot, config: Config, now: float, rng: Rng) -> TgsResult:
    """All TGS checks, then the reply (pure: ``now`` and ``rng`` are arguments)."""
    skew = config.tickets.clock_skew
    check_authenticator(snap, now, skew)
    check_tgt_times(snap.tgt, now, skew)
    check_checksum(snap)
    check_tgs_constraints(snap, int(now))
    if snap.request.req_body.kdc_options & KDCOption.ENC_TKT_IN_SKEY:
        check_u2u(snap, now, skew)
    check_service_policy(snap, int(now))
    flags, times = compute_tgs_ticket(snap, config, int(now))
    return _issue(snap, flags, times, rng)


def check_authenticator(snap: TgsSnapshot, now: float, skew: int) -> None:
    """RFC 4120 3.2.3 for the PA-TGS-REQ: options, names matching the TGT, time within the skew,
    and a subkey (which will encrypt the reply) of a usable enctype and the right length."""
    if snap.ap_req.ap_options & (APOption.USE_SESSION_KEY | APOption.MUTUAL_REQUIRED):
        raise errors.Policy("SESSION KEY or MUTUAL")
    auth, tgt = snap.authenticator, snap.tgt
    if auth.crealm != tgt.crealm or tuple(auth.cname.name_string) != tuple(tgt.cname.name_string):
        raise errors.BadMatch("AUTHENTICATOR CLIENT MISMATCH")
    offset = auth.ctime + auth.cusec / 1e6 - now
    if abs(offset) > skew:
        raise errors.Skew("CLOCK_SKEW", detail=f"clock skew {offset:+.0f}s")
    if auth.subkey is not None:
        check_client_key(auth.subkey, snap.usable, "authenticator subkey")


def check_tgt_times(tgt: EncTicketPart, now: float, skew: int) -> None:
    """The TGT must have started and not ended, within the skew (RFC 4120 3.2.3, MIT rd_req)."""
    if tgt.start - skew > now:
        raise errors.TktNotYetValid("TKT_NYV")
    if now - skew > tgt.endtime:
        raise errors.TktExpired("TKT_EXPIRED")


def check_checksum(snap: TgsSnapshot) -> None:
    """The authenticator's keyed checksum over the KDC-REQ-BODY bytes as received (RFC 4120 3.3.2).

    Keyed with the TGT session key (usage 6), as MIT's comp_cksum; unkeyed or missing
    checksums are KRB_AP_ERR_INAPP_CKSUM, a mismatch KRB_AP_ERR_MODIFIED.
    """
    cksum = snap.authenticator.cksum
    if cksum is None:
        raise errors.InappCksum("NO CHECKSUM")
    try:
        keyed = is_keyed_checksum(cksum.cksumtype)
    except UnsupportedEncType:
        raise errors.SumtypeNoSupp("UNKNOWN CHECKSUM", detail=f"checksum type {cksum.cksumtype}") from None
    if not keyed:
        raise errors.InappCksum("UNKEYED CHECKSUM", detail=f"checksum type {cksum.cksumtype} is unkeyed")
    try:
        verify_checksum(snap.tgt.key, KeyUsage.TGS_REQ_AUTH_CKSUM, snap.request.req_body.raw, cksum)
    except IntegrityError:
        raise errors.Modified("MODIFIED", detail="request body checksum mismatch") from None


def check_tgs_constraints(snap: TgsSnapshot, now: int) -> None:
    """MIT check_tgs_constraints: TGT flags vs options, renew/validate times, TGT shape, u2u."""
    options, tgt = snap.request.req_body.kdc_options, snap.tgt
    rules.check_tgt_flag_rules(options, tgt.flags)
    if tgt.flags & TicketFlag.INVALID and not options & KDCOption.VALIDATE:
        raise errors.TktNotYetValid("TICKET NOT VALID")
    if options & KDCOption.VALIDATE and tgt.start > now:
        raise errors.TktNotYetValid("NOT_YET_VALID")
    if options & KDCOption.RENEW and (tgt.renew_till is None or now > tgt.renew_till):
        raise errors.TktExpired("TKT_EXPIRED", detail="renewable lifetime is over")
    header, wanted = snap.header_name, snap.requested_name
    if options & rules.NON_TGT_OPTIONS:
        if header != wanted:
            raise errors.ServerNoMatch("SERVER DIDN'T MATCH TICKET FOR RENEW/FORWARD/ETC")
        if options & KDCOption.PROXY and wanted.is_krbtgt:
            raise errors.BadOption("CAN'T PROXY TGT")
    elif not header.is_krbtgt or header.components[1] != wanted.realm:
        raise errors.NotUs("BAD TGS SERVER NAME")


def check_u2u(snap: TgsSnapshot, now: float, skew: int) -> None:
    """ENC-TKT-IN-SKEY: a second ticket, a TGT of this realm, issued to the requested server
    (MIT check_tgs_u2u), and a TGT that is valid now.

    The reply's ticket is encrypted in the second TGT's session key, so that TGT must be
    as usable as the header TGT: not INVALID (postdated, not yet validated) and within its
    times, with the same codes (KRB_AP_ERR_TKT_NYV, KRB_AP_ERR_TKT_EXPIRED). MIT does not
    check these for the second ticket; Heimdal refuses an expired one as we do.
    """
    second, server_of_second = snap.second_ticket, snap.second_ticket_server
    if second is None or server_of_second is None:
        raise errors.BadOption("NO_2ND_TKT")
    if not server_of_second.is_krbtgt or server_of_second.components[1] != server_of_second.realm:
        raise errors.Policy("2ND_TKT_NOT_TGS")
    if Principal.from_name(second.cname, second.crealm) != snap.server.principal:
        raise errors.ServerNoMatch("2ND_TKT_MISMATCH")
    if second.flags & TicketFlag.INVALID:
        raise errors.TktNotYetValid("2ND_TKT_INVALID", detail="the second ticket is INVALID (postdated)")
    try:
        check_tgt_times(second, now, skew)
    except errors.KDCError as err:
        err.detail = f"second ticket: {err.detail}"
        raise


def check_service_policy(snap: TgsSnapshot, now: int) -> None:
    """MIT check_tgs_svc_policy: the service's attributes and expiration."""
    options, attrs = snap.request.req_body.kdc_options, snap.server.attributes
    rules.check_service_deny_rules(options, attrs)
    if attrs & Attr.DISALLOW_ALL_TIX:
        raise errors.ServerUnknown("SERVER LOCKED OUT")
    if attrs & Attr.DISALLOW_SVR and not options & KDCOption.ENC_TKT_IN_SKEY:
        raise errors.MustUseUser2User("SERVER NOT ALLOWED")
    if attrs & Attr.DISALLOW_TGT_BASED and snap.header_name.is_krbtgt:
        raise errors.Policy("TGT BASED NOT ALLOWED")
    # MIT's codes (check_tgs_svc_reqd_flags): KRB_ERR_GENERIC with these e-texts. A service
    # made by addprinc requires pre-authentication (our default for every new principal),
    # so a -requires_preauth client, whose TGT lacks PRE_AUTHENT, gets this for it.
    if attrs & Attr.REQUIRES_HW_AUTH and not snap.tgt.flags & TicketFlag.HW_AUTHENT:
        raise errors.Generic("NO HW PREAUTH", detail=f"{snap.server.principal} requires hardware pre-authentication"
                                                     " and the TGT has no HW_AUTHENT")
    if attrs & Attr.REQUIRES_PRE_AUTH and not snap.tgt.flags & TicketFlag.PRE_AUTHENT:
        raise errors.Generic("NO PREAUTH", detail=f"{snap.server.principal} is +requires_preauth and the TGT was"
                                                  " not pre-authenticated (client -requires_preauth)")
    if snap.server.expiration is not None and now > snap.server.expiration:
        raise errors.ServiceExpired("SERVICE EXPIRED")


def compute_tgs_ticket(snap: TgsSnapshot, config: Config, now: int) -> tuple[int, TicketTimes]:
    """Flags and times (RFC 4120 3.3.3; MIT compute_ticket_times, get_ticket_flags)."""
    body, tgt = snap.request.req_body, snap.tgt
    client_attrs = snap.client.attributes if snap.client is not None else 0
    if body.kdc_options & KDCOption.VALIDATE:
        times = TicketTimes(tgt.authtime, tgt.endtime, tgt.starttime, tgt.renew_till)
        return tgt.flags & ~TicketFlag.INVALID, times
    flags = rules.tgs_ticket_flags(body.kdc_options, tgt.flags, client_attrs, snap.server.attributes)
    start = compute_start(body.kdc_options, body.from_, now)
    end = _endtime(snap, config, start)
    renew_till = _renew_till(snap, config, start, end, client_attrs)
    flags &= ~TicketFlag.RENEWABLE
    if renew_till is not None:
        flags |= TicketFlag.RENEWABLE
    starttime = start if start != tgt.authtime else None
    return flags, TicketTimes(tgt.authtime, end, starttime, renew_till)


def _endtime(snap: TgsSnapshot, config: Config, start: int) -> int:
    body, tgt = snap.request.req_body, snap.tgt
    if body.kdc_options & KDCOption.RENEW:
        # Same lifetime as the ticket renewed, never past its renew-till (RFC 4120 3.3.3.1).
        return compute_endtime(start, tgt.renew_till, (tgt.endtime - tgt.start,))
    client_life = snap.client.max_life if snap.client is not None else None
    lives = (client_life, snap.server.max_life, config.tickets.max_life)
    return compute_endtime(start, body.till, lives, cap=tgt.endtime)


def _renew_till(snap: TgsSnapshot, config: Config, start: int, end: int, client_attrs: int) -> int | None:
    body, tgt = snap.request.req_body, snap.tgt
    if (client_attrs | snap.server.attributes) & Attr.DISALLOW_RENEWABLE or not tgt.flags & TicketFlag.RENEWABLE:
        return None
    client_rlife = snap.client.max_renewable_life if snap.client is not None else None
    lives = (client_rlife, snap.server.max_renewable_life, config.tickets.max_renewable_life)
    cap = tgt.renew_till if tgt.renew_till is not None else tgt.endtime
    return compute_renew_till(body.kdc_options, body.till, body.rtime, start, end, lives, cap=cap)


def _session_etype(snap: TgsSnapshot) -> int:
    """u2u prefers the second ticket's session enctype (the server surely has it); else MIT's selection."""
    requested = snap.request.req_body.etype
    if snap.second_ticket is not None and snap.second_ticket.key.keytype in requested:
        return snap.second_ticket.key.keytype
    etype = session_etype_for(requested, snap.server, snap.usable)
    if etype is None:
        raise errors.EtypeNoSupp("BAD_ENCRYPTION_TYPE", detail=f"no session enctype among {list(requested)}")
    return etype


def _authorization_data(snap: TgsSnapshot) -> tuple[AuthorizationDataEntry, ...] | None:
    """The TGT's authorization data plus the request's enc-authorization-data (RFC 4120 3.3.3, 5.4.1)."""
    entries = tuple(snap.tgt.authorization_data or ())
    enc = snap.request.req_body.enc_authorization_data
    if enc is not None:
        subkey = snap.authenticator.subkey
        key, usage = (subkey, KeyUsage.TGS_REQ_AD_SUBKEY) if subkey else (snap.tgt.key, KeyUsage.TGS_REQ_AD_SESSKEY)
        try:
            entries += decode_authorization_data(decrypt(key, usage, enc.cipher))
        except (IntegrityError, UnsupportedEncType):
            raise errors.BadIntegrity("AUTHDATA DECRYPT", detail="enc-authorization-data does not decrypt") from None
        except DecodeError:
            raise errors.Generic("AUTHDATA DECODE", detail="enc-authorization-data does not decode") from None
    return entries or None


def _ticket_encryption(snap: TgsSnapshot) -> tuple[EncryptionKey, int | None]:
    if snap.second_ticket is not None and snap.request.req_body.kdc_options & KDCOption.ENC_TKT_IN_SKEY:
        return snap.second_ticket.key, None
    if snap.ticket_key is None:
        raise errors.EtypeNoSupp("FINDING_SERVER_KEY", detail=f"{snap.server.principal} has no usable key")
    return snap.ticket_key.key, snap.ticket_key.stored.kvno


def _issue(snap: TgsSnapshot, flags: int, times: TicketTimes, rng: Rng) -> TgsResult:
    body, tgt = snap.request.req_body, snap.tgt
    ticket_key, kvno = _ticket_encryption(snap)
    session_key = random_key(_session_etype(snap), rng)
    keep_header = body.kdc_options & (KDCOption.RENEW | KDCOption.VALIDATE)
    server = snap.header_name if keep_header else snap.requested_name
    addresses = body.addresses if body.kdc_options & _ADDRESS_OPTIONS else tgt.caddr
    part = EncTicketPart(
        flags=flags, key=session_key, crealm=tgt.crealm, cname=tgt.cname, transited=tgt.transited,
        authtime=times.authtime, starttime=times.starttime, endtime=times.endtime, renew_till=times.renew_till,
        caddr=addresses, authorization_data=_authorization_data(snap),
    )
    ticket = Ticket(realm=server.realm, sname=server.name, enc_part=EncryptedData(
        ticket_key.keytype, encrypt(ticket_key, KeyUsage.KDC_REP_TICKET, encode(part), rng), kvno))
    rep_part = EncKDCRepPart(
        key=session_key, last_req=_NO_LAST_REQ, nonce=body.nonce, flags=flags, authtime=times.authtime,
        endtime=times.endtime, srealm=server.realm, sname=server.name, tag=26, starttime=times.starttime,
        renew_till=times.renew_till, caddr=body.addresses if body.kdc_options & _ADDRESS_OPTIONS else None,
    )
    subkey = snap.authenticator.subkey
    reply_key, usage = (subkey, KeyUsage.TGS_REP_ENCPART_SUBKEY) if subkey else (tgt.key, KeyUsage.TGS_REP_ENCPART_SESSKEY)
    reply = KDCRep(
        msg_type=MessageType.KRB_TGS_REP, crealm=tgt.crealm, cname=tgt.cname, ticket=ticket,
        enc_part=EncryptedData(reply_key.keytype, encrypt(reply_key, usage, encode(rep_part), rng)),
    )
    return TgsResult(encode(reply), reply_key.keytype, ticket_key.keytype, session_key.keytype)
