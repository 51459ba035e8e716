"""What a successful KDC exchange yields: a ticket with its session key and times."""

from __future__ import annotations

from dataclasses import dataclass, field

from protocol.constants import TicketFlag
from protocol.messages.types import EncKDCRepPart, EncryptionKey, HostAddress, Ticket
from protocol.principal import Principal

__all__ = ["Creds", "creds_from_reply", "split_time"]


@dataclass(frozen=True, slots=True)
class Creds:
    """A ticket and what the client learnt about it from the KDC reply (RFC 4120 section 5.4.2).

    ``client``/``server`` come from the reply (canonical names), ``ticket`` is the decoded
    Ticket and ``ticket_bytes`` its DER form (what goes into an AP-REQ or a ccache).
    ``kdc_offset`` is (seconds, microseconds) to add to the local clock to get the KDC's,
    when a KRB_AP_ERR_SKEW retry measured one (MIT stores it in the ccache header).
    """

    client: Principal
    server: Principal
    key: EncryptionKey = field(repr=False)
    flags: int
    authtime: int
    endtime: int
    ticket: Ticket = field(repr=False)
    ticket_bytes: bytes = field(repr=False)
    starttime: int | None = None
    renew_till: int | None = None
    addresses: tuple[HostAddress, ...] = ()
    kdc_offset: tuple[int, int] | None = None

    @property
    def ticket_flags(self) -> TicketFlag:
        return TicketFlag(self.flags)

    def kdc_time(self, now: float) -> float:
        """``now`` on the KDC's clock: the local time plus ``kdc_offset``, when one was measured."""
        return now + self.kdc_offset[0] + self.kdc_offset[1] / 1_000_000 if self.kdc_offset else now

    @property
    def start(self) -> int:
        """When the ticket becomes valid: starttime, or authtime when absent (RFC 4120 5.3)."""
        return self.authtime if self.starttime is None else self.starttime

    def valid_at(self, now: float) -> bool:
        """True when ``now`` lies in [starttime, endtime)."""
        return self.start <= now < self.endtime


def creds_from_reply(client: Principal, ticket: Ticket, ticket_bytes: bytes, enc: EncKDCRepPart,
                     kdc_offset: tuple[int, int] | None = None) -> Creds:
    """Credentials from a verified KDC-REP: names and times from its EncKDCRepPart (RFC 4120 section 5.4.2)."""
    return Creds(
        client=client,
        server=Principal.from_name(enc.sname, enc.srealm),
        key=enc.key,
        flags=enc.flags,
        authtime=enc.authtime,
        endtime=enc.endtime,
        ticket=ticket,
        ticket_bytes=ticket_bytes,
        starttime=enc.starttime,
        renew_till=enc.renew_till,
        addresses=tuple(enc.caddr or ()),
        kdc_offset=kdc_offset,
    )


def split_time(now: float) -> tuple[int, int]:
    """(KerberosTime seconds, microseconds) of a POSIX time."""
    sec = int(now // 1)
    usec = min(int(round((now - sec) * 1_000_000)), 999_999)
    return sec, usec
