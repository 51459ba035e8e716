"""Exceptions raised by the protocol layer.

Every decoder failure, whatever the ASN.1 library raises inside, surfaces as DecodeError;
every failed integrity check (MAC, checksum, padding) as IntegrityError.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Base class of everything ``protocol`` raises on bad input."""


class DecodeError(ProtocolError, ValueError):
    """Bytes that are not a well-formed, strictly DER-encoded message of the expected type."""


class EncodeError(ProtocolError, ValueError):
    """A message value that cannot be encoded (out-of-range integer, bad string...)."""


class IntegrityError(ProtocolError):
    """Ciphertext or checksum failed verification (wrong key, tampering, truncation)."""


class UnsupportedEncType(ProtocolError):
    """An enctype or checksum type this library does not implement or does not allow."""

    def __init__(self, etype: int, message: str | None = None) -> None:
        self.etype = etype
        super().__init__(message or f"unsupported enctype or checksum type {etype}")


class PrincipalParseError(ProtocolError, ValueError):
    """A principal name string that does not follow MIT's syntax."""


class FramingError(ProtocolError):
    """A TCP record marker that is out of range or uses reserved bits (RFC 4120 7.2.2).

    ``length`` is the marker's value; ``high_bit`` says whether the reserved bit was set.
    """

    def __init__(self, message: str, length: int, high_bit: bool) -> None:
        super().__init__(message)
        self.length = length
        self.high_bit = high_bit


class FileFormatError(ProtocolError, ValueError):
    """A keytab or credential cache that is not in a supported MIT format."""


class S2KParamsError(ProtocolError, ValueError):
    """s2kparams that are malformed or ask for an absurd amount of work (MIT KRB5_ERR_BAD_S2K_PARAMS)."""
