#!/usr/bin/env bash
# KoBIE's whole check: the README's test command, and what .ci/run calls.
#
#   deps     provision Kokkos (host; CUDA too where nvcc exists) and packages
#   host     build everything (Release, -Wall -Wextra -Werror) in build/host
#            (it and the cuda stage print their 10 slowest objects); the
#            command line with two methods, as in the cuda stage (the test
#            binaries compile every method on every backend; scripts/run.sh
#            builds the command line with all of them):
#            C++17, except the Serial test binary and a copy of the library's
#            sources, which compile as C++20 (KOBIE_TESTS_CXX20), so every
#            test body and header is checked in both standards in one build
#   test     ctest on every host backend (Serial; OpenMP at 1 and 2 threads),
#            the SIMD-pack tests built for x86-64-v4 (AVX-512; run where the
#            CPU has it, reported skipped where not: the summary's avx512
#            line), the benchmarks' smoke runs and the install test
#   format   clang-format check of every tracked C++ source
#   sanitize the registry, settings, bad-input, fault-injection and explicit
#            integration tests on Serial and OpenMP (at 1 and 2 threads),
#            and the command line's bad-input catalogue on `kobie-decay`,
#            built with -fsanitize=address,undefined in build/sanitize
#            (GCC -O0: a third of -O1's compile time here), library
#            included; any report fails the stage
#   fuzz     the libFuzzer harnesses (fuzz/: CLI options, settings,
#            registry trees, driver CSV; clang, ASan and UBSan) for 30 s
#            each, two at a time, from their committed corpora, with a
#            fixed seed (KOBIE_FUZZ_SEED, default 1: scripts/fuzz.sh says
#            why); a crash, leak or timeout fails the stage
#   cuda     build against the CUDA Kokkos (compile and link only: no GPU
#            here) every target with device code: the library, the CUDA test
#            binary, the command line and the benchmarks (not the Serial test
#            binary: host code the host stage compiled, not carried to GPU
#            machines by scripts/gpu-prepare.sh). The command line is built
#            as `kobie-lorenz` with two methods
#            (KOBIE_CLI_ALGORITHMS=rk4;dormand-prince-54): its code is the
#            same template for every system, and every built-in system's
#            device code, with every method, is in the CUDA test binary
#            (`kobie` with all eight systems took 16 objects, about 520 s of
#            compiler time). Keeps the
#            -Xptxas=-v report of every kernel per object in
#            build/cuda/compile-logs and as a table in
#            build/cuda/kernel-resources.txt, fails on nvcc warnings and on a
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
    -h|--help) sed -n '2,34p' "${BASH_SOURCE[0]}"; exit 0 ;;
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
    -DKOBIE_CLI_ALGORITHMS="rk4;dormand-prince-54" "${host_kokkos[@]}" >/dev/null || return 1
  cmake --build build/host -j "$jobs" || return 1
  python3 scripts/slowest-objects.py build/host 10 || return 1
  # Prove the second standard: the Serial tests must have compiled as C++20.
  grep -q -- '-std=c++20\|-std=gnu++20' build/host/build.ninja \
    || { echo "host: the Serial tests did not compile in C++20 mode (KOBIE_TESTS_CXX20)" >&2; return 1; }
}

