"""Property: every issued ticket satisfies authtime <= starttime < endtime <= every bound.

Generated realms (realm, client and server lifetimes), options and requested times drive a
real AS exchange and then a TGS exchange on its TGT (DESIGN.md "Properties").
"""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from kdc.config import Config, TicketsConfig
from protocol.constants import ErrorCode
from protocol.constants import KDCOption as O
from protocol.constants import TicketFlag as F
from tests.support.kdccore import T0, CoreRealm, KDCErrorReply

H = 3600
SVC = "host/server.example.test"
ALLOWED_ERRORS = {ErrorCode.KDC_ERR_NEVER_VALID, ErrorCode.KDC_ERR_BADOPTION}

lifetime = st.one_of(st.none(), st.integers(60, 3 * 86400))
rlifetime = st.one_of(st.none(), st.integers(0, 14 * 86400))
as_options = st.sets(st.sampled_from([O.FORWARDABLE, O.PROXIABLE, O.RENEWABLE, O.RENEWABLE_OK,
                                      O.ALLOW_POSTDATE, O.POSTDATED])).map(lambda s: sum(s, 0))
tgs_options = st.sets(st.sampled_from([O.FORWARDABLE, O.RENEWABLE, O.RENEWABLE_OK, O.POSTDATED,
                                       O.ALLOW_POSTDATE])).map(lambda s: sum(s, 0))
offset = st.one_of(st.just(0), st.integers(-H, 20 * 86400))


def _bounds_hold(enc, *, now, till, rtime, options, lifetimes, rlifetimes, end_cap=None, renew_cap=None):
    start = enc.starttime if enc.starttime is not None else enc.authtime
    assert enc.authtime <= start < enc.endtime
    assert enc.authtime <= now
    if till:
        assert enc.endtime <= till
    for life in lifetimes:
        if life:
            assert enc.endtime <= start + life
    if end_cap is not None:
        assert enc.endtime <= end_cap
    if enc.renew_till is None:
        assert not enc.flags & F.RENEWABLE
        return
    assert enc.flags & F.RENEWABLE and enc.endtime <= enc.renew_till
    for life in rlifetimes:
        if life is not None:
            assert enc.renew_till <= start + life
    if options & O.RENEWABLE and rtime:
        assert enc.renew_till <= rtime
    if not options & O.RENEWABLE and till:
        assert enc.renew_till <= till
    if renew_cap is not None:
        assert enc.renew_till <= renew_cap


@settings(max_examples=80)
@given(
    realm_life=st.integers(60, 2 * 86400), realm_rlife=st.integers(0, 14 * 86400),
    client_life=lifetime, client_rlife=rlifetime, server_life=lifetime, server_rlife=rlifetime,
    options=as_options, till=offset, rtime=offset, from_=offset,
    options2=tgs_options, till2=offset, rtime2=offset, from2=offset, later=st.integers(0, 12 * H), renewable=st.booleans(),
)
def test_issued_times_respect_every_bound(realm_life, realm_rlife, client_life, client_rlife, server_life,
                                          server_rlife, options, till, rtime, from_, options2, till2, rtime2,
                                          from2, later, renewable):
    """AS then TGS: start/end/renew-till within till, rtime, TGT and every lifetime, whatever was asked."""
    if renewable:  # half the runs exercise renewal on both exchanges
        options, options2 = options | O.RENEWABLE, options2 | O.RENEWABLE
    realm = CoreRealm(config=Config(realm="EXAMPLE.TEST", tickets=TicketsConfig(realm_life, realm_rlife, 300)))
    realm.add_user("alice", "secret", etypes=(17,), max_life=client_life, max_renewable_life=client_rlife)
    realm.add_service(SVC, etypes=(17,), max_life=server_life, max_renewable_life=server_rlife)
    abs_ = lambda off: T0 + off if off else 0  # noqa: E731 - 0 stays "no limit"
    try:
        tgt = realm.kinit("alice", etypes=(17,), options=options, till=abs_(till), rtime=abs_(rtime) or None,
                          from_=abs_(from_) or None)
    except KDCErrorReply as err:
        assert err.code in ALLOWED_ERRORS
        event(f"AS refused: {ErrorCode(err.code).name}")
        return
    event("AS issued" + (" renewable" if tgt.enc.renew_till else ""))
    _bounds_hold(tgt.enc, now=T0, till=abs_(till), rtime=abs_(rtime), options=options,
                 lifetimes=(realm_life, client_life), rlifetimes=(realm_rlife, client_rlife))
    realm.now = max(T0 + later, (tgt.enc.starttime or T0) + 1)
    if realm.now > tgt.enc.endtime or tgt.enc.flags & F.INVALID:
        return
    now = int(realm.now)
    t2 = now + till2 if till2 else 0
    r2 = now + rtime2 if rtime2 else None
    try:
        svc = realm.tgs(tgt, SVC, options=options2, till=t2, rtime=r2, from_=now + from2 if from2 else None,
                        etypes=(17,))
    except KDCErrorReply as err:
        assert err.code in ALLOWED_ERRORS
        event(f"TGS refused: {ErrorCode(err.code).name}")
        return
    event("TGS issued" + (" renewable" if svc.enc.renew_till else ""))
    assert svc.enc.authtime == tgt.enc.authtime
    _bounds_hold(svc.enc, now=now, till=t2, rtime=r2, options=options2,
                 lifetimes=(realm_life, client_life, server_life), rlifetimes=(realm_rlife, client_rlife, server_rlife),
                 end_cap=tgt.enc.endtime, renew_cap=tgt.enc.renew_till or tgt.enc.endtime)
