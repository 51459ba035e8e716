"""Ticket-flag and option rules as tables of frozen rows (MIT kdc_util.h, tgs_policy.c).

A new rule is a new row plus a test row (DESIGN.md "Tables over branches").
"""

from __future__ import annotations

from dataclasses import dataclass

from kdc.exchange.bits import Attr
from kdc.exchange import errors
from kdc.exchange.bits import KDCOption as O
from kdc.exchange.bits import TicketFlag as F

# TGS-only options an AS-REQ must not carry (MIT AS_INVALID_OPTIONS).
NON_TGT_OPTIONS = O.FORWARDED | O.PROXY | O.RENEW | O.VALIDATE
AS_INVALID_OPTIONS = NON_TGT_OPTIONS | O.ENC_TKT_IN_SKEY | O.CNAME_IN_ADDL_TKT

# Options that request the ticket flag of the same bit number (RFC 4120 3.1.3, 3.3.3; MIT
# OPTS2FLAGS). RENEWABLE is not here: times.compute_renew_till decides it.
OPTION_FLAGS = O.FORWARDABLE | O.FORWARDED | O.PROXIABLE | O.PROXY | O.ALLOW_POSTDATE | O.POSTDATED

# Flags a TGS-issued ticket inherits from the TGT (MIT TGS_COPIED_FLAGS_MASK).
TGS_COPIED_FLAGS = F.FORWARDED | F.PROXY | F.PRE_AUTHENT | F.HW_AUTHENT | F.ANONYMOUS


@dataclass(frozen=True, slots=True)
class StripRule:
    """A flag that an attribute of the client or server forbids (MIT get_ticket_flags)."""

    flag: F
    attr: Attr


STRIP_RULES: tuple[StripRule, ...] = (
    StripRule(F.PROXIABLE, Attr.DISALLOW_PROXIABLE),
    StripRule(F.FORWARDABLE, Attr.DISALLOW_FORWARDABLE),
)


@dataclass(frozen=True, slots=True)
class OptionRule:
    """Requesting any of ``options`` needs ``flag`` set (on the TGT) or ``attr`` unset (on the service)."""

    options: O
    check: int
    e_text: str
    error: type[errors.KDCError]


# RFC 4120 3.3.3 / MIT tgsflagrules: options the TGT must permit.
TGT_FLAG_RULES: tuple[OptionRule, ...] = (
    OptionRule(O.FORWARDED, F.FORWARDABLE, "TGT NOT FORWARDABLE", errors.BadOption),
    OptionRule(O.PROXY, F.PROXIABLE, "TGT NOT PROXIABLE", errors.BadOption),
    OptionRule(O.ALLOW_POSTDATE | O.POSTDATED, F.MAY_POSTDATE, "TGT NOT POSTDATABLE", errors.BadOption),
    OptionRule(O.VALIDATE, F.INVALID, "VALIDATE VALID TICKET", errors.BadOption),
    OptionRule(O.RENEW, F.RENEWABLE, "TICKET NOT RENEWABLE", errors.BadOption),
)

# MIT svcdenyrules: options a service principal's attributes forbid.
SERVICE_DENY_RULES: tuple[OptionRule, ...] = (
    OptionRule(O.RENEWABLE, Attr.DISALLOW_RENEWABLE, "NON-RENEWABLE TICKET", errors.Policy),
    OptionRule(O.ALLOW_POSTDATE, Attr.DISALLOW_POSTDATED, "NON-POSTDATABLE TICKET", errors.CannotPostdate),
    OptionRule(O.ENC_TKT_IN_SKEY, Attr.DISALLOW_DUP_SKEY, "DUP_SKEY DISALLOWED", errors.Policy),
)


def check_tgt_flag_rules(options: int, tgt_flags: int) -> None:
    """Raise the rule's error when an option needs a flag the TGT lacks (MIT check_tgs_opts)."""
    for rule in TGT_FLAG_RULES:
        if options & rule.options and not tgt_flags & rule.check:
            raise rule.error(rule.e_text)


def check_service_deny_rules(options: int, service_attrs: int) -> None:
    """Raise the rule's error when the service forbids a requested option (MIT check_tgs_svc_deny_opts)."""
    for rule in SERVICE_DENY_RULES:
        if options & rule.options and service_attrs & rule.check:
            raise rule.error(rule.e_text)


def strip_disallowed(flags: int, *attrs: int) -> int:
    """``flags`` without those forbidden by any of the principals' attributes."""
    for rule in STRIP_RULES:
        if any(a & rule.attr for a in attrs):
            flags &= ~rule.flag
    return flags


def as_ticket_flags(options: int, client_attrs: int, server_attrs: int) -> int:
    """Flags of an AS ticket before pre-authentication and renewal (MIT get_ticket_flags)."""
    flags = (options & OPTION_FLAGS) | F.INITIAL
    if options & O.POSTDATED:
        flags |= F.INVALID
    return strip_disallowed(flags, client_attrs, server_attrs)


def tgs_ticket_flags(options: int, tgt_flags: int, client_attrs: int, server_attrs: int) -> int:
    """Flags of a TGS ticket before renewal; RENEW and VALIDATE keep the TGT's (MIT get_ticket_flags)."""
    if options & (O.RENEW | O.VALIDATE):
        return tgt_flags & ~F.INVALID
    flags = (options & OPTION_FLAGS) | (tgt_flags & TGS_COPIED_FLAGS)
    if options & O.POSTDATED:
        flags |= F.INVALID
    if server_attrs & Attr.OK_AS_DELEGATE:
        flags |= F.OK_AS_DELEGATE
    for needed in (F.PROXIABLE, F.FORWARDABLE):
        if not tgt_flags & needed:
            flags &= ~needed
    return strip_disallowed(flags, client_attrs, server_attrs)
