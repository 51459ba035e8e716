"""The fast codec on encodings no one here wrote: MIT 1.20 kinit/kvno/krb5kdc traffic
(tests/data/mit, see its README), outer messages and the hot messages inside them.

Every message decodes to the same value (and the same ``raw`` octets) as through the pyasn1
reference, and re-encodes byte for byte. The inner messages (PA-ENC-TS-ENC, ETYPE-INFO2,
METHOD-DATA, EncKDCRepPart, EncTicketPart, AP-REQ, Authenticator) are reached by
decrypting with keys from MIT's keytab and the user's password.
"""

from __future__ import annotations

import pytest

from protocol import crypto
from protocol.constants import KeyUsage, PADataType
from protocol.messages import codec, reference
from protocol.messages import types as t
from tests.support.mitcaptures import CAPTURES as OUTER
from tests.support.mitcaptures import META, keytab_key, raw


def same(octets: bytes, cls: type) -> object:
    """Decode with both codecs, check they agree (raws included) and the encoding is identical."""
    fast = codec.decode(octets, cls)
    assert fast == reference.decode(octets, cls)
    assert codec.encode(fast) == octets
    return fast


def padata(items: tuple[t.PAData, ...], padata_type: int) -> bytes:
    (value,) = [p.padata_value for p in items if p.padata_type == padata_type]
    return value


def test_captures_are_the_ones_listed() -> None:
    """Every capture listed in capture.json is exercised here."""
    assert sorted(META["messages"]) == sorted(f"{name}.der" for name in OUTER)


@pytest.mark.parametrize("name", list(OUTER))
def test_outer_messages(name: str) -> None:
    """Each captured message: same value as the reference, same octets back."""
    same(raw(name), OUTER[name])


def test_raw_octets_of_captured_requests() -> None:
    """KDCReqBody.raw is the body inside [4] of the request as sent; the AP-REQ ticket's raw
    is the TGT exactly as the AS-REP carried it."""
    req = codec.decode(raw("tgs-req"), t.KDCReq)
    assert req.req_body.raw == reference.decode(raw("tgs-req"), t.KDCReq).req_body.raw
    assert req.req_body.raw in raw("tgs-req") and req.req_body.raw[0] == 0x30
    ap_req = same(padata(req.padata, PADataType.PA_TGS_REQ), t.APReq)
    assert ap_req.ticket.raw == codec.encode(codec.decode(raw("as-rep"), t.KDCRep).ticket)
    assert ap_req.ticket.raw in raw("as-rep")


def test_preauth_exchange_inner_messages() -> None:
    """METHOD-DATA, ETYPE-INFO2, the encrypted timestamp's PA-ENC-TS-ENC and the AS-REP
    enc-part (EncKDCRepPart, tagged 26 by MIT) all decode identically and re-encode exactly."""
    error = codec.decode(raw("krb-error-preauth-required"), t.KRBError)
    methods = codec.decode_method_data(error.e_data)
    assert methods == reference.decode_method_data(error.e_data)
    assert codec.encode_method_data(methods) == error.e_data
    info_octets = padata(methods, PADataType.PA_ETYPE_INFO2)
    (info,) = codec.decode_etype_info2(info_octets)
    assert codec.encode_etype_info2((info,)) == info_octets
    user_key = crypto.string_to_key(info.etype, META["password"], info.salt, info.s2kparams)
    req = codec.decode(raw("as-req-enc-timestamp"), t.KDCReq)
    enc_ts = same(padata(req.padata, PADataType.PA_ENC_TIMESTAMP), t.EncryptedData)
    stamp = same(crypto.decrypt(user_key, KeyUsage.AS_REQ_PA_ENC_TIMESTAMP, enc_ts.cipher), t.PAEncTSEnc)
    assert abs(stamp.patimestamp - error.stime) < 300
    rep = codec.decode(raw("as-rep"), t.KDCRep)
    part = same(crypto.decrypt(user_key, KeyUsage.AS_REP_ENCPART, rep.enc_part.cipher), t.EncKDCRepPart)
    assert part.tag == 26 and part.nonce == req.req_body.nonce


def test_tickets_and_authenticator() -> None:
    """The TGT's and service ticket's EncTicketPart and the PA-TGS-REQ Authenticator, opened
    with MIT's keys, decode identically and re-encode exactly."""
    realm = META["realm"]
    tgt = codec.decode(raw("as-rep"), t.KDCRep).ticket
    krbtgt_key = keytab_key(f"krbtgt/{realm}@{realm}", tgt.enc_part.etype)
    tgt_part = same(crypto.decrypt(krbtgt_key, KeyUsage.KDC_REP_TICKET, tgt.enc_part.cipher), t.EncTicketPart)
    service_ticket = codec.decode(raw("tgs-rep"), t.KDCRep).ticket
    service_key = keytab_key(META["service"], service_ticket.enc_part.etype)
    plain = crypto.decrypt(service_key, KeyUsage.KDC_REP_TICKET, service_ticket.enc_part.cipher)
    assert same(plain, t.EncTicketPart).cname == tgt_part.cname
    ap_req = codec.decode(padata(codec.decode(raw("tgs-req"), t.KDCReq).padata, PADataType.PA_TGS_REQ), t.APReq)
    auth_plain = crypto.decrypt(tgt_part.key, KeyUsage.TGS_REQ_AUTH, ap_req.authenticator.cipher)
    authenticator = same(auth_plain, t.Authenticator)
    assert authenticator.cname == tgt_part.cname and authenticator.subkey is not None
