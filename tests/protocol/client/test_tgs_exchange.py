"""The TGS exchange against the fake KDC: subkey, checksum over the body, reply checks."""

from __future__ import annotations

import pytest

from protocol import crypto
from protocol.client import KerberosError, ReplyMismatch, TGSExchange, TGSOptions
from protocol.constants import ErrorCode, KDCOption, MessageType, PADataType
from protocol.messages import codec
from protocol.messages.types import APReq, Authenticator, KDCReq, PrincipalName
from protocol.principal import Principal
from tests.protocol.client.fakekdc import REALM, FakeKDC, as_creds, replace, seeded_rng


@pytest.fixture
def kdc_tgt():
    kdc = FakeKDC()
    return kdc, as_creds(kdc)


def test_service_ticket_for_requested_service(kdc_tgt):
    """A TGS-REQ yields a ticket for the service that the service's key decrypts, for our client."""
    kdc, tgt = kdc_tgt
    svc = kdc.add_service("host/web.example.test")
    ex = TGSExchange(tgt, svc, now=kdc.now, rng=seeded_rng(4))
    creds = ex.receive(kdc.handle(ex.request()))
    assert creds.server == svc and creds.client == kdc.user
    part = kdc.service_ticket_part(creds)
    assert part.key == creds.key and Principal.from_name(part.cname, part.crealm) == kdc.user


def test_request_carries_subkey_and_body_checksum(kdc_tgt):
    """PA-TGS-REQ holds an AP-REQ whose authenticator has a subkey and a keyed checksum over the body."""
    kdc, tgt = kdc_tgt
    ex = TGSExchange(tgt, Principal.parse("host/x", REALM), now=kdc.now, rng=seeded_rng(4),
                     options=TGSOptions(kdc_options=KDCOption.FORWARDABLE))
    req = codec.decode(ex.request(), KDCReq)
    assert req.msg_type == MessageType.KRB_TGS_REQ and req.padata[0].padata_type == PADataType.PA_TGS_REQ
    ap = codec.decode(req.padata[0].padata_value, APReq)
    auth = codec.decode(crypto.decrypt(tgt.key, 7, ap.authenticator.cipher), Authenticator)
    assert auth.subkey == ex.subkey
    crypto.verify_checksum(tgt.key, 6, ex.body_bytes, auth.cksum)
    assert req.req_body.kdc_options & KDCOption.FORWARDABLE


def test_unknown_service_raises_code_7(kdc_tgt):
    """KDC_ERR_S_PRINCIPAL_UNKNOWN from the KDC surfaces as KerberosError code 7."""
    kdc, tgt = kdc_tgt
    ex = TGSExchange(tgt, Principal.parse("host/none", REALM), now=kdc.now, rng=seeded_rng(4))
    with pytest.raises(KerberosError) as info:
        ex.receive(kdc.handle(ex.request()))
    assert info.value.code == ErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN


@pytest.mark.parametrize("tamper", [
    lambda enc: replace(enc, nonce=enc.nonce ^ 1),
    lambda enc: replace(enc, sname=PrincipalName(1, ("host", "evil.example.test"))),
])
def test_mismatched_tgs_reply_rejected(kdc_tgt, tamper):
    """A TGS-REP with a different nonce or service name is refused."""
    kdc, tgt = kdc_tgt
    svc = kdc.add_service("host/web.example.test")
    kdc.tamper_enc = tamper
    ex = TGSExchange(tgt, svc, now=kdc.now, rng=seeded_rng(4))
    with pytest.raises(ReplyMismatch):
        ex.receive(kdc.handle(ex.request()))


def test_reply_with_other_client_rejected(kdc_tgt):
    """A TGS-REP naming another client than the TGT's is refused."""
    kdc, tgt = kdc_tgt
    svc = kdc.add_service("host/web.example.test")
    kdc.tamper_rep = lambda rep: replace(rep, cname=PrincipalName(1, ("bob",)))
    ex = TGSExchange(tgt, svc, now=kdc.now, rng=seeded_rng(4))
    with pytest.raises(ReplyMismatch):
        ex.receive(kdc.handle(ex.request()))


def test_renew_targets_the_ticket_server(kdc_tgt):
    """A renewal asks the KDC for the ticket's own server with the RENEW option."""
    kdc, tgt = kdc_tgt
    ex = TGSExchange(tgt, None, now=kdc.now, rng=seeded_rng(4), options=TGSOptions(kdc_options=KDCOption.RENEW))
    req = codec.decode(ex.request(), KDCReq)
    assert req.req_body.kdc_options & KDCOption.RENEW and req.req_body.sname == tgt.server.name
    assert ex.receive(kdc.handle(ex.request())).server == tgt.server


def test_authenticator_uses_the_kdc_clock_offset(kdc_tgt):
    """A TGT carrying a measured KDC clock offset stamps the authenticator with the KDC's time, not ours."""
    kdc, tgt = kdc_tgt
    ex = TGSExchange(replace(tgt, kdc_offset=(3600, 500_000)), Principal.parse("host/x", REALM), now=kdc.now,
                     rng=seeded_rng(4))
    ap = codec.decode(codec.decode(ex.request(), KDCReq).padata[0].padata_value, APReq)
    auth = codec.decode(crypto.decrypt(tgt.key, 7, ap.authenticator.cipher), Authenticator)
    assert (auth.ctime, auth.cusec) == (int(kdc.now) + 3600, 500_000)
