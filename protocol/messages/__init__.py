"""Kerberos messages: frozen dataclasses and their DER codec.

``encode(msg)`` and ``decode(data, Type)`` are the only entry points callers need. Every type of
``protocol.messages.types`` (the hot messages KDC-REQ, KDC-REP, Ticket, EncTicketPart,
Authenticator, AP-REQ, EncKDCRepPart, KRB-ERROR, PA-ENC-TS-ENC, ETYPE-INFO2, METHOD-DATA and
the small types inside them) goes through a specialised fast codec
(``protocol.messages.fast``); the extension types through the pyasn1 schema
(``protocol.messages.reference``), which is also the oracle the fast codec is tested against.
"""

from protocol.messages.types import *  # noqa: F401,F403
from protocol.messages.types import __all__ as _types_all  # type: ignore[attr-defined]
from protocol.messages.codec import (  # noqa: F401
    decode,
    decode_authorization_data,
    decode_etype_info,
    decode_etype_info2,
    decode_method_data,
    decode_typed_data,
    encode,
    encode_authorization_data,
    encode_etype_info,
    encode_etype_info2,
    encode_method_data,
    encode_typed_data,
    peek_application_tag,
)
