"""kdcd's kpasswd listeners: RFC 3244 password changes over UDP and TCP ([listen] kpasswd_udp/kpasswd_tcp).

The transports are the KDC's own (``KDCDatagramProtocol``, ``KDCStreamFactory``: the same
size limits, idle timeout, connection cap; over TCP the same 4-byte record marker, which
MIT's kpasswd client and kadmind use for kpasswd too), each in front of a ``Dispatcher``
whose handler is ``kdc.kpasswd.handle_kpasswd``. The dispatcher's lookaside cache answers
a UDP retransmission with the first reply instead of reporting it as a replay (MIT's client
warns that "UDP retransmits may be seen as replays"), and it logs one event per request,
here named ``kdc.kpasswd``.

Each listening socket gets its own dispatcher, so the reply KRB-PRIV can name the address
the request came to as its sender address, as MIT's kadmind does (a wildcard address is
sent as MIT's directional address instead). One replay cache serves the whole process;
with ``--workers N`` each worker keeps its own, and the kernel sends a client's datagrams
to the same worker.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from kdc.config import Config
from kdc.kpasswd import KpasswdContext, build_error_reply, handle_kpasswd
from kdc.kpasswd.errors import HardError
from kdc.kpasswd.session import host_address
from kdc.kpasswd.wire import MAX_MESSAGE
from kdc.service.dispatcher import Dispatcher
from kdc.service.lookaside import LookasideCache
from kdc.service.server import BindError, BoundSocket, adopt_socket, bind_addresses, stop_listening
from kdc.service.tcp import KDCStreamFactory
from kdc.service.udp import KDCDatagramProtocol
from protocol.client.replay import ReplayCache
from protocol.constants import ErrorCode

__all__ = ["KpasswdServer", "bind_kpasswd", "EVENT"]

EVENT = "kdc.kpasswd"


def bind_kpasswd(config: Config, reuse_port: bool = False,
                 close_on_failure: Iterable[BoundSocket] = ()) -> list[BoundSocket]:
    """Bind every kpasswd address, or none; on a failure also close ``close_on_failure``
    (the KDC's sockets: kdcd serves its whole configuration or refuses to start)."""
    try:
        return bind_addresses(config.listen.kpasswd_udp, config.listen.kpasswd_tcp, reuse_port)
    except BindError as exc:
        for b in close_on_failure:
            b.sock.close()
        raise BindError(f"kpasswd: {exc}") from None


async def _in_thread(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in the loop's default executor: PBKDF2 releases the GIL, so the KDC serving
    on the same loop keeps answering while a password is derived (token calls stay serialised
    by kdc.masterkey's lock)."""
    return await asyncio.get_running_loop().run_in_executor(None, fn)


class _EventNamer:
    """The service logger with the dispatcher's generic ``kdc.request`` event renamed ``kdc.kpasswd``."""

    def __init__(self, log: Any) -> None:
        self._log = log

    def info(self, event: str, **fields: Any) -> Any:
        return self._log.info(EVENT if event == "kdc.request" else event, **fields)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._log, name)


class KpasswdServer:
    """The kpasswd listeners of one kdcd process: start them, report them, stop them."""

    def __init__(self, reactor: Any, config: Config, store: Any, master_key: Any, log: Any) -> None:
        self.reactor, self.config, self.log = reactor, config, _EventNamer(log)
        self.ctx = KpasswdContext(config=config, store=store, master_key=master_key, rng=os.urandom,
                                  clock=time.time, replay_cache=ReplayCache(window=config.tickets.clock_skew),
                                  offload=_in_thread)
        self.dispatchers: list[Dispatcher] = []
        self.factories: list[KDCStreamFactory] = []
        self.ports: list[Any] = []
        self.addresses: dict[str, list[str]] = {"udp": [], "tcp": []}

    def dispatcher_for(self, local_host: str | None) -> Dispatcher:
        """A dispatcher whose replies name ``local_host`` as their sender (RFC 4120 5.7.1 s-address)."""
        local = host_address(local_host)

        async def handler(data: bytes) -> tuple[bytes | None, Any]:
            return await handle_kpasswd(data, self.ctx, local_address=local)

        dispatcher = Dispatcher(handler, self._error_reply, logger=self.log,
                                lookaside=LookasideCache(self.config.limits.lookaside_seconds))
        self.dispatchers.append(dispatcher)
        return dispatcher

    def _error_reply(self, code: ErrorCode, request: bytes | None) -> bytes:
        """The transport's own refusals (reply too big, record too long, internal error), framed."""
        return build_error_reply(HardError("Server error", krb_code=code), self.config.realm, time.time())

    def start(self, sockets: Iterable[BoundSocket]) -> None:
        """Hand the bound sockets to the reactor (it duplicates each descriptor; ours are closed)."""
        limits = self.config.limits
        max_request = min(limits.max_request_size, MAX_MESSAGE)
        for b in sockets:
            dispatcher = self.dispatcher_for(b.sock.getsockname()[0])
            if b.transport == "udp":
                receiver: Any = KDCDatagramProtocol(dispatcher, max_reply=limits.udp_max_reply,
                                                    max_request=max_request, log=self.log)
            else:
                receiver = KDCStreamFactory(dispatcher, clock=self.reactor, max_request=max_request,
                                            idle_timeout=limits.tcp_idle_timeout,
                                            max_connections=limits.tcp_max_connections, log=self.log)
                self.factories.append(receiver)
            self.addresses[b.transport].append(b.address)
            self.ports.append(adopt_socket(self.reactor, b, receiver))

    async def stop(self, grace: float = 10.0) -> None:
        """Stop accepting, let in-flight changes finish (each a database write), close connections."""
        ports, self.ports = self.ports, []
        await stop_listening(ports)
        for dispatcher in self.dispatchers:
            if not await dispatcher.drain(grace):
                self.log.warning("kdcd.shutdown_timeout", service="kpasswd", in_flight=dispatcher.in_flight)
        for factory in self.factories:
            factory.close_all()
