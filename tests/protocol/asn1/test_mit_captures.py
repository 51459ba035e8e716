"""The schema against encodings no one here wrote: messages captured between MIT 1.20's
kinit/kvno and MIT's krb5kdc (tests/data/mit, produced by scripts/capture-mit).

Each capture must decode into the expected dataclass and re-encode byte for byte (a swapped
tag or a wrong OPTIONAL round-trips against itself but fails here), and the decrypted
enc-parts must be what MIT's KDC meant: our crypto, keys from MIT's keytab, the user's
password with the salt from MIT's ETYPE-INFO2.
"""

from __future__ import annotations

import pytest

from protocol import crypto
from protocol.constants import ErrorCode, KeyUsage, MessageType, PADataType
from protocol.messages import ext_types as x
from protocol.messages import reference as ref
from protocol.messages import types as t
from tests.support.mitcaptures import CAPTURES, DATA, META, keytab_key, raw

REALM = META["realm"]
# capture-mit configures kinit with these enctypes, in this order.
CLIENT_ETYPES = tuple(crypto.parse_enctype(name) for name in META["client_enctypes"])


def msg(name: str):
    return ref.decode(raw(name), CAPTURES[name])


def padata(message, padata_type: int) -> bytes:
    (value,) = [p.padata_value for p in message.padata if p.padata_type == padata_type]
    return value


def test_capture_list_matches_files() -> None:
    """Every file capture.json lists is tested here, and nothing else was captured."""
    assert sorted(META["messages"]) == sorted(f"{name}.der" for name in CAPTURES)
    assert sorted(p.name for p in DATA.glob("*.der")) == sorted(META["messages"])


@pytest.mark.parametrize("name", list(CAPTURES))
def test_capture_decodes_and_reencodes_byte_for_byte(name: str) -> None:
    """MIT's encoding decodes into the expected dataclass and our encoding of that value is
    the same octets."""
    value = msg(name)
    assert isinstance(value, CAPTURES[name])
    assert ref.encode(value) == raw(name)


def test_as_requests() -> None:
    """kinit's AS-REQs: realm, client, krbtgt service, the configured etypes in order, and the
    padata MIT sends before and after the error (the retry is a new request: a new nonce)."""
    first, second = msg("as-req-no-preauth"), msg("as-req-enc-timestamp")
    for req in (first, second):
        body = req.req_body
        assert req.msg_type == MessageType.KRB_AS_REQ
        assert body.realm == REALM and body.cname == t.PrincipalName(1, ("alice",))
        assert body.sname == t.PrincipalName(2, ("krbtgt", REALM))
        assert body.etype == CLIENT_ETYPES
    assert [p.padata_type for p in first.padata] == [PADataType.PA_AS_FRESHNESS, PADataType.PA_REQ_ENC_PA_REP]
    assert {PADataType.PA_FX_COOKIE, PADataType.PA_ENC_TIMESTAMP, PADataType.PA_REQ_ENC_PA_REP} <= {
        p.padata_type for p in second.padata
    }
    assert first.req_body.nonce != second.req_body.nonce


def test_preauth_required_error_and_its_method_data() -> None:
    """KRB-ERROR 25 carries METHOD-DATA with ETYPE-INFO2 naming aes256 and the default salt;
    both SEQUENCE OFs re-encode byte for byte."""
    error = msg("krb-error-preauth-required")
    assert error.error_code == ErrorCode.KDC_ERR_PREAUTH_REQUIRED
    assert error.realm == REALM and error.sname == t.PrincipalName(2, ("krbtgt", REALM))
    methods = ref.decode_method_data(error.e_data)
    assert ref.encode_method_data(methods) == error.e_data
    types = {p.padata_type for p in methods}
    assert {PADataType.PA_ENC_TIMESTAMP, PADataType.PA_ETYPE_INFO2, PADataType.PA_FX_COOKIE} <= types
    info_octets = padata_list_value(methods, PADataType.PA_ETYPE_INFO2)
    info = ref.decode_etype_info2(info_octets)
    assert ref.encode_etype_info2(info) == info_octets
    assert info[0] == t.ETypeInfo2Entry(CLIENT_ETYPES[0], salt=f"{REALM}alice")


def padata_list_value(items, padata_type: int) -> bytes:
    (value,) = [p.padata_value for p in items if p.padata_type == padata_type]
    return value


