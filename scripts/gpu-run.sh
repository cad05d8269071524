#!/usr/bin/env bash
# Runs on a lent GPU machine, offline, from the repository root, with .gpu/
# carried (scripts/gpu-prepare.sh): the CUDA test suite, then the benchmarks.
# Results go to $OUT (the device tool's folder; bench/results when unset),
# named with the device and the date:
#   <device>-<date>-tests.log        the GoogleTest run
#   <device>-<date>-anchor-a.json    Lorenz ensemble at 2^23 systems (anchors A, B;
#                                    RK4, Dormand-Prince and Tsitouras at 1e-8,
#                                    float32 and float64)
#   <device>-<date>-placement.json   placements, slice layouts, warps per block
#   <device>-<date>-scaling.json     batch size up to 2^23, system size, saves
#   <device>-<date>-lorenz96.json    Lorenz-96 (40 states), KoBIE alone on CUDA
# bench/report.py and bench/placement_report.py turn the JSON into tables.
# Each step runs whatever happened to the one before (a failed test is
# reported, the benchmarks still run); the exit status is the tests'.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export LD_LIBRARY_PATH="$repo/.gpu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
out=${OUT:-bench/results}
mkdir -p "$out"
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1)
device=${KOBIE_DEVICE:-$(echo "${gpu:-unknown-gpu}" | tr '[:upper:]' '[:lower:]' | tr -cs 'a-z0-9' '-' | sed 's/-$//')}
stem="$out/$device-$(date -u +%Y-%m-%d)"
echo "gpu-run: $gpu -> $stem-*"

.gpu/kobie_tests_cuda 2>&1 | tail -n 400 >"$stem-tests.log"
tests=${PIPESTATUS[0]}
grep -E "PASSED|FAILED" "$stem-tests.log" | tail -n 5

run() {  # name binary [args...]
  local name=$1 binary=$2
  shift 2
  echo "gpu-run: $name"
  "$@" ".gpu/$binary" --benchmark_out="$stem-$name.json" --benchmark_out_format=json \
    >/dev/null || echo "gpu-run: $name failed" >&2
}
run anchor-a kobie_bench_lorenz env KOBIE_BENCH_SYSTEMS=8388608
run placement kobie_bench_placement env
run scaling kobie_bench_scaling env KOBIE_BENCH_MAX_SYSTEMS=8388608
run lorenz96 kobie_bench_lorenz96 env
exit "$tests"
