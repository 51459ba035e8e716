"""What kdc-bench sends and how it judges each reply: ``as``, ``tgs`` and ``as-nopreauth``.

A scenario is prepared once (in the parent process: learn each user's key through a real
AS exchange, get TGTs for ``tgs``) and then makes requests and checks replies in the worker
processes. Every request is unique: a fresh nonce, a fresh timestamp and a fresh
confounder in each ciphertext, because MIT's KDC answers repeated packets from a cache.

Checks are real but cheap: an AS-REP's enc-part is decrypted with the user's key and its
nonce and service compared; a TGS-REP's with the subkey we sent. Replies are counted by
type (``AS-REP``, ``TGS-REP``, ``KRB-ERROR``) and errors by code; a reply that fails its
check counts as ``invalid``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from protocol import crypto
from protocol.client import DEFAULT_ETYPES, ASExchange, ASOptions, PasswordKey
from protocol.client.as_exchange import seal_enc_timestamp
from protocol.client.creds import Creds
from protocol.client.tgs_exchange import build_authenticator
from protocol.constants import KeyUsage, MessageType, PADataType
from protocol.errors import DecodeError, IntegrityError
from protocol.messages import codec
from protocol.messages.types import (
    APReq,
    EncKDCRepPart,
    EncryptedData,
    EncryptionKey,
    KDCReq,
    KDCReqBody,
    KRBError,
    PAData,
)
from protocol.principal import Principal
from kdc.bench.templates import NONCE_PLACEHOLDER, Template, TemplateCache, nonce_bytes, nonce_hole, random_nonce
from kdc.client.krb5conf import KDCAddr
from kdc.client.transport import TransportPolicy, send_to_kdc

__all__ = ["User", "prepare", "SCENARIOS", "Outcome"]

SCENARIOS = ("as", "tgs", "as-nopreauth")
ETYPES = DEFAULT_ETYPES  # the client library's list (kdc/service/bench.py imports this name)
LIFETIME = 36000


@dataclass(frozen=True)
class User:
    name: str
    password: str = field(repr=False)


@dataclass
class Prepared:
    """Per-user state shared with the workers (fork): key, TGT, and the target principal."""

    client: Principal
    key: EncryptionKey = field(repr=False)
    tgt: Creds | None = None
    service: Principal | None = None
    subkey: EncryptionKey | None = field(default=None, repr=False)


Outcome = str  # "AS-REP", "TGS-REP", "KRB-ERROR:<code>", "invalid"


Send = Callable[[bytes], bytes]


def kdc_sender(kdc: KDCAddr, tcp: bool = False) -> Send:
    """``send(request) -> reply`` to ``kdc`` through the client library's transport."""
    policy = TransportPolicy(timeout=2.0, deadline=15.0, tcp_only=tcp)
    return lambda request: send_to_kdc(request, [kdc], policy)


def learn(send: Send, realm: str, user: User) -> tuple[Principal, EncryptionKey, Creds]:
    """One real AS exchange with the client library: the user's working key and a TGT."""
    client = Principal.parse(user.name, realm)
    ex = ASExchange(client, PasswordKey(user.password), now=time.time(), rng=os.urandom,
                    options=ASOptions(lifetime=LIFETIME, etypes=ETYPES))
    out = ex.request()
    while isinstance(out, bytes):
        out = ex.receive(send(out), now=time.time())
    return client, ex.reply_key, out