def user_key() -> t.EncryptionKey:
    methods = ref.decode_method_data(msg("krb-error-preauth-required").e_data)
    (entry,) = ref.decode_etype_info2(padata_list_value(methods, PADataType.PA_ETYPE_INFO2))
    return crypto.string_to_key(entry.etype, META["password"], entry.salt, entry.s2kparams)


def test_user_key_from_password_matches_mit_keytab() -> None:
    """string-to-key of the password with MIT's ETYPE-INFO2 salt is the key MIT stored."""
    key = user_key()
    assert key == keytab_key(META["user"], key.keytype)


def test_encrypted_timestamp_decrypts_with_the_password_key() -> None:
    """kinit's PA-ENC-TIMESTAMP is an EncryptedData whose plaintext is a PA-ENC-TS-ENC."""
    octets = padata(msg("as-req-enc-timestamp"), PADataType.PA_ENC_TIMESTAMP)
    enc = ref.decode(octets, t.EncryptedData)
    assert ref.encode(enc) == octets
    plain = crypto.decrypt(user_key(), KeyUsage.AS_REQ_PA_ENC_TIMESTAMP, enc.cipher)
    stamp = ref.decode(plain, t.PAEncTSEnc)
    assert ref.encode(stamp) == plain
    assert abs(stamp.patimestamp - msg("krb-error-preauth-required").stime) < 300


def as_rep_part() -> t.EncKDCRepPart:
    plain = crypto.decrypt(user_key(), KeyUsage.AS_REP_ENCPART, msg("as-rep").enc_part.cipher)
    part = ref.decode(plain, t.EncKDCRepPart)
    assert ref.encode(part) == plain
    return part


def test_as_rep_enc_part() -> None:
    """The AS-REP enc-part, decrypted with the password key, holds the request's nonce and the
    TGT's name; its RFC 6806 PA-REQ-ENC-PA-REP checksum verifies over the AS-REQ octets as
    sent. MIT's KDC tags it [APPLICATION 26] (EncTGSRepPart) even in an AS reply, which
    RFC 4120 section 5.4.2 tells clients to accept: decoders must not insist on 25."""
    part, rep = as_rep_part(), msg("as-rep")
    assert part.tag == 26
    assert part.nonce == msg("as-req-enc-timestamp").req_body.nonce
    assert part.srealm == REALM and part.sname == rep.ticket.sname
    assert rep.crealm == REALM and rep.cname == t.PrincipalName(1, ("alice",))
    checksum_octets = padata_list_value(part.encrypted_pa_data, PADataType.PA_REQ_ENC_PA_REP)
    checksum = ref.decode(checksum_octets, t.Checksum)
    crypto.verify_checksum(user_key(), KeyUsage.AS_REQ, raw("as-req-enc-timestamp"), checksum)


def tgt_part() -> t.EncTicketPart:
    ticket = msg("as-rep").ticket
    key = keytab_key(f"krbtgt/{REALM}@{REALM}", ticket.enc_part.etype)
    plain = crypto.decrypt(key, KeyUsage.KDC_REP_TICKET, ticket.enc_part.cipher)
    part = ref.decode(plain, t.EncTicketPart)
    assert ref.encode(part) == plain
    return part


def test_tgt_decrypts_with_the_krbtgt_key() -> None:
    """The TGT's enc-part opens with krbtgt's key from MIT's keytab and holds the session key
    the AS-REP gave the client."""
    part = tgt_part()
    assert part.crealm == REALM and part.cname == t.PrincipalName(1, ("alice",))
    assert part.key == as_rep_part().key
    assert part.authtime <= part.endtime


def test_tgs_request_and_reply() -> None:
    """kvno's TGS-REQ names the service and carries PA-TGS-REQ (an AP-REQ with the TGT, its
    octets as received) and PA-FX-FAST; the TGS-REP ticket opens with the service key."""
    req, rep = msg("tgs-req"), msg("tgs-rep")
    service = t.PrincipalName(1, tuple(META["service"].split("@")[0].split("/")))
    assert req.msg_type == MessageType.KRB_TGS_REQ and req.req_body.sname == service
    ap_octets = padata(req, PADataType.PA_TGS_REQ)
    ap_req = ref.decode(ap_octets, t.APReq)
    assert ref.encode(ap_req) == ap_octets
    assert ap_req.ticket.raw == ref.encode(msg("as-rep").ticket)
    assert rep.msg_type == MessageType.KRB_TGS_REP and rep.ticket.sname == service
    key = keytab_key(META["service"], rep.ticket.enc_part.etype)
    plain = crypto.decrypt(key, KeyUsage.KDC_REP_TICKET, rep.ticket.enc_part.cipher)
    part = ref.decode(plain, t.EncTicketPart)
    assert ref.encode(part) == plain
    assert part.cname == t.PrincipalName(1, ("alice",)) and part.authtime == tgt_part().authtime


