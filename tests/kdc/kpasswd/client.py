"""A minimal kpasswd client for the unit tests: builds requests as MIT's krb5_change_password does
(AP-REQ with a subkey and a seq-number, KRB-PRIV in the subkey with that seq-number) and reads
the replies, checking what MIT's client checks (AP-REP ctime/cusec, KRB-PRIV seq-number).

Knobs let a test send what MIT would not: no subkey, a wrong seq-number, another version.
"""

from __future__ import annotations

from dataclasses import dataclass

from kdc.kpasswd.wire import VERSION_CHANGEPW, VERSION_SETPW, build_request, decode_result, parse_reply
from protocol.constants import AddressType, KeyUsage, MessageType
from protocol.crypto import decrypt, encrypt, random_key
from protocol.messages import codec
from protocol.messages.ext_types import ChangePasswdData, EncKrbPrivPart, KRBPriv
from protocol.messages.types import (
    APRep,
    APReq,
    Authenticator,
    EncAPRepPart,
    EncryptedData,
    EncryptionKey,
    HostAddress,
    KRBError,
    Ticket,
)
from protocol.principal import Principal

LOOPBACK = HostAddress(AddressType.IPV4, bytes([127, 0, 0, 1]))


@dataclass
class Reply:
    """A decoded kpasswd reply: the result, and the KRB-ERROR when there was no AP-REP."""

    code: int
    text: str
    error: KRBError | None = None
    ap_rep: EncAPRepPart | None = None
    s_address: HostAddress | None = None


@dataclass
class KpasswdClient:
    """One request's client state (MIT's auth context): subkey, seq-numbers, authenticator time."""

    client: Principal
    ticket: Ticket
    session_key: EncryptionKey
    rng: object
    now: float
    subkey: EncryptionKey | None = None
    seq: int = 0x1234567
    with_subkey: bool = True

    def request(self, password: bytes, *, version: int = VERSION_CHANGEPW, target: Principal | None = None,
                priv_seq: int | None = None, setpw_data: bytes | None = None) -> bytes:
        """The framed request; ``priv_seq`` overrides the KRB-PRIV seq-number (default: the authenticator's)."""
        if self.with_subkey and self.subkey is None:
            self.subkey = random_key(self.session_key.keytype, self.rng)
        user_data = password
        if version == VERSION_SETPW:
            user_data = setpw_data if setpw_data is not None else codec.encode(ChangePasswdData(
                newpasswd=password, targname=target.name if target else None,
                targrealm=target.realm if target else None))
        return build_request(version, self.ap_req(), self.priv(user_data, priv_seq))

    def ap_req(self) -> bytes:
        self.ctime, self.cusec = int(self.now), int((self.now % 1) * 1e6)
        auth = Authenticator(crealm=self.client.realm, cname=self.client.name, cusec=self.cusec, ctime=self.ctime,
                             subkey=self.subkey, seq_number=self.seq)
        cipher = encrypt(self.session_key, KeyUsage.AP_REQ_AUTH, codec.encode(auth), self.rng)
        return codec.encode(APReq(ap_options=0, ticket=self.ticket,
                                  authenticator=EncryptedData(self.session_key.keytype, cipher)))

    @property
    def priv_key(self) -> EncryptionKey:
        return self.subkey or self.session_key

    def priv(self, user_data: bytes, seq: int | None = None) -> bytes:
        part = EncKrbPrivPart(user_data=user_data, s_address=LOOPBACK, seq_number=self.seq if seq is None else seq)
        cipher = encrypt(self.priv_key, KeyUsage.KRB_PRIV_ENCPART, codec.encode(part), self.rng)
        return codec.encode(KRBPriv(enc_part=EncryptedData(self.priv_key.keytype, cipher)))

    def read(self, data: bytes) -> Reply:
        """Decode a reply as MIT's krb5int_rd_chpw_rep does; AssertionError where MIT would fail."""
        version, ap_rep, body = parse_reply(data)
        assert version == VERSION_CHANGEPW
        if not ap_rep:
            error = codec.decode(body, KRBError)
            code, text = decode_result(error.e_data)
            return Reply(code, text.decode(), error=error)
        rep = codec.decode(ap_rep, APRep)
        part = codec.decode(decrypt(self.session_key, KeyUsage.AP_REP_ENCPART, rep.enc_part.cipher), EncAPRepPart)
        assert (part.ctime, part.cusec) == (self.ctime, self.cusec), "AP-REP does not echo the authenticator"
        assert codec.peek_application_tag(body) == MessageType.KRB_PRIV
        priv = codec.decode(body, KRBPriv)
        plain = codec.decode(decrypt(self.priv_key, KeyUsage.KRB_PRIV_ENCPART, priv.enc_part.cipher), EncKrbPrivPart)
        assert plain.seq_number == part.seq_number, "reply KRB-PRIV seq-number is not the AP-REP's"
        code, text = decode_result(plain.user_data)
        return Reply(code, text.decode(), ap_rep=part, s_address=plain.s_address)
