"""Ticket times: start, end and renew-till from the request and every applicable limit.

RFC 4120 sections 3.1.3 and 3.3.3, following MIT's kdc_get_ticket_endtime and
kdc_get_ticket_renewtime so that MIT clients' reply checks (endtime <= till,
renew-till <= rtime) hold. All functions are pure: ``now`` is an argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from protocol.messages.types import fast_construction

from kdc.exchange.bits import KDCOption

from kdc.exchange.errors import NeverValid

# "No limit": the last second GeneralizedTime's four-digit year can say (a till of 0 or
# absent means this, as RFC 4120 section 5.4.1's 19700101000000Z does).
INFINITY = 253402300799


@fast_construction  # built once or more per request
@dataclass(frozen=True, slots=True)
class TicketTimes:
    """authtime, starttime (None when equal to authtime), endtime, renew_till (None: not renewable)."""

    authtime: int
    endtime: int
    starttime: int | None = None
    renew_till: int | None = None


def requested_till(till: int | None) -> int:
    """RFC 4120 5.4.1: an absent or zero ``till`` asks for the longest ticket allowed."""
    return INFINITY if not till else till


def compute_start(options: int, from_: int | None, now: int) -> int:
    """The ticket's start: ``from`` for a POSTDATED request whose ``from`` is in the future, else now."""
    if options & KDCOption.POSTDATED and from_ is not None and from_ > now:
        return from_
    return now


def compute_endtime(start: int, till: int | None, lifetimes: Iterable[int | None], cap: int = INFINITY) -> int:
    """min(till, cap, start + each lifetime); None or 0 lifetimes are "no limit" (MIT).

    Raises NeverValid when the result is not after ``start`` (RFC 4120 3.1.3).
    """
    life = min(requested_till(till), cap) - start
    for limit in lifetimes:
        if limit:
            life = min(life, limit)
    if life <= 0:
        raise NeverValid("NEVER_VALID", detail=f"ticket would end {-life}s before it starts")
    return start + life


def compute_renew_till(
    options: int,
    till: int | None,
    rtime: int | None,
    start: int,
    endtime: int,
    renew_lifetimes: Iterable[int | None],
    cap: int = INFINITY,
) -> int | None:
    """renew-till for a RENEWABLE (or RENEWABLE-OK with till beyond endtime) request, else None.

    Bounded by ``cap`` (the TGT's renew-till in a TGS exchange) and start + each renewable
    lifetime. A ticket whose renew-till would not pass its endtime is not made renewable:
    it would gain nothing and would break endtime <= renew-till.
    """
    if options & KDCOption.RENEWABLE:
        wanted = requested_till(rtime)
    elif options & KDCOption.RENEWABLE_OK and requested_till(till) > endtime:
        wanted = requested_till(till)
    else:
        return None
    limit = min(wanted, cap)
    for life in renew_lifetimes:
        if life is not None:
            limit = min(limit, start + life)
    if limit < endtime or (limit == endtime and not options & KDCOption.RENEWABLE):
        return None
    return limit


