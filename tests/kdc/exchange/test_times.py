"""Ticket flags and times as tables (RFC 4120 3.1.3, 3.3.3; MIT kdc_get_ticket_endtime/renewtime)."""

from __future__ import annotations

import pytest

from kdc.db.model import Attr
from kdc.exchange import rules
from kdc.exchange.errors import NeverValid
from kdc.exchange.times import INFINITY, compute_endtime, compute_renew_till, compute_start
from protocol.constants import KDCOption as O
from protocol.constants import TicketFlag as F

NOW = 1_800_000_000
H, D = 3600, 86400


@pytest.mark.parametrize("options,from_,start", [
    (0, None, NOW),
    (0, NOW + H, NOW),  # from without POSTDATED is ignored, as MIT does
    (O.POSTDATED, NOW + H, NOW + H),
    (O.POSTDATED, NOW - H, NOW),  # never before now
    (O.POSTDATED, None, NOW),
])
def test_start(options, from_, start):
    """The ticket starts at ``from`` only when POSTDATED asks for a future time."""
    assert compute_start(options, from_, NOW) == start


@pytest.mark.parametrize("till,lifetimes,cap,end", [
    (NOW + D, (10 * H,), INFINITY, NOW + 10 * H),
    (NOW + H, (10 * H,), INFINITY, NOW + H),
    (0, (10 * H, 2 * H, None), INFINITY, NOW + 2 * H),  # 0 = as long as allowed; None = no limit
    (None, (0, 0), INFINITY, INFINITY),  # MIT: a zero max_life is no limit
    (NOW + D, (10 * H,), NOW + 3 * H, NOW + 3 * H),  # the TGT's end caps a TGS ticket
])
def test_endtime(till, lifetimes, cap, end):
    """endtime = min(till, cap, start + each lifetime)."""
    assert compute_endtime(NOW, till, lifetimes, cap) == end


def test_endtime_in_the_past_is_never_valid():
    """A till before the start: KDC_ERR_NEVER_VALID."""
    with pytest.raises(NeverValid):
        compute_endtime(NOW, NOW - 1, (10 * H,))


END = NOW + 10 * H


@pytest.mark.parametrize("options,till,rtime,lives,cap,renew_till", [
    (0, NOW + D, None, (7 * D,), INFINITY, None),
    (O.RENEWABLE, NOW + 10 * H, NOW + 2 * D, (7 * D,), INFINITY, NOW + 2 * D),
    (O.RENEWABLE, NOW + 10 * H, None, (7 * D, 3 * D), INFINITY, NOW + 3 * D),  # no rtime: the longest allowed
    (O.RENEWABLE, NOW + 10 * H, NOW + 30 * D, (7 * D, None), INFINITY, NOW + 7 * D),
    (O.RENEWABLE, NOW + 10 * H, NOW + 2 * D, (7 * D,), NOW + D, NOW + D),  # TGT's renew-till caps it
    (O.RENEWABLE, NOW + 10 * H, NOW + 2 * D, (0,), INFINITY, None),  # max renewable life 0: not renewable
    (O.RENEWABLE_OK, NOW + D, None, (7 * D,), INFINITY, NOW + D),  # till beyond endtime: renewable to till
    (O.RENEWABLE_OK, NOW + 5 * H, None, (7 * D,), INFINITY, None),  # till granted: no need
    (O.RENEWABLE_OK, NOW + D, None, (10 * H,), INFINITY, None),  # renewable to endtime only: pointless
])
def test_renew_till(options, till, rtime, lives, cap, renew_till):
    """renew-till per RENEWABLE / RENEWABLE-OK, bounded by every renewable lifetime and the cap."""
    assert compute_renew_till(options, till, rtime, NOW, END, lives, cap) == renew_till


