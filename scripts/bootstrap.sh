#!/usr/bin/env bash
# Provision everything KoBIE's build needs on a Debian 12 machine. Idempotent:
# what is already there is reused.
#
# Usage: scripts/bootstrap.sh [--host] [--cuda]     (default: --host)
#
#   --host  Kokkos with the Serial + OpenMP backends in .deps/kokkos-host
#   --cuda  Kokkos with the CUDA (+ Serial) backend in .deps/kokkos-cuda, built
#           with /usr/local/cuda/bin/nvcc through Kokkos' nvcc_wrapper and the
#           compatibility patch cmake/kokkos-3.4.1-cuda13.patch
#
# Environment:
#   Kokkos_ROOT          use this Kokkos install instead of provisioning one
#   KOBIE_CUDA_ARCH      CUDA architecture of the --cuda variant (default sm_90;
#                        sm_75, sm_80, sm_86 and sm_90 are known)
#   KOBIE_CACHE_DIR      download cache outside the clone (default ~/.cache/kobie)
#   KOBIE_DEPS_DIR       where provisioned prefixes go (default <repo>/.deps)
#
# System packages (GoogleTest, Google Benchmark, Boost headers, CMake, Ninja,
# clang-format, clang with libFuzzer) are installed with apt-get only when
# missing.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps=${KOBIE_DEPS_DIR:-$repo/.deps}
jobs=${KOBIE_JOBS:-$(nproc)}
want_host=0 want_cuda=0
for arg in "$@"; do
  case "$arg" in
    --host) want_host=1 ;;
    --cuda) want_cuda=1 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "kobie bootstrap: error: unknown option '$arg' (allowed: --host, --cuda)" >&2; exit 2 ;;
  esac
done
[[ $want_host == 0 && $want_cuda == 0 ]] && want_host=1

die() { echo "kobie bootstrap: error: $*" >&2; exit 1; }
log() { echo "kobie bootstrap: $*" >&2; }

# ---------------------------------------------------------------- system packages
need_pkgs=()
[[ -f /usr/include/gtest/gtest.h ]]               || need_pkgs+=(libgtest-dev)
[[ -f /usr/include/benchmark/benchmark.h ]]       || need_pkgs+=(libbenchmark-dev)
[[ -f /usr/include/boost/numeric/odeint.hpp ]]    || need_pkgs+=(libboost-dev)
command -v cmake >/dev/null                       || need_pkgs+=(cmake)
command -v ninja >/dev/null                       || need_pkgs+=(ninja-build)
command -v clang-format >/dev/null                || need_pkgs+=(clang-format)
# clang++ with libFuzzer for the fuzz stage (scripts/fuzz.sh)
command -v clang++ >/dev/null                     || need_pkgs+=(clang)
compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null \
  || [[ $(uname -m) != x86_64 ]]                  || need_pkgs+=(libclang-rt-dev)
