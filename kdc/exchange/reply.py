"""Rendering: KRB-ERROR bytes from a KDCError, the one place that does it (RFC 4120 5.9.1)."""

from __future__ import annotations

from protocol.constants import ErrorCode
from protocol.messages import KRBError, PrincipalName, encode, encode_method_data
from protocol.principal import Principal

from kdc.exchange.errors import KDCError

# MIT truncates e-text; a short one keeps UDP errors small and logs out of clients' faces.
_MAX_E_TEXT = 128


def split_time(now: float) -> tuple[int, int]:
    """KerberosTime seconds and microseconds (stime/susec) of ``now``."""
    seconds = int(now)
    return seconds, min(999_999, max(0, int((now - seconds) * 1_000_000)))


def build_krb_error(
    code: ErrorCode | int,
    now: float,
    realm: str,
    sname: PrincipalName,
    *,
    client: Principal | None = None,
    e_text: str | None = None,
    e_data: bytes | None = None,
) -> bytes:
    """KRB-ERROR (RFC 4120 section 5.9.1): stime/susec now, realm/sname of the service."""
    stime, susec = split_time(now)
    return encode(
        KRBError(
            stime=stime,
            susec=susec,
            error_code=int(code),
            realm=realm,
            sname=sname,
            crealm=client.realm if client is not None else None,
            cname=client.name if client is not None else None,
            e_text=e_text[:_MAX_E_TEXT] if e_text else None,
            e_data=e_data,
        )
    )


def render_error(err: KDCError, now: float, realm: str, sname: PrincipalName, client: Principal | None) -> bytes:
    """KRB-ERROR bytes for ``err``; the error's own client/server win over the request's."""
    if err.server is not None:
        realm, sname = err.server.realm, err.server.name
    e_data = err.e_data
    if isinstance(e_data, tuple):
        e_data = encode_method_data(e_data)
    return build_krb_error(
        err.code, now, realm, sname, client=err.client or client, e_text=err.e_text, e_data=e_data
    )
