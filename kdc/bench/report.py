"""Merging the workers' results and printing them (text or JSON)."""

from __future__ import annotations

import json
from collections import Counter

__all__ = ["summarize", "format_text", "percentile"]


def percentile(sorted_values: list[int], q: float) -> int:
    """Nearest-rank percentile of already sorted values (0 when empty)."""
    if not sorted_values:
        return 0
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def summarize(config: dict, results: list[dict]) -> dict:
    """One report from every worker's result: throughput, latency percentiles, outcomes, generator CPU."""
    outcomes: Counter = Counter()
    latencies: list[int] = []
    for r in results:
        outcomes.update(r["outcomes"])
        latencies.extend(r["latencies_us"])
    latencies.sort()
    wall = max((r["elapsed"] for r in results), default=0.0)
    completed = sum(outcomes.values())
    answered = completed - outcomes.get("timeout", 0) - outcomes.get("io-error", 0)
    cpu = [r["cpu_user"] + r["cpu_sys"] for r in results]
    errors = {k.split(":", 1)[1]: v for k, v in sorted(outcomes.items()) if k.startswith("KRB-ERROR:")}
    replies = {k: v for k, v in sorted(outcomes.items()) if not k.startswith("KRB-ERROR:")}
    if errors:
        replies["KRB-ERROR"] = sum(errors.values())
    return {
        **config,
        "requests": completed,
        "answered": answered,
        "duration_s": round(wall, 3),
        "requests_per_s": round(answered / wall, 1) if wall else 0.0,
        "latency_ms": {name: round(percentile(latencies, q) / 1000, 3)
                       for name, q in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))},
        "replies": replies,
        "errors": errors,
        "timeouts": outcomes.get("timeout", 0),
        "reconnects": sum(r.get("reconnects", 0) for r in results),
        "warmup_answered": sum(r.get("warmup_sent", 0) for r in results),
        "invalid": outcomes.get("invalid", 0),
        "generator": {
            "processes": len(results),
            "cpu_s": round(sum(cpu), 3),
            "cpu_percent_of_one_core": round(100 * sum(cpu) / wall, 1) if wall else 0.0,
            "per_process_cpu_percent": [round(100 * c / r["elapsed"], 1) if r["elapsed"] else 0.0
                                        for c, r in zip(cpu, results)],
            "cpus": [r.get("cpu") for r in results],
        },
    }


def format_text(s: dict) -> str:
    lat = s["latency_ms"]
    errors = ", ".join(f"{code}: {n}" for code, n in s["errors"].items()) or "none"
    replies = ", ".join(f"{k} {v}" for k, v in s["replies"].items()) or "none"
    gen = s["generator"]
    return "\n".join([
        f"kdc-bench {s['scenario']} over {s['transport']} -> {s['kdc']} ({s['realm']}), "
        f"{gen['processes']} process(es) x {s['concurrency']} in flight",
        f"requests:  {s['requests']} in {s['duration_s']:.2f} s, {s['requests_per_s']:.0f} answered/s",
        f"latency:   p50 {lat['p50']:.3f} ms  p90 {lat['p90']:.3f} ms  p99 {lat['p99']:.3f} ms  max {lat['max']:.3f} ms",
        f"replies:   {replies}",
        f"errors:    {errors} (by KRB-ERROR code); timeouts {s['timeouts']}, invalid {s['invalid']}"
        + (f", KDC-closed connections reopened {s['reconnects']}" if s["reconnects"] else ""),
        f"generator: {gen['cpu_s']:.2f} CPU s = {gen['cpu_percent_of_one_core']:.0f}% of one core "
        f"(per process {', '.join(f'{p:.0f}%' for p in gen['per_process_cpu_percent'])})",
    ])


def to_json(s: dict) -> str:
    return json.dumps(s, indent=2, sort_keys=True)
