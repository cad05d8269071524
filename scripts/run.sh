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
cmake -S . -B build/host -G Ninja -DCMAKE_BUILD_TYPE=Release "${kokkos[@]}" >/dev/null
cmake --build build/host -j "${KOBIE_JOBS:-$(nproc)}" --target kobie_cli >/dev/null
export OMP_PROC_BIND=${OMP_PROC_BIND:-false}
exec build/host/apps/kobie "$@"
