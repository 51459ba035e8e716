"""The ``--workers N`` supervisor: fork N kdcd workers, wait for them, stop them together.

The supervisor itself opens nothing (no store, no token, no socket): each worker opens its
own store and PKCS#11 session after the fork, since neither survives one, and binds the
shared addresses with SO_REUSEPORT. A worker reports on a pipe whether it serves or why it
cannot; the supervisor prints the first reason once and stops the others. A worker that
dies later (non-zero status or killed) is replaced, unless workers keep dying (then the
whole kdcd stops, status 1); one that stopped cleanly on a signal of its own is not.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from kdc.service.main import Ready

STARTUP_TIMEOUT = 120.0
# More deaths than this within RESTART_WINDOW seconds means something is broken for good.
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0


class Supervisor:
    """Runs ``count`` copies of ``run_worker`` in child processes."""

    def __init__(self, run_worker: Callable[[Ready], int], count: int, log: Any) -> None:
        self.run_worker = run_worker
        self.count = count
        self.log = log
        self.children: dict[int, int] = {}  # pid -> worker index
        self.stopping = False
        self.deaths: list[float] = []

    def run(self) -> int:
        """Start every worker, then supervise until a signal stops them; the exit status."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        for index in range(self.count):
            error = self._spawn(index)
            if error is not None:
                print(f"kdcd: {error}", file=sys.stderr, flush=True)
                self._stop_all()
                self._reap_all()
                return 1
        self.log.info("kdcd.workers_started", workers=self.count, pids=sorted(self.children))
        return self._supervise()

    def _spawn(self, index: int) -> str | None:
        """Fork worker ``index``; None once it serves, else its one-line reason."""
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            self._child(write_fd)
        os.close(write_fd)
        self.children[pid] = index
        try:
            message = _read_report(read_fd, STARTUP_TIMEOUT)
        finally:
            os.close(read_fd)
        return None if message == "" else message

    def _child(self, write_fd: int) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL)
        status = 1

        def ready(message: str | None) -> None:
            os.write(write_fd, ((message or "") + "\n").encode())
            os.close(write_fd)

        try:
            status = self.run_worker(ready)
        except BaseException as exc:  # a worker must never return into the supervisor's code
            print(f"kdcd: worker failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)

    def _supervise(self) -> int:
        status = 0
        while self.children:
            try:
                pid, wait_status = os.wait()
            except ChildProcessError:
                break
            index = self.children.pop(pid)
            code = os.waitstatus_to_exitcode(wait_status)
            if self.stopping or code == 0:
                # Status 0 is a worker stopped on purpose (a signal sent to it, or Ctrl-C
                # reaching the whole process group before this process saw it): not a death.
                status = status or (1 if code != 0 else 0)
                continue
            self.log.error("kdcd.worker_died", pid=pid, worker=index, exit_status=code)
            if not self._restart(index):
                status = 1
        self.log.info("kdcd.stopped", workers=self.count, exit_status=status)
        return status

    def _restart(self, index: int) -> bool:
        now = time.monotonic()
        self.deaths = [t for t in self.deaths if now - t < RESTART_WINDOW] + [now]
        if len(self.deaths) > MAX_RESTARTS:
            self.log.error("kdcd.giving_up", reason="workers keep dying")
            self._stop_all()
            return False
        error = self._spawn(index)
        if error is not None:
            self.log.error("kdcd.worker_restart_failed", worker=index, error=error)
            self._stop_all()
            return False
        return True

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self._stop_all()

    def _stop_all(self) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _reap_all(self) -> None:
        for pid in list(self.children):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            self.children.pop(pid, None)


def _read_report(fd: int, timeout: float) -> str:
    """The worker's one-line report: "" when serving, else the reason (EOF: it died)."""
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "worker did not start in time"
        readable, _, _ = select.select([fd], [], [], remaining)
        if not readable:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            return data.decode(errors="replace").strip() or "worker exited during start-up"
        data += chunk
    return data.decode(errors="replace").strip()
