#!/usr/bin/env python3
"""Turns a kobie_bench_lorenz, kobie_bench_lorenz96 or kobie_bench_van_der_pol JSON output
(--benchmark_out=F.json) into the ratios the project's targets are stated in: KoBIE against
the hand-written loops and Boost.Odeint in the same run; and a kobie_bench_scaling output
into KoBIE's throughput tables.

  anchors A and B    KoBIE's Lorenz RK4 and tolerance-1e-8 Dormand-Prince and Tsitouras
                     runs (on a GPU, the headline) beside the project's H100 goals
  fixed-step RK4     speed ratio = peer time / KoBIE time (> 1: KoBIE faster)
                     (Lorenz and Lorenz-96; a peer whose run failed its check: "error")
  adaptive dopri5    at the same tolerance, and at matched accuracy: Odeint's
                     time at KoBIE's max error, interpolated linearly in
                     log(time) over log(error) between the two Odeint runs
                     that bracket it (no extrapolation: "n/a" outside); beside
                     each time the accepted steps and the right-hand-side
                     evaluations per system (every attempt's, rejected ones too)
  scaling            per group (batch size, system size, save frequency): KoBIE's
                     kernel and end-to-end time, system-steps/s (and state-steps/s
                     for system size), and the bytes one system takes: persistent
                     storage, device memory during a launch, saved outputs

Run with --benchmark_repetitions=N (and --benchmark_enable_random_interleaving=true),
each benchmark's median over the N repetitions is used.

Usage: bench/report.py RESULT.json [...]
"""
import json
import math
import re
import sys


def load(path):
    with open(path) as f:
        data = json.load(f)
    # With --benchmark_repetitions, each benchmark's median over the
    # repetitions stands for it (robust against a noisy shared machine); a
    # repetition that reported an error marks the benchmark as failed.
    medians = any(b.get("aggregate_name") == "median" for b in data["benchmarks"])
    runs = {}
    for b in data["benchmarks"]:
        iteration = b.get("run_type", "iteration") == "iteration"
        if medians:
            if b.get("aggregate_name") == "median":
                b = dict(b, name=b["run_name"])
            elif not (iteration and b.get("error_occurred")):
                continue
        elif not iteration:
            continue
        name = re.sub(r"/manual_time$", "", b["name"])
        name = re.sub(r"/iterations:\d+", "", name)
        if runs.get(name, {}).get("error_occurred"):
            continue
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
        runs[name] = dict(b, seconds=b["real_time"] * scale)
    return data.get("context", {}), runs


def interpolate_time(points, error):
    """Time at `error` on the (error, seconds) curve, log-log, or None."""
    pts = sorted(points)
    for (e0, t0), (e1, t1) in zip(pts, pts[1:]):
        if e0 <= error <= e1 and e0 > 0 and e1 > e0:
            w = (math.log(error) - math.log(e0)) / (math.log(e1) - math.log(e0))
            return math.exp(math.log(t0) + w * (math.log(t1) - math.log(t0)))
    return None


def rk4_section(runs, problem, title):
    """Fixed-step RK4: KoBIE against the hand-written loops and Odeint.
    A peer whose run reported an error (lorenz96: its end states disagree
    with KoBIE's) shows as "error", never as a ratio."""
    if not any(f"kobie/{problem}_rk4/{prec}" in runs for prec in ("float64", "float32")):
        return
    print(f"\nfixed-step RK4, {title} (speed ratio: peer time / KoBIE time)")
    print(f"  {'precision':10} {'KoBIE ms':>9} {'vs vectorised':>14} {'vs scalar':>10} {'vs Odeint':>10}")
    for prec in ("float64", "float32"):
        k = runs.get(f"kobie/{problem}_rk4/{prec}")
        if not k:
            continue
        cells = []
        for peer in (f"handwritten/{problem}_rk4/vectorised/{prec}",
                     f"handwritten/{problem}_rk4/scalar/{prec}", f"odeint/{problem}_rk4/{prec}"):
            p = runs.get(peer)
            if p and (p.get("error_occurred") or k.get("error_occurred")):
                cells.append("error")
            else:
                cells.append(f"{p['seconds'] / k['seconds']:.2f}" if p else "n/a")
        print(f"  {prec:10} {1e3 * k['seconds']:9.1f} {cells[0]:>14} {cells[1]:>10} {cells[2]:>10}")


# Anchor A (fixed-step RK4) and B (adaptive, tolerance 1e-8) of the Lorenz
# ensemble, KoBIE alone, with the project's goals on an H100 at 2^23 systems.
ANCHOR_RUNS = (
    ("lorenz_rk4", "RK4, dt 1e-3", {"float32": 15.0, "float64": 30.0}),
    ("lorenz_dopri5_tol1e-8", "Dormand-Prince 5(4), tol 1e-8", {"float32": 40.0}),
    ("lorenz_tsit5_tol1e-8", "Tsitouras 5(4), tol 1e-8", {"float32": 40.0}),
    # the Dormand-Prince systems in a random order: what lane divergence costs
    ("lorenz_dopri5_tol1e-8_shuffled", "same DP, systems shuffled", {}),
)


