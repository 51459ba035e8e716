"""In-process client <-> KDC core harness, no sockets (Heimdal's kdc-tester, DESIGN.md "Tests").

``CoreRealm`` is a realm held in memory: a ``FakeStore`` (a dict behind the
``PrincipalStore`` interface), a ``FakeMasterKey`` (XOR "sealing", so sealed bytes are not
the key), a settable clock and a seeded RNG, wrapped in a ``KDCContext``. Its ``client``
side builds real requests with ``protocol.messages`` and ``protocol.crypto`` and reads the
replies, so a test drives the real ``handle_request`` with real bytes:

    realm = CoreRealm()
    realm.add_user("alice", "secret")
    creds = realm.kinit("alice", "secret")            # AS exchange with encrypted timestamp
    svc = realm.tgs(creds, "host/server.example.test")   # TGS exchange

Other engineers may use it for anything that needs a KDC core without the service.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

from kdc.config import Config
from kdc.db.errors import NoSuchPrincipal, PrincipalExists
from kdc.db.model import Attr, PrincipalEntry, StoredKey
from kdc.db.store import BOOKKEEPING_FIELDS, PrincipalStore, check_bookkeeping, glob_regex
from kdc.exchange.audit import Audit
from kdc.exchange.dispatch import KDCContext, handle_request
from protocol.constants import KDCOption, KeyUsage, MessageType, PADataType
from protocol.crypto import decrypt, encrypt, make_checksum, random_key, string_to_key
from protocol.messages import (
    APReq,
    Authenticator,
    Checksum,
    EncKDCRepPart,
    EncryptedData,
    EncryptionKey,
    EncTicketPart,
    KDCRep,
    KDCReq,
    KDCReqBody,
    KRBError,
    PAData,
    PAEncTSEnc,
    Ticket,
    decode,
    decode_method_data,
    encode,
    peek_application_tag,
)
from protocol.principal import Principal
from tests.support.rng import seeded_rng

REALM = "EXAMPLE.TEST"
DEFAULT_ETYPES = (18, 17, 20, 19)
T0 = 1_800_000_000  # a fixed "now": 2027-01-15


# -- the server side: store, master key, context ------------------------------------------


class FakeStore(PrincipalStore):
    """A dict behind the store interface, with counters for what the KDC wrote."""

    def __init__(self) -> None:
        self.entries: dict[Principal, PrincipalEntry] = {}
        self.failures: list[tuple[Principal, int]] = []
        self.successes: list[tuple[Principal, int]] = []
        self.gets = 0

    async def get(self, principal: Principal) -> PrincipalEntry | None:
        self.gets += 1
        return self.entries.get(principal)

    async def add(self, entry: PrincipalEntry) -> None:
        if entry.principal in self.entries:
            raise PrincipalExists(entry.principal)
        self.entries[entry.principal] = entry

    async def put(self, entry: PrincipalEntry, *, bookkeeping=None) -> None:
        current = self.entries.get(entry.principal)
        if current is None:
            raise NoSuchPrincipal(entry.principal)
        if bookkeeping is not None:  # the fields not named keep their stored values
            keep = set(BOOKKEEPING_FIELDS).difference(check_bookkeeping(bookkeeping))
            entry = replace(entry, **{f: getattr(current, f) for f in keep})
        self.entries[entry.principal] = entry

    async def delete(self, principal: Principal) -> None:
        if self.entries.pop(principal, None) is None:
            raise NoSuchPrincipal(principal)

    async def list(self, pattern: str | None = None) -> list[Principal]:
        rx = glob_regex(pattern or "*")
        return sorted((p for p in self.entries if rx.match(str(p))), key=str)

    async def record_success(self, principal: Principal, when: int) -> None:
        self.successes.append((principal, when))
        if principal in self.entries:
            self.entries[principal] = replace(self.entries[principal], last_success=when)

    async def record_failure(self, principal: Principal, when: int) -> None:
        self.failures.append((principal, when))
        if principal in self.entries:
            e = self.entries[principal]
            self.entries[principal] = replace(e, last_failed=when, fail_auth_count=e.fail_auth_count + 1)

    async def close(self) -> None:
        pass


class FakeMasterKey:
    """XOR "sealing" with a fixed pad: enough to prove the KDC unseals what it uses, and counts it.

    ``seal``/``unseal`` have kdc.masterkey.MasterKey's signatures, so kpasswd and the admin
    code can take it too.
    """

    PAD = 0x5A

    def __init__(self) -> None:
        self.unseals = 0

    def seal(self, principal: Principal, kvno: int, key: EncryptionKey, **kw) -> StoredKey:
        return StoredKey(kvno=kvno, enctype=key.keytype, sealed=bytes(b ^ self.PAD for b in key.keyvalue), mkvno=1, **kw)

    def unseal(self, principal: Principal, stored: StoredKey) -> EncryptionKey:
        self.unseals += 1
        return EncryptionKey(stored.enctype, bytes(b ^ self.PAD for b in stored.sealed))


@dataclass
class Creds:
    """What a client keeps from an AS or TGS reply."""

    client: Principal
    ticket: Ticket
    session_key: EncryptionKey
    enc: EncKDCRepPart
    reply: KDCRep


class KDCErrorReply(Exception):
    """A KRB-ERROR the KDC answered; ``.error`` is the decoded message."""

    def __init__(self, error: KRBError) -> None:
        self.error = error
        self.code = error.error_code
        super().__init__(f"KRB-ERROR {error.error_code}: {error.e_text}")

    @property
    def method_data(self) -> tuple[PAData, ...]:
        return decode_method_data(self.error.e_data) if self.error.e_data else ()


@dataclass
class CoreRealm:
    """A realm in memory with a KDC core and a test client."""

    realm: str = REALM
    config: Config | None = None
    now: float = float(T0)
    store: FakeStore = field(default_factory=FakeStore)
    master_key: FakeMasterKey = field(default_factory=FakeMasterKey)
    passwords: dict[Principal, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.config is None:
            self.config = Config(realm=self.realm)
        self.rng = seeded_rng()
        self.client_rng = seeded_rng(2)
        self.ctx = KDCContext(self.config, self.store, self.master_key, self.rng, lambda: self.now)
        self.krbtgt = Principal.krbtgt(self.realm)
        self.add_service(self.krbtgt.components[0] + "/" + self.realm)

    # -- principals --------------------------------------------------------------------

    def principal(self, name: str) -> Principal:
        return Principal.parse(name, default_realm=self.realm)

    def _add(self, principal: Principal, keys: dict[int, EncryptionKey], kvno: int, attrs: int, **fields) -> PrincipalEntry:
        stored = tuple(self.master_key.seal(principal, kvno, k) for k in keys.values())
        entry = PrincipalEntry(principal=principal, attributes=attrs, kvno=kvno, keys=stored, **fields)
        self.store.entries[principal] = entry
        return entry

    def add_user(self, name: str, password: str = "secret", *, etypes=DEFAULT_ETYPES, kvno: int = 1,
                 attrs: int = Attr.REQUIRES_PRE_AUTH, **fields) -> PrincipalEntry:
        """A user with password-derived keys (default salt), requiring pre-authentication by default."""
        p = self.principal(name)
        self.passwords[p] = password
        keys = {e: string_to_key(e, password, p.default_salt()) for e in etypes}
        return self._add(p, keys, kvno, attrs, **fields)

    def add_service(self, name: str, *, etypes=DEFAULT_ETYPES, kvno: int = 1, attrs: int = 0, **fields) -> PrincipalEntry:
        """A service (or the krbtgt) with random keys."""
        p = self.principal(name)
        keys = {e: random_key(e, self.rng) for e in etypes}
        return self._add(p, keys, kvno, attrs, **fields)

    def update(self, name: str, **changes) -> PrincipalEntry:
        p = self.principal(name)
        self.store.entries[p] = replace(self.store.entries[p], **changes)
        return self.store.entries[p]

    def keys_of(self, name: str | Principal, kvno: int | None = None) -> dict[int, EncryptionKey]:
        """The clear keys of a principal (the test plays the service that holds a keytab)."""
        p = name if isinstance(name, Principal) else self.principal(name)
        entry = self.store.entries[p]
        return {k.enctype: self.master_key.unseal(p, k) for k in entry.keys_for_kvno(kvno)}

    def rotate(self, name: str, *, keep_old: bool = True) -> PrincipalEntry:
        """New random keys at kvno+1 (old ones kept, as kdcadmin cpw -keepold)."""
        p = self.principal(name)
        entry = self.store.entries[p]
        new = tuple(self.master_key.seal(p, entry.kvno + 1, random_key(k.enctype, self.rng)) for k in entry.keys_for_kvno())
        keys = (entry.keys if keep_old else ()) + new
        return self.update(name, kvno=entry.kvno + 1, keys=keys)

    # -- the wire ----------------------------------------------------------------------

    def send(self, data: bytes) -> tuple[bytes | None, Audit]:
        """One request through the real dispatcher."""
        return asyncio.run(handle_request(data, self.ctx))

    def exchange(self, data: bytes) -> KDCRep:
        """Send a request; return the decoded reply or raise KDCErrorReply."""
        reply, _ = self.send(data)
        assert reply is not None, "the KDC dropped a KDC request"
        if peek_application_tag(reply) == MessageType.KRB_ERROR:
            raise KDCErrorReply(decode(reply, KRBError))
        return decode(reply, KDCRep)

    # -- client: AS --------------------------------------------------------------------

    def user_key(self, name: str, etype: int, password: str | None = None, salt: str | None = None) -> EncryptionKey:
        p = self.principal(name)
        return string_to_key(etype, password if password is not None else self.passwords[p], salt or p.default_salt())

    def enc_timestamp(self, key: EncryptionKey, when: float | None = None) -> PAData:
        """PA-ENC-TIMESTAMP (RFC 4120 5.2.7.2) encrypted in ``key`` at ``when`` (default: the KDC's now)."""
        t = self.now if when is None else when
        ts = encode(PAEncTSEnc(patimestamp=int(t), pausec=int((t % 1) * 1e6)))
        enc = EncryptedData(key.keytype, encrypt(key, KeyUsage.AS_REQ_PA_ENC_TIMESTAMP, ts, self.client_rng))
        return PAData(PADataType.PA_ENC_TIMESTAMP, encode(enc))

    def as_req(self, client: str, server: str | None = None, *, etypes=DEFAULT_ETYPES, options: int = 0,
               till: int | None = None, rtime: int | None = None, from_: int | None = None,
               padata: tuple[PAData, ...] | None = None, nonce: int = 12345, addresses=None,
               cname=None) -> bytes:
        """An AS-REQ (RFC 4120 5.4.1); ``till`` defaults to now + 1 day."""
        c = self.principal(client)
        s = self.principal(server) if server else self.krbtgt
        body = KDCReqBody(
            kdc_options=options, realm=self.realm, nonce=nonce, etype=tuple(etypes),
            till=int(self.now) + 86400 if till is None else till, cname=cname or c.name, sname=s.name,
            from_=from_, rtime=rtime, addresses=addresses,
        )
        return encode(KDCReq(MessageType.KRB_AS_REQ, body, padata=padata))

    def read_as_rep(self, rep: KDCRep, key: EncryptionKey) -> EncKDCRepPart:
        """Decrypt an AS-REP enc-part (usage 3) with the client's key."""
        assert rep.msg_type == MessageType.KRB_AS_REP
        return decode(decrypt(key, KeyUsage.AS_REP_ENCPART, rep.enc_part.cipher), EncKDCRepPart)

    def kinit(self, name: str, password: str | None = None, *, etypes=DEFAULT_ETYPES, server: str | None = None,
              extra_padata: tuple[PAData, ...] = (), **kw) -> Creds:
        """A full AS exchange with encrypted-timestamp pre-authentication, as MIT kinit does it."""
        p = self.principal(name)
        key = self.user_key(name, etypes[0], password)
        padata = (self.enc_timestamp(key),) + tuple(extra_padata)
        rep = self.exchange(self.as_req(name, server, etypes=etypes, padata=padata, **kw))
        enc = self.read_as_rep(rep, self.user_key(name, rep.enc_part.etype, password))
        return Creds(p, rep.ticket, enc.key, enc, rep)

    # -- client: TGS -------------------------------------------------------------------

    def tgs_req(self, creds: Creds, server: str, *, options: int = 0, etypes=DEFAULT_ETYPES,
                till: int | None = None, rtime: int | None = None, from_: int | None = None,
                subkey: EncryptionKey | None = None, additional_tickets=None, enc_authorization_data=None,
                addresses=None, cksum: Checksum | None | str = "good", ctime: float | None = None,
                body_after_cksum: KDCReqBody | None = None, authenticator_cname=None, nonce: int = 777) -> bytes:
        """A TGS-REQ with a PA-TGS-REQ AP-REQ (RFC 4120 5.4.1, 5.5.1).

        ``cksum="good"`` computes the keyed checksum over the body; pass a Checksum or None to
        send something else, or ``body_after_cksum`` to send a different body than was summed.
        """
        s = self.principal(server)
        body = KDCReqBody(
            kdc_options=options, realm=self.realm, nonce=nonce, etype=tuple(etypes),
            till=int(self.now) + 36000 if till is None else till, sname=s.name, from_=from_, rtime=rtime,
            additional_tickets=additional_tickets, enc_authorization_data=enc_authorization_data, addresses=addresses,
        )
        if cksum == "good":
            cksum = make_checksum(creds.session_key, KeyUsage.TGS_REQ_AUTH_CKSUM, encode(body))
        t = self.now if ctime is None else ctime
        auth = Authenticator(
            crealm=creds.client.realm, cname=authenticator_cname or creds.client.name, cusec=int((t % 1) * 1e6),
            ctime=int(t), cksum=cksum, subkey=subkey,
        )
        enc_auth = EncryptedData(creds.session_key.keytype,
                                 encrypt(creds.session_key, KeyUsage.TGS_REQ_AUTH, encode(auth), self.client_rng))
        ap = APReq(ap_options=0, ticket=creds.ticket, authenticator=enc_auth)
        return encode(KDCReq(MessageType.KRB_TGS_REQ, body_after_cksum or body,
                             padata=(PAData(PADataType.PA_TGS_REQ, encode(ap)),)))

    def tgs(self, creds: Creds, server: str, *, subkey: EncryptionKey | None = None, **kw) -> Creds:
        """A full TGS exchange; the reply is read with the subkey (usage 9) or session key (usage 8)."""
        rep = self.exchange(self.tgs_req(creds, server, subkey=subkey, **kw))
        assert rep.msg_type == MessageType.KRB_TGS_REP
        key, usage = (subkey, KeyUsage.TGS_REP_ENCPART_SUBKEY) if subkey else (creds.session_key, KeyUsage.TGS_REP_ENCPART_SESSKEY)
        enc = decode(decrypt(key, usage, rep.enc_part.cipher), EncKDCRepPart)
        return Creds(creds.client, rep.ticket, enc.key, enc, rep)

    def open_ticket(self, ticket: Ticket, key: EncryptionKey | None = None) -> EncTicketPart:
        """Decrypt a ticket as its service would (with the service's key of the ticket's kvno)."""
        if key is None:
            key = self.keys_of(Principal.from_name(ticket.sname, ticket.realm), ticket.enc_part.kvno)[ticket.enc_part.etype]
        return decode(decrypt(key, KeyUsage.KDC_REP_TICKET, ticket.enc_part.cipher), EncTicketPart)


__all__ = ["CoreRealm", "Creds", "FakeMasterKey", "FakeStore", "KDCErrorReply", "REALM", "T0", "seeded_rng", "KDCOption"]
