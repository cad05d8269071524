// The large-system peer problem: Lorenz-96 with 40 states,
// dx_i = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F (indices modulo 40), x(0) = 8
// with x_0 += 0.01, F = linspace(6, 10, N), t in [0, 1], 2^12 systems (smoke
// mode: 2^6 over [0, 0.01]). Where the Lorenz ensemble (3 states) measures the
// cost of a step, this one measures a system whose working storage is 40
// states wide.
//
//  * fixed-step RK4, dt = 1e-3, end states only: KoBIE through its public API
//    (device-resident outputs; the time is the fenced launches,
//    `kernel_seconds`, the whole call beside it as end_to_end_ms) against
//      - handwritten vectorised: state arrays [state][system], systems
//        innermost in blocks, one RK4 stage for the whole block at a time
//        under `omp simd`: the speed of light on a CPU
//      - handwritten scalar: one system after another in a
//        std::array<double, 40>, each thread over its share of the systems
//      - Boost.Odeint's runge_kutta4 system by system over the host's threads
//    all with the same steps. Every peer's end states are checked against
//    KoBIE's once, outside the timed region (max relative difference below
//    1e-9): a peer that disagrees is reported as an error (smoke mode:
//    aborts), never as a time.
//  * adaptive Dormand-Prince 5(4): KoBIE against Boost.Odeint at tolerances
//    1e-6 .. 1e-9 with the accuracy each reaches (dopri5_comparison.hpp).
//
// The Boost.Odeint parts are compiled with KOBIE_BENCH_ODEINT (CMake: Boost
// found, not a CUDA build).
#include <kobie/kobie.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "bench_context.hpp"

#ifdef KOBIE_BENCH_ODEINT
#include <boost/numeric/odeint.hpp>

#include "dopri5_comparison.hpp"
#endif

namespace {

constexpr int N = 40;
using State = std::array<double, N>;
using System = kobie::systems::Lorenz96<N>;
using Exec = Kokkos::DefaultExecutionSpace;

struct Lorenz96Problem {
  long systems;
  int steps;  // fixed-step runs
  double t_end;
};

/// 2^12 systems x 1000 steps over [0, 1]; smoke mode: 2^6 x 10 over [0, 0.01].
Lorenz96Problem problem() {
  if (kobie_bench::smoke_mode()) return Lorenz96Problem{1 << 6, 10, 0.01};
  return Lorenz96Problem{1 << 12, 1000, 1.0};
}

std::vector<double> forcing(long n) {
  std::vector<double> f(n);
  for (long i = 0; i < n; ++i) f[i] = 6.0 + 4.0 * double(i) / double(n > 1 ? n - 1 : 1);
  return f;
}

State initial_state() {
  State x;
  x.fill(8.0);
  x[0] += 0.01;
  return x;
}

inline void lorenz96_rhs(double F, const State& x, State& dxdt) {
  for (int i = 0; i < N; ++i) {
    const int ip1 = i + 1 < N ? i + 1 : i + 1 - N;
    const int im1 = i >= 1 ? i - 1 : i - 1 + N;
    const int im2 = i >= 2 ? i - 2 : i - 2 + N;
    dxdt[i] = (x[ip1] - x[im2]) * x[im1] - x[i] + F;
  }
}

// ---------------------------------------------------------------- KoBIE

kobie::IntegrationSettings rk4_settings(const Lorenz96Problem& p) {
  kobie::IntegrationSettings s;
  s.algorithm = "rk4";
  s.controller = "fixed";
  s.duration = p.t_end;
  s.save_interval = p.t_end;  // endpoints only
  s.dt = p.t_end / p.steps;
  return s;
}

kobie::Results<double, Exec::memory_space> kobie_rk4(const kobie::Batch& batch,
                                                     const kobie::IntegrationSettings& s) {
  return kobie::solve<double, std::tuple<kobie::tableaus::ClassicalRK4>>(Exec(), System{}, batch,
                                                                         s);
}

/// KoBIE's RK4 end states, the peers' check: computed once per problem size.
const std::vector<State>& kobie_end_states() {
  static std::vector<State> ref;
  const auto p = problem();
  if (static_cast<long>(ref.size()) != p.systems) {
    const auto r =
        kobie_rk4(kobie::Batch::grid<System>({{"F", forcing(p.systems)}}), rk4_settings(p));
    const auto out = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.outputs);
    const auto last = out.extent(0) - 1;
    ref.assign(p.systems, State{});
    for (long i = 0; i < p.systems; ++i)
      for (int k = 0; k < N; ++k) ref[i][k] = out(last, k, i);
  }
  return ref;
}

