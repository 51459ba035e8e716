"""Decoding of replies for the client exchanges, with every failure made a typed error."""

from __future__ import annotations

from typing import TypeVar

from protocol import crypto
from protocol.client.errors import KerberosError, MalformedReply, UnexpectedReply
from protocol.constants import ErrorCode, KeyUsage, MessageType
from protocol.errors import DecodeError, IntegrityError, UnsupportedEncType
from protocol.messages import codec
from protocol.messages.types import EncryptedData, EncryptionKey, KRBError

T = TypeVar("T")

__all__ = ["decode_or_malformed", "reply_or_error", "split_reply", "open_enc", "nonce_from_rng"]


def decode_or_malformed(data: bytes, cls: type[T]) -> T:
    """``codec.decode`` with DecodeError (and anything a broken decoder raises) as MalformedReply."""
    try:
        return codec.decode(data, cls)
    except DecodeError as exc:
        raise MalformedReply(f"reply is not a valid {cls.__name__}: {exc}") from exc


def reply_or_error(data: bytes, expected: MessageType, cls: type[T]) -> T | KRBError:
    """Decode a reply of type ``expected``, or the KRB-ERROR sent instead (RFC 4120 section 5.9.1)."""
    try:
        tag = codec.peek_application_tag(data)
    except DecodeError as exc:
        raise MalformedReply(f"reply is not a Kerberos message: {exc}") from exc
    if tag == MessageType.KRB_ERROR:
        return decode_or_malformed(data, KRBError)
    if tag != expected:
        if tag is None:
            raise MalformedReply("reply is not a Kerberos message")
        raise UnexpectedReply(f"expected message type {int(expected)} or a KRB-ERROR, got APPLICATION {tag}")
    return decode_or_malformed(data, cls)


def split_reply(data: bytes, expected: MessageType, cls: type[T]) -> T:
    """Decode a reply of type ``expected``; a KRB-ERROR raises KerberosError (RFC 4120 section 5.9.1)."""
    reply = reply_or_error(data, expected, cls)
    if isinstance(reply, KRBError):
        raise KerberosError.from_krb_error(reply)
    return reply


def peek_error(data: bytes) -> KRBError | None:
    """The KRB-ERROR in ``data``, or None when ``data`` is something else (or garbage)."""
    try:
        if codec.peek_application_tag(data) != MessageType.KRB_ERROR:
            return None
        return codec.decode(data, KRBError)
    except DecodeError:
        return None


def open_enc(key: EncryptionKey, usage: KeyUsage, enc: EncryptedData, what: str) -> bytes:
    """Decrypt ``enc`` with ``key``; a wrong key or tampering is KRB_AP_ERR_BAD_INTEGRITY (RFC 4120 section 5.9.1)."""
    if enc.etype != key.keytype:
        raise KerberosError(ErrorCode.KRB_AP_ERR_BAD_INTEGRITY,
                            f"{what} is encrypted with enctype {enc.etype}, the key is {key.keytype}")
    try:
        return crypto.decrypt(key, usage, enc.cipher)
    except IntegrityError as exc:
        raise KerberosError(ErrorCode.KRB_AP_ERR_BAD_INTEGRITY, f"{what} does not decrypt: wrong key or tampered") from exc
    except UnsupportedEncType as exc:
        raise KerberosError(ErrorCode.KDC_ERR_ETYPE_NOSUPP, f"{what}: {exc}") from exc


def nonce_from_rng(rng) -> int:
    """A 31-bit nonce, as MIT sends (some KDCs treat the UInt32 as signed)."""
    return int.from_bytes(rng(4), "big") & 0x7FFFFFFF


def ticket_bytes(ticket) -> bytes:
    """The DER of a Ticket: the octets received when the decoder kept them, else a re-encoding."""
    return ticket.raw or codec.encode(ticket)
