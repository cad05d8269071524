#!/usr/bin/env bash
# Builds KoBIE's libFuzzer harnesses (fuzz/, clang++ with AddressSanitizer
# and UBSan) in build/fuzz and runs each for a bounded time, two at a time,
# seeded read-only from its committed corpus fuzz/corpus/<harness>/ (new
# inputs go to a temporary folder: a run never changes the repository).
# Exits 1 if any fuzzer finds a crash, a leak, a timeout or an allocation
# over the limits, and prints where the input is and how to reproduce it.
#
#   scripts/fuzz.sh [--seconds N] [--jobs J] [--build-only] [HARNESS...]
#
#   --seconds N   run time per fuzzer (default 30)
#   --seed S      libFuzzer's seed (default: a new one each run). CI passes
#                 one: the same seed runs the same mutations, so a time-
#                 bounded run is a prefix of one sequence, checked clean
#                 for twice CI's time; a new finding then fails a change
#                 that causes it, never an unrelated one. By hand, leave it
#                 out and explore.
#   --jobs J      fuzzers run at once (default 2)
#   --build-only  configure and build, run nothing
#   HARNESS       cli_options, settings, registry, driver_csv (default all)
#
# Environment: CXX (default clang++), KOBIE_JOBS (build jobs, default
# nproc), KOBIE_FUZZ_ARGS (more libFuzzer options for every run).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

seconds=30
seed=""
jobs=2
build_only=0
harnesses=()
all=(cli_options settings registry driver_csv)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a value}; shift 2 ;;
    --seed) seed=${2:?--seed needs a value}; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1'; allowed: --seconds N, --seed S, --jobs J, --build-only" >&2; exit 2 ;;
    *)
      if [[ " ${all[*]} " != *" $1 "* ]]; then
        echo "fuzz.sh: unknown harness '$1'; allowed: ${all[*]}" >&2; exit 2
      fi
      harnesses+=("$1"); shift ;;
  esac
done
[[ ${#harnesses[@]} -gt 0 ]] || harnesses=("${all[@]}")
if ! [[ "$seconds" =~ ^[0-9]+$ && "$seconds" -ge 1 ]]; then
  echo "fuzz.sh: --seconds has value '$seconds'; allowed: a whole number >= 1" >&2; exit 2
fi
if [[ -n "$seed" ]] && ! [[ "$seed" =~ ^[0-9]+$ && "$seed" -ge 1 ]]; then
  echo "fuzz.sh: --seed has value '$seed'; allowed: a whole number >= 1" >&2; exit 2
fi
if ! [[ "$jobs" =~ ^[0-9]+$ && "$jobs" -ge 1 ]]; then
  echo "fuzz.sh: --jobs has value '$jobs'; allowed: a whole number >= 1" >&2; exit 2
fi

build=build/fuzz
cxx=${CXX:-clang++}
if ! command -v "$cxx" >/dev/null; then
  echo "fuzz.sh: no '$cxx' (CXX); the fuzzers need clang++ with libFuzzer" >&2; exit 2
fi
start=$(date +%s)
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S fuzz -B "$build" "${generator[@]}" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
fi
cmake --build "$build" --parallel "${KOBIE_JOBS:-$(nproc)}" >/dev/null
echo "fuzz.sh: built ${#harnesses[@]} fuzzers in $(( $(date +%s) - start )) s ($build)"
[[ $build_only -eq 1 ]] && exit 0

artifacts="$repo/$build/artifacts"
logs="$repo/$build/logs"
mkdir -p "$artifacts" "$logs"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# One fuzzer: the fresh folder first (libFuzzer writes new inputs to the
# first corpus folder), the committed corpus second, read only.
run_one() {
  local h=$1
  mkdir -p "$scratch/$h" "$artifacts/$h"
  rm -f "$artifacts/$h"/*
  local extra=()
  # (a dictionary of option names, where the harness has one)
  [[ -f "fuzz/dicts/$h.dict" ]] && extra+=("-dict=fuzz/dicts/$h.dict")
  [[ -n "$seed" ]] && extra+=("-seed=$seed")
  # shellcheck disable=SC2086
  "$build/fuzz_$h" "$scratch/$h" "fuzz/corpus/$h" "${extra[@]}" \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -artifact_prefix="$artifacts/$h/" -print_final_stats=1 ${KOBIE_FUZZ_ARGS:-} \
    >"$logs/$h.log" 2>&1 && echo 0 >"$scratch/$h.rc" || echo $? >"$scratch/$h.rc"
}

for h in "${harnesses[@]}"; do
  while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do sleep 1; done
  run_one "$h" &
done
wait

failed=0
for h in "${harnesses[@]}"; do
  rc=$(cat "$scratch/$h.rc")
  log="$logs/$h.log"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  seeds=$(find "fuzz/corpus/$h" -type f | wc -l)
  new=$(find "$scratch/$h" -type f | wc -l)
  printf 'fuzz.sh: %-12s %9s executions, coverage %s edges / %s features, corpus %s committed + %s new\n' \
    "$h" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$seeds" "$new"
  crash=$(find "$artifacts/$h" -type f | head -1)
  if [[ $rc -ne 0 || -n "$crash" ]]; then
    failed=1
    echo "fuzz.sh: $h FAILED (exit $rc); log: $log" >&2
    grep -m3 -E 'ERROR|invariant failed|SUMMARY' "$log" | sed 's/^/  /' >&2 || true
    if [[ -n "$crash" ]]; then
      echo "  input: $crash" >&2
      echo "  reproduce: $build/fuzz_$h $crash" >&2
      echo "  (or without clang: the replay of the host build, build/host/fuzz/fuzz_replay_$h $crash)" >&2
      echo "  then fix it, and keep the input as fuzz/regressions/$h/<what-it-shows> (fuzz/README.md)" >&2
    fi
  fi
done
echo "fuzz.sh: $(( $(date +%s) - start )) s in all"
exit $failed
