"""The high-level client API: ``Client`` (blocking) and ``AsyncClient`` (asyncio).

    client = Client(config="/etc/krb5.conf")            # or Client(kdcs={"EXAMPLE.TEST": ["kdc:88"]})
    tgt = client.get_tgt("alice@EXAMPLE.TEST", password="...")
    tkt = client.get_service_ticket(tgt, "host/web.example.test")
    ap = client.ap_req(tkt)                              # ap.request() -> bytes for the service
    client.save_ccache("/tmp/krb5cc_1000", [tgt, tkt])   # klist reads it

Both share the exchange set-up below; only how bytes reach the KDC differs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from protocol.client import (
    APReqBuilder,
    ASExchange,
    ASOptions,
    Creds,
    KeytabKeys,
    PasswordKey,
    TGSExchange,
    TGSOptions,
)
from protocol.client.as_exchange import DEFAULT_ETYPES
from protocol.constants import KDCOption
from protocol.keytab import parse_keytab
from protocol.principal import Principal
from kdc.client.aio import async_send_to_kdc
from kdc.client.ccache import load_ccache, save_ccache
from kdc.client.krb5conf import KDCAddr, Krb5Conf, load_krb5_conf
from kdc.client.transport import TransportPolicy, send_to_kdc

__all__ = ["Client", "AsyncClient"]


class _Base:
    def __init__(self, *, kdcs: Mapping[str, Iterable[str | KDCAddr]] | None = None,
                 config: Krb5Conf | str | os.PathLike | None = None, realm: str | None = None,
                 tcp_only: bool = False, timeout: float = 1.0, deadline: float = 10.0,
                 clock=time.time, rng=os.urandom, resolver=None) -> None:
        self.conf = config if isinstance(config, Krb5Conf) else (
            load_krb5_conf(config) if config is not None or not kdcs else Krb5Conf({}))
        self.kdc_map = {r: tuple(a if isinstance(a, KDCAddr) else KDCAddr.parse(a) for a in addrs)
                        for r, addrs in (kdcs or {}).items()}
        self.realm = realm or self.conf.default_realm or (next(iter(self.kdc_map)) if self.kdc_map else None)
        self.policy = TransportPolicy(timeout=timeout, deadline=deadline, tcp_only=tcp_only,
                                      udp_preference_limit=self.conf.udp_preference_limit, resolver=resolver)
        self.clock, self.rng = clock, rng

    def kdcs_for(self, realm: str) -> tuple[KDCAddr, ...]:
        """KDC addresses given by the caller for ``realm``, else the krb5.conf ``[realms]`` ones."""
        return self.kdc_map.get(realm) or self.conf.kdcs(realm)

    def principal(self, name: str | Principal) -> Principal:
        return name if isinstance(name, Principal) else Principal.parse(name, self.realm)

    def _as_exchange(self, principal, password, keytab, *, forwardable=False, proxiable=False,
                     renewable_life=None, lifetime=86400, etypes=None, canonicalize=False, server=None) -> ASExchange:
        client = self.principal(principal)
        if (password is None) == (keytab is None):
            raise ValueError("give exactly one of password= or keytab=")
        keys = PasswordKey(password) if password is not None else KeytabKeys.from_entries(_keytab(keytab), client)
        options = _kdc_options(forwardable, proxiable, renewable_life, canonicalize)
        return ASExchange(client, keys, now=self.clock(), rng=self.rng, options=ASOptions(
            kdc_options=options, lifetime=lifetime, renew_lifetime=renewable_life,
            etypes=tuple(etypes or DEFAULT_ETYPES), server=self.principal(server) if server else None))

    def _tgs_exchange(self, creds: Creds, service, *, forwardable=False, proxiable=False, renewable_life=None,
                      lifetime=None, canonicalize=False, renew=False) -> TGSExchange:
        server = None
        if service is not None:
            server = Principal.parse(service, creds.server.realm) if isinstance(service, str) else service
        options = _kdc_options(forwardable, proxiable, renewable_life, canonicalize)
        if renew:
            options |= KDCOption.RENEW
        return TGSExchange(creds, server, now=self.clock(), rng=self.rng, options=TGSOptions(
            kdc_options=options, lifetime=lifetime, renew_lifetime=renewable_life))

    def ap_req(self, creds: Creds, *, mutual: bool = True, app_data: bytes | None = None) -> APReqBuilder:
        """An AP-REQ for the service of ``creds``; ``.request()`` gives its bytes, ``.receive_ap_rep()`` checks the answer."""
        return APReqBuilder(creds, now=self.clock(), rng=self.rng, mutual=mutual, app_data=app_data)

    @staticmethod
    def save_ccache(path, creds: list[Creds], principal: Principal | None = None) -> None:
        save_ccache(path, creds, principal)

    @staticmethod
    def load_ccache(path) -> tuple[Principal, list[Creds]]:
        return load_ccache(path)


def _kdc_options(forwardable, proxiable, renewable_life, canonicalize) -> int:
    options = KDCOption(0)
    if forwardable:
        options |= KDCOption.FORWARDABLE
    if proxiable:
        options |= KDCOption.PROXIABLE
    if renewable_life:
        options |= KDCOption.RENEWABLE
    if canonicalize:
        options |= KDCOption.CANONICALIZE
    return int(options)


def _keytab(keytab):
    if isinstance(keytab, (str, os.PathLike)):
        return parse_keytab(Path(keytab).read_bytes())
    if isinstance(keytab, bytes):
        return parse_keytab(keytab)
    return list(keytab)


class Client(_Base):
    """Blocking client. Every method returns verified ``Creds`` or raises a ``ClientError``."""

    def _send(self, request: bytes, realm: str) -> bytes:
        return send_to_kdc(request, self.kdcs_for(realm), self.policy)

    def get_tgt(self, principal, *, password: str | None = None, keytab=None, **options) -> Creds:
        """AS exchange (RFC 4120 section 3.1) with a password or keytab; options: forwardable,
        proxiable, renewable_life, lifetime, etypes, canonicalize, server."""
        ex = self._as_exchange(principal, password, keytab, **options)
        out = ex.request()
        while isinstance(out, bytes):
            out = ex.receive(self._send(out, ex.client.realm), now=self.clock())
        return out

    def get_service_ticket(self, tgt: Creds, service, **options) -> Creds:
        """TGS exchange (RFC 4120 section 3.3) for ``service`` (name or Principal) with ``tgt``."""
        ex = self._tgs_exchange(tgt, service, **options)
        return ex.receive(self._send(ex.request(), ex.server.realm))

    def renew(self, creds: Creds) -> Creds:
        """Renew a renewable ticket (RFC 4120 section 3.3.1, KDC option RENEW)."""
        ex = self._tgs_exchange(creds, None, renew=True)
        return ex.receive(self._send(ex.request(), creds.server.realm))


class AsyncClient(_Base):
    """asyncio client: the same methods as ``Client``, awaitable."""

    async def _send(self, request: bytes, realm: str) -> bytes:
        return await async_send_to_kdc(request, self.kdcs_for(realm), self.policy)

    async def get_tgt(self, principal, *, password: str | None = None, keytab=None, **options) -> Creds:
        ex = self._as_exchange(principal, password, keytab, **options)
        out = ex.request()
        while isinstance(out, bytes):
            out = ex.receive(await self._send(out, ex.client.realm), now=self.clock())
        return out

    async def get_service_ticket(self, tgt: Creds, service, **options) -> Creds:
        ex = self._tgs_exchange(tgt, service, **options)
        return ex.receive(await self._send(ex.request(), ex.server.realm))

    async def renew(self, creds: Creds) -> Creds:
        ex = self._tgs_exchange(creds, None, renew=True)
        return ex.receive(await self._send(ex.request(), creds.server.realm))
