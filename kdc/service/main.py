"""``kdcd --config FILE [--workers N]``: serve the realm over UDP and TCP until SIGTERM/SIGINT.

Start-up order is the point of this module: read the config (a problem: one line, exit 2),
open the principal store and log in to the token (a problem: one line, exit 1), and only
then bind the configured addresses, so a kdcd that cannot serve never holds a port. With
``--workers N`` a supervisor forks N workers that each open their own store and token
session (PKCS#11 sessions do not survive fork) and bind the same addresses with
SO_REUSEPORT, so the kernel spreads clients across them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from kdc.config import Config, ConfigError, load_config
from kdc.logging import configure_logging, get_logger

# How often kdcd writes the last_success stamps its store defers (kdc.db.sqlite).
FLUSH_SECONDS = 1.0

Ready = Callable[[str | None], None]


class StartupError(Exception):
    """kdcd cannot serve (store, token or address unusable); ``str()`` is one line."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kdcd", description="Kerberos 5 KDC (AS and TGS over UDP and TCP)")
    parser.add_argument("--config", required=True, metavar="FILE", help="the kdcd TOML configuration")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="worker processes sharing the listening addresses (default 1)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run kdcd; returns the exit status (0 after a clean stop, 1 unusable backend, 2 config)."""
    args = parse_args(argv)
    try:
        config = load_config(args.config)
        check_workers(config, args.workers)
    except ConfigError as exc:
        return fail(str(exc), 2)
    if args.workers == 1:
        return run_worker(config)
    from kdc.service.workers import Supervisor

    configure_logging(config.logging.format, config.logging.level)
    return Supervisor(lambda ready: run_worker(config, reuse_port=True, ready=ready),
                      args.workers, get_logger()).run()


def check_workers(config: Config, workers: int) -> None:
    """Several workers must bind the same fixed ports; port 0 would give each its own."""
    if workers < 1:
        raise ConfigError("--workers", "must be at least 1")
    ports = [p for _, p in config.listen.udp + config.listen.tcp]
    kpasswd_ports = [p for _, p in config.listen.kpasswd_udp + config.listen.kpasswd_tcp]
    if workers > 1 and 0 in ports + kpasswd_ports:
        raise ConfigError("listen", "port 0 (any free port) needs --workers 1")
    if not ports:
        raise ConfigError("listen", "no udp or tcp address to serve")


def fail(message: str, status: int) -> int:
    print(f"kdcd: {message}", file=sys.stderr, flush=True)
    return status


def open_backends(config: Config, warn: Callable[[str], None] | None = None) -> tuple[Any, Any]:
    """The principal store and the logged-in master key; raises StartupError (one line).

    ``warn`` receives the token set-up's warnings (a PIN file others may read)."""
    from kdc.db import StoreError, open_store
    from kdc.masterkey import MasterKeyError, open_master_key

    try:
        store = open_store(config.database.url)
    except StoreError as exc:
        raise StartupError(str(exc)) from None
    except Exception as exc:  # any other failure to open is as fatal, and still one line
        raise StartupError(f"database: {type(exc).__name__}: {exc}") from None
    store.defer_successes()  # written by Daemon's flush, not on the request path
    try:
        master_key = open_master_key(config.master_key, warn=warn)
    except MasterKeyError as exc:
        _close_store(store)
        raise StartupError(str(exc)) from None
    except Exception as exc:
        _close_store(store)
        raise StartupError(f"master key: {type(exc).__name__}: {exc}") from None
    return store, master_key


def _close_store(store: Any) -> None:
    asyncio.get_event_loop().run_until_complete(store.close())


def install_reactor() -> tuple[Any, asyncio.AbstractEventLoop]:
    """Install Twisted's asyncio reactor on a new loop, before anything imports the reactor."""
    from twisted.internet import asyncioreactor

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    asyncioreactor.install(loop)
    from twisted.internet import reactor

    return reactor, loop


