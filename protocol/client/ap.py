"""AP-REQ/AP-REP, both sides (RFC 4120 section 3.2), sans-I/O.

Client side: ``APReqBuilder(creds, now=..., rng=...)`` builds an AP-REQ for a service and,
with mutual authentication, checks the AP-REP's ctime/cusec (RFC 4120 section 3.2.6).
Service side: ``accept_ap_req(data, keys, now=..., replay_cache=...)`` decrypts the ticket
with a key from the service's keytab, checks the authenticator (names, clock skew, ticket
times, replays; RFC 4120 section 3.2.3) and returns the session key, the subkey and the
AP-REP to send back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from protocol import crypto
from protocol.client.creds import Creds
from protocol.client.errors import KerberosError
from protocol.client.replay import ReplayCache
from protocol.client.tgs_exchange import build_ap_req, build_authenticator
from protocol.client.wire import decode_or_malformed, nonce_from_rng, open_enc, split_reply
from protocol.constants import APOption, ErrorCode, KeyUsage, MessageType, TicketFlag
from protocol.crypto import Rng
from protocol.errors import DecodeError
from protocol.messages import codec
from protocol.messages.types import (
    APRep,
    APReq,
    Authenticator,
    Checksum,
    EncAPRepPart,
    EncryptedData,
    EncryptionKey,
    EncTicketPart,
)
from protocol.principal import Principal

__all__ = ["APReqBuilder", "Accepted", "accept_ap_req", "ServiceKey"]


class APReqBuilder:
    """Build one AP-REQ for the service of ``creds`` and check its AP-REP (RFC 4120 section 3.2)."""

    def __init__(self, creds: Creds, *, now: float, rng: Rng, mutual: bool = True, subkey: bool = True,
                 checksum: Checksum | None = None, app_data: bytes | None = None) -> None:
        self.creds, self.mutual = creds, mutual
        kdc_now = creds.kdc_time(now)
        self.subkey = crypto.random_key(creds.key.keytype, rng) if subkey else None
        self.seq_number = nonce_from_rng(rng)
        self.authenticator = build_authenticator(creds, kdc_now, app_data, self.subkey, self.seq_number,
                                                 usage=KeyUsage.AP_REQ_AUTH_CKSUM, cksum=checksum)
        options = APOption.MUTUAL_REQUIRED if mutual else 0
        self.ap_req = build_ap_req(creds, self.authenticator, KeyUsage.AP_REQ_AUTH, int(options), rng)
        self.request_bytes = codec.encode(self.ap_req)

    def request(self) -> bytes:
        return self.request_bytes

    def receive_ap_rep(self, data: bytes) -> EncAPRepPart:
        """RFC 4120 section 3.2.6: the AP-REP decrypts with the session key and echoes our ctime/cusec."""
        rep = split_reply(data, MessageType.KRB_AP_REP, APRep)
        plain = open_enc(self.creds.key, KeyUsage.AP_REP_ENCPART, rep.enc_part, "AP-REP enc-part")
        part = decode_or_malformed(plain, EncAPRepPart)
        if (part.ctime, part.cusec) != (self.authenticator.ctime, self.authenticator.cusec):
            raise KerberosError(ErrorCode.KRB_AP_ERR_MUT_FAIL, "AP-REP does not echo our authenticator time")
        return part


@dataclass(frozen=True)
class ServiceKey:
    """A key the service may decrypt tickets with (from its keytab)."""

    principal: Principal
    kvno: int
    key: EncryptionKey = field(repr=False)


@dataclass(frozen=True)
class Accepted:
    """An accepted AP-REQ: who the client is, the keys to talk with, and the AP-REP to return."""

    client: Principal
    server: Principal
    ticket: EncTicketPart = field(repr=False)
    authenticator: Authenticator = field(repr=False)
    session_key: EncryptionKey = field(repr=False)
    subkey: EncryptionKey | None = field(repr=False)
    ap_rep: bytes | None


def accept_ap_req(data: bytes, keys: Iterable, *, now: float, replay_cache: ReplayCache, rng: Rng,
                  skew: int = 300, server: Principal | None = None) -> Accepted:
    """Verify an AP-REQ as RFC 4120 section 3.2.3 says, or raise KerberosError with the KRB_AP_ERR code.

    ``keys`` are ServiceKey values or ``protocol.keytab.KeytabEntry`` values (same fields).
    ``server``, when given, is the only principal whose tickets are accepted.
    """
    ap_req = _decode_ap_req(data)
    sname = Principal.from_name(ap_req.ticket.sname, ap_req.ticket.realm)
    if server is not None and sname != server:
        raise KerberosError(ErrorCode.KRB_AP_ERR_NOT_US, "ticket is for another service")
    key = _find_key(ap_req.ticket.enc_part, sname, keys)
    part = decode_or_malformed(open_enc(key, KeyUsage.KDC_REP_TICKET, ap_req.ticket.enc_part, "ticket"),
                               EncTicketPart)
    auth = decode_or_malformed(open_enc(part.key, KeyUsage.AP_REQ_AUTH, ap_req.authenticator, "authenticator"),
                               Authenticator)
    client = Principal.from_name(part.cname, part.crealm)
    if Principal.from_name(auth.cname, auth.crealm) != client:
        raise KerberosError(ErrorCode.KRB_AP_ERR_BADMATCH, "authenticator names another client than the ticket")
    _check_times(part, auth, now, skew)
    _check_replay(replay_cache, ap_req, auth, client, sname, now)
    ap_rep = _build_ap_rep(part.key, auth, rng) if ap_req.ap_options & APOption.MUTUAL_REQUIRED else None
    return Accepted(client, sname, part, auth, part.key, auth.subkey, ap_rep)


def _decode_ap_req(data: bytes) -> APReq:
    try:
        if codec.peek_application_tag(data) != MessageType.KRB_AP_REQ:
            raise KerberosError(ErrorCode.KRB_AP_ERR_MSG_TYPE, "not an AP-REQ")
        ap_req = codec.decode(data, APReq)
    except DecodeError as exc:
        raise KerberosError(ErrorCode.KRB_AP_ERR_MSG_TYPE, f"AP-REQ does not decode: {exc}") from exc
    if ap_req.ap_options & APOption.USE_SESSION_KEY:
        raise KerberosError(ErrorCode.KRB_AP_ERR_METHOD, "user-to-user tickets are not accepted")
    return ap_req


def _find_key(enc: EncryptedData, sname: Principal, keys: Iterable) -> EncryptionKey:
    candidates = [k for k in keys if k.principal == sname and k.key.keytype == enc.etype]
    if not candidates:
        raise KerberosError(ErrorCode.KRB_AP_ERR_NOKEY, f"no key for {sname} enctype {enc.etype}")
    exact = [k for k in candidates if enc.kvno is None or k.kvno == enc.kvno]
    if not exact:
        raise KerberosError(ErrorCode.KRB_AP_ERR_BADKEYVER, f"no key version {enc.kvno} for {sname}")
    return max(exact, key=lambda k: k.kvno).key


def _check_times(part: EncTicketPart, auth: Authenticator, now: float, skew: int) -> None:
    """RFC 4120 section 3.2.3: authenticator within the skew, ticket valid now (with skew), not invalid."""
    if abs(auth.ctime + auth.cusec / 1e6 - now) > skew:
        raise KerberosError(ErrorCode.KRB_AP_ERR_SKEW, "authenticator time outside the clock skew")
    if part.start - skew > now or part.flags & TicketFlag.INVALID:
        raise KerberosError(ErrorCode.KRB_AP_ERR_TKT_NYV, "ticket not yet valid")
    if now - skew > part.endtime:
        raise KerberosError(ErrorCode.KRB_AP_ERR_TKT_EXPIRED, "ticket expired")


def _check_replay(cache: ReplayCache, ap_req: APReq, auth: Authenticator, client: Principal, server: Principal,
                  now: float) -> None:
    # The ciphertext hash, as MIT's rcache since 1.18, tells apart two authenticators that
    # share a timestamp, while a byte-for-byte replay still collides.
    digest = hashlib.sha256(ap_req.authenticator.cipher).digest()
    cache.check_and_store((str(client), str(server), auth.ctime, auth.cusec, digest), auth.ctime, now)


def _build_ap_rep(session_key: EncryptionKey, auth: Authenticator, rng: Rng) -> bytes:
    """AP-REP (RFC 4120 section 5.5.2) echoing the authenticator's ctime and cusec."""
    part = EncAPRepPart(ctime=auth.ctime, cusec=auth.cusec, seq_number=nonce_from_rng(rng))
    cipher = crypto.encrypt(session_key, KeyUsage.AP_REP_ENCPART, codec.encode(part), rng)
    return codec.encode(APRep(enc_part=EncryptedData(session_key.keytype, cipher)))