def prepare(scenario: str, send: Send, realm: str, users: list[User], services: list[str]) -> list[Prepared]:
    """Learn keys (and TGTs for ``tgs``) for every user through ``send`` (``kdc_sender``, or
    an in-process path); raises the client's typed errors."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}")
    if scenario == "tgs" and not services:
        raise ValueError("the tgs scenario needs at least one --service")
    prepared = []
    for i, user in enumerate(users):
        client, key, tgt = learn(send, realm, user)
        service = Principal.parse(services[i % len(services)], realm) if services else None
        subkey = crypto.random_key(tgt.key.keytype, os.urandom) if scenario == "tgs" else None
        prepared.append(Prepared(client, key, tgt, service, subkey))
    return prepared


class ASMaker:
    """AS-REQs for one user, with PA-ENC-TIMESTAMP (``as``) or without (``as-nopreauth``)."""

    def __init__(self, p: Prepared, realm: str, preauth: bool) -> None:
        self.p, self.preauth = p, preauth
        self.server = Principal.krbtgt(realm)
        till = int(time.time()) + LIFETIME + 86400 * 365  # far enough: the KDC clamps it
        self.body = KDCReqBody(kdc_options=0, realm=realm, nonce=NONCE_PLACEHOLDER, etype=ETYPES, till=till,
                               cname=p.client.name, sname=self.server.name)
        self.templates = TemplateCache(self._template)
        if not preauth:
            data = codec.encode(KDCReq(MessageType.KRB_AS_REQ, self.body, (PAData(PADataType.PA_REQ_ENC_PA_REP, b""),)))
            self.plain = Template(data, [nonce_hole(data)])

    def _template(self, length: int) -> Template:
        hole = os.urandom(length)
        ts = PAData(PADataType.PA_ENC_TIMESTAMP, codec.encode(EncryptedData(self.p.key.keytype, hole)))
        padata = (ts, PAData(PADataType.PA_REQ_ENC_PA_REP, b""))
        data = codec.encode(KDCReq(MessageType.KRB_AS_REQ, self.body, padata))
        return Template(data, [hole, nonce_hole(data)])

    def make(self) -> tuple[bytes, int]:
        nonce = random_nonce()
        if not self.preauth:
            return self.plain.fill(nonce_bytes(nonce)), nonce
        cipher = seal_enc_timestamp(self.p.key, time.time(), os.urandom).cipher
        return self.templates.get(len(cipher)).fill(cipher, nonce_bytes(nonce)), nonce

    def check(self, reply: bytes, nonce: int) -> Outcome:
        return check_kdc_rep(reply, nonce, MessageType.KRB_AS_REP, self.p.key, KeyUsage.AS_REP_ENCPART, self.server)


class TGSMaker:
    """TGS-REQs for one user's TGT and one service; the authenticator carries the user's subkey.

    The subkey is drawn once per user, not per request: the KDC's work (decrypt the
    authenticator, verify the body checksum, encrypt the reply in the subkey) is the same,
    and the generator is spared a key derivation per reply.
    """

    def __init__(self, p: Prepared) -> None:
        self.p = p
        tgt = p.tgt
        self.body = KDCReqBody(kdc_options=0, realm=p.service.realm, nonce=NONCE_PLACEHOLDER, etype=ETYPES,
                               till=tgt.endtime, sname=p.service.name)
        body = codec.encode(self.body)
        self.body_tpl = Template(body, [nonce_hole(body)])
        self.templates = TemplateCache(self._template)

    def _template(self, length: int) -> Template:
        hole = os.urandom(length)
        ap = APReq(ap_options=0, ticket=self.p.tgt.ticket, authenticator=EncryptedData(self.p.tgt.key.keytype, hole))
        data = codec.encode(KDCReq(MessageType.KRB_TGS_REQ, self.body, (PAData(PADataType.PA_TGS_REQ, codec.encode(ap)),)))
        return Template(data, [hole, nonce_hole(data)])

    def make(self) -> tuple[bytes, int]:
        nonce = random_nonce()
        nb = nonce_bytes(nonce)
        tgt = self.p.tgt
        auth = build_authenticator(tgt, time.time(), self.body_tpl.fill(nb), self.p.subkey)
        cipher = crypto.encrypt(tgt.key, KeyUsage.TGS_REQ_AUTH, codec.encode(auth), os.urandom)
        return self.templates.get(len(cipher)).fill(cipher, nb), nonce

    def check(self, reply: bytes, nonce: int) -> Outcome:
        return check_kdc_rep(reply, nonce, MessageType.KRB_TGS_REP, self.p.subkey, KeyUsage.TGS_REP_ENCPART_SUBKEY,
                             self.p.service)


def check_kdc_rep(reply: bytes, nonce: int, msg_type: int, key: EncryptionKey, usage: int,
                  server: Principal) -> Outcome:
    """Classify a reply; a KDC-REP counts only if it decrypts and names our nonce and server."""
    try:
        tag = codec.peek_application_tag(reply)
        if tag == MessageType.KRB_ERROR:
            return f"KRB-ERROR:{codec.decode(reply, KRBError).error_code}"
        if tag != msg_type:
            return "invalid"
        enc = codec.decode(crypto.decrypt(key, usage, enc_part_cipher(reply)), EncKDCRepPart)
    except (DecodeError, IntegrityError, ValueError, IndexError):
        return "invalid"
    if enc.nonce != nonce or enc.sname.name_string != server.components or enc.srealm != server.realm:
        return "invalid"
    return "AS-REP" if msg_type == MessageType.KRB_AS_REP else "TGS-REP"


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag octet, content start, content end) of the DER element at ``pos`` (single-octet tags only)."""
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        if not 1 <= n <= 3:
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos:pos + n], "big")
        pos += n
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def enc_part_cipher(reply: bytes) -> bytes:
    """The enc-part cipher of a KDC-REP, found by walking its DER (RFC 4120 section 5.4.2) instead
    of decoding the whole reply and its ticket: the generator's CPU is better spent elsewhere,
    and the decrypted EncKDCRepPart is still fully decoded and checked."""
    _, start, end = _tlv(reply, 0)          # [APPLICATION 11/13]
    tag, start, end = _tlv(reply, start)    # SEQUENCE
    if tag != 0x30:
        raise ValueError("KDC-REP is not a SEQUENCE")
    while start < end:
        tag, cstart, cend = _tlv(reply, start)
        if tag == 0xA6:                      # enc-part [6] EncryptedData
            _, fstart, fend = _tlv(reply, cstart)
            while fstart < fend:
                ftag, vstart, vend = _tlv(reply, fstart)
                if ftag == 0xA2:             # cipher [2] OCTET STRING
                    _, ostart, oend = _tlv(reply, vstart)
                    return reply[ostart:oend]
                fstart = vend
        start = cend
    raise ValueError("KDC-REP without enc-part")


def makers(scenario: str, prepared: list[Prepared], realm: str) -> list:
    """One request maker per user (built in the worker, after fork)."""
    if scenario == "tgs":
        return [TGSMaker(p) for p in prepared]
    return [ASMaker(p, realm, preauth=(scenario == "as")) for p in prepared]
