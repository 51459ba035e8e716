"""The production sans-I/O client (protocol.client) against the KDC core, in process.

Two independently written sides agreeing is the cheapest interoperability check short of
MIT's tools: the client verifies nonce, names, times, ENC_PA_REP (RFC 6806) and flags.
"""

from __future__ import annotations

from protocol.client import ASExchange, ASOptions, PasswordKey, TGSExchange, TGSOptions
from protocol.constants import KDCOption, TicketFlag
from tests.support.kdccore import CoreRealm, seeded_rng

SVC = "host/server.example.test"


def _drive(realm: CoreRealm, exchange):
    out = exchange.request()
    rounds = 0
    while isinstance(out, bytes):
        rounds += 1
        reply, _ = realm.send(out)
        out = exchange.receive(reply, now=realm.now) if isinstance(exchange, ASExchange) else exchange.receive(reply)
    return out, rounds


def test_password_kinit_then_service_ticket():
    """ASExchange does PREAUTH_REQUIRED then encrypted timestamp (2 rounds), verifies ENC_PA_REP; TGS works."""
    realm = CoreRealm()
    realm.add_user("alice", "secret")
    realm.add_service(SVC)
    rng = seeded_rng(7)
    ex = ASExchange(realm.principal("alice"), PasswordKey("secret"), now=realm.now, rng=rng,
                    options=ASOptions(kdc_options=KDCOption.FORWARDABLE | KDCOption.RENEWABLE, renew_lifetime=86400))
    tgt, rounds = _drive(realm, ex)
    assert rounds == 2
    assert tgt.flags & TicketFlag.ENC_PA_REP and tgt.flags & TicketFlag.FORWARDABLE
    assert tgt.flags & TicketFlag.RENEWABLE
    svc, _ = _drive(realm, TGSExchange(tgt, realm.principal(SVC), now=realm.now, rng=rng))
    assert svc.flags & TicketFlag.FORWARDABLE and svc.flags & TicketFlag.PRE_AUTHENT
    renewed, _ = _drive(realm, TGSExchange(tgt, now=realm.now + 60, rng=rng,
                                           options=TGSOptions(kdc_options=KDCOption.RENEW)))
    assert renewed.flags & TicketFlag.RENEWABLE