def anchor_section(runs, context):
    """The anchor runs of kobie_bench_lorenz (on a GPU, the headline): kernel
    and end-to-end time, work, throughput, and on CUDA the H100 goal where one
    is set (it applies at 2^23 systems on an H100)."""
    rows = [(name, title, prec, goals.get(prec), runs[f"kobie/{name}/{prec}"])
            for name, title, goals in ANCHOR_RUNS for prec in ("float64", "float32")
            if f"kobie/{name}/{prec}" in runs]
    if not rows:
        return
    gpu = context.get("kokkos_execution_space") == "Cuda"
    print("\nLorenz ensemble anchors A and B, KoBIE alone (kernel time"
          + ("; H100 goals at 2^23 systems)" if gpu else ")"))
    print(f"  {'method':30} {'precision':10} {'systems':>9} {'KoBIE ms':>9} {'end-to-end ms':>14}"
          f" {'steps':>6} {'system-steps/s':>15}" + (f" {'H100 goal ms':>13}" if gpu else ""))
    for _, title, prec, goal, r in rows:
        if r.get("error_occurred"):
            print(f"  {title:30} {prec:10} error: {r.get('error_message', '')}")
            continue
        goal_cell = f"{goal:.0f}" if goal else "-"
        print(f"  {title:30} {prec:10} {r.get('systems', 0):9.0f} {1e3 * r['seconds']:9.2f}"
              f" {r.get('end_to_end_ms', 0):14.2f} {r.get('steps_per_system', 0):6.0f}"
              f" {r.get('system_steps_per_s', 0):15.3e}" + (f" {goal_cell:>13}" if gpu else ""))


SCALING_GROUPS = (
    ("batch", "batch size", "systems"),
    ("system_size", "system size", "states"),
    ("save_every", "save frequency", "save every"),
)


def scaling_section(runs):
    """kobie_bench_scaling: per group, KoBIE's kernel time (end to end
    beside it), throughput and the memory one system takes."""
    groups = {}  # group -> [(parameter, problem, run)]
    for name, r in runs.items():
        m = re.match(r"scaling/(\w+)/(\w+)/\w+:(\d+)$", name)
        if m:
            groups.setdefault(m.group(1), []).append((int(m.group(3)), m.group(2), r))
    for group, title, parameter in SCALING_GROUPS:
        rows = sorted(groups.get(group, []), key=lambda row: row[0])
        if not rows:
            continue
        states = group == "system_size"
        print(f"\nscaling, {title}, {rows[0][1]}, float64 (KoBIE alone; bytes per system)")
        print(f"  {parameter:>10} {'KoBIE ms':>9} {'end-to-end ms':>14} {'system-steps/s':>15}"
              + (f" {'state-steps/s':>14}" if states else "")
              + f" {'persistent':>11} {'device':>9} {'output':>9}")
        for value, _, r in rows:
            if r.get("error_occurred"):
                print(f"  {value:>10} error: {r.get('error_message', '')}")
                continue
            print(f"  {value:>10} {1e3 * r['seconds']:9.2f} {r.get('end_to_end_ms', 0):14.2f}"
                  f" {r.get('system_steps_per_s', 0):15.3e}"
                  + (f" {r.get('state_steps_per_s', 0):14.3e}" if states else "")
                  + f" {r.get('persistent_bytes_per_system', 0):11.0f}"
                  f" {r.get('device_bytes_per_system', 0):9.0f}"
                  f" {r.get('output_bytes_per_system', 0):9.0f}")


def work(r):
    """Accepted steps and right-hand-side evaluations per system ("n/a": a
    result file from before the evaluations were counted, whose KoBIE steps
    were attempts)."""
    evals = r.get("rhs_evals_per_system")
    return (f"{r.get('steps_per_system', 0):6.0f} "
            + (f"{evals:6.0f}" if evals is not None else f"{'n/a':>6}"))


def report(path):
    context, runs = load(path)
    print(f"# {path}")
    for key in ("cpu", "instruction_set", "kokkos_execution_space", "kokkos_concurrency", "compiler", "git_hash",
                "date"):
        if key in context:
            print(f"  {key}: {context[key]}")
    rk4_section(runs, "lorenz", "Lorenz")
    rk4_section(runs, "lorenz96", "Lorenz-96 (40 states)")
    anchor_section(runs, context)

    problems = {}  # problem -> (KoBIE runs by tolerance, Odeint runs by tolerance)
    for name, r in runs.items():
        m = re.match(r"(kobie|odeint)/(\w+?)_dopri5_tol([0-9.e+-]+)(_vs_odeint)?/float64$", name)
        if m and (m.group(1) == "odeint" or m.group(4)):
            kob, ode = problems.setdefault(m.group(2), ({}, {}))
            (kob if m.group(1) == "kobie" else ode)[float(m.group(3))] = r
    for problem, (kob, ode) in sorted(problems.items()):
        if not (kob and ode):
            continue
        print(f"\nadaptive Dormand-Prince 5(4), {problem}, float64 (speed ratio: Odeint time / KoBIE time)")
        print(f"  {'tol':>7} {'KoBIE ms':>9} {'max err':>9} {'steps':>6} {'evals':>6}"
              f" {'Odeint ms':>10} {'max err':>9} {'steps':>6} {'evals':>6}"
              f" {'same tol':>9} {'matched accuracy':>17}")
        curve = [(r["max_error"], r["seconds"]) for r in ode.values()]
        for tol in sorted(kob, reverse=True):
            k = kob[tol]
            o = ode.get(tol)
            same = f"{o['seconds'] / k['seconds']:.2f}" if o else "n/a"
            t = interpolate_time(curve, k["max_error"])
            matched = f"{t / k['seconds']:.2f}" if t else "n/a"
            print(f"  {tol:7.0e} {1e3 * k['seconds']:9.1f} {k['max_error']:9.2e} {work(k)}"
                  + (f" {1e3 * o['seconds']:10.1f} {o['max_error']:9.2e} {work(o)}"
                     if o else f" {'':10} {'':9} {'':6} {'':6}")
                  + f" {same:>9} {matched:>17}")
    scaling_section(runs)
    print()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for p in sys.argv[1:]:
        report(p)
