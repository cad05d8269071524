#!/usr/bin/env bash
# Runs on a lent GPU machine, offline, from the repository root, with .gpu/
# carried (scripts/gpu-prepare.sh): the CUDA test suite, then the benchmarks,
# most important first, within a time budget (a lent machine gives a task
# about 15 minutes in all, its start included, and one command at most 10).
# Results go to $OUT (the device tool's folder; bench/results when unset),
# named with the device and the date:
#   <device>-<date>-tests.log        the GoogleTest run
#   <device>-<date>-anchor-a.json    Lorenz ensemble at 2^23 systems, KoBIE's
#                                    rows (anchors A, B; RK4, Dormand-Prince
#                                    and Tsitouras at 1e-8, float32 and float64)
#   <device>-<date>-lorenz96.json    Lorenz-96 (40 states), KoBIE alone on CUDA
#   <device>-<date>-placement.json   placements, slice layouts, warps per block
#   <device>-<date>-scaling.json     batch size up to 2^23, system size, saves
#   <device>-<date>-run.txt          each step's seconds and outcome
# bench/report.py and bench/placement_report.py turn the JSON into tables.
# Each step runs whatever happened to the one before (a failed test is
# reported, the benchmarks still run); a step that would start with less
# than 20 s of the budget left is skipped, and a step is stopped when the
# budget runs out (its JSON is then missing: Google Benchmark writes it at
# the end). The exit status is the tests'.
#
# Environment: KOBIE_GPU_BUDGET_S (seconds for the whole run, default 420),
# KOBIE_DEVICE (the name in the files, default from nvidia-smi).
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export LD_LIBRARY_PATH="$repo/.gpu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
out=${OUT:-bench/results}
mkdir -p "$out"
budget=${KOBIE_GPU_BUDGET_S:-420}
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1)
device=${KOBIE_DEVICE:-$(echo "${gpu:-unknown-gpu}" | tr '[:upper:]' '[:lower:]' | tr -cs 'a-z0-9' '-' | sed 's/-$//')}
stem="$out/$device-$(date -u +%Y-%m-%d)"
echo "gpu-run: $gpu -> $stem-* (budget ${budget} s)" | tee "$stem-run.txt"

left() { echo $((budget - SECONDS)); }
step() {  # name command...: runs it under the budget, logs seconds and outcome
  local name=$1 start=$SECONDS rc
  shift
  if (( $(left) < 20 )); then
    echo "gpu-run: $name skipped (budget spent)" | tee -a "$stem-run.txt"
    return 0
  fi
  echo "gpu-run: $name" >&2
  timeout "$(left)" "$@"
  rc=$?
  echo "gpu-run: $name $((SECONDS - start)) s, exit $rc$( ((rc == 124)) && echo ' (out of budget)')" \
    | tee -a "$stem-run.txt"
  return "$rc"
}
bench() {  # name binary [env assignments...] -- [benchmark options...]
  local name=$1 binary=$2
  shift 2
  local vars=()
  while (( $# )) && [[ $1 != -- ]]; do vars+=("$1"); shift; done
  (( $# )) && shift
  step "$name" sh -c 'exec "$@" >/dev/null' sh env "${vars[@]}" ".gpu/$binary" \
    --benchmark_out="$stem-$name.json" --benchmark_out_format=json "$@"
}

step tests sh -c '"$1" >"$2" 2>&1' sh .gpu/kobie_tests_cuda "$stem-tests.log"
tests=$?
grep -E "PASSED|FAILED" "$stem-tests.log" | tail -n 5
# The anchors: KoBIE's rows only (the hand-written CPU loops at 2^23 systems
# would spend minutes of the budget on the GPU machine's CPU, in a build
# without -march=native).
bench anchor-a kobie_bench_lorenz KOBIE_BENCH_SYSTEMS=8388608 -- --benchmark_filter='^kobie/'
bench lorenz96 kobie_bench_lorenz96
bench placement kobie_bench_placement
bench scaling kobie_bench_scaling KOBIE_BENCH_MAX_SYSTEMS=8388608
exit "$tests"
