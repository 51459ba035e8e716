"""protocol.client.checks through both exchanges: which server names and session keys a reply may carry."""

from __future__ import annotations

import pytest

from protocol.client import ReplyMismatch, TGSExchange, TGSOptions
from protocol.constants import KDCOption
from protocol.principal import Principal
from tests.protocol.client.fakekdc import AES128, REALM, FakeKDC, as_creds, replace, seeded_rng

CANON = int(KDCOption.CANONICALIZE)


def rename_server(kdc: FakeKDC, server: Principal) -> None:
    """Make the fake KDC name ``server`` in both the encrypted part and the ticket (a consistent reply)."""
    kdc.tamper_enc = lambda enc: replace(enc, sname=server.name, srealm=server.realm)
    kdc.tamper_rep = lambda rep: replace(rep, ticket=replace(rep.ticket, sname=server.name, realm=server.realm))


def rename_tgs_server(kdc: FakeKDC, server: Principal) -> None:
    """Rename the server in TGS replies only (the AS exchange that gets the TGT stays untouched)."""
    handle_tgs = kdc.handle_tgs

    def renamed(req, data):
        rename_server(kdc, server)
        return handle_tgs(req, data)
    kdc.handle_tgs = renamed


def tgs_run(kdc: FakeKDC, server: Principal, **opts):
    tgt = as_creds(kdc)
    ex = TGSExchange(tgt, server, now=kdc.now, rng=seeded_rng(4), options=TGSOptions(**opts))
    return ex.receive(kdc.handle(ex.request()))


# -- server names (MIT verify_as_reply, check_reply_server, step_referrals) ----------------


def test_as_canonicalize_accepts_tgs_referral_to_another_realm():
    """With CANONICALIZE, an AS request for krbtgt/R@R may come back as another TGS principal in another realm."""
    kdc = FakeKDC()
    referral = Principal.krbtgt("OTHER.TEST")
    rename_server(kdc, referral)
    assert as_creds(kdc, kdc_options=CANON).server == referral


def test_as_without_canonicalize_refuses_tgs_referral():
    """Without CANONICALIZE, even another TGS principal is not the krbtgt we asked for."""
    kdc = FakeKDC()
    rename_server(kdc, Principal.krbtgt("OTHER.TEST"))
    with pytest.raises(ReplyMismatch):
        as_creds(kdc)


@pytest.mark.parametrize("server", ["host/web.example.test@EXAMPLE.TEST", "krbtgt@EXAMPLE.TEST",
                                    "krbtgt/EXAMPLE.TEST/extra@EXAMPLE.TEST"])
def test_as_canonicalize_refuses_tgt_renamed_to_non_tgs(server):
    """CANONICALIZE does not let the KDC turn a TGT request into a ticket for a non-TGS principal."""
    kdc = FakeKDC()
    rename_server(kdc, Principal.parse(server))
    with pytest.raises(ReplyMismatch):
        as_creds(kdc, kdc_options=CANON)


@pytest.mark.parametrize("server", ["host/other.example.test@EXAMPLE.TEST", "host/web.example.test@OTHER.TEST",
                                    "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST"])
def test_as_canonicalize_refuses_renamed_service(server):
    """An AS request for an ordinary service must get exactly that service, name and realm, CANONICALIZE or not."""
    kdc = FakeKDC()
    rename_server(kdc, Principal.parse(server))
    with pytest.raises(ReplyMismatch):
        as_creds(kdc, kdc_options=CANON, server=Principal.parse("host/web.example.test", REALM))


def test_as_canonicalize_accepts_exact_service():
    """The requested service named exactly is accepted with CANONICALIZE set."""
    kdc = FakeKDC()
    svc = Principal.parse("host/web.example.test", REALM)
    rename_server(kdc, svc)
    assert as_creds(kdc, kdc_options=CANON, server=svc).server == svc


@pytest.mark.parametrize("server", ["host/www.example.test@EXAMPLE.TEST", "host/web.example.test@OTHER.TEST",
                                    "krbtgt/OTHER.TEST@EXAMPLE.TEST"])
def test_tgs_canonicalize_refuses_renamed_service(server):
    """A TGS-REP for another service name or realm (or a referral TGT) is refused even with CANONICALIZE."""
    kdc = FakeKDC()
    svc = kdc.add_service("host/web.example.test")
    rename_tgs_server(kdc, Principal.parse(server))
    with pytest.raises(ReplyMismatch):
        tgs_run(kdc, svc, kdc_options=CANON)


def test_tgs_canonicalize_accepts_tgs_to_tgs_referral():
    """A request for krbtgt/A@R with CANONICALIZE may be answered with krbtgt/B@R (a referral hop)."""
    kdc = FakeKDC()
    asked = kdc.add_service("krbtgt/OTHER.TEST")
    hop = Principal.krbtgt(REALM, "NEXT.TEST")
    rename_tgs_server(kdc, hop)
    assert tgs_run(kdc, asked, kdc_options=CANON).server == hop


def test_tgs_without_canonicalize_refuses_tgs_referral():
    """Without CANONICALIZE, a different TGS principal than the one asked for is refused."""
    kdc = FakeKDC()
    asked = kdc.add_service("krbtgt/OTHER.TEST")
    rename_tgs_server(kdc, Principal.krbtgt(REALM, "NEXT.TEST"))
    with pytest.raises(ReplyMismatch):
        tgs_run(kdc, asked)


# -- session key enctype (W4) ----------------------------------------------------------


def test_as_session_key_of_unrequested_enctype_is_refused():
    """An AS-REP whose session key enctype (aes256) was not in the request's etype list (aes128 only) is refused."""
    kdc = FakeKDC(etype=AES128)  # the reply key is aes128; the fake always makes an aes256 session key
    with pytest.raises(ReplyMismatch, match="session key enctype"):
        as_creds(kdc, etypes=(AES128,))


def test_as_session_key_of_requested_enctype_is_accepted():
    """The same exchange is accepted once the session key's enctype was among those requested."""
    kdc = FakeKDC(etype=AES128)
    assert as_creds(kdc, etypes=(AES128, 18)).key.keytype == 18


def test_tgs_session_key_of_unrequested_enctype_is_refused():
    """A TGS-REP whose session key enctype was not in the TGS-REQ's etype list is refused."""
    kdc = FakeKDC()
    svc = kdc.add_service("host/web.example.test")
    with pytest.raises(ReplyMismatch, match="session key enctype"):
        tgs_run(kdc, svc, etypes=(AES128,))
