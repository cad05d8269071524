#!/usr/bin/env bash
# Prepares .gpu/ (ignored by git) for a lent GPU machine: the CUDA build's
# test and program binaries (built here by `scripts/test.sh --only cuda`) and
# the CUDA runtime they link. The GPU machine is x86-64 with a CUDA 13 driver;
# the CUDA variant is built without -march=native so its host code runs on
# that machine's CPU too.
#
# There, run:  LD_LIBRARY_PATH=.gpu .gpu/kobie_tests_cuda
#              LD_LIBRARY_PATH=.gpu KOBIE_BENCH_SYSTEMS=8388608 \
#                .gpu/kobie_bench_lorenz --benchmark_filter=kobie/ --benchmark_format=json
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
[[ -x build/cuda/tests/kobie_tests_cuda ]] || scripts/test.sh --only deps,cuda
rm -rf .gpu && mkdir -p .gpu
cp build/cuda/tests/kobie_tests_cuda build/cuda/apps/kobie build/cuda/bench/kobie_bench_lorenz .gpu/
cudart=$(ldd build/cuda/tests/kobie_tests_cuda | awk '/libcudart/ {print $3}')
[[ -n $cudart ]] && cp "$cudart" .gpu/
du -sh .gpu