/// max over systems and states of |x - KoBIE| / (1 + |KoBIE|), as a counter;
/// above 1e-9 the run is an error (smoke mode: the binary aborts).
void check_against_kobie(benchmark::State& state, const char* peer, const std::vector<State>& x) {
  const auto& ref = kobie_end_states();
  constexpr double inf = std::numeric_limits<double>::infinity();
  double diff = x.size() == ref.size() ? 0.0 : inf;
  for (std::size_t i = 0; i < x.size() && i < ref.size(); ++i)
    for (int k = 0; k < N; ++k) {
      const double d = std::abs(x[i][k] - ref[i][k]) / (1 + std::abs(ref[i][k]));
      diff = std::isnan(d) ? inf : std::max(diff, d);
    }
  state.counters["max_diff_vs_kobie"] = diff;
  if (diff < 1e-9) return;
  char msg[160];
  std::snprintf(msg, sizeof msg, "end states differ from KoBIE's: max relative difference %.3e",
                diff);
  if (kobie_bench::smoke_mode()) {
    std::fprintf(stderr, "%s: %s\n", peer, msg);
    std::abort();
  }
  state.SkipWithError(msg);
}

void BM_kobie_lorenz96_rk4(benchmark::State& state) {
  const auto p = problem();
  const auto batch = kobie::Batch::grid<System>({{"F", forcing(p.systems)}});
  const auto s = rk4_settings(p);
  double steps = 0, end_to_end = 0;
  for (auto _ : state) {
    Exec().fence();
    const auto r = kobie_rk4(batch, s);
    state.SetIterationTime(r.kernel_seconds);
    end_to_end += r.wall_seconds;
    steps = double(r.total(kobie::stat_accepted) + r.total(kobie::stat_rejected));
    if (r.failures()) {
      state.SkipWithError(r.failure_summary().c_str());
      break;
    }
  }
  state.counters["end_to_end_ms"] = 1e3 * end_to_end / double(state.iterations());
  state.counters["system_steps_per_s"] =
      benchmark::Counter(steps * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["systems"] = double(p.systems);
  state.counters["steps_per_system"] = steps / double(p.systems);
}

// ---------------------------------------------------------------- hand-written

/// The batch of end states, one std::array per system (the peers' common output).
using EndStates = std::vector<State>;

inline void rk4_step(State& x, double F, double dt) {
  State k1, k2, k3, k4, y;
  const double h = 0.5 * dt;
  lorenz96_rhs(F, x, k1);
  for (int i = 0; i < N; ++i) y[i] = x[i] + h * k1[i];
  lorenz96_rhs(F, y, k2);
  for (int i = 0; i < N; ++i) y[i] = x[i] + h * k2[i];
  lorenz96_rhs(F, y, k3);
  for (int i = 0; i < N; ++i) y[i] = x[i] + dt * k3[i];
  lorenz96_rhs(F, y, k4);
  const double w = dt / 6;
  for (int i = 0; i < N; ++i) x[i] += w * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
}

void scalar_loop(EndStates& out, const std::vector<double>& F, int steps, double dt) {
  const long n = static_cast<long>(F.size());
  KOBIE_OMP("omp parallel for schedule(static)")
  for (long i = 0; i < n; ++i) {
    State x = initial_state();
    for (int s = 0; s < steps; ++s) rk4_step(x, F[i], dt);
    out[i] = x;
  }
}

constexpr long block = 32;  // systems per block: x, its stages and sums stay in L1/L2

/// k = f(y) for a block of systems ([state][system in block]).
inline void lorenz96_block(const double (*y)[block], const double* F, double (*k)[block]) {
  for (int i = 0; i < N; ++i) {
    const double* yp1 = y[i + 1 < N ? i + 1 : i + 1 - N];
    const double* ym1 = y[i >= 1 ? i - 1 : i - 1 + N];
    const double* ym2 = y[i >= 2 ? i - 2 : i - 2 + N];
    const double* yi = y[i];
    double* ki = k[i];
    KOBIE_OMP("omp simd")
    for (long j = 0; j < block; ++j) ki[j] = (yp1[j] - ym2[j]) * ym1[j] - yi[j] + F[j];
  }
}

/// The states in a [state][system] array (n systems), initial states in.
void vectorised_loop(std::vector<double>& states, const std::vector<double>& forcing_values,
                     int steps, double dt) {
  const long n = static_cast<long>(forcing_values.size());
  double* x = states.data();
  const double* f = forcing_values.data();
  const double h = 0.5 * dt, w = dt / 6;
  KOBIE_OMP("omp parallel for schedule(static)")
  for (long first = 0; first < n; first += block) {
    const long len = first + block <= n ? block : n - first;
    alignas(64) double y[N][block], sum[N][block], stage[N][block], k[N][block], bf[block];
    for (int i = 0; i < N; ++i)
      for (long j = 0; j < block; ++j) y[i][j] = j < len ? x[i * n + first + j] : 0.0;
    for (long j = 0; j < block; ++j) bf[j] = j < len ? f[first + j] : 0.0;
    for (int s = 0; s < steps; ++s) {
      lorenz96_block(y, bf, k);
      for (int i = 0; i < N; ++i) {
        KOBIE_OMP("omp simd")
        for (long j = 0; j < block; ++j) {
          sum[i][j] = k[i][j];
          stage[i][j] = y[i][j] + h * k[i][j];
        }
      }
      lorenz96_block(stage, bf, k);
      for (int i = 0; i < N; ++i) {
        KOBIE_OMP("omp simd")
        for (long j = 0; j < block; ++j) {
          sum[i][j] += 2 * k[i][j];
          stage[i][j] = y[i][j] + h * k[i][j];
        }
      }
      lorenz96_block(stage, bf, k);
      for (int i = 0; i < N; ++i) {
        KOBIE_OMP("omp simd")
        for (long j = 0; j < block; ++j) {
          sum[i][j] += 2 * k[i][j];
          stage[i][j] = y[i][j] + dt * k[i][j];
        }
      }
      lorenz96_block(stage, bf, k);
      for (int i = 0; i < N; ++i) {
        KOBIE_OMP("omp simd")
        for (long j = 0; j < block; ++j) y[i][j] += w * (sum[i][j] + k[i][j]);
      }
    }
    for (int i = 0; i < N; ++i)
      for (long j = 0; j < len; ++j) x[i * n + first + j] = y[i][j];
  }
}

void BM_handwritten_scalar(benchmark::State& state) {
  const auto p = problem();
  const auto F = forcing(p.systems);
  const double dt = p.t_end / p.steps;
  EndStates out(p.systems);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    scalar_loop(out, F, p.steps, dt);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["system_steps_per_s"] = benchmark::Counter(
      double(p.systems) * p.steps * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["systems"] = double(p.systems);
  state.counters["steps"] = p.steps;
  check_against_kobie(state, "handwritten scalar", out);
}

void BM_handwritten_vectorised(benchmark::State& state) {
  const auto p = problem();
  const auto F = forcing(p.systems);
  const double dt = p.t_end / p.steps;
  const State x0 = initial_state();
  std::vector<double> x(std::size_t(N) * p.systems);
  for (auto _ : state) {
    for (int i = 0; i < N; ++i) std::fill_n(x.begin() + i * p.systems, p.systems, x0[i]);
    const auto start = std::chrono::steady_clock::now();
    vectorised_loop(x, F, p.steps, dt);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
  }
  state.counters["system_steps_per_s"] = benchmark::Counter(
      double(p.systems) * p.steps * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["systems"] = double(p.systems);
  state.counters["steps"] = p.steps;
  EndStates out(p.systems);
  for (long s = 0; s < p.systems; ++s)
    for (int i = 0; i < N; ++i) out[s][i] = x[i * p.systems + s];
  check_against_kobie(state, "handwritten vectorised", out);
}

// ---------------------------------------------------------------- Boost.Odeint

#ifdef KOBIE_BENCH_ODEINT
namespace odeint = boost::numeric::odeint;

void BM_odeint_rk4(benchmark::State& state) {
  const auto p = problem();
  const auto F = forcing(p.systems);
  const double dt = p.t_end / p.steps;
  EndStates out(p.systems);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    KOBIE_OMP("omp parallel for schedule(static)")
    for (long i = 0; i < p.systems; ++i) {
      State x = initial_state();
      const double f = F[i];
      // integrate_n_steps' loop, with the stepper not copied: copying
      // runge_kutta4<std::array<double, 40>> trips GCC's -Wmaybe-uninitialized.
      odeint::runge_kutta4<State> stepper;
      const auto rhs = [f](const State& y, State& dydt, double) { lorenz96_rhs(f, y, dydt); };
      for (int s = 0; s < p.steps; ++s) stepper.do_step(rhs, x, s * dt, dt);
      out[i] = x;
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["system_steps_per_s"] = benchmark::Counter(
      double(p.systems) * p.steps * double(state.iterations()), benchmark::Counter::kIsRate);
  check_against_kobie(state, "odeint", out);
}

/// The Dormand-Prince comparison (dopri5_comparison.hpp) on the same batch.
struct Lorenz96Dopri5 {
  using System = kobie::systems::Lorenz96<N>;
  static constexpr int n = N;
  static const char* name() { return "lorenz96"; }
  static const char* parameter() { return "F"; }
  static std::vector<double> values() { return forcing(problem().systems); }
  static double t_end() { return problem().t_end; }
  static std::array<double, N> initial_state() { return ::initial_state(); }
  static void rhs(double F, const std::array<double, N>& x, std::array<double, N>& dxdt) {
    lorenz96_rhs(F, x, dxdt);
  }
};
#endif

void add(const char* name, void (*fn)(benchmark::State&)) {
  benchmark::RegisterBenchmark(name, fn)->UseManualTime()->Unit(benchmark::kMillisecond);
}

const bool registered = [] {
  add("kobie/lorenz96_rk4/float64", BM_kobie_lorenz96_rk4);
  add("handwritten/lorenz96_rk4/vectorised/float64", BM_handwritten_vectorised);
  add("handwritten/lorenz96_rk4/scalar/float64", BM_handwritten_scalar);
#ifdef KOBIE_BENCH_ODEINT
  add("odeint/lorenz96_rk4/float64", BM_odeint_rk4);
  kobie_bench::register_dopri5_comparison<Lorenz96Dopri5>({1e-6, 1e-7, 1e-8, 1e-9});
#endif
  return true;
}();

}  // namespace
