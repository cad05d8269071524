#!/usr/bin/env bash
# The README's first command: provision what KoBIE needs (idempotent), build
# the command line for the system the arguments ask for, and run it with
# them (with none, its built-in defaults: 4096 Lorenz systems).
#
# It builds `kobie-<system>` (apps/CMakeLists.txt) in build/run: the kobie
# program with one system's kernels, every method in both precisions. The
# first run for a system compiles that system only (minutes on 2 cores);
# later runs reuse it. `cmake --build build/run --target kobie_cli` builds the
# whole `kobie`, every system.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
scripts/bootstrap.sh --host
kokkos=()
[[ -z "${Kokkos_ROOT:-}" ]] && kokkos=(-DKokkos_ROOT="$repo/.deps/kokkos-host")

# The system the arguments ask for (--system NAME or --system=NAME; the
# default lorenz). A name that is not built in runs the default program,
# which refuses it and lists the built-in ones.
system=lorenz
args=("$@")
for ((i = 0; i < ${#args[@]}; ++i)); do
  case "${args[i]}" in
    --system) (( i + 1 < ${#args[@]} )) && system=${args[i + 1]} ;;
    --system=*) system=${args[i]#--system=} ;;
  esac
done
mkdir -p build
cmake -S . -B build/run -G Ninja -DCMAKE_BUILD_TYPE=Release -DKOBIE_CLI_ALGORITHMS= \
  "${kokkos[@]}" >build/run-configure.log 2>&1 \
  || { tail -n 30 build/run-configure.log >&2; echo "kobie: configuring failed; the log is build/run-configure.log" >&2; exit 1; }
# (the built-in systems are those apps/CMakeLists.txt gives a program)
target=kobie_cli_${system//-/_}
if ! ninja -C build/run -t query "$target" >/dev/null 2>&1; then
  system=lorenz
  target=kobie_cli_lorenz
fi
echo "kobie: building the command line for '$system' (a first build compiles its kernels: minutes)" >&2
if ! cmake --build build/run -j "${KOBIE_JOBS:-$(nproc)}" --target "$target" >build/run-build.log 2>&1; then
  tail -n 30 build/run-build.log >&2
  echo "kobie: the build failed; the whole log is build/run-build.log" >&2
  exit 1
fi
export OMP_PROC_BIND=${OMP_PROC_BIND:-false}
exec "build/run/apps/kobie-$system" "$@"
