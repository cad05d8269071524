// Boost.Odeint on the Lorenz ensemble, run system by system over the host's
// threads (what a user would write without a batch integrator): runge_kutta4
// with the same fixed step, and runge_kutta_dopri5 with the same tolerances
// as KoBIE's adaptive runs. Each adaptive run's accuracy against a tight
// reference is reported beside its time (the two error norms differ).
#include <boost/numeric/odeint.hpp>
#include <kobie/kobie.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "lorenz_problem.hpp"

namespace {

using State = std::array<double, 3>;
namespace odeint = boost::numeric::odeint;

struct LorenzRhs {
  double rho;
  void operator()(const State& x, State& dxdt, double) const {
    dxdt[0] = 10.0 * (x[1] - x[0]);
    dxdt[1] = x[0] * (rho - x[2]) - x[1];
    dxdt[2] = x[0] * x[1] - 8.0 / 3.0 * x[2];
  }
};

/// End states of every system with dopri5 at `tol`.
std::vector<State> dopri5_end_states(const std::vector<double>& rho, double t_end, double tol,
                                     long* steps_out) {
  std::vector<State> out(rho.size());
  long steps = 0;
  const long n = static_cast<long>(rho.size());
  KOBIE_OMP("omp parallel for schedule(dynamic, 64) reduction(+ : steps)")
  for (long i = 0; i < n; ++i) {
    State x = {1.0, 0.0, 0.0};
    steps += static_cast<long>(odeint::integrate_adaptive(
        odeint::make_controlled(tol, tol, odeint::runge_kutta_dopri5<State>()), LorenzRhs{rho[i]},
        x, 0.0, t_end, 1e-3));
    out[i] = x;
  }
  if (steps_out) *steps_out = steps;
  return out;
}

/// max over systems and states of |x - ref| / (1 + |ref|).
double max_error(const std::vector<State>& x, const std::vector<State>& ref) {
  double e = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (int k = 0; k < 3; ++k)
      e = std::max(e, std::abs(x[i][k] - ref[i][k]) / (1 + std::abs(ref[i][k])));
  return e;
}

const std::vector<State>& tight_reference(const std::vector<double>& rho, double t_end) {
  static std::vector<State> ref;
  static std::size_t n = 0;
  if (n != rho.size()) {
    ref = dopri5_end_states(rho, t_end, 1e-13, nullptr);
    n = rho.size();
  }
  return ref;
}

void BM_odeint_rk4(benchmark::State& state) {
  const auto p = kobie_bench::lorenz_problem();
  const auto rho = kobie_bench::lorenz_rho(p.systems);
  const double dt = p.t_end / p.steps;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    double sink = 0;
    KOBIE_OMP("omp parallel for schedule(static) reduction(+ : sink)")
    for (long i = 0; i < p.systems; ++i) {
      State x = {1.0, 0.0, 0.0};
      odeint::integrate_n_steps(odeint::runge_kutta4<State>(), LorenzRhs{rho[i]}, x, 0.0, dt,
                                p.steps);
      sink += x[0];
    }
    benchmark::DoNotOptimize(sink);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  state.counters["system_steps_per_s"] = benchmark::Counter(
      double(p.systems) * p.steps * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_odeint_rk4)
    ->Name("odeint/lorenz_rk4/float64")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

/// Adaptive Dormand-Prince at tolerance `tol` (atol = rtol), Odeint system
/// by system over the host's threads; the accuracy reached against the tight
/// reference is reported beside the time (`max_error`), since Odeint's error
/// norm (max over states, derivative-scaled) and KoBIE's (RMS) differ: the
/// fair ratio is at matched accuracy (bench/report.py interpolates it).
void BM_odeint_dopri5(benchmark::State& state, double tol) {
  const auto p = kobie_bench::lorenz_problem();
  const auto rho = kobie_bench::lorenz_rho(p.systems);
  const auto& ref = tight_reference(rho, p.t_end);
  long steps = 0;
  std::vector<State> x;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    x = dopri5_end_states(rho, p.t_end, tol, &steps);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  state.counters["system_steps_per_s"] =
      benchmark::Counter(double(steps) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["steps_per_system"] = double(steps) / double(p.systems);
  state.counters["max_error"] = max_error(x, ref);
  state.counters["tolerance"] = tol;
}

/// KoBIE on the same problem and reference, timed like kobie_lorenz.cpp
/// (device-resident outputs, kernel time), float64.
void BM_kobie_dopri5(benchmark::State& state, double tol) {
  const auto p = kobie_bench::lorenz_problem();
  const auto rho = kobie_bench::lorenz_rho(p.systems);
  const auto& ref = tight_reference(rho, p.t_end);
  kobie::IntegrationSettings s;
  s.duration = p.t_end;
  s.save_interval = p.t_end;
  s.atol = s.rtol = tol;
  const auto batch = kobie::Batch::grid<kobie::systems::Lorenz>({{"rho", rho}});
  std::vector<State> x(rho.size());
  double steps = 0;
  for (auto _ : state) {
    const auto r = kobie::solve<double, std::tuple<kobie::tableaus::DormandPrince54>>(
        Kokkos::DefaultExecutionSpace(), kobie::systems::Lorenz{}, batch, s);
    state.SetIterationTime(r.kernel_seconds);
    steps = double(r.total(kobie::stat_accepted) + r.total(kobie::stat_rejected));
    const auto out = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.outputs);
    for (std::size_t i = 0; i < rho.size(); ++i)
      for (int k = 0; k < 3; ++k) x[i][k] = out(1, k, i);
  }
  state.counters["system_steps_per_s"] =
      benchmark::Counter(steps * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["steps_per_system"] = steps / double(p.systems);
  state.counters["max_error"] = max_error(x, ref);
  state.counters["tolerance"] = tol;
}

const bool registered = [] {
  for (double tol : {1e-6, 1e-7, 1e-8, 1e-9}) {
    char name[96];
    std::snprintf(name, sizeof name, "odeint/lorenz_dopri5_tol%.0e/float64", tol);
    benchmark::RegisterBenchmark(name, BM_odeint_dopri5, tol)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    std::snprintf(name, sizeof name, "kobie/lorenz_dopri5_tol%.0e_vs_odeint/float64", tol);
    benchmark::RegisterBenchmark(name, BM_kobie_dopri5, tol)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