@pytest.mark.parametrize("options,client,server,flags", [
    (0, 0, 0, F.INITIAL),
    (O.FORWARDABLE | O.PROXIABLE, 0, 0, F.INITIAL | F.FORWARDABLE | F.PROXIABLE),
    (O.FORWARDABLE | O.PROXIABLE, Attr.DISALLOW_FORWARDABLE, 0, F.INITIAL | F.PROXIABLE),
    (O.FORWARDABLE | O.PROXIABLE, 0, Attr.DISALLOW_PROXIABLE, F.INITIAL | F.FORWARDABLE),
    (O.ALLOW_POSTDATE, 0, 0, F.INITIAL | F.MAY_POSTDATE),
    (O.POSTDATED | O.ALLOW_POSTDATE, 0, 0, F.INITIAL | F.MAY_POSTDATE | F.POSTDATED | F.INVALID),
    (O.RENEWABLE | O.CANONICALIZE, 0, 0, F.INITIAL),  # RENEWABLE is decided with the times
])
def test_as_flags(options, client, server, flags):
    """AS ticket flags from options, minus what client/server attributes forbid (MIT get_ticket_flags)."""
    assert rules.as_ticket_flags(options, client, server) == flags


TGT = F.INITIAL | F.PRE_AUTHENT | F.FORWARDABLE | F.RENEWABLE


@pytest.mark.parametrize("options,tgt,ok_as_delegate,flags", [
    (0, TGT, False, F.PRE_AUTHENT),
    (O.FORWARDABLE, TGT, True, F.PRE_AUTHENT | F.FORWARDABLE | F.OK_AS_DELEGATE),
    (O.PROXIABLE, TGT, False, F.PRE_AUTHENT),  # the TGT is not proxiable
    (O.FORWARDED | O.FORWARDABLE, TGT, False, F.PRE_AUTHENT | F.FORWARDED | F.FORWARDABLE),
    (0, TGT | F.FORWARDED | F.HW_AUTHENT, False, F.PRE_AUTHENT | F.FORWARDED | F.HW_AUTHENT),
    (O.RENEW, TGT | F.INVALID, False, TGT),  # RENEW/VALIDATE keep the TGT's flags, minus INVALID
])
def test_tgs_flags(options, tgt, ok_as_delegate, flags):
    """TGS ticket flags: options the TGT permits, flags inherited from it (MIT TGS_COPIED_FLAGS_MASK)."""
    server = Attr.OK_AS_DELEGATE if ok_as_delegate else 0
    assert rules.tgs_ticket_flags(options, tgt, 0, server) == flags


@pytest.mark.parametrize("options,tgt_flags,error", [
    (O.FORWARDED, F.PROXIABLE, "TGT NOT FORWARDABLE"),
    (O.PROXY, F.FORWARDABLE, "TGT NOT PROXIABLE"),
    (O.POSTDATED, 0, "TGT NOT POSTDATABLE"),
    (O.VALIDATE, 0, "VALIDATE VALID TICKET"),
    (O.RENEW, 0, "TICKET NOT RENEWABLE"),
    (O.RENEW, F.RENEWABLE, None),
])
def test_tgt_flag_rules(options, tgt_flags, error):
    """Each TGS option needs its TGT flag (MIT tgsflagrules), as a table."""
    if error is None:
        rules.check_tgt_flag_rules(options, tgt_flags)
    else:
        with pytest.raises(Exception, match=error):
            rules.check_tgt_flag_rules(options, tgt_flags)


@pytest.mark.parametrize("options,attrs,error", [
    (O.RENEWABLE, Attr.DISALLOW_RENEWABLE, "NON-RENEWABLE TICKET"),
    (O.ALLOW_POSTDATE, Attr.DISALLOW_POSTDATED, "NON-POSTDATABLE TICKET"),
    (O.ENC_TKT_IN_SKEY, Attr.DISALLOW_DUP_SKEY, "DUP_SKEY DISALLOWED"),
    (O.RENEWABLE, Attr.DISALLOW_POSTDATED, None),
])
def test_service_deny_rules(options, attrs, error):
    """A service's attributes forbid options (MIT svcdenyrules), as a table."""
    if error is None:
        rules.check_service_deny_rules(options, attrs)
    else:
        with pytest.raises(Exception, match=error):
            rules.check_service_deny_rules(options, attrs)
