// The non-stiff Van der Pol batch of issue 5: x'' = mu (1 - x^2) x' - x,
// x(0) = 2, x'(0) = 0, mu = linspace(0.1, 5, N), t in [0, 10]. Adaptive
// Dormand-Prince 5(4), KoBIE against Boost.Odeint's runge_kutta_dopri5 run
// system by system over the host's threads, at several tolerances, each with
// the accuracy it reaches against a tight Odeint reference (the two error
// norms differ: bench/report.py compares them at matched accuracy).
#include <boost/numeric/odeint.hpp>
#include <kobie/kobie.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <vector>

#include "bench_context.hpp"

namespace {

using State = std::array<double, 2>;
namespace odeint = boost::numeric::odeint;

struct Problem {
  long systems;
  double t_end;
};

/// 2^14 systems over [0, 10]; smoke mode: 2^8 over [0, 0.5].
Problem problem() {
  return kobie_bench::smoke_mode() ? Problem{1 << 8, 0.5} : Problem{1 << 14, 10.0};
}

std::vector<double> mu_values(long n) {
  std::vector<double> mu(n);
  for (long i = 0; i < n; ++i) mu[i] = 0.1 + 4.9 * double(i) / double(n > 1 ? n - 1 : 1);
  return mu;
}

struct VanDerPolRhs {
  double mu;
  void operator()(const State& x, State& dxdt, double) const {
    dxdt[0] = x[1];
    dxdt[1] = mu * (1 - x[0] * x[0]) * x[1] - x[0];
  }
};

std::vector<State> dopri5_end_states(const std::vector<double>& mu, double t_end, double tol,
                                     long* steps_out) {
  std::vector<State> out(mu.size());
  long steps = 0;
  const long n = static_cast<long>(mu.size());
  KOBIE_OMP("omp parallel for schedule(dynamic, 64) reduction(+ : steps)")
  for (long i = 0; i < n; ++i) {
    State x = {2.0, 0.0};
    steps += static_cast<long>(odeint::integrate_adaptive(
        odeint::make_controlled(tol, tol, odeint::runge_kutta_dopri5<State>()), VanDerPolRhs{mu[i]},
        x, 0.0, t_end, 1e-3));
    out[i] = x;
  }
  if (steps_out) *steps_out = steps;
  return out;
}

const std::vector<State>& reference(const std::vector<double>& mu, double t_end) {
  static std::vector<State> ref;
  if (ref.size() != mu.size()) ref = dopri5_end_states(mu, t_end, 1e-13, nullptr);
  return ref;
}

/// max over systems and states of |x - ref| / (1 + |ref|).
double max_error(const std::vector<State>& x, const std::vector<State>& ref) {
  double e = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (int k = 0; k < 2; ++k)
      e = std::max(e, std::abs(x[i][k] - ref[i][k]) / (1 + std::abs(ref[i][k])));
  return e;
}

void BM_odeint(benchmark::State& state, double tol) {
  const auto p = problem();
  const auto mu = mu_values(p.systems);
  const auto& ref = reference(mu, p.t_end);
  long steps = 0;
  std::vector<State> x;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    x = dopri5_end_states(mu, p.t_end, tol, &steps);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  state.counters["system_steps_per_s"] =
      benchmark::Counter(double(steps) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["steps_per_system"] = double(steps) / double(p.systems);
  state.counters["max_error"] = max_error(x, ref);
  state.counters["tolerance"] = tol;
}

void BM_kobie(benchmark::State& state, double tol) {
  const auto p = problem();
  const auto mu = mu_values(p.systems);
  const auto& ref = reference(mu, p.t_end);
  kobie::IntegrationSettings s;
  s.duration = p.t_end;
  s.save_interval = p.t_end;
  s.atol = s.rtol = tol;
  const auto batch = kobie::Batch::grid<kobie::systems::VanDerPol>({{"mu", mu}});
  std::vector<State> x(mu.size());
  double steps = 0;
  for (auto _ : state) {
    const auto r = kobie::solve<double, std::tuple<kobie::tableaus::DormandPrince54>>(
        Kokkos::DefaultExecutionSpace(), kobie::systems::VanDerPol{}, batch, s);
    state.SetIterationTime(r.kernel_seconds);
    steps = double(r.total(kobie::stat_accepted) + r.total(kobie::stat_rejected));
    const auto out = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.outputs);
    for (std::size_t i = 0; i < mu.size(); ++i)
      for (int k = 0; k < 2; ++k) x[i][k] = out(1, k, i);
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
    std::snprintf(name, sizeof name, "odeint/van_der_pol_dopri5_tol%.0e/float64", tol);
    benchmark::RegisterBenchmark(name, BM_odeint, tol)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    std::snprintf(name, sizeof name, "kobie/van_der_pol_dopri5_tol%.0e_vs_odeint/float64", tol);
    benchmark::RegisterBenchmark(name, BM_kobie, tol)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
