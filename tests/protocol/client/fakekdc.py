"""A tiny in-process KDC for unit tests of the client state machines.

It builds real, encrypted replies with the project's codec and crypto, and lets a test
tamper with any field of the reply (nonce, names, times) to prove the client's checks.
"""

from __future__ import annotations

import dataclasses

from protocol import crypto
from protocol.client import ASExchange, ASOptions, Creds, PasswordKey
from protocol.constants import ErrorCode, KeyUsage, MessageType, PADataType, TicketFlag
from protocol.messages import codec
from protocol.messages.types import (
    APReq,
    Authenticator,
    Checksum,
    EncKDCRepPart,
    EncryptedData,
    EncTicketPart,
    ETypeInfo2Entry,
    KDCRep,
    KDCReq,
    KRBError,
    LastReqEntry,
    PAData,
    PAEncTSEnc,
    Ticket,
    TransitedEncoding,
)
from protocol.principal import Principal
from tests.support.rng import seeded_rng

REALM = "EXAMPLE.TEST"
AES256 = 18
AES128 = 17


class FakeKDC:
    """Answers AS-REQs and TGS-REQs for one user and a few services, as MIT's KDC would."""

    def __init__(self, password: str = "secret", user: str = "alice", now: float = 1_700_000_000.0,
                 require_preauth: bool = True, etype: int = AES256, salt: str | None = None) -> None:
        self.rng = seeded_rng(7)
        self.now = now
        self.user = Principal.parse(user, REALM)
        self.salt = salt if salt is not None else self.user.default_salt()
        self.user_key = crypto.string_to_key(etype, password, self.salt)
        self.tgs = Principal.krbtgt(REALM)
        self.tgs_key = crypto.random_key(AES256, self.rng)
        self.service_keys: dict[Principal, crypto.EncryptionKey] = {}
        self.require_preauth = require_preauth
        self.tamper_enc = lambda enc: enc      # tests replace these to forge replies
        self.tamper_rep = lambda rep: rep
        self.requests: list[KDCReq] = []

    def add_service(self, name: str):
        p = Principal.parse(name, REALM)
        self.service_keys[p] = crypto.random_key(AES256, self.rng)
        return p

    # -- answers ------------------------------------------------------------------------

    def error(self, code: int, e_data: bytes | None = None, stime: int | None = None) -> bytes:
        return codec.encode(KRBError(stime=int(self.now) if stime is None else stime, susec=0, error_code=code,
                                     realm=REALM, sname=self.tgs.name, e_data=e_data))

    def handle(self, data: bytes) -> bytes:
        req = codec.decode(data, KDCReq)
        self.requests.append(req)
        if req.msg_type == MessageType.KRB_AS_REQ:
            return self.handle_as(req, data)
        return self.handle_tgs(req, data)

    def handle_as(self, req: KDCReq, data: bytes) -> bytes:
        padata = {pa.padata_type: pa.padata_value for pa in req.padata or ()}
        cname = Principal.from_name(req.req_body.cname, req.req_body.realm)
        if cname != self.user:
            return self.error(ErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN)
        if PADataType.PA_ENC_TIMESTAMP in padata:
            enc = codec.decode(padata[PADataType.PA_ENC_TIMESTAMP], EncryptedData)
            try:
                ts = codec.decode(crypto.decrypt(self.user_key, 1, enc.cipher), PAEncTSEnc)
            except Exception:
                return self.error(ErrorCode.KDC_ERR_PREAUTH_FAILED)
            if abs(ts.patimestamp - self.now) > 300:
                return self.error(ErrorCode.KRB_AP_ERR_SKEW)
        elif self.require_preauth:
            info = codec.encode_etype_info2((ETypeInfo2Entry(self.user_key.keytype, self.salt),))
            methods = (PAData(PADataType.PA_ETYPE_INFO2, info), PAData(PADataType.PA_ENC_TIMESTAMP, b""))
            return self.error(ErrorCode.KDC_ERR_PREAUTH_REQUIRED, codec.encode_method_data(methods))
        enc_pa = None
        flags = TicketFlag.INITIAL | TicketFlag.PRE_AUTHENT
        if PADataType.PA_REQ_ENC_PA_REP in padata:
            cksum = crypto.make_checksum(self.user_key, KeyUsage.AS_REQ, data)
            enc_pa = (PAData(PADataType.PA_REQ_ENC_PA_REP, codec.encode(cksum)),)
            flags |= TicketFlag.ENC_PA_REP
        return self.reply(req, self.user, self.tgs, self.tgs_key, self.user_key, KeyUsage.AS_REP_ENCPART,
                          MessageType.KRB_AS_REP, flags, enc_pa)

    def handle_tgs(self, req: KDCReq, data: bytes) -> bytes:
        ap_req = codec.decode(req.padata[0].padata_value, APReq)
        tgt_part = codec.decode(crypto.decrypt(self.tgs_key, 2, ap_req.ticket.enc_part.cipher), EncTicketPart)
        auth = codec.decode(crypto.decrypt(tgt_part.key, 7, ap_req.authenticator.cipher), Authenticator)
        crypto.verify_checksum(tgt_part.key, 6, codec.encode(req.req_body), auth.cksum)
        server = Principal.from_name(req.req_body.sname, req.req_body.realm)
        if server not in self.service_keys and server != self.tgs:
            return self.error(ErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN)
        skey = self.service_keys.get(server, self.tgs_key)
        key, usage = (auth.subkey, 9) if auth.subkey else (tgt_part.key, 8)
        flags = tgt_part.flags & ~TicketFlag.INITIAL
        return self.reply(req, Principal.from_name(tgt_part.cname, tgt_part.crealm), server, skey, key, usage,
                          MessageType.KRB_TGS_REP, flags, None, tag=26)

    def reply(self, req, client, server, server_key, reply_key, usage, msg_type, flags, enc_pa, tag=25) -> bytes:
        body = req.req_body
        session = crypto.random_key(AES256, self.rng)
        now = int(self.now)
        endtime = min(body.till or now + 36000, now + 36000)
        renew_till = body.rtime if body.rtime else None
        if renew_till:
            flags |= TicketFlag.RENEWABLE
        part = EncTicketPart(flags=int(flags), key=session, crealm=client.realm, cname=client.name,
                             transited=TransitedEncoding(1, b""), authtime=now, endtime=endtime,
                             starttime=now, renew_till=renew_till)
        ticket = Ticket(realm=server.realm, sname=server.name,
                        enc_part=EncryptedData(server_key.keytype, crypto.encrypt(server_key, 2, codec.encode(part), self.rng), 1))
        enc = EncKDCRepPart(key=session, last_req=(LastReqEntry(0, 0),), nonce=body.nonce, flags=int(flags),
                            authtime=now, endtime=endtime, srealm=server.realm, sname=server.name, tag=tag,
                            starttime=now, renew_till=renew_till, encrypted_pa_data=enc_pa)
        enc = self.tamper_enc(enc)
        rep = KDCRep(msg_type=msg_type, crealm=client.realm, cname=client.name, ticket=ticket,
                     enc_part=EncryptedData(reply_key.keytype, crypto.encrypt(reply_key, usage, codec.encode(enc), self.rng)))
        return codec.encode(self.tamper_rep(rep))

    def service_ticket_part(self, creds) -> EncTicketPart:
        key = self.service_keys[creds.server]
        return codec.decode(crypto.decrypt(key, 2, creds.ticket.enc_part.cipher), EncTicketPart)


def replace(obj, **changes):
    return dataclasses.replace(obj, **changes)


def as_exchange(kdc: FakeKDC, password: str = "secret", now: float | None = None, **opts) -> ASExchange:
    """An AS exchange for the fake KDC's user (``opts`` are ASOptions fields)."""
    return ASExchange(kdc.user, PasswordKey(password), now=kdc.now if now is None else now, rng=seeded_rng(3),
                      options=ASOptions(**opts))


def run_as(kdc: FakeKDC, ex: ASExchange, now: float | None = None) -> Creds:
    """Drive ``ex`` against ``kdc`` until it yields credentials (or raises)."""
    out = ex.request()
    while isinstance(out, bytes):
        out = ex.receive(kdc.handle(out), now=kdc.now if now is None else now)
    return out


def as_creds(kdc: FakeKDC, **opts) -> Creds:
    """Credentials from one AS exchange for the fake KDC's user (a TGT unless ``server`` is given)."""
    return run_as(kdc, as_exchange(kdc, **opts))


__all__ = ["FakeKDC", "REALM", "seeded_rng", "replace", "Checksum", "as_exchange", "run_as", "as_creds"]