def raise_fd_limit() -> None:
    """Lift the soft open-files limit to the hard one: tcp_max_connections (1024 by default)
    must not run into the usual soft limit of 1024 descriptors."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass


def run_worker(config: Config, *, reuse_port: bool = False, ready: Ready | None = None) -> int:
    """Open the backends, bind, serve until SIGTERM/SIGINT; returns the exit status.

    ``ready`` (the supervisor's pipe) receives None once serving, or the one-line reason
    this worker cannot serve; without it the reason is printed.
    """
    report = ready or (lambda msg: None if msg is None else fail(msg, 1))
    raise_fd_limit()
    reactor, loop = install_reactor()
    configure_logging(config.logging.format, config.logging.level)
    log = get_logger()
    try:
        daemon = Daemon.start(reactor, loop, config, reuse_port, log)
    except StartupError as exc:
        report(str(exc))
        return 1
    except Exception as exc:  # a bug at start-up is still reported on one line
        report(f"cannot start: {type(exc).__name__}: {exc}")
        return 1
    report(None)
    reactor.run(installSignalHandlers=False)
    return daemon.exit_status


class Daemon:
    """One serving process: its backends, its listeners and its shutdown."""

    def __init__(self, reactor: Any, loop: asyncio.AbstractEventLoop, server: Any,
                 store: Any, master_key: Any, log: Any) -> None:
        self.reactor, self.loop, self.server = reactor, loop, server
        self.store, self.master_key, self.log = store, master_key, log
        self.stopping = False
        self.exit_status = 0
        self.kpasswd: Any = None  # kdc.service.kpasswd.KpasswdServer, when started
        self.flusher: Any = None  # the LoopingCall writing deferred last_success stamps

    @classmethod
    def start(cls, reactor: Any, loop: asyncio.AbstractEventLoop, config: Config,
              reuse_port: bool, log: Any) -> Daemon:
        """Open the store and token, then bind: nothing is bound when either is unusable."""
        from kdc.service.kpasswd import KpasswdServer, bind_kpasswd
        from kdc.service.server import BindError, KDCServer, bind_all

        store, master_key = open_backends(config, warn=lambda line: log.warning("kdcd.master_key_warning",
                                                                               warning=line))
        try:
            sockets = bind_all(config, reuse_port)
            kpasswd_sockets = bind_kpasswd(config, reuse_port, close_on_failure=sockets)
        except BindError as exc:
            _close_store(store)
            master_key.close()
            raise StartupError(str(exc)) from None
        server = KDCServer(reactor, config, build_dispatcher(config, store, master_key, log), log)
        server.start(sockets)
        kpasswd = KpasswdServer(reactor, config, store, master_key, log)
        kpasswd.start(kpasswd_sockets)
        daemon = cls(reactor, loop, server, store, master_key, log)
        daemon.kpasswd = kpasswd
        daemon.start_flushing()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, daemon.request_stop, signum)
        log.info("kdcd.started", realm=config.realm, udp=server.addresses["udp"],
                 tcp=server.addresses["tcp"], kpasswd_udp=kpasswd.addresses["udp"],
                 kpasswd_tcp=kpasswd.addresses["tcp"], pid=os.getpid(), config=config.path)
        return daemon

    def start_flushing(self, interval: float = FLUSH_SECONDS) -> None:
        """Write the store's deferred last_success stamps every ``interval`` seconds."""
        from twisted.internet.defer import Deferred
        from twisted.internet.task import LoopingCall

        self.flusher = LoopingCall(lambda: Deferred.fromCoroutine(self.flush_bookkeeping()))
        self.flusher.clock = self.reactor
        self.flusher.start(interval, now=False)

    async def flush_bookkeeping(self) -> None:
        """One flush; a locked database keeps the stamps for the next tick (logged), as does any
        other store failure: bookkeeping never stops the KDC."""
        from kdc.db import DatabaseLocked, StoreError

        try:
            await self.store.flush()
        except DatabaseLocked as exc:
            self.log.info("kdcd.bookkeeping_deferred", reason=str(exc)[:200])
        except StoreError as exc:
            self.log.error("kdcd.bookkeeping_failed", error=str(exc)[:200])

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        """First signal: stop gracefully. Later ones are ignored while that runs."""
        if self.stopping:
            return
        self.stopping = True
        self.log.info("kdcd.stopping", signal=signal.Signals(signum).name, pid=os.getpid())
        self.loop.create_task(self._shutdown())

    async def _shutdown(self) -> None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        try:
            await self.server.stop()
            if self.kpasswd is not None:
                await self.kpasswd.stop()
            try:
                await self.store.close()  # writes the deferred last_success stamps first
            finally:
                self.master_key.close()
        except Exception as exc:
            self.exit_status = 1
            self.log.error("kdcd.shutdown_failed", error=f"{type(exc).__name__}: {exc}")
        self.log.info("kdcd.stopped", realm=self.server.config.realm, pid=os.getpid())
        self.reactor.stop()


def build_dispatcher(config: Config, store: Any, master_key: Any, log: Any) -> Any:
    """The dispatcher over the exchange's ``handle_request`` with this process's context."""
    import kdc.exchange.as_req  # noqa: F401  (imported now, not during the first request)
    import kdc.exchange.tgs_req  # noqa: F401
    from kdc.exchange.dispatch import KDCContext, build_error_reply, handle_request
    from kdc.service.dispatcher import Dispatcher
    from kdc.service.lookaside import LookasideCache

    from kdc.service.randomness import RandomPool

    ctx = KDCContext(config=config, store=store, master_key=master_key, rng=RandomPool(), clock=time.time)
    return Dispatcher(
        lambda data: handle_request(data, ctx),
        lambda code, request: build_error_reply(code, ctx, request),
        logger=log, lookaside=LookasideCache(config.limits.lookaside_seconds))


if __name__ == "__main__":
    sys.exit(main())
