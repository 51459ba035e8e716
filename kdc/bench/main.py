"""``kdc-bench``: drive a KDC with real, unique AS and TGS requests and report its throughput.

    kdc-bench --kdc 127.0.0.1:88 --realm EXAMPLE.TEST --user alice:secret --scenario as \\
              --transport udp --concurrency 32 --duration 10 --warmup 2 --processes 1 --cpu 1

Users come from ``--user NAME:PASSWORD`` (repeatable) or ``--users-file`` (one NAME:PASSWORD
a line); services for ``tgs`` from ``--service`` or ``--services-file``. Before the run,
each user's key is learnt through one real AS exchange. Exit status: 0 after a run (even
one full of KRB-ERRORs, which are counted by code), 1 when preparing failed, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys

from kdc.bench.loop import TRANSPORTS, RunLimits, run_loop
from kdc.bench.report import format_text, summarize, to_json
from kdc.bench.scenarios import SCENARIOS, User, kdc_sender, makers, prepare
from kdc.client.krb5conf import KDCAddr, Krb5ConfError
from protocol.client.errors import ClientError

__all__ = ["main", "parse_args"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kdc-bench", description="Measure a KDC with real AS/TGS requests.")
    p.add_argument("--kdc", required=True, help="HOST:PORT of the KDC ([::1]:88 for IPv6)")
    p.add_argument("--realm", required=True)
    p.add_argument("--scenario", choices=SCENARIOS, default="as")
    p.add_argument("--transport", choices=TRANSPORTS, default="udp")
    p.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD")
    p.add_argument("--users-file", help="file of NAME:PASSWORD lines")
    p.add_argument("--service", action="append", default=[], metavar="PRINCIPAL")
    p.add_argument("--services-file", help="file of service principals, one a line")
    p.add_argument("--concurrency", type=int, default=16, help="requests in flight per process")
    p.add_argument("--processes", type=int, default=1, help="generator processes")
    run = p.add_mutually_exclusive_group()
    run.add_argument("--count", type=int, help="total requests to send (split among processes)")
    run.add_argument("--duration", type=float, help="seconds to send for")
    p.add_argument("--warmup", type=float, default=0.0, help="seconds of unrecorded load first")
    p.add_argument("--timeout", type=float, default=2.0, help="seconds before a request counts as timed out")
    p.add_argument("--cpu", help="CPUs to pin generator processes to, e.g. 1 or 0,2-3")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    args = p.parse_args(argv)
    if args.count is None and args.duration is None:
        args.duration = 10.0
    for name in ("concurrency", "processes"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    try:
        args.kdc_addr = KDCAddr.parse(args.kdc)
        args.cpus = parse_cpus(args.cpu) if args.cpu else None
        args.users = [parse_user(u) for u in args.user + read_lines(args.users_file)]
    except (ValueError, OSError) as exc:
        p.error(str(exc))
    args.services = args.service + read_lines(args.services_file)
    if not args.users:
        p.error("give at least one --user NAME:PASSWORD (or --users-file)")
    return args


def parse_user(text: str) -> User:
    name, sep, password = text.partition(":")
    if not sep or not name:
        raise ValueError(f"user must be NAME:PASSWORD, got {name or text!r}")
    return User(name, password)


def parse_cpus(text: str) -> list[int]:
    """``0,2-3`` -> [0, 2, 3] (the taskset list syntax)."""
    cpus: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise ValueError(f"bad CPU list {text!r}")
        cpus.extend(range(int(lo), int(hi or lo) + 1))
    return cpus


def read_lines(path: str | None) -> list[str]:
    if not path:
        return []
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def _share(total: int | None, index: int, n: int) -> int | None:
    if total is None:
        return None
    return total // n + (1 if index < total % n else 0)


def worker(index: int, args: argparse.Namespace, prepared, barrier, conn) -> None:
    """One generator process: pin, build templates, warm up, then the measured run."""
    try:
        cpu = None
        if args.cpus:
            cpu = args.cpus[index % len(args.cpus)]
            os.sched_setaffinity(0, {cpu})
        mk = makers(args.scenario, prepared, args.realm)
        warm = 0
        if args.warmup > 0:
            warm = run_loop(args.kdc_addr, args.transport, mk, args.concurrency,
                            RunLimits(None, args.warmup, args.timeout), record=False).sent
        barrier.wait(timeout=60)
        before = os.times()
        stats = run_loop(args.kdc_addr, args.transport, mk, args.concurrency,
                         RunLimits(_share(args.count, index, args.processes), args.duration, args.timeout))
        after = os.times()
        conn.send({"outcomes": dict(stats.outcomes), "latencies_us": stats.latencies_us, "elapsed": stats.elapsed,
                   "reconnects": stats.reconnects, "warmup_sent": warm, "cpu_user": after.user - before.user, "cpu_sys": after.system - before.system, "cpu": cpu})
    except BaseException as exc:  # reported by the parent, one line
        conn.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


def run(args: argparse.Namespace) -> dict:
    """Prepare (learn keys, TGTs), fork the workers, and merge their results."""
    prepared = prepare(args.scenario, kdc_sender(args.kdc_addr, tcp=args.transport != "udp"), args.realm,
                       args.users, args.services)
    n = args.processes
    if args.count is not None:
        n = max(1, min(n, args.count))
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(n)
    procs, pipes = [], []
    for i in range(n):
        parent_end, child_end = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=worker, args=(i, args, prepared, barrier, child_end), daemon=True)
        proc.start()
        child_end.close()
        procs.append(proc)
        pipes.append(parent_end)
    results = [pipe.recv() for pipe in pipes]
    for proc in procs:
        proc.join()
    failed = [r["error"] for r in results if "error" in r]
    if failed:
        raise RuntimeError(f"a generator process failed: {failed[0]}")
    config = {"scenario": args.scenario, "transport": args.transport, "kdc": str(args.kdc_addr),
              "realm": args.realm, "concurrency": args.concurrency, "users": len(args.users)}
    return summarize(config, results)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report = run(args)
    except (ClientError, OSError, RuntimeError, ValueError, Krb5ConfError) as exc:
        print(f"kdc-bench: {exc}", file=sys.stderr)
        return 1
    print(to_json(report) if args.json else format_text(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
