"""Credentials to and from MIT FILE credential caches (the format ``klist`` and ``kinit`` use)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from protocol.ccache import CCache, Credential, build_ccache, parse_ccache
from protocol.client.creds import Creds
from protocol.messages import codec
from protocol.messages.types import Ticket
from protocol.principal import Principal

__all__ = ["creds_to_credential", "credential_to_creds", "save_ccache", "load_ccache"]


def creds_to_credential(creds: Creds) -> Credential:
    """A ccache entry for ``creds``; absent starttime/renew-till are written as 0, as MIT does."""
    return Credential(client=creds.client, server=creds.server, key=creds.key, authtime=creds.authtime,
                      starttime=creds.starttime or 0, endtime=creds.endtime, renew_till=creds.renew_till or 0,
                      is_skey=False, ticket_flags=creds.flags, addresses=tuple(creds.addresses), authdata=(),
                      ticket=creds.ticket_bytes, second_ticket=b"")


def credential_to_creds(cred: Credential, kdc_offset: tuple[int, int] | None = None) -> Creds:
    """Usable credentials from a ccache entry (the ticket is decoded, so a bad one raises DecodeError)."""
    return Creds(client=cred.client, server=cred.server, key=cred.key, flags=cred.ticket_flags,
                 authtime=cred.authtime, endtime=cred.endtime, ticket=codec.decode(cred.ticket, Ticket),
                 ticket_bytes=cred.ticket, starttime=cred.starttime or None, renew_till=cred.renew_till or None,
                 addresses=tuple(cred.addresses), kdc_offset=kdc_offset)


def _path(name: str | os.PathLike) -> Path:
    text = os.fspath(name)
    if text.startswith("FILE:"):
        text = text[5:]
    elif ":" in text.split("/")[0]:
        raise ValueError(f"only FILE: credential caches are supported, not {text!r}")
    return Path(text)


def save_ccache(name: str | os.PathLike, creds: Sequence[Creds], principal: Principal | None = None) -> None:
    """Write ``creds`` to a FILE ccache (mode 0600, replaced atomically), first client as default principal."""
    if not creds and principal is None:
        raise ValueError("a ccache needs a default principal")
    primary = principal or creds[0].client
    offset = next((c.kdc_offset for c in creds if c.kdc_offset), None)
    data = build_ccache(CCache(primary, tuple(creds_to_credential(c) for c in creds), offset))
    path = _path(name)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_ccache(name: str | os.PathLike) -> tuple[Principal, list[Creds]]:
    """The default principal and the tickets (config entries skipped) of a FILE ccache."""
    cc = parse_ccache(_path(name).read_bytes())
    return cc.primary_principal, [credential_to_creds(c, cc.kdc_offset) for c in cc.tickets()]
