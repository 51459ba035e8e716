"""Measure the principal store and master-key costs quoted in docs/performance.md.

    python -m kdc.masterkey.measure --config FILE [--rounds N]

Needs an initialised realm (``kdcadmin init``); adds principals named ``measure-*``
(deleted again at the end). Prints microseconds per operation, median of N rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from kdc.admin.ops import Admin, Changes
from kdc.config import load_config
from kdc.db import open_store
from protocol.principal import Principal


def _median_us(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1e6)
    return statistics.median(samples)


async def _measure(config_path: str, rounds: int) -> dict[str, float]:
    cfg = load_config(config_path)
    admin = Admin(cfg, who="measure")
    results: dict[str, float] = {}
    names = [Principal.parse(f"measure-{os.getpid()}-{i}", cfg.realm) for i in range(rounds)]
    try:
        t = time.perf_counter()
        for p in names:
            await admin.add(p, Changes(), None, True, None)
        results["addprinc -randkey, in process (ms)"] = (time.perf_counter() - t) / rounds * 1e3
        mk = admin.master_key()
        entry = await admin.get(names[0])
        key = entry.keys[0]
        mk.clear_cache()

        def token_unseal():
            mk.clear_cache()
            mk.unseal(entry.principal, key)
        results["unseal, token (AES-GCM in SoftHSM) (us)"] = _median_us(token_unseal, rounds * 10)
        mk.unseal(entry.principal, key)
        results["unseal, cache hit (us)"] = _median_us(lambda: mk.unseal(entry.principal, key), rounds * 100)
        store = open_store(cfg.database.url)
        samples = []
        for _ in range(rounds * 100):
            t = time.perf_counter()
            await store.get(names[0])
            samples.append((time.perf_counter() - t) * 1e6)
        results["store.get, SQLite, 4 keys (us)"] = statistics.median(samples)
        await store.close()
    finally:
        for p in names:
            try:
                await admin.delete(p)
            except Exception:
                pass
        await admin.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    for name, value in asyncio.run(_measure(args.config, args.rounds)).items():
        print(f"{name}: {value:.1f}")


if __name__ == "__main__":
    main()
