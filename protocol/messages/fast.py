"""The fast DER codec for the RFC 4120 messages on the KDC's hot path.

Pure Python, no schema interpretation per call: one hand-written decoder and encoder per
type (``_derdec``, ``_derenc``) over the primitives of ``_der``. It accepts exactly what the
pyasn1 reference (``protocol.messages.reference``) accepts in strict DER mode, which the
differential tests in tests/protocol/messages check; figures in docs/performance.md.

``DECODERS``/``ENCODERS`` map each dataclass of ``protocol.messages.types`` (and the
``AuthorizationData`` alias) to a function over the complete encoding; ``codec`` wraps them
with the size cap and the error mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from protocol.errors import DecodeError, EncodeError
from protocol.messages import _derdec as D
from protocol.messages import _derenc as E
from protocol.messages import types as t

MAX_INPUT = 65536
"""Largest encoding the decoders accept (the KDC's request cap; RFC 4120 7.2.2 leaves it to us)."""

_SEQ = 0x30

DECODERS: dict[Any, Callable[[bytes], Any]] = {
    t.PrincipalName: lambda d: D.whole(d, _SEQ, D.principal_body),
    t.EncryptionKey: lambda d: D.whole(d, _SEQ, D.key_body),
    t.EncryptedData: lambda d: D.whole(d, _SEQ, D.enc_data_body),
    t.Checksum: lambda d: D.whole(d, _SEQ, D.checksum_body),
    t.HostAddress: lambda d: D.whole(d, _SEQ, D.host_address_body),
    t.AuthorizationDataEntry: lambda d: D.whole(d, _SEQ, D.ad_entry_body),
    t.PAData: lambda d: D.whole(d, _SEQ, D.padata_body),
    t.LastReqEntry: lambda d: D.whole(d, _SEQ, D.last_req_body),
    t.TransitedEncoding: lambda d: D.whole(d, _SEQ, D.transited_body),
    t.PAEncTSEnc: lambda d: D.whole(d, _SEQ, D.pa_enc_ts_body),
    t.ETypeInfo2Entry: lambda d: D.whole(d, _SEQ, D.etype_info2_body),
    t.ETypeInfoEntry: lambda d: D.whole(d, _SEQ, D.etype_info_body),
    t.TypedDataEntry: lambda d: D.whole(d, _SEQ, D.typed_data_body),
    t.Ticket: D.decode_ticket,
    t.EncTicketPart: D.decode_enc_ticket_part,
    t.KDCReqBody: D.decode_kdc_req_body,
    t.KDCReq: D.decode_kdc_req,
    t.KDCRep: D.decode_kdc_rep,
    t.EncKDCRepPart: D.decode_enc_kdc_rep_part,
    t.Authenticator: lambda d: D.whole(d, 0x62, D.authenticator_body),
    t.APReq: D.decode_ap_req,
    t.APRep: D.decode_ap_rep,
    t.EncAPRepPart: lambda d: D.whole(d, 0x7B, D.enc_ap_rep_part_body),
    t.KRBError: D.decode_krb_error,
    t.AuthorizationData: D.decode_seq_of(D.ad_entry_body),
}

ENCODERS: dict[type, Callable[[Any], bytes]] = {
    t.PrincipalName: E.whole_seq(E.principal_seq),
    t.EncryptionKey: E.whole_seq(E.key_seq),
    t.EncryptedData: E.whole_seq(E.enc_data_seq),
    t.Checksum: E.whole_seq(E.checksum_seq),
    t.HostAddress: E.whole_seq(E.host_address_seq),
    t.AuthorizationDataEntry: E.whole_seq(E.ad_entry_seq),
    t.PAData: E.whole_seq(E.padata_seq),
    t.LastReqEntry: E.whole_seq(E.last_req_seq),
    t.TransitedEncoding: E.whole_seq(E.transited_seq),
    t.PAEncTSEnc: E.whole_seq(E.pa_enc_ts_seq),
    t.ETypeInfo2Entry: E.whole_seq(E.etype_info2_seq),
    t.ETypeInfoEntry: E.whole_seq(E.etype_info_seq),
    t.TypedDataEntry: E.whole_seq(E.typed_data_seq),
    t.Ticket: E.ticket_tlv,
    t.EncTicketPart: E.whole_seq(E.enc_ticket_part_seq, 0x63),
    t.KDCReqBody: E.req_body_tlv,
    t.KDCReq: E.kdc_req_tlv,
    t.KDCRep: E.kdc_rep_tlv,
    t.EncKDCRepPart: E.enc_kdc_rep_part_tlv,
    t.Authenticator: E.whole_seq(E.authenticator_seq, 0x62),
    t.APReq: E.ap_req_tlv,
    t.APRep: E.ap_rep_tlv,
    t.EncAPRepPart: E.whole_seq(E.enc_ap_rep_part_seq, 0x7B),
    t.KRBError: E.krb_error_tlv,
}

# SEQUENCE OF types that have no dataclass of their own (codec's helper functions).
decode_method_data = D.decode_seq_of(D.padata_body)
decode_etype_info2 = D.decode_nonempty_seq_of(D.etype_info2_body, "ETYPE-INFO2")
decode_etype_info = D.decode_seq_of(D.etype_info_body)
decode_typed_data = D.decode_nonempty_seq_of(D.typed_data_body, "TYPED-DATA")
decode_authorization_data = DECODERS[t.AuthorizationData]
encode_method_data = E.plain_seq_of(E.padata_seq)
encode_etype_info2 = E.nonempty_seq_of(E.etype_info2_seq, "ETYPE-INFO2")
encode_etype_info = E.plain_seq_of(E.etype_info_seq)
encode_typed_data = E.nonempty_seq_of(E.typed_data_seq, "TYPED-DATA")
encode_authorization_data = E.plain_seq_of(E.ad_entry_seq)


def run_decoder(fn: Callable[[bytes], Any], data: Any) -> Any:
    """Apply ``fn`` under the size cap; every failure becomes DecodeError."""
    if type(data) is not bytes:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise DecodeError(f"expected bytes, not {type(data).__name__}")
        data = bytes(data)
    if len(data) > MAX_INPUT:
        raise DecodeError(f"input of {len(data)} octets exceeds the {MAX_INPUT}-octet cap")
    try:
        return fn(data)
    except DecodeError:
        raise
    except (IndexError, ValueError, UnicodeDecodeError, OverflowError) as exc:
        raise DecodeError(f"malformed DER: {exc}") from None


def run_encoder(fn: Callable[[Any], bytes], value: Any) -> bytes:
    """Apply ``fn``; bad values (wrong types, out of range) become EncodeError."""
    try:
        return fn(value)
    except EncodeError:
        raise
    except (TypeError, ValueError, OverflowError, AttributeError) as exc:
        raise EncodeError(f"cannot encode {type(value).__name__}: {exc}") from None
