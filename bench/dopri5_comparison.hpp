#pragma once
// Adaptive Dormand-Prince 5(4), KoBIE against Boost.Odeint's
// runge_kutta_dopri5 run system by system over the host's threads, at
// several tolerances, each with the accuracy it reaches against a tight Odeint
// reference beside its time: the two error norms differ (Odeint: max over
// states, derivative-scaled; KoBIE: RMS), so bench/report.py compares them
// at matched accuracy. One problem is a type:
//
//   struct Problem {
//     using System = kobie::systems::...;      // KoBIE's system
//     static constexpr int n = ...;             // states
//     static const char* name();                // in the benchmark names
//     static const char* parameter();           // the swept parameter
//     static std::vector<double> values();      // its value per system
//     static double t_end();                    // integrate over [0, t_end]
//     static std::array<double, n> initial_state();
//     static void rhs(double value, const std::array<double, n>& x,
//                     std::array<double, n>& dxdt);  // for Odeint
//   };
#include <boost/numeric/odeint.hpp>
#include <kobie/kobie.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <tuple>
#include <vector>

#include "bench_context.hpp"

namespace kobie_bench {

template <class Problem>
using StateOf = std::array<double, Problem::n>;

/// What a run did per batch: accepted steps and right-hand-side evaluations
/// (every attempt, rejected ones included), the same measures on both sides.
struct Work {
  double accepted = 0;
  double rhs_evals = 0;
};

/// End states of every system with Odeint's dopri5 at `tol`.
template <class Problem>
std::vector<StateOf<Problem>> odeint_dopri5_end_states(double tol, Work* work) {
  namespace odeint = boost::numeric::odeint;
  using State = StateOf<Problem>;
  const auto values = Problem::values();
  std::vector<State> out(values.size());
  long steps = 0, evals = 0;
  const long n = static_cast<long>(values.size());
  KOBIE_OMP("omp parallel for schedule(dynamic, 64) reduction(+ : steps, evals)")
  for (long i = 0; i < n; ++i) {
    State x = Problem::initial_state();
    const double value = values[i];
    long system_evals = 0;  // (one increment per evaluation: nothing beside its arithmetic)
    auto rhs = [value, &system_evals](const State& y, State& dydt, double) {
      ++system_evals;
      Problem::rhs(value, y, dydt);
    };
    steps += static_cast<long>(odeint::integrate_adaptive(
        odeint::make_controlled(tol, tol, odeint::runge_kutta_dopri5<State>()), rhs, x, 0.0,
        Problem::t_end(), 1e-3));
    evals += system_evals;
    out[i] = x;
  }
  if (work) *work = Work{double(steps), double(evals)};
  return out;
}

/// The tight reference (Odeint at 1e-13), computed once per problem size.
template <class Problem>
const std::vector<StateOf<Problem>>& dopri5_reference() {
  static std::vector<StateOf<Problem>> ref;
  static std::size_t n = 0;
  if (n != Problem::values().size()) {
    ref = odeint_dopri5_end_states<Problem>(1e-13, nullptr);
    n = ref.size();
  }
  return ref;
}

/// max over systems and states of |x - ref| / (1 + |ref|).
template <class Problem>
double max_error(const std::vector<StateOf<Problem>>& x) {
  const auto& ref = dopri5_reference<Problem>();
  double e = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (int k = 0; k < Problem::n; ++k)
      e = std::max(e, std::abs(x[i][k] - ref[i][k]) / (1 + std::abs(ref[i][k])));
  return e;
}

/// Rates and per-system figures: system-steps/s counts accepted steps on
/// both sides (Odeint's integrate_adaptive returns only those).
inline void set_counters(benchmark::State& state, const Work& work, long systems, double error,
                         double tol) {
  state.counters["system_steps_per_s"] =
      benchmark::Counter(work.accepted * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["steps_per_system"] = work.accepted / double(systems);
  state.counters["rhs_evals_per_system"] = work.rhs_evals / double(systems);
  state.counters["max_error"] = error;
  state.counters["tolerance"] = tol;
}

template <class Problem>
void BM_odeint_dopri5(benchmark::State& state, double tol) {
  dopri5_reference<Problem>();  // outside the timed region
  Work work;
  std::vector<StateOf<Problem>> x;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    x = odeint_dopri5_end_states<Problem>(tol, &work);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  set_counters(state, work, long(x.size()), max_error<Problem>(x), tol);
}

/// KoBIE timed like kobie_lorenz.cpp: device-resident outputs, kernel time.
template <class Problem>
void BM_kobie_dopri5(benchmark::State& state, double tol) {
  dopri5_reference<Problem>();
  const auto values = Problem::values();
  kobie::IntegrationSettings s;
  s.duration = Problem::t_end();
  s.save_interval = Problem::t_end();  // endpoints only
  s.atol = s.rtol = tol;
  const auto y0 = Problem::initial_state();
  const auto batch = kobie::Batch::grid<typename Problem::System>(
      {{Problem::parameter(), values}}, std::vector<double>(y0.begin(), y0.end()));
  std::vector<StateOf<Problem>> x(values.size());
  Work work;
  for (auto _ : state) {
    const auto r = kobie::solve<double, std::tuple<kobie::tableaus::DormandPrince54>>(
        Kokkos::DefaultExecutionSpace(), typename Problem::System{}, batch, s);
    state.SetIterationTime(r.kernel_seconds);
    work = Work{double(r.total(kobie::stat_accepted)), double(r.total(kobie::stat_rhs_evals))};
    const auto out = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.outputs);
    for (std::size_t i = 0; i < values.size(); ++i)
      for (int k = 0; k < Problem::n; ++k) x[i][k] = out(1, k, i);
  }
  set_counters(state, work, long(values.size()), max_error<Problem>(x), tol);
}

/// Registers odeint/<name>_dopri5_tol<tol>/float64 and
/// kobie/<name>_dopri5_tol<tol>_vs_odeint/float64 for each tolerance (the
/// names bench/report.py pairs), and Odeint once more at a tenth of the
/// tightest tolerance, so that KoBIE's most accurate run has an Odeint run
/// on each side of its error to be compared at matched accuracy.
template <class Problem>
bool register_dopri5_comparison(std::initializer_list<double> tolerances) {
  char name[128];
  auto add_odeint = [&](double tol) {
    std::snprintf(name, sizeof name, "odeint/%s_dopri5_tol%.0e/float64", Problem::name(), tol);
    benchmark::RegisterBenchmark(name, BM_odeint_dopri5<Problem>, tol)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  };
  double tightest = 1.0;
  for (double tol : tolerances) {
    add_odeint(tol);
    tightest = std::min(tightest, tol);
    std::snprintf(name, sizeof name, "kobie/%s_dopri5_tol%.0e_vs_odeint/float64", Problem::name(),
                  tol);
    benchmark::RegisterBenchmark(name, BM_kobie_dopri5<Problem>, tol)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
  add_odeint(tightest / 10);
  return true;
}

}  // namespace kobie_bench
