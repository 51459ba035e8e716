"""The AS exchange as a sans-I/O state machine (RFC 4120 section 3.1, RFC 6113, RFC 6806).

    ex = ASExchange(client, PasswordKey(pw), now=time.time(), rng=os.urandom)
    out = ex.request()
    while isinstance(out, bytes):
        out = ex.receive(send_to_kdc(out), now=time.time())
    creds = out

The first request carries no timestamp; a KDC_ERR_PREAUTH_REQUIRED answer supplies
ETYPE-INFO2 (salt, s2kparams) and the second request carries PA-ENC-TIMESTAMP, as MIT's
kinit does. A KRB_AP_ERR_SKEW answer to a timestamp is retried once with the KDC's clock
(MIT's kdc_timesync behaviour). Every request asks for PA-REQ-ENC-PA-REP (RFC 6806), and a
reply flagged ENC_PA_REP must carry a valid checksum over the request we sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol import crypto
from protocol.client.checks import Expected, check_enc_pa_rep, check_kdc_reply
from protocol.client.creds import Creds, creds_from_reply, split_time
from protocol.client.errors import KerberosError, MalformedReply, NoUsableKey
from protocol.client.keys import KeySource
from protocol.client.wire import decode_or_malformed, nonce_from_rng, open_enc, reply_or_error, ticket_bytes
from protocol.constants import ErrorCode, KeyUsage, MessageType, PADataType
from protocol.crypto import Rng
from protocol.errors import DecodeError
from protocol.messages import codec
from protocol.messages.types import (
    EncKDCRepPart,
    EncryptedData,
    EncryptionKey,
    ETypeInfo2Entry,
    KDCRep,
    KDCReq,
    KDCReqBody,
    KRBError,
    PAData,
    PAEncTSEnc,
)
from protocol.principal import Principal

__all__ = ["ASExchange", "DEFAULT_ETYPES", "ASOptions", "seal_enc_timestamp"]

# MIT 1.20's default permitted_enctypes order, without the weak ones.
DEFAULT_ETYPES = (18, 17, 20, 19, 26, 25)
MAX_ROUNDS = 4


@dataclass(frozen=True)
class ASOptions:
    """What to ask for: KDC options bits, lifetimes in seconds, enctypes in preference order."""

    kdc_options: int = 0
    lifetime: int = 86400
    renew_lifetime: int | None = None
    etypes: tuple[int, ...] = DEFAULT_ETYPES
    server: Principal | None = None  # default krbtgt/REALM@REALM
    request_enc_pa_rep: bool = True


class ASExchange:
    """One AS exchange: builds AS-REQs and verifies the AS-REP (RFC 4120 sections 3.1.1-3.1.5)."""

    def __init__(self, client: Principal, keys: KeySource, *, now: float, rng: Rng,
                 options: ASOptions = ASOptions()) -> None:
        self.client = client
        self.keys = keys
        self.options = options
        self.rng = rng
        self.server = options.server or Principal.krbtgt(client.realm)
        self.etypes = _usable_etypes(options.etypes, keys)
        self.offset = 0.0  # KDC clock minus ours, learnt from KRB_AP_ERR_SKEW
        self.rounds = 0
        self.cookie: PAData | None = None
        self.info: tuple[ETypeInfo2Entry, ...] = ()
        self.preauth_key: EncryptionKey | None = None
        self.reply_key: EncryptionKey | None = None
        self.skew_retried = False
        self._now = now
        self._send(now, preauth=False)

    # -- requests --------------------------------------------------------------------

    def request(self) -> bytes:
        """The request to send now (the latest one built)."""
        return self.request_bytes

    def _send(self, now: float, preauth: bool) -> bytes:
        self.rounds += 1
        if self.rounds > MAX_ROUNDS:
            raise KerberosError(ErrorCode.KRB_ERR_GENERIC, "too many AS-REQ rounds")
        kdc_now = now + self.offset
        self.body = self._body(kdc_now)
        padata = self._padata(kdc_now) if preauth else self._base_padata()
        self.sent_preauth = preauth
        self.request_bytes = codec.encode(KDCReq(MessageType.KRB_AS_REQ, self.body, padata))
        return self.request_bytes

    def _body(self, kdc_now: float) -> KDCReqBody:
        opts = self.options
        start = int(kdc_now)
        rtime = start + opts.renew_lifetime if opts.renew_lifetime else None
        return KDCReqBody(kdc_options=int(opts.kdc_options), realm=self.client.realm,
                          nonce=nonce_from_rng(self.rng), etype=self.etypes, till=start + opts.lifetime,
                          cname=self.client.name, sname=self.server.name, rtime=rtime)

    def _base_padata(self) -> tuple[PAData, ...]:
        padata = []
        if self.cookie is not None:
            padata.append(self.cookie)
        if self.options.request_enc_pa_rep:
            padata.append(PAData(PADataType.PA_REQ_ENC_PA_REP, b""))
        return tuple(padata)

    def _padata(self, kdc_now: float) -> tuple[PAData, ...]:
        """PA-ENC-TIMESTAMP with the key ETYPE-INFO2 told us to use."""
        enc = seal_enc_timestamp(self.preauth_key, kdc_now, self.rng)
        return (PAData(PADataType.PA_ENC_TIMESTAMP, codec.encode(enc)),) + self._base_padata()

    # -- replies ---------------------------------------------------------------------

    def receive(self, data: bytes, now: float | None = None) -> bytes | Creds:
        """Process a reply: a new request (bytes) to send, or verified credentials.

        Raises KerberosError for a KRB-ERROR that ends the exchange, ReplyMismatch for a
        reply that does not answer this request, MalformedReply for garbage.
        """
        if now is not None:
            self._now = now
        reply = reply_or_error(data, MessageType.KRB_AS_REP, KDCRep)
        if isinstance(reply, KRBError):
            return self._on_error(reply)
        return self._on_reply(reply)

    def _on_error(self, err: KRBError) -> bytes:
        if err.error_code == ErrorCode.KDC_ERR_PREAUTH_REQUIRED and not self.sent_preauth:
            self._learn_preauth(err)
            return self._send(self._now, preauth=True)
        if err.error_code == ErrorCode.KRB_AP_ERR_SKEW and self.sent_preauth and not self.skew_retried:
            # MIT (get_in_tkt.c): trust the KDC's stime once, so a client with a wrong
            # clock still gets a ticket; the offset travels with the credentials.
            self.skew_retried = True
            self.offset = err.stime + err.susec / 1_000_000 - self._now
            return self._send(self._now, preauth=True)
        raise KerberosError.from_krb_error(err)

    def _learn_preauth(self, err: KRBError) -> None:
        methods = _method_data(err.e_data)
        self.cookie = next((pa for pa in methods if pa.padata_type == PADataType.PA_FX_COOKIE), None)
        self.info = _etype_info(methods)
        entry = self._choose(self.info) if self.info else None
        if entry is None:
            entry = ETypeInfo2Entry(self.etypes[0])
        self.preauth_key = self.keys.key_for(entry.etype, self._salt(entry), entry.s2kparams)

    def _choose(self, info: tuple[ETypeInfo2Entry, ...]) -> ETypeInfo2Entry | None:
        """The KDC lists ETYPE-INFO2 in its preference order; take the first we can use."""
        for entry in info:
            if entry.etype in self.etypes:
                return entry
        raise NoUsableKey(f"KDC offers enctypes {[e.etype for e in info]}, we have {list(self.etypes)}")

    def _salt(self, entry: ETypeInfo2Entry) -> str:
        return entry.salt if entry.salt is not None else self.client.default_salt()

    def _reply_key(self, rep: KDCRep) -> EncryptionKey:
        etype = rep.enc_part.etype
        if etype not in self.etypes:
            raise KerberosError(ErrorCode.KDC_ERR_ETYPE_NOSUPP, f"reply encrypted with unrequested enctype {etype}")
        if self.preauth_key is not None and self.preauth_key.keytype == etype:
            return self.preauth_key
        info = _etype_info(rep.padata or ()) + self.info
        entry = next((e for e in info if e.etype == etype), ETypeInfo2Entry(etype))
        return self.keys.key_for(etype, self._salt(entry), entry.s2kparams)

    def _on_reply(self, rep: KDCRep) -> Creds:
        key = self._reply_key(rep)
        self.reply_key = key  # the client's long-term key that worked (kdc-bench reuses it)
        plain = open_enc(key, KeyUsage.AS_REP_ENCPART, rep.enc_part, "AS-REP enc-part")
        enc = decode_or_malformed(plain, EncKDCRepPart)
        check_kdc_reply(Expected(self.body, self.client, self.server), rep, enc)
        check_enc_pa_rep(enc, key, self.request_bytes)
        offset = split_time(self.offset) if self.skew_retried else None
        client = Principal.from_name(rep.cname, rep.crealm)
        return creds_from_reply(client, rep.ticket, ticket_bytes(rep.ticket), enc, kdc_offset=offset)


def seal_enc_timestamp(key: EncryptionKey, kdc_now: float, rng: Rng) -> EncryptedData:
    """PA-ENC-TS-ENC of ``kdc_now`` encrypted in the client's long-term key (RFC 4120 section 5.2.7.2)."""
    sec, usec = split_time(kdc_now)
    plain = codec.encode(PAEncTSEnc(patimestamp=sec, pausec=usec))
    return EncryptedData(key.keytype, crypto.encrypt(key, KeyUsage.AS_REQ_PA_ENC_TIMESTAMP, plain, rng))


def _usable_etypes(wanted: tuple[int, ...], keys: KeySource) -> tuple[int, ...]:
    have = keys.etypes()
    etypes = tuple(e for e in wanted if have is None or e in have)
    if not etypes:
        raise NoUsableKey(f"none of the enctypes {list(wanted)} is available for this client")
    return etypes


def _method_data(e_data: bytes | None) -> tuple[PAData, ...]:
    if not e_data:
        return ()
    try:
        return codec.decode_method_data(e_data)
    except DecodeError as exc:
        raise MalformedReply(f"KRB-ERROR e-data is not METHOD-DATA: {exc}") from exc


def _etype_info(padata) -> tuple[ETypeInfo2Entry, ...]:
    for pa in padata:
        if pa.padata_type == PADataType.PA_ETYPE_INFO2:
            try:
                return tuple(codec.decode_etype_info2(pa.padata_value))
            except DecodeError as exc:
                raise MalformedReply(f"ETYPE-INFO2 does not decode: {exc}") from exc
    return ()

