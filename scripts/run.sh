#!/usr/bin/env bash
# The README's first command: provision what KoBIE needs (idempotent), build
# it, and run the kobie command-line program with the given arguments (with
# none, its built-in defaults).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
scripts/bootstrap.sh --host
kokkos=()
[[ -z "${Kokkos_ROOT:-}" ]] && kokkos=(-DKokkos_ROOT="$repo/.deps/kokkos-host")
echo "kobie: building the command line (the first build compiles every built-in system's kernels: minutes)" >&2
cmake -S . -B build/host -G Ninja -DCMAKE_BUILD_TYPE=Release "${kokkos[@]}" >/dev/null
if ! cmake --build build/host -j "${KOBIE_JOBS:-$(nproc)}" --target kobie_cli >build/run-build.log 2>&1; then
  tail -n 30 build/run-build.log >&2
  echo "kobie: the build failed; the whole log is build/run-build.log" >&2
  exit 1
fi
export OMP_PROC_BIND=${OMP_PROC_BIND:-false}
exec build/host/apps/kobie "$@"