command -v g++ >/dev/null                         || need_pkgs+=(g++)
command -v patch >/dev/null                       || need_pkgs+=(patch)
command -v python3 >/dev/null                     || need_pkgs+=(python3)
if (( ${#need_pkgs[@]} )); then
  command -v apt-get >/dev/null || die "missing ${need_pkgs[*]} and apt-get is not available to install them"
  sudo=""
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || die "missing ${need_pkgs[*]}; installing them needs root (or sudo)"
    sudo=sudo
  fi
  mkdir -p "$deps"; apt_log="$deps/apt-install.log"
  log "installing Debian packages: ${need_pkgs[*]} (log: $apt_log)"
  ok=0
  for attempt in 1 2 3; do
    if { $sudo apt-get -qq update && DEBIAN_FRONTEND=noninteractive $sudo apt-get -qq install -y \
           --no-install-recommends "${need_pkgs[@]}"; } >"$apt_log" 2>&1; then ok=1; break; fi
    log "apt-get failed (attempt $attempt), retrying"; sleep $((attempt * 5))
  done
  [[ $ok == 1 ]] || die "could not install ${need_pkgs[*]} with apt-get; see $apt_log"
fi

# ---------------------------------------------------------------- Kokkos
# A prefix is complete only when its stamp file matches the wanted
# configuration; the stamp is written last, so an interrupted build is never
# mistaken for a complete one (the prefix is wiped and rebuilt).
build_kokkos() {  # variant cmake-args...
  local variant=$1; shift
  local prefix="$deps/kokkos-$variant" stamp_text
  stamp_text="kokkos 3.4.1 trilinos 13.2.0-4 | patch $(cksum < "$repo/cmake/kokkos-3.4.1-cuda13.patch" | cut -d' ' -f1) | $*"
  if [[ -f "$prefix/.kobie-complete" && "$(cat "$prefix/.kobie-complete")" == "$stamp_text" ]]; then
    log "Kokkos ($variant) already built in $prefix"
    return
  fi
  rm -rf "$prefix" "$deps/build-kokkos-$variant" "$deps/src-kokkos-$variant"
  mkdir -p "$deps"
  "$repo/scripts/fetch-kokkos-source.sh" "$deps/src-kokkos-$variant"
  if [[ $variant == cuda ]]; then
    (cd "$deps/src-kokkos-$variant" && patch -p1 -s < "$repo/cmake/kokkos-3.4.1-cuda13.patch") \
      || die "the CUDA compatibility patch did not apply to Kokkos' tree"
    set -- "$@" "-DCMAKE_CXX_COMPILER=$deps/src-kokkos-$variant/bin/nvcc_wrapper"
  fi
  local log_file="$deps/kokkos-$variant-build.log"
  log "building Kokkos ($variant) into $prefix (log: $log_file)"
  if ! { cmake -S "$deps/src-kokkos-$variant" -B "$deps/build-kokkos-$variant" -G Ninja \
           -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
           -DCMAKE_CXX_STANDARD=17 -DCMAKE_CXX_EXTENSIONS=OFF \
           -DKokkos_ENABLE_SERIAL=ON -DKokkos_ENABLE_TESTS=OFF -DKokkos_ENABLE_EXAMPLES=OFF "$@" \
         && cmake --build "$deps/build-kokkos-$variant" -j "$jobs" \
         && cmake --install "$deps/build-kokkos-$variant"; } >"$log_file" 2>&1; then
    rm -rf "$prefix"
    die "building Kokkos ($variant) failed; see $log_file"
  fi
  rm -rf "$deps/build-kokkos-$variant"
  [[ $variant == cuda ]] || rm -rf "$deps/src-kokkos-$variant"   # nvcc_wrapper stays for the CUDA build
  echo "$stamp_text" > "$prefix/.kobie-complete"
  log "Kokkos ($variant) ready in $prefix"
}

if [[ -n "${Kokkos_ROOT:-}" ]]; then
  log "using the Kokkos given by Kokkos_ROOT=$Kokkos_ROOT (nothing provisioned)"
  exit 0
fi

if [[ $want_host == 1 ]]; then
  # The host's full instruction set (-march=native) makes the SIMD-across-
  # systems kernels about five times faster here; it goes into Kokkos' own
  # compiled objects only, never into the exported target's interface.
  build_kokkos host -DKokkos_ENABLE_OPENMP=ON -DCMAKE_CXX_FLAGS=-march=native
fi

if [[ $want_cuda == 1 ]]; then
  nvcc=/usr/local/cuda/bin/nvcc
  [[ -x $nvcc ]] || die "the CUDA variant needs nvcc at $nvcc, which is absent"
  arch=${KOBIE_CUDA_ARCH:-sm_90}
  case "$arch" in
    sm_75) karch=TURING75 ;; sm_80) karch=AMPERE80 ;; sm_86) karch=AMPERE86 ;; sm_90) karch=HOPPER90 ;;
    *) die "KOBIE_CUDA_ARCH='$arch' is not known (allowed: sm_75, sm_80, sm_86, sm_90)" ;;
  esac
  export PATH="/usr/local/cuda/bin:$PATH"
  # No -march=native here: the host part of a CUDA build may run on another
  # machine's CPU (the GPU machine), and it does little work.
  build_kokkos cuda -DKokkos_ENABLE_CUDA=ON -DKokkos_ENABLE_CUDA_LAMBDA=ON \
    -DKokkos_ENABLE_CUDA_CONSTEXPR=ON "-DKokkos_ARCH_$karch=ON"
fi
