"""Opening what a client presents: tickets and authenticators (RFC 4120 sections 5.3, 5.5.1)."""

from __future__ import annotations

from protocol.constants import KeyUsage
from protocol.crypto import decrypt
from protocol.errors import DecodeError, IntegrityError, UnsupportedEncType
from protocol.messages import Authenticator, EncryptedData, EncryptionKey, EncTicketPart, Ticket, decode

from kdc.exchange import errors


def open_ticket(ticket: Ticket, key: EncryptionKey) -> EncTicketPart:
    """Decrypt a ticket's enc-part (usage 2); a wrong key is KRB_AP_ERR_BAD_INTEGRITY."""
    try:
        plain = decrypt(key, KeyUsage.KDC_REP_TICKET, ticket.enc_part.cipher)
    except (IntegrityError, UnsupportedEncType):
        raise errors.BadIntegrity("TICKET DECRYPT", detail="ticket does not decrypt with the server key") from None
    try:
        return decode(plain, EncTicketPart)
    except DecodeError as exc:
        raise errors.BadIntegrity("TICKET DECODE", detail=f"decrypted ticket does not decode: {exc}") from None


def open_authenticator(enc: EncryptedData, session_key: EncryptionKey) -> Authenticator:
    """Decrypt the PA-TGS-REQ authenticator with the ticket session key (usage 7)."""
    try:
        plain = decrypt(session_key, KeyUsage.TGS_REQ_AUTH, enc.cipher)
    except (IntegrityError, UnsupportedEncType):
        raise errors.BadIntegrity("AUTHENTICATOR DECRYPT", detail="authenticator does not decrypt") from None
    try:
        return decode(plain, Authenticator)
    except DecodeError as exc:
        raise errors.BadIntegrity("AUTHENTICATOR DECODE", detail=f"authenticator does not decode: {exc}") from None
