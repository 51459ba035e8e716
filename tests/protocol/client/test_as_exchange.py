"""The AS exchange state machine against an in-process fake KDC (real codec and crypto)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from protocol.client import KerberosError, MalformedReply, ReplyMismatch
from protocol.client.errors import ClientError, UnexpectedReply
from protocol.constants import ErrorCode, MessageType, PADataType, TicketFlag
from protocol.messages import codec
from protocol.messages.types import KDCReq, PrincipalName
from protocol.principal import Principal
from tests.protocol.client.fakekdc import REALM, FakeKDC, as_exchange, replace, run_as


def test_preauth_required_then_timestamp_yields_tgt():
    """PREAUTH_REQUIRED leads to a second AS-REQ with PA-ENC-TIMESTAMP; the TGT's names and key come back."""
    kdc = FakeKDC()
    creds = run_as(kdc, as_exchange(kdc))
    assert len(kdc.requests) == 2
    first, second = ({pa.padata_type for pa in r.padata} for r in kdc.requests)
    assert PADataType.PA_ENC_TIMESTAMP not in first and PADataType.PA_ENC_TIMESTAMP in second
    assert PADataType.PA_REQ_ENC_PA_REP in second
    assert creds.client == kdc.user and creds.server == Principal.krbtgt(REALM)
    assert creds.flags & TicketFlag.ENC_PA_REP and creds.key.keytype == 18
    assert codec.decode(creds.ticket_bytes, type(creds.ticket)) == creds.ticket


def test_salt_from_etype_info2_is_used():
    """A non-default salt announced in ETYPE-INFO2 is what the password key is derived with."""
    kdc = FakeKDC(salt="SOMEOTHERsalt")
    assert run_as(kdc, as_exchange(kdc)).client == kdc.user


def test_no_preauth_principal_gets_tgt_in_one_round():
    """A principal without requires_preauth gets its AS-REP for the first request."""
    kdc = FakeKDC(require_preauth=False)
    run_as(kdc, as_exchange(kdc))
    assert len(kdc.requests) == 1


def test_wrong_password_raises_preauth_failed():
    """A wrong password surfaces as KerberosError with code 24 from the KDC."""
    kdc = FakeKDC()
    with pytest.raises(KerberosError) as info:
        run_as(kdc, as_exchange(kdc, password="wrong"))
    assert info.value.code == ErrorCode.KDC_ERR_PREAUTH_FAILED


def test_wrong_password_without_preauth_fails_to_decrypt():
    """Without pre-authentication, a wrong password shows as a reply that does not decrypt (31)."""
    kdc = FakeKDC(require_preauth=False)
    with pytest.raises(KerberosError) as info:
        run_as(kdc, as_exchange(kdc, password="wrong"))
    assert info.value.code == ErrorCode.KRB_AP_ERR_BAD_INTEGRITY


def test_clock_skew_is_corrected_once_from_stime():
    """A client whose clock is an hour off retries once with the KDC's time and records the offset."""
    kdc = FakeKDC()
    creds = run_as(kdc, as_exchange(kdc, now=kdc.now - 3600), now=kdc.now - 3600)
    assert len(kdc.requests) == 3
    assert creds.kdc_offset is not None and abs(creds.kdc_offset[0] - 3600) <= 1


def test_skew_is_not_retried_twice():
    """If the KDC still says SKEW after the correction, the exchange stops with code 37."""
    kdc = FakeKDC()
    ex = as_exchange(kdc)
    ex.receive(kdc.handle(ex.request()))
    skew = kdc.error(ErrorCode.KRB_AP_ERR_SKEW)
    ex.receive(skew)
    with pytest.raises(KerberosError) as info:
        ex.receive(skew)
    assert info.value.code == ErrorCode.KRB_AP_ERR_SKEW


@pytest.mark.parametrize("field,value", [
    ("nonce", 12345),
    ("sname", PrincipalName(2, ("krbtgt", "OTHER.TEST"))),
    ("srealm", "OTHER.TEST"),
    ("endtime", 1_800_000_000),
])
def test_enc_part_mismatch_is_rejected(field, value):
    """A reply whose encrypted nonce, service name or times differ from the request is refused (RFC 4120 3.1.5)."""
    kdc = FakeKDC()
    kdc.tamper_enc = lambda enc: replace(enc, **{field: value})
    with pytest.raises(ReplyMismatch):
        run_as(kdc, as_exchange(kdc, lifetime=3600))


def test_reply_for_another_client_is_rejected():
    """A valid-looking AS-REP naming a different client is refused (Orpheus' Lyre)."""
    kdc = FakeKDC()
    kdc.tamper_rep = lambda rep: replace(rep, cname=PrincipalName(1, ("mallory",)))
    with pytest.raises(ReplyMismatch):
        run_as(kdc, as_exchange(kdc))


def test_ticket_for_another_service_is_rejected():
    """The Ticket's sname must equal the encrypted part's sname."""
    kdc = FakeKDC()
    kdc.tamper_rep = lambda rep: replace(rep, ticket=replace(rep.ticket, sname=PrincipalName(2, ("host", "x"))))
    with pytest.raises(ReplyMismatch):
        run_as(kdc, as_exchange(kdc))


def test_bad_enc_pa_rep_checksum_is_rejected():
    """With ENC_PA_REP set, a checksum that does not cover our request bytes is refused (RFC 6806)."""
    kdc = FakeKDC()
    original = kdc.handle_as
    kdc.handle_as = lambda req, data: original(req, data + b"x")
    with pytest.raises(ReplyMismatch):
        run_as(kdc, as_exchange(kdc))


def test_garbage_reply_is_malformed():
    """Bytes that are no Kerberos message raise MalformedReply."""
    kdc = FakeKDC()
    with pytest.raises(MalformedReply):
        as_exchange(kdc).receive(b"\x00garbage")


def test_tgs_rep_to_as_req_is_unexpected():
    """A message of the wrong type (here an AS-REQ echoed back) raises UnexpectedReply."""
    kdc = FakeKDC()
    ex = as_exchange(kdc)
    with pytest.raises(UnexpectedReply):
        ex.receive(ex.request())


def test_request_is_an_as_req_for_krbtgt():
    """The first request is an AS-REQ for krbtgt/REALM with our name, our etypes and a 31-bit nonce."""
    kdc = FakeKDC()
    req = codec.decode(as_exchange(kdc, etypes=(17, 18)).request(), KDCReq)
    assert req.msg_type == MessageType.KRB_AS_REQ
    assert req.req_body.sname == Principal.krbtgt(REALM).name and req.req_body.cname == kdc.user.name
    assert req.req_body.etype == (17, 18) and 0 <= req.req_body.nonce < 2**31


@settings(max_examples=40)
@given(st.data())
def test_any_corrupted_reply_raises_a_client_error(data):
    """Flipping any byte of a real AS-REP never yields credentials silently or a non-client exception."""
    kdc = FakeKDC(require_preauth=False)
    ex = as_exchange(kdc)
    reply = bytearray(kdc.handle(ex.request()))
    pos = data.draw(st.integers(0, len(reply) - 1))
    reply[pos] ^= data.draw(st.integers(1, 255))
    try:
        creds = ex.receive(bytes(reply))
    except ClientError:
        return
    # A flip in an unprotected, unchecked field (e.g. the ticket's cipher) may still pass.
    assert creds.client == kdc.user
