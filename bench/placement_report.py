#!/usr/bin/env python3
"""Turns kobie_bench_placement's JSON output (--benchmark_out=F.json) into
tables: per workload and sweep (placement, shared-slice layout, lanes per
team), each choice's time, its speed relative to the registry's default
(default time / this time: > 1 is faster), the bytes per lane it takes in
shared (team scratch) and local (per-thread) memory, and the winner.

Usage: bench/placement_report.py RESULT.json [...]
"""
import re
import sys

from report import load as load_runs  # bench/report.py: one JSON reader

SWEEPS = ("placement", "layout", "lanes")


def load(path):
    """(context, workload -> sweep -> [(choice, run)]); a run that failed has
    seconds NaN."""
    context, runs = load_runs(path)
    rows = {}
    for name, run in runs.items():
        m = re.match(r"placement/(\w+)/(\w+):([^/]+)$", name)
        if not m:
            continue
        if run.get("error_occurred"):
            run = dict(run, seconds=float("nan"))
        rows.setdefault(m.group(1), {}).setdefault(m.group(2), []).append((m.group(3), run))
    return context, rows


def default_of(sweeps):
    """The registry's default variant: placement 'default' (interleaved, default lanes)."""
    for choice, run in sweeps.get("placement", []):
        if choice == "default":
            return run
    return None


def report(path):
    context, rows = load(path)
    print(f"# {path}")
    for key in ("cpu", "instruction_set", "kokkos_execution_space", "kokkos_concurrency", "compiler", "git_hash",
                "date"):
        if key in context:
            print(f"  {key}: {context[key]}")
    winners = []
    for workload, sweeps in rows.items():
        base = default_of(sweeps)
        if not base:
            continue
        print(f"\n{workload}: registry default {1e3 * base['seconds']:.2f} ms "
              f"({base.get('lanes_per_team', 0):.0f} lanes per team)")
        for sweep in SWEEPS:
            runs = sweeps.get(sweep)
            if not runs:
                continue
            print(f"  {sweep:<9} {'ms':>8} {'vs default':>11} {'shared B/lane':>14} "
                  f"{'local B/lane':>13}  choice")
            for choice, r in runs:
                ok = r["seconds"] == r["seconds"]
                ratio = f"{base['seconds'] / r['seconds']:.2f}" if ok else "error"
                ms = f"{1e3 * r['seconds']:.2f}" if ok else "-"
                print(f"  {'':<9} {ms:>8} {ratio:>11} {r.get('shared_bytes_per_lane', 0):14.0f} "
                      f"{r.get('local_bytes_per_lane', 0):13.0f}  {choice}")
            valid = [(r["seconds"], c) for c, r in runs if r["seconds"] == r["seconds"]]
            if valid:
                best_time, best = min(valid)
                winners.append((workload, sweep, best, base["seconds"] / best_time))
                print(f"  {'':<9} winner: {best}, {base['seconds'] / best_time:.2f}x the default")
    if winners:
        print("\nwinners (speed relative to the registry's default)")
        for workload, sweep, best, ratio in winners:
            print(f"  {workload:<18} {sweep:<9} {best:<45} {ratio:.2f}x")
    print()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for p in sys.argv[1:]:
        report(p)
