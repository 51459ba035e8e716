"""Checks a client applies to a decrypted KDC reply (RFC 4120 sections 3.1.5 and 3.3.4).

Each check raises ReplyMismatch. A reply that decrypts is not yet an answer to *our*
request: an attacker who can splice replies ("Orpheus' Lyre", 2017) could hand us a ticket
for another client or service, or an old reply, unless the nonce, names and times are all
compared with what we asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol import crypto
from protocol.client.errors import ReplyMismatch
from protocol.constants import KDCOption, KeyUsage, PADataType, TicketFlag
from protocol.errors import DecodeError, IntegrityError, UnsupportedEncType
from protocol.messages import codec
from protocol.messages.types import Checksum, EncKDCRepPart, EncryptionKey, KDCRep, KDCReqBody
from protocol.principal import Principal

__all__ = ["Expected", "check_kdc_reply", "check_enc_pa_rep"]


@dataclass(frozen=True)
class Expected:
    """What the reply must say, from the request we sent."""

    body: KDCReqBody
    client: Principal
    server: Principal

    @property
    def canonicalize(self) -> bool:
        return bool(self.body.kdc_options & KDCOption.CANONICALIZE)


def check_kdc_reply(exp: Expected, rep: KDCRep, enc: EncKDCRepPart) -> None:
    """RFC 4120 section 3.1.5: nonce, client, server and times of a reply match the request."""
    if enc.nonce != exp.body.nonce:
        raise ReplyMismatch(f"reply nonce {enc.nonce} does not match request nonce {exp.body.nonce}")
    _check_client(exp, Principal.from_name(rep.cname, rep.crealm))
    _check_server(exp, rep, enc)
    _check_times(exp.body, enc)
    if enc.key.keytype not in exp.body.etype:
        raise ReplyMismatch(f"session key enctype {enc.key.keytype} was not requested")


def _check_client(exp: Expected, client: Principal) -> None:
    # Canonicalization (RFC 6806) lets the KDC return another name for the client, never
    # another realm's client without a referral, which this client does not follow.
    if client == exp.client:
        return
    if exp.canonicalize and client.realm == exp.client.realm:
        return
    raise ReplyMismatch(f"reply is for client {client}, not {exp.client}")


def _check_server(exp: Expected, rep: KDCRep, enc: EncKDCRepPart) -> None:
    server = Principal.from_name(enc.sname, enc.srealm)
    ticket_server = Principal.from_name(rep.ticket.sname, rep.ticket.realm)
    if server != ticket_server:
        raise ReplyMismatch(f"encrypted part names {server}, the ticket {ticket_server}")
    if server == exp.server:
        return
    # MIT verify_as_reply (get_in_tkt.c) and step_referrals (get_creds.c): CANONICALIZE
    # lets the KDC answer a TGS request with another TGS principal (a referral, possibly
    # to another realm), never rename an ordinary service or move it to another realm:
    # that would hand us a ticket for a service we did not ask for.
    if exp.canonicalize and exp.server.is_krbtgt and server.is_krbtgt:
        return
    raise ReplyMismatch(f"reply is for service {server}, not {exp.server}")


def _check_times(body: KDCReqBody, enc: EncKDCRepPart) -> None:
    """MIT's verify_as_reply time rules: nothing later than asked for, postdating as asked."""
    if body.from_ is not None and enc.starttime != body.from_:
        raise ReplyMismatch("reply starttime differs from the requested from")
    if body.till and enc.endtime > body.till:
        raise ReplyMismatch("reply endtime is later than the requested till")
    if enc.renew_till is not None and (enc.flags & TicketFlag.RENEWABLE):
        limit = body.rtime if body.kdc_options & KDCOption.RENEWABLE else body.till
        if body.kdc_options & (KDCOption.RENEWABLE | KDCOption.RENEWABLE_OK) and limit and enc.renew_till > limit:
            raise ReplyMismatch("reply renew-till is later than requested")
    if enc.endtime <= (enc.starttime if enc.starttime is not None else enc.authtime):
        raise ReplyMismatch("reply endtime is not after its starttime")


def check_enc_pa_rep(enc: EncKDCRepPart, reply_key: EncryptionKey, request_bytes: bytes) -> None:
    """RFC 6806 section 11: when ENC_PA_REP is set, the checksum over our AS-REQ must verify."""
    if not enc.flags & TicketFlag.ENC_PA_REP:
        return
    entries = [pa for pa in enc.encrypted_pa_data or () if pa.padata_type == PADataType.PA_REQ_ENC_PA_REP]
    if len(entries) != 1:
        raise ReplyMismatch("ENC_PA_REP flag set without exactly one PA-REQ-ENC-PA-REP")
    try:
        cksum = codec.decode(entries[0].padata_value, Checksum)
        crypto.verify_checksum(reply_key, KeyUsage.AS_REQ, request_bytes, cksum)
    except (DecodeError, IntegrityError, UnsupportedEncType) as exc:
        raise ReplyMismatch(f"PA-REQ-ENC-PA-REP does not cover our request: {exc}") from exc
