"""KDC host names to socket addresses, never waiting longer than the caller allows.

``socket.getaddrinfo`` has no timeout: a DNS server that does not answer blocks the calling
thread for as long as the system resolver likes (MIT's sendto_kdc has the same weakness).
Numeric addresses are converted without any lookup (AI_NUMERICHOST); a real name is looked
up in a daemon thread that the caller waits for with a timeout. A lookup still running when
its waiter gives up is shared by the next waiter for the same name instead of starting
another thread, so a hung resolver costs one thread per name, and a slow one still answers
a later, longer try (the per-try timeout doubles each round).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable

from kdc.client.krb5conf import KDCAddr

__all__ = ["Resolver", "Address", "resolve", "async_resolve", "numeric_address"]

Resolver = Callable[..., list]  # socket.getaddrinfo's signature
Address = tuple[int, tuple]     # (address family, sockaddr)

_inflight: dict[tuple, _Lookup] = {}
_inflight_lock = threading.Lock()


class ResolveTimeout(socket.timeout):
    """The name lookup did not finish within the time left for this try."""


def numeric_address(kdc: KDCAddr) -> Address | None:
    """The address of a numeric host (``127.0.0.1``, ``::1``) without a lookup, else None."""
    try:
        infos = socket.getaddrinfo(kdc.host, kdc.port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV)
    except socket.gaierror:
        return None
    return _first(infos, kdc)


def resolve(kdc: KDCAddr, timeout: float, resolver: Resolver | None = None) -> Address:
    """The first address of ``kdc``, within ``timeout`` seconds (raises ResolveTimeout or OSError)."""
    address = numeric_address(kdc)
    if address is not None:
        return address
    lookup = _lookup(resolver or socket.getaddrinfo, kdc)
    if not lookup.done.wait(max(0.0, timeout)):
        raise ResolveTimeout(f"resolving {kdc.host} took longer than {timeout:.3g}s")
    return lookup.address()


async def async_resolve(kdc: KDCAddr, resolver: Resolver | None = None) -> Address:
    """``resolve`` for asyncio: the loop never blocks, the caller bounds the wait (asyncio.wait_for).

    Not ``loop.getaddrinfo``: a lookup that hangs in the loop's default executor makes
    ``asyncio.run`` hang at exit, waiting to join that thread.
    """
    address = numeric_address(kdc)
    if address is not None:
        return address
    lookup = _lookup(resolver or socket.getaddrinfo, kdc)
    loop = asyncio.get_running_loop()
    woken = loop.create_future()
    lookup.on_done(lambda: _wake(loop, woken))
    await woken
    return lookup.address()


def _wake(loop: asyncio.AbstractEventLoop, future: asyncio.Future) -> None:
    try:
        loop.call_soon_threadsafe(lambda: future.done() or future.set_result(None))
    except RuntimeError:  # the loop closed while the lookup ran: nobody waits any more
        pass


def _lookup(resolver: Resolver, kdc: KDCAddr) -> _Lookup:
    key = (resolver, kdc.host, kdc.port)
    with _inflight_lock:
        lookup = _inflight.get(key)
        if lookup is None:
            lookup = _inflight[key] = _Lookup(resolver, kdc, key)
    return lookup


class _Lookup:
    """One getaddrinfo call in a daemon thread (never joined, so a hung one cannot block exit)."""

    def __init__(self, resolver: Resolver, kdc: KDCAddr, key: tuple) -> None:
        self.kdc, self.key = kdc, key
        self.done = threading.Event()
        self._infos: list | None = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._run, args=(resolver,), name=f"resolve {kdc.host}", daemon=True).start()

    def _run(self, resolver: Resolver) -> None:
        try:
            self._infos = resolver(self.kdc.host, self.kdc.port, type=socket.SOCK_STREAM)
        except Exception as exc:  # re-raised in every waiter
            self._error = exc
        with _inflight_lock:
            _inflight.pop(self.key, None)
        with self._lock:
            self.done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_done(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if not self.done.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def address(self) -> Address:
        if self._error is not None:
            if isinstance(self._error, OSError):
                raise self._error
            raise OSError(f"cannot resolve {self.kdc.host}: {self._error}") from self._error
        return _first(self._infos, self.kdc)


def _first(infos: list | None, kdc: KDCAddr) -> Address:
    if not infos:
        raise OSError(f"cannot resolve {kdc.host}")
    return infos[0][0], infos[0][4]
