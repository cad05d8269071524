// Boost.Odeint on the Lorenz ensemble, run system by system over the host's
// threads (what a user would write without a batch integrator): runge_kutta4
// with the same fixed step in float64 and float32, and runge_kutta_dopri5
// against KoBIE at several tolerances with the accuracy each reaches
// (dopri5_comparison.hpp).
#include <boost/numeric/odeint.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "dopri5_comparison.hpp"
#include "lorenz_problem.hpp"

namespace {

namespace odeint = boost::numeric::odeint;

/// Lorenz (sigma = 10, beta = 8/3) in precision T, the constants rounded to T.
template <class T>
void lorenz_rhs(T rho, const std::array<T, 3>& x, std::array<T, 3>& dxdt) {
  dxdt[0] = T(10) * (x[1] - x[0]);
  dxdt[1] = x[0] * (rho - x[2]) - x[1];
  dxdt[2] = x[0] * x[1] - T(8.0 / 3.0) * x[2];
}

/// Anchor A for the Dormand-Prince comparison (lorenz_problem.hpp).
struct LorenzDopri5 {
  using System = kobie::systems::Lorenz;
  static constexpr int n = 3;
  static const char* name() { return "lorenz"; }
  static const char* parameter() { return "rho"; }
  static std::vector<double> values() {
    return kobie_bench::lorenz_rho(kobie_bench::lorenz_problem().systems);
  }
  static double t_end() { return kobie_bench::lorenz_problem().t_end; }
  static std::array<double, 3> initial_state() { return {1.0, 0.0, 0.0}; }
  static void rhs(double rho, const std::array<double, 3>& x, std::array<double, 3>& dxdt) {
    lorenz_rhs(rho, x, dxdt);
  }
};

/// runge_kutta4 in precision T (float: the stepper's value and time types
/// are float too, as a float32 user would write it; Lorenz is autonomous).
template <class T>
void BM_odeint_rk4(benchmark::State& state) {
  using State = std::array<T, 3>;
  const auto p = kobie_bench::lorenz_problem();
  const auto rho = kobie_bench::lorenz_rho(p.systems);
  const T dt = T(p.t_end / p.steps);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    double sink = 0;
    KOBIE_OMP("omp parallel for schedule(static) reduction(+ : sink)")
    for (long i = 0; i < p.systems; ++i) {
      State x = {T(1), T(0), T(0)};
      const T r = T(rho[i]);
      odeint::integrate_n_steps(
          odeint::runge_kutta4<State, T>(),
          [r](const State& y, State& dydt, T) { lorenz_rhs(r, y, dydt); }, x, T(0), dt, p.steps);
      sink += double(x[0]);
    }
    benchmark::DoNotOptimize(sink);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  state.counters["system_steps_per_s"] = benchmark::Counter(
      double(p.systems) * p.steps * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_odeint_rk4<double>)
    ->Name("odeint/lorenz_rk4/float64")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_odeint_rk4<float>)
    ->Name("odeint/lorenz_rk4/float32")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

const bool registered =
    kobie_bench::register_dopri5_comparison<LorenzDopri5>({1e-6, 1e-7, 1e-8, 1e-9});

}  // namespace
