#!/usr/bin/env bash
# A/B comparison of two builds of one benchmark binary on a noisy machine:
# runs A and B alternately ROUNDS times (default 5) on the benchmarks that
# match FILTER and prints, per benchmark, each binary's times in ascending
# order and their medians. Alternating spreads the machine's slow and fast
# periods over both builds, which back-to-back runs of each do not.
#
#   bench/compare_binaries.sh FILTER BIN_A BIN_B [ROUNDS]
#
# e.g. copy build/host/bench/kobie_bench_lorenz aside before a change, rebuild,
# then: bench/compare_binaries.sh 'kobie/lorenz_dopri5_tol1e-0[69]_vs' \
#           /tmp/kobie_bench_lorenz.before build/host/bench/kobie_bench_lorenz
# KOBIE_COMPARE_ARGS: more arguments for both binaries (the ctest that keeps
# this script working passes --kobie-smoke).
set -euo pipefail
if (( $# < 3 )); then
  sed -n '2,14p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi
filter=$1 a=$2 b=$3 rounds=${4:-5}
for bin in "$a" "$b"; do
  [[ -x $bin ]] || { echo "compare_binaries.sh: error: '$bin' is not an executable" >&2; exit 2; }
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] ||
  { echo "compare_binaries.sh: error: ROUNDS '$rounds' must be a positive integer" >&2; exit 2; }
export OMP_PROC_BIND=${OMP_PROC_BIND:-false}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((r = 1; r <= rounds; ++r)); do
  for side in A B; do
    bin=$a
    [[ $side == B ]] && bin=$b
    # shellcheck disable=SC2086  # (word splitting of the extra arguments intended)
    "$bin" --benchmark_filter="$filter" --benchmark_min_time=0.5 \
      --benchmark_out="$out/$side-$r.json" ${KOBIE_COMPARE_ARGS:-} > /dev/null 2>&1 ||
      { echo "compare_binaries.sh: error: '$bin' failed (round $r)" >&2; exit 1; }
  done
done
python3 - "$out" "$rounds" <<'EOF'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
times = {}  # benchmark -> side -> [ms]
for side in "AB":
    for r in range(1, rounds + 1):
        try:
            with open(f"{out}/{side}-{r}.json") as f:
                data = json.load(f)
            runs = data["benchmarks"]
        except (OSError, ValueError, KeyError):
            data, runs = {}, []  # (no output file, or an empty one: nothing matched)
        if r == 1:
            # What the figures came from: the machine, and the instruction
            # set each binary was compiled for.
            context = data.get("context", {})
            print(f"{side}: cpu {context.get('cpu', 'unknown')}; instruction set "
                  f"{context.get('instruction_set', 'unknown (built before it was recorded)')}")
        for b in runs:
            scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
            times.setdefault(b["name"], {}).setdefault(side, []).append(b["real_time"] * scale)
if not times:
    sys.exit("compare_binaries.sh: error: no benchmark matched the filter")
for name in sorted(times):
    med = {}
    for side in "AB":
        t = sorted(times[name].get(side, []))
        med[side] = statistics.median(t) if t else float("nan")
        print(f"{side} {name}  " + " ".join(f"{x:.3g}" for x in t) + f"  median {med[side]:.3g} ms")
    print(f"  B / A median time: {med['B'] / med['A']:.3f}")
EOF
