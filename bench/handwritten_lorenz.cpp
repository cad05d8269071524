// Peers written by hand: what a user would write without an integrator library.
// The Lorenz ensemble of anchor A (../shared/ANCHORS.md): u0 = (1, 0, 0),
// rho = linspace(0, 21, N), sigma = 10, beta = 8/3, classical RK4, fixed
// dt = 1e-3, 1000 steps, end states only.
//
//  * scalar:     one system after another, each thread over its share of the
//                systems (latency-bound; what naive code does)
//  * vectorised: systems innermost in blocks of 64, one RK4 step for the whole
//                block at a time under `omp simd`: the speed of light on a CPU
#include "bench_context.hpp"
#include "lorenz_problem.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <vector>

namespace {

template <class T>
struct LorenzBatch {
  std::vector<T> x, y, z, rho;
  explicit LorenzBatch(std::size_t n) : x(n, T(1)), y(n, T(0)), z(n, T(0)), rho(n) {
    const auto r = kobie_bench::lorenz_rho(static_cast<long>(n));
    for (std::size_t i = 0; i < n; ++i) rho[i] = T(r[i]);
  }
  void reset() {
    std::fill(x.begin(), x.end(), T(1));
    std::fill(y.begin(), y.end(), T(0));
    std::fill(z.begin(), z.end(), T(0));
  }
};

template <class T>
inline void lorenz_rhs(T x, T y, T z, T rho, T& dx, T& dy, T& dz) {
  const T sigma = T(10), beta = T(8.0 / 3.0);
  dx = sigma * (y - x);
  dy = x * (rho - z) - y;
  dz = x * y - beta * z;
}

template <class T>
inline void rk4_step(T& x, T& y, T& z, T rho, T dt) {
  T k1x, k1y, k1z, k2x, k2y, k2z, k3x, k3y, k3z, k4x, k4y, k4z;
  const T h = T(0.5) * dt;
  lorenz_rhs(x, y, z, rho, k1x, k1y, k1z);
  lorenz_rhs(x + h * k1x, y + h * k1y, z + h * k1z, rho, k2x, k2y, k2z);
  lorenz_rhs(x + h * k2x, y + h * k2y, z + h * k2z, rho, k3x, k3y, k3z);
  lorenz_rhs(x + dt * k3x, y + dt * k3y, z + dt * k3z, rho, k4x, k4y, k4z);
  const T w = dt / T(6);
  x += w * (k1x + T(2) * k2x + T(2) * k3x + k4x);
  y += w * (k1y + T(2) * k2y + T(2) * k3y + k4y);
  z += w * (k1z + T(2) * k2z + T(2) * k3z + k4z);
}

kobie_bench::LorenzProblem problem() {
  return kobie_bench::lorenz_problem();
}

template <class T>
void scalar_loop(LorenzBatch<T>& b, int steps, T dt) {
  const long n = static_cast<long>(b.x.size());
  T* x = b.x.data();
  T* y = b.y.data();
  T* z = b.z.data();
  const T* rho = b.rho.data();
  KOBIE_OMP("omp parallel for schedule(static)")
  for (long i = 0; i < n; ++i) {
    T xi = x[i], yi = y[i], zi = z[i];
    for (int s = 0; s < steps; ++s) rk4_step(xi, yi, zi, rho[i], dt);
    x[i] = xi;
    y[i] = yi;
    z[i] = zi;
  }
}

template <class T>
void vectorised_loop(LorenzBatch<T>& b, int steps, T dt) {
  constexpr long block = 64;
  const long n = static_cast<long>(b.x.size());
  T* x = b.x.data();
  T* y = b.y.data();
  T* z = b.z.data();
  const T* rho = b.rho.data();
  KOBIE_OMP("omp parallel for schedule(static)")
  for (long first = 0; first < n; first += block) {
    const long len = first + block <= n ? block : n - first;
    alignas(64) T bx[block], by[block], bz[block], br[block];
    for (long j = 0; j < len; ++j) {
      bx[j] = x[first + j];
      by[j] = y[first + j];
      bz[j] = z[first + j];
      br[j] = rho[first + j];
    }
    for (int s = 0; s < steps; ++s) {
      KOBIE_OMP("omp simd")
      for (long j = 0; j < block; ++j) rk4_step(bx[j], by[j], bz[j], br[j], dt);
    }
    for (long j = 0; j < len; ++j) {
      x[first + j] = bx[j];
      y[first + j] = by[j];
      z[first + j] = bz[j];
    }
  }
}

template <class T, void (*Loop)(LorenzBatch<T>&, int, T)>
void BM_lorenz_rk4(benchmark::State& state) {
  const auto p = problem();
  LorenzBatch<T> batch(static_cast<std::size_t>(p.systems));
  for (auto _ : state) {
    batch.reset();
    const auto start = std::chrono::steady_clock::now();
    Loop(batch, p.steps, T(p.t_end / p.steps));
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    benchmark::DoNotOptimize(batch.x.data());
    benchmark::ClobberMemory();
  }
  state.counters["system_steps_per_s"] = benchmark::Counter(
      double(p.systems) * p.steps * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["systems"] = double(p.systems);
  state.counters["steps"] = p.steps;
}

BENCHMARK_TEMPLATE(BM_lorenz_rk4, double, scalar_loop<double>)
    ->Name("handwritten/lorenz_rk4/scalar/float64")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_lorenz_rk4, double, vectorised_loop<double>)
    ->Name("handwritten/lorenz_rk4/vectorised/float64")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_lorenz_rk4, float, scalar_loop<float>)
    ->Name("handwritten/lorenz_rk4/scalar/float32")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_lorenz_rk4, float, vectorised_loop<float>)
    ->Name("handwritten/lorenz_rk4/vectorised/float32")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
