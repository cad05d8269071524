#!/usr/bin/env bash
# KoBIE's whole check: the README's test command, and what .ci/run calls.
#
#   deps     provision Kokkos (host; CUDA too where nvcc exists) and packages
#   host     build everything (Release, -Wall -Wextra -Werror) in build/host
#   test     ctest on every host backend (Serial; OpenMP at 1 and 2 threads),
#            the benchmarks' smoke runs and the install test
#   cxx20    build the library and every test body once more in C++20 mode
#            (build/cxx20; Serial backend: the command line's per-system
#            kernels are the same templates and are not compiled twice)
#   format   clang-format check of every tracked C++ source
#   cuda     build everything against the CUDA Kokkos (compile and link only:
#            no GPU here), keep the -Xptxas=-v report of every kernel per
#            object in build/cuda/compile-logs and as a table in
#            build/cuda/kernel-resources.txt, fail on nvcc warnings and on a
#            register-resident test kernel that has a stack frame or spills
#
# (Stage functions run inside `if`, where bash ignores `set -e`: every
# command that can fail ends with `|| return 1`.)
#
# Options: --skip-cuda, --only STAGE[,STAGE...]. Environment: KOBIE_JOBS
# (parallel jobs, default nproc), KOBIE_CUDA_ARCH (default sm_90).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
jobs=${KOBIE_JOBS:-$(nproc)}
skip_cuda=0
only=""
while (( $# )); do
  case "$1" in
    --skip-cuda) skip_cuda=1 ;;
    --only) only=",$2,"; shift ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "test.sh: error: unknown option '$1' (allowed: --skip-cuda, --only STAGES)" >&2; exit 2 ;;
  esac
  shift
done

nvcc=/usr/local/cuda/bin/nvcc
have_nvcc=0
[[ -x $nvcc ]] && have_nvcc=1

summary=()
overall_start=$SECONDS
stage() {  # name command...
  local name=$1; shift
  if [[ -n $only && $only != *",$name,"* ]]; then return; fi
  echo
  echo "==================== stage: $name ===================="
  local start=$SECONDS
  if "$@"; then
    summary+=("$(printf '%-8s %6ss  ok' "$name" $((SECONDS - start)))")
  else
    summary+=("$(printf '%-8s %6ss  FAILED' "$name" $((SECONDS - start)))")
    print_summary
    echo "test.sh: stage '$name' failed" >&2
    exit 1
  fi
}
print_summary() {
  echo
  echo "==================== timing summary ===================="
  printf '%s\n' "${summary[@]}"
  printf '%-8s %6ss\n' total $((SECONDS - overall_start))
}

host_kokkos=()
[[ -z "${Kokkos_ROOT:-}" ]] && host_kokkos=(-DKokkos_ROOT="$repo/.deps/kokkos-host")

deps() {
  local variants=(--host)
  [[ $have_nvcc == 1 && $skip_cuda == 0 ]] && variants+=(--cuda)
  scripts/bootstrap.sh "${variants[@]}" || return 1
}

host() {
  cmake -S . -B build/host -G Ninja -DCMAKE_BUILD_TYPE=Release -DKOBIE_ENABLE_WERROR=ON \
    "${host_kokkos[@]}" >/dev/null || return 1
  cmake --build build/host -j "$jobs" || return 1
}

run_tests() {
  OMP_PROC_BIND=false ctest --test-dir build/host --output-on-failure -j "$jobs"
}

cxx20() {
  cmake -S . -B build/cxx20 -G Ninja -DCMAKE_BUILD_TYPE=Release -DKOBIE_ENABLE_WERROR=ON \
    -DCMAKE_CXX_STANDARD=20 -DCMAKE_CXX_STANDARD_REQUIRED=ON "${host_kokkos[@]}" >/dev/null || return 1
  cmake --build build/cxx20 -j "$jobs" --target kobie kobie_tests_serial || return 1
  # Prove the mode: the compile commands must carry -std=c++20.
  grep -q -- '-std=c++20\|-std=gnu++20' build/cxx20/build.ninja \
    || { echo "cxx20: the build did not compile in C++20 mode" >&2; return 1; }
}

format() {
  local files
  files=$(git ls-files '*.cpp' '*.hpp')
  # shellcheck disable=SC2086
  clang-format --dry-run --Werror $files || return 1
  echo "format: $(echo "$files" | wc -l) files follow .clang-format"
}

cuda() {
  export PATH="/usr/local/cuda/bin:$PATH"
  local kokkos="$repo/.deps/kokkos-cuda" logs="$repo/build/cuda/compile-logs"
  rm -rf "$logs"
  cmake -S . -B build/cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DKOBIE_ENABLE_WERROR=ON \
    -DKokkos_ROOT="$kokkos" -DCMAKE_CXX_COMPILER="$kokkos/bin/nvcc_wrapper" \
    -DCMAKE_CXX_COMPILER_LAUNCHER="$repo/scripts/cuda-compile-log.sh;$logs" \
    -DCMAKE_CXX_FLAGS="-Xptxas=-v" >/dev/null || return 1
  # Rebuild every object so every kernel's report is in this run's logs.
  cmake --build build/cuda --target clean >/dev/null || return 1
  cmake --build build/cuda -j "$jobs" || return 1
  python3 scripts/ptxas-report.py "$logs" --table build/cuda/kernel-resources.txt \
    "${register_resident[@]}"
}
# Kernels that must stay in registers (0 bytes stack frame, 0 spill stores):
# the registry's probe, and the all-local Lorenz RK4 and Dormand-Prince
# integration kernels (compiled by the placement test).
register_resident=(--register-resident 'RegisterResidencyProbe'
  --register-resident 'IntegrationKernel<kobie::systems::Lorenz, kobie::tableaus::ClassicalRK4, double, kobie::UniformPlacement<\(kobie::Location\)1>'
  --register-resident 'IntegrationKernel<kobie::systems::Lorenz, kobie::tableaus::DormandPrince54, double, kobie::UniformPlacement<\(kobie::Location\)1>')

stage deps deps
stage host host
stage test run_tests
stage cxx20 cxx20
stage format format
if [[ $skip_cuda == 1 ]]; then
  summary+=("$(printf '%-8s %6s   skipped (--skip-cuda)' cuda -)")
elif [[ $have_nvcc == 0 ]]; then
  echo "test.sh: nvcc not found at $nvcc: skipping the CUDA compile check"
  summary+=("$(printf '%-8s %6s   skipped (no nvcc at %s)' cuda - "$nvcc")")
else
  stage cuda cuda
fi
print_summary