def test_fast_padata_in_tgs_exchange() -> None:
    """MIT armors TGS exchanges with FAST (RFC 6113): the request's PA-FX-FAST is a
    PA-FX-FAST-REQUEST and the reply's a PA-FX-FAST-REPLY, both byte for byte."""
    fast_req_octets = padata(msg("tgs-req"), PADataType.PA_FX_FAST)
    fast_req = ref.decode(fast_req_octets, x.PAFxFastRequest)
    assert ref.encode(fast_req) == fast_req_octets
    assert fast_req.armored_data.armor is None  # TGS requests use the TGT as implicit armor
    fast_rep_octets = padata(msg("tgs-rep"), PADataType.PA_FX_FAST)
    fast_rep = ref.decode(fast_rep_octets, x.PAFxFastReply)
    assert ref.encode(fast_rep) == fast_rep_octets


def test_fast_request_and_reply_decrypt() -> None:
    """The armored KrbFastReq and KrbFastResponse open with the RFC 6113 5.4.1.1 TGS armor key
    (KRB-FX-CF2 of the authenticator subkey and the TGT session key), decode and re-encode
    byte for byte; the FAST reply key then opens the TGS-REP enc-part (EncTGSRepPart)."""
    req, rep = msg("tgs-req"), msg("tgs-rep")
    session = tgt_part().key
    ap_req = ref.decode(padata(req, PADataType.PA_TGS_REQ), t.APReq)
    auth_plain = crypto.decrypt(session, KeyUsage.TGS_REQ_AUTH, ap_req.authenticator.cipher)
    authenticator = ref.decode(auth_plain, t.Authenticator)
    assert ref.encode(authenticator) == auth_plain
    subkey = authenticator.subkey
    armor_key = crypto.cf2(subkey, session, b"subkeyarmor", b"ticketarmor")
    armored = ref.decode(padata(req, PADataType.PA_FX_FAST), x.PAFxFastRequest).armored_data
    fast_plain = crypto.decrypt(armor_key, KeyUsage.FAST_ENC, armored.enc_fast_req.cipher)
    fast_req = ref.decode(fast_plain, x.KrbFastReq)
    assert ref.encode(fast_req) == fast_plain
    assert fast_req.req_body.sname == req.req_body.sname
    assert fast_req.req_body.nonce == req.req_body.nonce
    reply = ref.decode(padata(rep, PADataType.PA_FX_FAST), x.PAFxFastReply).armored_data
    rep_plain = crypto.decrypt(armor_key, KeyUsage.FAST_REP, reply.enc_fast_rep.cipher)
    response = ref.decode(rep_plain, x.KrbFastResponse)
    assert ref.encode(response) == rep_plain
    assert response.nonce == req.req_body.nonce
    reply_key = crypto.cf2(response.strengthen_key, subkey, b"strengthenkey", b"replykey")
    part_plain = crypto.decrypt(reply_key, KeyUsage.TGS_REP_ENCPART_SUBKEY, rep.enc_part.cipher)
    part = ref.decode(part_plain, t.EncKDCRepPart)
    assert ref.encode(part) == part_plain
    assert part.tag == 26 and part.nonce == req.req_body.nonce and part.sname == rep.ticket.sname


@pytest.mark.parametrize("suffix", ["", "-no-canon"])
def test_unknown_service_error(suffix: str) -> None:
    """A TGS-REQ for a service MIT does not know gets KRB-ERROR 7 naming that service,
    with FAST-armored METHOD-DATA in e-data; the first try asks for canonicalization."""
    req, error = msg(f"tgs-req-unknown-service{suffix}"), msg(f"krb-error-unknown-service{suffix}")
    unknown = tuple(META["unknown_service"].split("@")[0].split("/"))
    assert req.req_body.sname.name_string == unknown
    canonicalize = 1 << (31 - 15)
    assert bool(req.req_body.kdc_options & canonicalize) == (suffix == "")
    assert error.error_code == ErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN
    methods = ref.decode_method_data(error.e_data)
    assert ref.encode_method_data(methods) == error.e_data
    fast = ref.decode(padata_list_value(methods, PADataType.PA_FX_FAST), x.PAFxFastReply)
    assert ref.encode(fast) == padata_list_value(methods, PADataType.PA_FX_FAST)
