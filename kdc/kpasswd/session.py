"""The kpasswd security context: AP-REQ in, KRB-PRIV both ways, AP-REP out (RFC 3244 section 2).

What MIT's kadmind and kpasswd client do, and what this module therefore does:

- The AP-REQ carries a ticket for ``kadmin/changepw@REALM``, verified like any AP-REQ
  (RFC 4120 section 3.2.3: ticket key, authenticator names, clock skew, ticket times,
  replay cache) by ``protocol.client.ap.accept_ap_req``.
- Both KRB-PRIVs (request and reply) are encrypted with the authenticator's subkey, or
  the ticket session key when the client sent no subkey (key usage 13, RFC 4120 section
  5.7.1). MIT's client "smashes" its receive key to its send subkey, so the reply must use
  the client's subkey, not a new one.
- Sequence numbers, not timestamps, bind the messages (MIT sets only DO_SEQUENCE): the
  request's KRB-PRIV carries the authenticator's seq-number; the AP-REP carries ours, and
  the reply's KRB-PRIV repeats it. The AP-REP echoes ctime/cusec and the client's subkey.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from kdc.kpasswd.errors import AuthError, HardError
from protocol import crypto
from protocol.client.ap import Accepted, ServiceKey, accept_ap_req
from protocol.client.errors import KerberosError
from protocol.client.replay import ReplayCache
from protocol.constants import AddressType, KeyUsage, MessageType
from protocol.crypto import Rng
from protocol.errors import DecodeError, IntegrityError, UnsupportedEncType
from protocol.messages import codec
from protocol.messages.ext_types import EncKrbPrivPart, KRBPriv
from protocol.messages.types import APRep, EncAPRepPart, EncryptedData, EncryptionKey, HostAddress
from protocol.principal import Principal

__all__ = ["Session", "DIRECTIONAL_ACCEPT", "accept", "open_priv", "seal_priv", "build_ap_rep", "host_address"]

# MIT's k5_addr_directional_accept: the sender address of a reply when the local address
# is unknown (RFC 4120 section 8.1 directional addresses; 1 = from the acceptor).
DIRECTIONAL_ACCEPT = HostAddress(AddressType.DIRECTIONAL, b"\x00\x00\x00\x01")


@dataclass(frozen=True)
class Session:
    """An accepted AP-REQ: the client, its ticket flags and the keys and numbers of the exchange."""

    client: Principal
    ticket_flags: int
    session_key: EncryptionKey = field(repr=False)
    priv_key: EncryptionKey = field(repr=False)  # the subkey, else the session key
    ctime: int
    cusec: int
    subkey: EncryptionKey | None = field(repr=False)
    client_seq: int  # the authenticator's seq-number (0 when absent, as MIT counts it)
    server_seq: int  # ours: in the AP-REP and the reply's KRB-PRIV


def accept(ap_req: bytes, keys: Iterable[ServiceKey], *, server: Principal, now: float, skew: int,
           replay_cache: ReplayCache, rng: Rng) -> Session:
    """Verify the AP-REQ (RFC 4120 section 3.2.3) for ``server``; AuthError with the KRB_AP_ERR code."""
    try:
        ok: Accepted = accept_ap_req(ap_req, keys, now=now, replay_cache=replay_cache, rng=rng,
                                     skew=skew, server=server)
    except KerberosError as exc:
        raise AuthError(f"Failed reading application request: {exc}", krb_code=exc.code) from None
    except (DecodeError, IntegrityError, UnsupportedEncType, ValueError) as exc:
        raise AuthError(f"Failed reading application request: {type(exc).__name__}") from None
    auth = ok.authenticator
    return Session(
        client=ok.client, ticket_flags=ok.ticket.flags, session_key=ok.session_key,
        priv_key=ok.subkey or ok.session_key, ctime=auth.ctime, cusec=auth.cusec, subkey=ok.subkey,
        client_seq=auth.seq_number or 0, server_seq=_seq_number(rng),
    )


def _seq_number(rng: Rng) -> int:
    # MIT's krb5_generate_seq_number keeps 30 bits: clear of the 0xFF800000.. range whose
    # values old Heimdal peers sign-extend, which MIT's receiver treats as ambiguous.
    return int.from_bytes(rng(4), "big") & 0x3FFFFFFF


def open_priv(session: Session, data: bytes) -> bytes:
    """The user-data of the request's KRB-PRIV (RFC 4120 section 5.7); HardError if it fails.

    The seq-number must be the authenticator's (MIT's krb5_rd_priv with DO_SEQUENCE);
    timestamps and addresses are not checked, as MIT's kadmind does not (clients behind NAT).
    """
    try:
        if codec.peek_application_tag(data) != MessageType.KRB_PRIV:
            raise DecodeError("not a KRB-PRIV")
        priv = codec.decode(data, KRBPriv)
        if priv.enc_part.etype != session.priv_key.keytype:
            raise IntegrityError("KRB-PRIV enctype is not the subkey's")
        plain = crypto.decrypt(session.priv_key, KeyUsage.KRB_PRIV_ENCPART, priv.enc_part.cipher)
        part = codec.decode(plain, EncKrbPrivPart)
    except (DecodeError, IntegrityError, UnsupportedEncType, ValueError) as exc:
        raise HardError(f"Failed decrypting request: {type(exc).__name__}") from None
    if (part.seq_number or 0) != session.client_seq:
        raise HardError("Failed decrypting request: wrong sequence number")
    return part.user_data


def seal_priv(session: Session, user_data: bytes, rng: Rng, s_address: HostAddress | None = None) -> bytes:
    """The reply's KRB-PRIV: ``user_data`` with our seq-number, in the subkey (usage 13)."""
    part = EncKrbPrivPart(user_data=user_data, s_address=s_address or DIRECTIONAL_ACCEPT,
                          seq_number=session.server_seq)
    cipher = crypto.encrypt(session.priv_key, KeyUsage.KRB_PRIV_ENCPART, codec.encode(part), rng)
    return codec.encode(KRBPriv(enc_part=EncryptedData(session.priv_key.keytype, cipher)))


def build_ap_rep(session: Session, rng: Rng) -> bytes:
    """AP-REP (RFC 4120 section 5.5.2) in the session key: ctime/cusec echoed, the client's
    subkey and our seq-number, as MIT's krb5_mk_rep does for kadmind."""
    part = EncAPRepPart(ctime=session.ctime, cusec=session.cusec, subkey=session.subkey,
                        seq_number=session.server_seq)
    cipher = crypto.encrypt(session.session_key, KeyUsage.AP_REP_ENCPART, codec.encode(part), rng)
    return codec.encode(APRep(enc_part=EncryptedData(session.session_key.keytype, cipher)))


def host_address(host: str | None) -> HostAddress | None:
    """The HostAddress of a local IP literal (RFC 4120 section 7.5.3), None for a wildcard or unknown host."""
    try:
        ip = ipaddress.ip_address((host or "").strip("[]"))
    except ValueError:
        return None
    if ip.is_unspecified:
        return None
    kind = AddressType.IPV4 if ip.version == 4 else AddressType.IPV6
    return HostAddress(kind, ip.packed)
