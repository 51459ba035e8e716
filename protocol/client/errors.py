"""Errors the client exchanges raise.

A KDC or service that answers with KRB-ERROR surfaces as ``KerberosError`` carrying the
error code (RFC 4120 section 7.5.9) and e-text; a reply that fails the checks of RFC 4120
section 3.1.5 (wrong nonce, names, times: the "Orpheus' Lyre" class) as ``ReplyMismatch``;
bytes that do not decode as what was expected as ``MalformedReply``.
"""

from __future__ import annotations

from protocol.constants import ErrorCode
from protocol.errors import ProtocolError
from protocol.messages.types import KRBError

__all__ = ["ClientError", "KerberosError", "ReplyMismatch", "MalformedReply", "UnexpectedReply", "NoUsableKey"]


class ClientError(ProtocolError):
    """Base class of everything the client exchanges raise."""


def _code_name(code: int) -> str:
    try:
        return ErrorCode(code).name
    except ValueError:
        return f"error {code}"


class KerberosError(ClientError):
    """A KRB-ERROR (received from a peer, or to be sent by an acceptor), RFC 4120 section 5.9.1.

    ``code`` is the error-code (an ``ErrorCode`` when known), ``e_text`` the peer's text,
    ``error`` the decoded KRB-ERROR when one was received.
    """

    def __init__(self, code: int, e_text: str | None = None, error: KRBError | None = None) -> None:
        try:
            self.code: int = ErrorCode(code)
        except ValueError:
            self.code = code
        self.e_text = e_text
        self.error = error
        text = f"{_code_name(code)} ({int(code)})"
        super().__init__(f"{text}: {e_text}" if e_text else text)

    @classmethod
    def from_krb_error(cls, err: KRBError) -> KerberosError:
        """The exception for a received KRB-ERROR."""
        return cls(err.error_code, err.e_text, err)


class ReplyMismatch(ClientError):
    """A reply that decrypted but does not answer our request (RFC 4120 section 3.1.5)."""


class MalformedReply(ClientError):
    """Reply bytes that are not a well-formed message of an expected type."""


class UnexpectedReply(ClientError):
    """A well-formed message of a type that does not answer the request (e.g. a TGS-REP to an AS-REQ)."""


class NoUsableKey(ClientError):
    """No key of the client (password or keytab) fits the enctypes the KDC offers."""
