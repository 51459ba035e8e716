"""The TGS exchange as a sans-I/O state machine (RFC 4120 section 3.3).

The TGS-REQ carries, in PA-TGS-REQ, an AP-REQ with the TGT and an Authenticator holding a
keyed checksum over the encoded KDC-REQ-BODY (usage 6) and a fresh subkey; the KDC then
encrypts its reply with the subkey (usage 9), as it does for MIT's clients. Renewal and
validation (RFC 4120 section 3.3.1) present the ticket to renew instead of a TGT.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol import crypto
from protocol.client.as_exchange import DEFAULT_ETYPES
from protocol.client.checks import Expected, check_kdc_reply
from protocol.client.creds import Creds, creds_from_reply, split_time
from protocol.client.wire import decode_or_malformed, nonce_from_rng, open_enc, split_reply, ticket_bytes
from protocol.constants import KDCOption, KeyUsage, MessageType, PADataType
from protocol.crypto import Rng
from protocol.messages import codec
from protocol.messages.types import (
    APReq,
    Authenticator,
    EncKDCRepPart,
    EncryptedData,
    KDCRep,
    KDCReq,
    KDCReqBody,
    PAData,
)
from protocol.principal import Principal

__all__ = ["TGSExchange", "TGSOptions", "build_authenticator"]


@dataclass(frozen=True)
class TGSOptions:
    """KDC options bits, lifetimes in seconds (None: as long as the TGT allows), enctypes."""

    kdc_options: int = 0
    lifetime: int | None = None
    renew_lifetime: int | None = None
    etypes: tuple[int, ...] | None = None  # default: DEFAULT_ETYPES, as for the AS exchange
    use_subkey: bool = True
    inherit_flags: bool = True  # ask for the TGT's forwardable/proxiable/postdate/renewable, as MIT


# MIT's KDC_TKT_COMMON_MASK: ticket flags whose KDC option has the same bit number.
COMMON_FLAGS = 0x54800000


class TGSExchange:
    """One TGS exchange for ``server`` with ``tgt`` (RFC 4120 sections 3.3.1-3.3.4).

    With ``KDCOption.RENEW`` or ``VALIDATE`` in the options, ``tgt`` is the ticket to renew
    or validate and ``server`` defaults to its server.
    """

    def __init__(self, tgt: Creds, server: Principal | None = None, *, now: float, rng: Rng,
                 options: TGSOptions = TGSOptions()) -> None:
        renewing = options.kdc_options & (KDCOption.RENEW | KDCOption.VALIDATE)
        if server is None:
            if not renewing:
                raise ValueError("a TGS request needs a server unless it renews or validates")
            server = tgt.server
        self.tgt, self.server, self.options, self.rng = tgt, server, options, rng
        kdc_now = tgt.kdc_time(now)
        self.body = self._body(kdc_now)
        self.body_bytes = codec.encode(self.body)
        self.subkey = crypto.random_key(tgt.key.keytype, rng) if options.use_subkey else None
        ap_req = build_ap_req(tgt, build_authenticator(tgt, kdc_now, self.body_bytes, self.subkey),
                              KeyUsage.TGS_REQ_AUTH, 0, rng)
        padata = (PAData(PADataType.PA_TGS_REQ, codec.encode(ap_req)),)
        self.request_bytes = codec.encode(KDCReq(MessageType.KRB_TGS_REQ, self.body, padata))

    def request(self) -> bytes:
        return self.request_bytes

    def _body(self, kdc_now: float) -> KDCReqBody:
        opts = self.options
        start = int(kdc_now)
        kdc_options = int(opts.kdc_options) | (self.tgt.flags & COMMON_FLAGS if opts.inherit_flags else 0)
        till = start + opts.lifetime if opts.lifetime else self.tgt.endtime
        if opts.kdc_options & KDCOption.RENEW and not opts.lifetime:
            # The original lifetime again (MIT's kinit -R): asking for renew-till itself
            # would make the KDC end the ticket there and drop its RENEWABLE flag.
            lifetime = self.tgt.endtime - self.tgt.start
            till = min(start + lifetime, self.tgt.renew_till or start + lifetime)
        rtime = None
        if kdc_options & KDCOption.RENEWABLE:
            rtime = start + opts.renew_lifetime if opts.renew_lifetime else self.tgt.renew_till
        etypes = opts.etypes or DEFAULT_ETYPES
        return KDCReqBody(kdc_options=kdc_options, realm=self.server.realm,
                          nonce=nonce_from_rng(self.rng), etype=tuple(etypes), till=till,
                          sname=self.server.name, rtime=rtime)

    def receive(self, data: bytes) -> Creds:
        """Verify the TGS-REP (RFC 4120 section 3.3.4); KRB-ERROR raises KerberosError."""
        rep = split_reply(data, MessageType.KRB_TGS_REP, KDCRep)
        if self.subkey is not None:
            plain = open_enc(self.subkey, KeyUsage.TGS_REP_ENCPART_SUBKEY, rep.enc_part, "TGS-REP enc-part")
        else:
            plain = open_enc(self.tgt.key, KeyUsage.TGS_REP_ENCPART_SESSKEY, rep.enc_part, "TGS-REP enc-part")
        enc = decode_or_malformed(plain, EncKDCRepPart)
        check_kdc_reply(Expected(self.body, self.tgt.client, self.server), rep, enc)
        client = Principal.from_name(rep.cname, rep.crealm)
        return creds_from_reply(client, rep.ticket, ticket_bytes(rep.ticket), enc, kdc_offset=self.tgt.kdc_offset)


def build_authenticator(creds: Creds, kdc_now: float, checksummed: bytes | None, subkey=None,
                        seq_number: int | None = None, usage: int = KeyUsage.TGS_REQ_AUTH_CKSUM,
                        cksum=None) -> Authenticator:
    """An Authenticator (RFC 4120 section 5.5.1) for ``creds``; the checksum covers ``checksummed``."""
    if cksum is None and checksummed is not None:
        cksum = crypto.make_checksum(creds.key, usage, checksummed)
    sec, usec = split_time(kdc_now)
    return Authenticator(crealm=creds.client.realm, cname=creds.client.name, cusec=usec, ctime=sec,
                         cksum=cksum, subkey=subkey, seq_number=seq_number)


def build_ap_req(creds: Creds, auth: Authenticator, usage: int, ap_options: int, rng: Rng) -> APReq:
    """AP-REQ (RFC 4120 section 5.5.1): the ticket and the authenticator sealed in its session key."""
    cipher = crypto.encrypt(creds.key, usage, codec.encode(auth), rng)
    return APReq(ap_options=ap_options, ticket=creds.ticket, authenticator=EncryptedData(creds.key.keytype, cipher))
