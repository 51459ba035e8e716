"""Opening what a client presents: tickets and authenticators (RFC 4120 sections 5.3, 5.5.1)."""

from __future__ import annotations

from typing import TypeVar

from protocol.constants import KeyUsage
from protocol.crypto import decrypt
from protocol.errors import DecodeError, IntegrityError, UnsupportedEncType
from protocol.messages import Authenticator, EncryptedData, EncryptionKey, EncTicketPart, Ticket, decode

from kdc.exchange import errors

T = TypeVar("T")


def open_ticket(ticket: Ticket, key: EncryptionKey) -> EncTicketPart:
    """Decrypt a ticket's enc-part (usage 2); a wrong key is KRB_AP_ERR_BAD_INTEGRITY."""
    return _open(key, KeyUsage.KDC_REP_TICKET, ticket.enc_part.cipher, EncTicketPart, "TICKET", "ticket", "the server key")


def open_authenticator(enc: EncryptedData, session_key: EncryptionKey) -> Authenticator:
    """Decrypt the PA-TGS-REQ authenticator with the ticket session key (usage 7)."""
    return _open(session_key, KeyUsage.TGS_REQ_AUTH, enc.cipher, Authenticator, "AUTHENTICATOR", "authenticator", "the session key")


def _open(key: EncryptionKey, usage: int, cipher: bytes, cls: type[T], tag: str, what: str, key_name: str) -> T:
    """Decrypt and decode; either failure is BAD_INTEGRITY, as MIT's krb5_rd_req answers."""
    try:
        plain = decrypt(key, usage, cipher)
    except (IntegrityError, UnsupportedEncType):
        raise errors.BadIntegrity(f"{tag} DECRYPT", detail=f"{what} does not decrypt with {key_name}") from None
    try:
        return decode(plain, cls)
    except DecodeError as exc:
        raise errors.BadIntegrity(f"{tag} DECODE", detail=f"decrypted {what} does not decode: {exc}") from None