run_tests() {
  OMP_PROC_BIND=false ctest --test-dir build/host --output-on-failure -j "$jobs"
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
    -DCMAKE_CXX_FLAGS="-Xptxas=-v" -DKOBIE_CLI_ALGORITHMS="rk4;dormand-prince-54" \
    >/dev/null || return 1
  # Rebuild every object so every kernel's report is in this run's logs.
  cmake --build build/cuda --target clean >/dev/null || return 1
  local targets
  targets=$(ninja -C build/cuda -t targets all | sed -n 's/^\(kobie[a-z0-9_]*\): phony$/\1/p' \
              | grep -vx kobie_tests_serial | grep -v "^kobie_cli") || return 1
  targets+=" kobie_cli_lorenz"
  # shellcheck disable=SC2086
  cmake --build build/cuda -j "$jobs" --target $targets || return 1
  python3 scripts/slowest-objects.py build/cuda 10 || return 1
  python3 scripts/ptxas-report.py "$logs" --table build/cuda/kernel-resources.txt \
    "${register_resident[@]}"
}
# The sanitizer build: a few test sources, both host backends, kobie-decay.
sanitize() {
  cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 \
    -DKOBIE_SANITIZE=address,undefined -DKOBIE_ENABLE_WERROR=ON -DKOBIE_ENABLE_BENCHMARKS=OFF \
    -DKOBIE_TESTS_CXX20=OFF -DKOBIE_TESTS_X86_64_V4=OFF -DKOBIE_NATIVE_ARCH=OFF \
    -DKOBIE_CLI_ALGORITHMS="rk4;dormand-prince-54" \
    -DKOBIE_TEST_ONLY="$(IFS=';'; echo "${sanitized_tests[*]}")" "${host_kokkos[@]}" >/dev/null || return 1
  cmake --build build/sanitize -j "$jobs" --target kobie_tests_serial kobie_tests_openmp \
    kobie_cli_decay kobie_launch_counter || return 1
  python3 scripts/slowest-objects.py build/sanitize 5 || return 1
  # halt_on_error: the first report fails its test; leaks are reports too.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 OMP_PROC_BIND=false \
    ctest --test-dir build/sanitize --output-on-failure -j "$jobs" -L "^(serial|openmp|cli-decay)$"
}
sanitized_tests=(test_buffer_allocator test_buffer_registry test_buffer_registry_property
  test_settings test_smoke test_bad_inputs test_explicit_integration)

# Kernels that must stay in registers (0 bytes stack frame, 0 spill stores):
# the registry's probe, the all-local Lorenz RK4 and Dormand-Prince
# integration kernels (compiled by the placement test) and the all-local
# 3-state backward Euler kernel with its Newton solver and dense LU
# (test_implicit_integration.cpp).
register_resident=(--register-resident 'RegisterResidencyProbe'
  --register-resident 'IntegrationKernel<kobie::systems::Lorenz, kobie::tableaus::ClassicalRK4, double, kobie::UniformPlacement<\(kobie::Location\)1>'
  --register-resident 'IntegrationKernel<kobie::systems::Lorenz, kobie::tableaus::DormandPrince54, double, kobie::UniformPlacement<\(kobie::Location\)1>'
  --register-resident 'IntegrationKernel<kobie::systems::Robertson, kobie::methods::BackwardEuler, double, kobie::UniformPlacement<\(kobie::Location\)1>')

# The SIMD-pack tests built for x86-64-v4 (AVX-512, kobie_tests_packs_x86_64_v4)
# run only where this CPU has it (tests/run_if_cpu_has.sh): say which.
avx512_line() {
  local flag
  for flag in avx512f avx512bw avx512cd avx512dq avx512vl; do
    if ! grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | grep -qw "$flag"; then
      echo "SKIPPED: this CPU lacks $flag, so the x86-64-v4 pack tests were built but not run"
      return
    fi
  done
  echo "ran (this CPU has AVX-512)"
}

stage deps deps
stage host host
stage test run_tests
if [[ -z $only || $only == *",test,"* ]]; then
  if [[ -e build/host/tests/kobie_tests_packs_x86_64_v4 ]]; then
    line=$(avx512_line)
  else
    line="NOT BUILT: KOBIE_TESTS_X86_64_V4 is off (not x86-64, or no -march=x86-64-v4 compiler)"
  fi
  echo "test.sh: AVX-512 pack tests: $line"
  summary+=("$(printf '%-8s %6s   %s' avx512 - "$line")")
fi
stage format format
stage sanitize sanitize
stage fuzz scripts/fuzz.sh --seconds "${KOBIE_FUZZ_SECONDS:-30}" --seed "${KOBIE_FUZZ_SEED:-1}"
if [[ $skip_cuda == 1 ]]; then
  summary+=("$(printf '%-8s %6s   skipped (--skip-cuda)' cuda -)")
elif [[ $have_nvcc == 0 ]]; then
  echo "test.sh: nvcc not found at $nvcc: skipping the CUDA compile check"
  summary+=("$(printf '%-8s %6s   skipped (no nvcc at %s)' cuda - "$nvcc")")
else
  stage cuda cuda
fi
print_summary
