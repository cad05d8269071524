// The CUDA kernels of anchor A (Lorenz, fixed-step RK4, float32 and float64,
// default placement) for scripts/ptx-loops.py, which counts the
// instructions of a fixed step from nvcc's PTX without a GPU
// (docs/ARCHITECTURE.md, *Where a CUDA fixed step spends its instructions*).
// Not part of the build; from the repository root, after
// `scripts/bootstrap.sh --cuda` and a configured build/cuda:
//
//   mkdir -p /tmp/ptx && .deps/kokkos-cuda/bin/nvcc_wrapper -O3 -DNDEBUG \
//       -expt-extended-lambda -expt-relaxed-constexpr -arch=sm_90 -std=c++17 \
//       -Iinclude -Ibuild/cuda/include -isystem .deps/kokkos-cuda/include \
//       --keep --keep-dir=/tmp/ptx -c docs/experiments/lorenz_rk4_ptx.cpp \
//       -o /tmp/ptx/lorenz_rk4_ptx.o
//   scripts/ptx-loops.py /tmp/ptx/lorenz_rk4_ptx.ptx --kernel IntegrationKernel
#include <kobie/kobie.hpp>

#include <tuple>

using Rk4 = std::tuple<kobie::tableaus::ClassicalRK4>;

template <class T>
kobie::Results<T, Kokkos::CudaSpace> anchor_a(const kobie::DeviceBatch<T, Kokkos::CudaSpace>& b,
                                              const kobie::IntegrationSettings& s) {
  return kobie::solve<T, Rk4>(Kokkos::Cuda(), kobie::systems::Lorenz{}, b, s);
}

template kobie::Results<float, Kokkos::CudaSpace> anchor_a(
    const kobie::DeviceBatch<float, Kokkos::CudaSpace>&, const kobie::IntegrationSettings&);
template kobie::Results<double, Kokkos::CudaSpace> anchor_a(
    const kobie::DeviceBatch<double, Kokkos::CudaSpace>&, const kobie::IntegrationSettings&);
