#!/usr/bin/env bash
# Prepares .gpu/ (ignored by git) for a lent GPU machine, which reaches no
# package archive and takes at most 64 MiB of carried files: the CUDA build's
# test binary and benchmark binaries (built here by `scripts/test.sh --only
# cuda`; nvcc compiles and links without a GPU), stripped, and the CUDA
# runtime they link. Nothing is built there: the GPU machine is x86-64 with a
# CUDA 13 driver, and the CUDA variant is built without -march=native so its
# host code runs on that machine's CPU too.
#
# There, from the repository root: scripts/gpu-run.sh (tests, then benchmarks;
# results named with the device).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
binaries=(tests/kobie_tests_cuda bench/kobie_bench_lorenz bench/kobie_bench_placement
          bench/kobie_bench_scaling bench/kobie_bench_lorenz96)
for b in "${binaries[@]}"; do
  [[ -x build/cuda/$b ]] || { scripts/test.sh --only deps,cuda; break; }
done
rm -rf .gpu && mkdir -p .gpu
for b in "${binaries[@]}"; do
  cp "build/cuda/$b" .gpu/
  strip --strip-debug ".gpu/$(basename "$b")"
done
cudart=$(ldd build/cuda/tests/kobie_tests_cuda | awk '/libcudart/ {print $3}')
[[ -n $cudart ]] && cp "$cudart" .gpu/
size=$(du -sm .gpu | cut -f1)
echo "gpu-prepare: .gpu holds ${size} MiB (the carry limit is 64 MiB)"
(( size < 60 )) || { echo "gpu-prepare: too large to carry" >&2; exit 1; }
