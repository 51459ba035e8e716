"""AP-REQ building, acceptance with a service key, mutual authentication and the replay cache."""

from __future__ import annotations

import pytest

from protocol import crypto
from protocol.client import (
    APReqBuilder,
    KerberosError,
    ReplayCache,
    ServiceKey,
    TGSExchange,
    accept_ap_req,
)
from protocol.constants import ErrorCode
from protocol.messages import codec
from protocol.messages.types import APRep, EncAPRepPart, EncryptedData
from protocol.principal import Principal
from tests.protocol.client.fakekdc import REALM, FakeKDC, as_creds, seeded_rng


@pytest.fixture
def setup():
    kdc = FakeKDC()
    svc = kdc.add_service("host/web.example.test")
    tgs = TGSExchange(as_creds(kdc), svc, now=kdc.now, rng=seeded_rng(4))
    creds = tgs.receive(kdc.handle(tgs.request()))
    keys = [ServiceKey(svc, 1, kdc.service_keys[svc])]
    return kdc, creds, keys


def accept(data, keys, now, cache=None, **kw):
    return accept_ap_req(data, keys, now=now, replay_cache=cache if cache is not None else ReplayCache(), rng=seeded_rng(9), **kw)


def test_accepted_with_mutual_auth(setup):
    """The acceptor returns the client, the session key and subkey; the client checks the AP-REP."""
    kdc, creds, keys = setup
    builder = APReqBuilder(creds, now=kdc.now, rng=seeded_rng(5))
    acc = accept(builder.request(), keys, kdc.now)
    assert acc.client == kdc.user and acc.session_key == creds.key and acc.subkey == builder.subkey
    assert builder.receive_ap_rep(acc.ap_rep).ctime == builder.authenticator.ctime


def test_replay_is_refused(setup):
    """The same AP-REQ presented twice within the window fails with KRB_AP_ERR_REPEAT."""
    kdc, creds, keys = setup
    cache = ReplayCache()
    data = APReqBuilder(creds, now=kdc.now, rng=seeded_rng(5)).request()
    accept(data, keys, kdc.now, cache)
    with pytest.raises(KerberosError) as info:
        accept(data, keys, kdc.now + 1, cache)
    assert info.value.code == ErrorCode.KRB_AP_ERR_REPEAT


@pytest.mark.parametrize("offset,code", [(400, ErrorCode.KRB_AP_ERR_SKEW), (-400, ErrorCode.KRB_AP_ERR_SKEW)])
def test_clock_skew_is_refused(setup, offset, code):
    """An authenticator more than the allowed skew away from the service's clock is refused."""
    kdc, creds, keys = setup
    data = APReqBuilder(creds, now=kdc.now + offset, rng=seeded_rng(5)).request()
    with pytest.raises(KerberosError) as info:
        accept(data, keys, kdc.now)
    assert info.value.code == code


def test_expired_ticket_is_refused(setup):
    """A ticket past its endtime (plus skew) fails with KRB_AP_ERR_TKT_EXPIRED."""
    kdc, creds, keys = setup
    later = creds.endtime + 1000
    data = APReqBuilder(creds, now=later, rng=seeded_rng(5)).request()
    with pytest.raises(KerberosError) as info:
        accept(data, keys, later)
    assert info.value.code == ErrorCode.KRB_AP_ERR_TKT_EXPIRED


def test_wrong_service_key_is_refused(setup):
    """A keytab key that does not decrypt the ticket gives KRB_AP_ERR_BAD_INTEGRITY."""
    kdc, creds, keys = setup
    bad = [ServiceKey(keys[0].principal, 1, crypto.random_key(18, seeded_rng(11)))]
    with pytest.raises(KerberosError) as info:
        accept(APReqBuilder(creds, now=kdc.now, rng=seeded_rng(5)).request(), bad, kdc.now)
    assert info.value.code == ErrorCode.KRB_AP_ERR_BAD_INTEGRITY


def test_no_key_for_service(setup):
    """A ticket for a principal with no key in the keytab gives KRB_AP_ERR_NOKEY."""
    kdc, creds, keys = setup
    other = [ServiceKey(Principal.parse("host/other", REALM), 1, keys[0].key)]
    with pytest.raises(KerberosError) as info:
        accept(APReqBuilder(creds, now=kdc.now, rng=seeded_rng(5)).request(), other, kdc.now)
    assert info.value.code == ErrorCode.KRB_AP_ERR_NOKEY


def test_forged_ap_rep_fails_mutual_auth(setup):
    """An AP-REP that does not echo our authenticator time fails with KRB_AP_ERR_MUT_FAIL."""
    kdc, creds, keys = setup
    builder = APReqBuilder(creds, now=kdc.now, rng=seeded_rng(5))
    part = EncAPRepPart(ctime=builder.authenticator.ctime - 1, cusec=0)
    forged = codec.encode(APRep(EncryptedData(creds.key.keytype, crypto.encrypt(creds.key, 12, codec.encode(part), seeded_rng(1)))))
    with pytest.raises(KerberosError) as info:
        builder.receive_ap_rep(forged)
    assert info.value.code == ErrorCode.KRB_AP_ERR_MUT_FAIL


def test_replay_cache_expires_and_is_bounded():
    """Entries leave after the window; a full cache refuses rather than forgets."""
    cache = ReplayCache(window=10, max_entries=2)
    cache.check_and_store(("a",), 100, 100)
    cache.check_and_store(("b",), 100, 100)
    with pytest.raises(KerberosError):
        cache.check_and_store(("c",), 100, 100)
    cache.check_and_store(("a",), 200, 200)  # the old entries expired
    assert len(cache) == 1


