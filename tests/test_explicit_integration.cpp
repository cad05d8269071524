// Test body (see backend_test.cpp.in): explicit integration end to end
// through the public API: convergence orders, step-by-step agreement with the
// independent reference implementation, exact save times, adaptive global
// error, failure isolation, continuation, chunking, layout independence and
// settings validation.
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "recording_log.hpp"
#include "reference_integrator.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using kobie::Batch;
using kobie::IntegrationSettings;

/// y' = -2 t y^2, y(0) = y0: exact y0 / (1 + y0 t^2). Nonlinear and
/// non-autonomous, so every coefficient of a tableau (c included) matters.
struct Riccati {
  static constexpr int n_states = 1, n_parameters = 0, n_observables = 0, n_drivers = 0;
  static const char* name() { return "riccati"; }
  static std::vector<double> default_state() { return {1.0}; }
  static std::vector<double> default_parameters() { return {}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double t, const Y& y, const P&, const D&, DY& dydt) const {
    using T = std::decay_t<decltype(dydt[0])>;
    dydt[0] = T(-2.0 * t) * y[0] * y[0];
  }
  static double exact(double t, double y0) { return y0 / (1 + y0 * t * t); }
};

template <class T, class System>
auto host_outputs(const kobie::Results<T, typename Exec::memory_space>& r) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.outputs);
}

/// y1' = y2, y2' = -y1 + cos(2 t), y(0) = (1, 0): exact y1 = 4/3 cos t -
/// cos(2 t) / 3. Forced, so every c_i of a tableau matters; its leading
/// error terms are not unusually small for any tableau, so the asymptotic
/// order shows well above round-off.
struct ForcedOscillator {
  static constexpr int n_states = 2, n_parameters = 0, n_observables = 0, n_drivers = 0;
  static const char* name() { return "forced-oscillator"; }
  static std::vector<double> default_state() { return {1.0, 0.0}; }
  static std::vector<double> default_parameters() { return {}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double t, const Y& y, const P&, const D&, DY& dydt) const {
    using T = std::decay_t<decltype(dydt[0])>;
    dydt[0] = y[1];
    dydt[1] = -y[0] + T(kobie::Impl::cos(2 * t));
  }
};

double oscillator_error(const std::string& algorithm, int steps) {
  const double t_end = 4.0;
  IntegrationSettings s;
  s.algorithm = algorithm;
  s.controller = "fixed";
  s.duration = t_end;
  s.save_interval = t_end;
  s.dt = t_end / steps;
  const auto batch = Batch::verbatim<ForcedOscillator>({{1.0, 0.0}});
  const auto r = kobie::solve<double>(Exec(), ForcedOscillator{}, batch, s);
  const auto h = host_outputs<double, ForcedOscillator>(r);
  EXPECT_EQ(r.total(kobie::stat_accepted), steps) << algorithm;
  return std::hypot(h(1, 0, 0) - (4.0 / 3 * std::cos(t_end) - std::cos(2 * t_end) / 3),
                    h(1, 1, 0) - (-4.0 / 3 * std::sin(t_end) + 2.0 / 3 * std::sin(2 * t_end)));
}

template <class Tab>
void expect_order() {
  // The finest pair (N, 2N) whose errors stay well above round-off (1e-11):
  // the deepest point of the asymptotic range that this problem shows.
  std::vector<double> err;
  for (int k = 0; k <= 10; ++k) err.push_back(oscillator_error(Tab::name(), 4 << k));
  std::cout << "[ errors   ] " << Tab::name() << ":";
  for (double e : err) std::cout << " " << e;
  std::cout << "\n";
  for (int k = 9; k >= 0; --k) {
    if (err[k + 1] > 1e-11 && err[k] < 1e-2) {
      const double order = std::log2(err[k] / err[k + 1]);
      std::cout << "[ order    ] " << Tab::name() << ": " << order << " (N = " << (4 << k)
                << ", error " << err[k] << " -> " << err[k + 1] << ")\n";
      EXPECT_NEAR(order, Tab::order, 0.2) << Tab::name();
      return;
    }
  }
  ADD_FAILURE() << Tab::name() << ": no step pair in the asymptotic range";
}

TEST(TEST_CATEGORY, explicit_convergence_orders_of_every_tableau) {
  std::apply([](auto... tab) { (expect_order<decltype(tab)>(), ...); },
             kobie::tableaus::all_explicit{});
}

// ---------------------------------------------------------------- reference

template <class Tab>
void compare_with_reference(const char* controller, double tol, double duration) {
  using System = kobie::systems::Lorenz;
  IntegrationSettings s;
  s.algorithm = Tab::name();
  s.controller = controller;
  s.duration = duration;
  s.save_interval = duration / 4;
  s.dt = 1e-3;
  s.atol = s.rtol = tol;
  const std::vector<std::vector<double>> y0 = {{1, 0, 0}, {1, 1, 1}, {-2, 3, 20}};
  const std::vector<std::vector<double>> p = {{10, 28, 8.0 / 3}, {10, 15, 8.0 / 3}, {12, 21, 2}};
  const auto batch = Batch::verbatim<System>(y0, p);
  const int cap = 4000;
  kobie_test::RecordingLog<typename Exec::memory_space> log(batch.size(), cap);
  const auto r = kobie::Impl::solve_impl<double, typename Exec::memory_space>(
      Exec(), System{}, batch, s, {}, nullptr, log, {});
  const auto out = host_outputs<double, System>(r);
  const auto rec = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log.records);
  const auto counts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log.counts);
  const int order = kobie::tableaus::controller_order<Tab>();
  for (std::size_t sys = 0; sys < y0.size(); ++sys) {
    kobie_ref::Settings rs;
    rs.duration = s.duration;
    rs.save_interval = s.save_interval;
    rs.dt = s.dt;
    rs.atol = rs.rtol = tol;
    rs.dt_max = s.save_interval;
    rs.kind = kobie::validate(s, {{"x", "y", "z"}, {}}).controller.kind;
    const auto pr = p[sys];
    const kobie_ref::Rhs f = [&](double, const kobie_ref::Vec& y, kobie_ref::Vec& d) {
      d[0] = pr[0] * (y[1] - y[0]);
      d[1] = y[0] * (pr[1] - y[2]) - y[1];
      d[2] = y[0] * y[1] - pr[2] * y[2];
    };
    const std::string what =
        std::string(Tab::name()) + "/" + controller + " system " + std::to_string(sys);
    EXPECT_EQ(r.stats(kobie::stat_status, sys), 0) << what;
    ASSERT_LE(counts(sys), cap) << what;
    // Replay the device's attempts through the reference: same step sizes,
    // so each attempt's error norm, decision and proposed next step are
    // compared one by one (a decision within 1e-6 of the threshold may go
    // either way and is then taken from the device).
    kobie_ref::Vec y = y0[sys], fsal(3);
    kobie_ref::History hist;
    double t = 0;
    int evals = 0, accepted = 0, rejected = 0;
    if (Tab::fsal) {
      f(t, y, fsal);
      ++evals;
    }
    const auto targets = kobie_ref::save_times(rs);
    std::size_t next_save = 1;  // save 0 is t0
    for (int i = 0; i < counts(sys); ++i) {
      const double h = rec(sys, i * 5 + 1);
      EXPECT_NEAR(rec(sys, i * 5 + 0), t, 1e-12 * (1 + std::abs(t))) << what << " step " << i;
      const auto a = kobie_ref::attempt<Tab>(f, t, y, h, Tab::fsal ? &fsal : nullptr, tol, tol);
      evals += a.evals;
      const double err = std::sqrt(rec(sys, i * 5 + 2));
      // An error norm is a sum of nearly cancelling terms: rounding
      // (summation order, fused multiply-adds, states that differ in the last
      // bits after many steps) limits its agreement to about 1e-4 relative,
      // with an absolute slack of 1e-8 for tiny norms; both are irrelevant
      // next to the threshold 1.
      EXPECT_NEAR(err, a.err, 1e-4 * a.err + 1e-8) << what << " step " << i;
      const bool accept = rec(sys, i * 5 + 3) != 0.0;
      if (std::abs(a.err - 1) > 1e-6 && std::string(controller) != "fixed") {
        EXPECT_EQ(accept, a.err <= 1) << what << " step " << i;
      }
      // The controller is checked on its own: given the device's norm and
      // decision, the reference controller must propose the same next step.
      const double decided_err = accept ? std::min(err, 1.0) : std::max(err, 1.0 + 1e-15);
      const auto decision = kobie_ref::control(rs, order, hist, h, decided_err);
      const double next = rec(sys, i * 5 + 4);
      EXPECT_NEAR(next, decision.second, 1e-9 * decision.second) << what << " step " << i;
      if (accept) {
        y = a.y_new;
        if (Tab::fsal) fsal = a.k_last;
        const double target = targets[next_save];
        t = h == target - t ? target : t + h;  // a landing step is exactly target - t
        ++accepted;
        while (next_save < targets.size() && t >= targets[next_save]) ++next_save;
      } else {
        ++rejected;
      }
      if (::testing::Test::HasFailure()) return;
    }
    EXPECT_EQ(r.stats(kobie::stat_accepted, sys), accepted) << what;
    EXPECT_EQ(r.stats(kobie::stat_rejected, sys), rejected) << what;
    EXPECT_EQ(r.stats(kobie::stat_rhs_evals, sys), evals) << what;
    for (int v = 0; v < 3; ++v)
      EXPECT_NEAR(out(targets.size() - 1, v, sys), y[v], 1e-9 * (1 + std::abs(y[v]))) << what;
    EXPECT_DOUBLE_EQ(r.end_state.time(sys), s.duration) << what;
    // And the whole run from scratch through the reference loop: same
    // number of steps up to decisions that sit on the threshold.
    const auto ref = kobie_ref::integrate<Tab>(f, y0[sys], rs);
    EXPECT_NEAR(ref.accepted, accepted, 1 + accepted / 50) << what;
  }
}

TEST(TEST_CATEGORY, explicit_steps_match_the_reference_implementation) {
  namespace tab = kobie::tableaus;
  compare_with_reference<tab::ClassicalRK4>("fixed", 1e-6, 0.5);
  compare_with_reference<tab::ExplicitEuler>("fixed", 1e-6, 0.2);
  compare_with_reference<tab::DormandPrince54>("pi", 1e-7, 1.0);
  compare_with_reference<tab::DormandPrince54>("i", 1e-6, 1.0);
  compare_with_reference<tab::BogackiShampine32>("pid", 1e-6, 1.0);
  compare_with_reference<tab::Tsitouras54>("gustafsson", 1e-7, 1.0);
  compare_with_reference<tab::DormandPrince853>("pi", 1e-9, 1.0);
  compare_with_reference<tab::Verner76>("pi", 1e-9, 1.0);
  compare_with_reference<tab::CashKarp54>("pi", 1e-7, 1.0);
  compare_with_reference<tab::Fehlberg45>("i", 1e-7, 1.0);
  compare_with_reference<tab::Heun2>("pi", 1e-4, 0.5);
}

// ---------------------------------------------------------------- loop

TEST(TEST_CATEGORY, explicit_save_times_are_exact_and_settling_is_skipped) {
  using System = kobie::systems::Decay;
  IntegrationSettings s;
  s.t0 = 0.25;
  s.settling_time = 0.5;
  s.duration = 1.0;
  s.save_interval = 0.3;  // not a divisor of the duration: the last save is at t_end
  s.atol = s.rtol = 1e-10;
  const auto batch = Batch::grid<System>({{"k", {0.5, 1.0, 3.0}}});
  const auto r = kobie::solve<double>(Exec(), System{}, batch, s);
  const std::vector<double> expected = {0.75, 1.05, 1.35, 1.65, 1.75};
  ASSERT_EQ(r.save_times.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(r.save_times[i], expected[i], 1e-15);
  const auto h = host_outputs<double, System>(r);
  for (int sys = 0; sys < 3; ++sys) {
    const double k = batch.parameter(0, sys);
    for (std::size_t i = 0; i < expected.size(); ++i)
      EXPECT_NEAR(h(i, 0, sys), std::exp(-k * (r.save_times[i] - s.t0)), 1e-8) << sys << " " << i;
    EXPECT_EQ(r.end_state.time(sys), 1.75) << "the run ends exactly at t_end";
  }
  // Fixed steps that do not divide the save interval still land exactly.
  s.controller = "fixed";
  s.algorithm = "rk4";
  s.dt = 0.07;
  const auto f = kobie::solve<double>(Exec(), System{}, batch, s);
  const auto hf = host_outputs<double, System>(f);
  for (int sys = 0; sys < 3; ++sys) {
    EXPECT_EQ(f.end_state.time(sys), 1.75);
    EXPECT_NEAR(hf(4, 0, sys), std::exp(-batch.parameter(0, sys) * 1.5), 1e-4);
  }
}

TEST(TEST_CATEGORY, explicit_adaptive_global_error_is_tolerance_proportional) {
  // Local error control does not bound the global error by the tolerance
  // itself; on these smooth, non-stiff problems over [0, 2] the global error
  // stays within 50 x tol, and it shrinks with the tolerance.
  for (const char* alg : {"bogacki-shampine-32", "dormand-prince-54", "cash-karp-54", "fehlberg-45",
                          "tsitouras-54", "verner-76", "dop853"}) {
    double previous = 1;
    for (double tol : {1e-5, 1e-8}) {
      IntegrationSettings s;
      s.algorithm = alg;
      s.duration = 2.0;
      s.save_interval = 0.5;
      s.atol = s.rtol = tol;
      const auto batch = Batch::verbatim<Riccati>({{1.0}, {0.5}, {2.0}});
      const auto r = kobie::solve<double>(Exec(), Riccati{}, batch, s);
      const auto h = host_outputs<double, Riccati>(r);
      double e = 0;
      for (int sys = 0; sys < 3; ++sys)
        for (std::size_t k = 0; k < r.save_times.size(); ++k)
          e = std::max(
              e, std::abs(h(k, 0, sys) - Riccati::exact(r.save_times[k], batch.state(0, sys))));
      EXPECT_LT(e, 50 * tol) << alg << " tol " << tol;
      EXPECT_LT(e, previous) << alg << " tol " << tol;
      EXPECT_EQ(r.failures(), 0) << r.failure_summary();
      previous = e;
    }
  }
}

TEST(TEST_CATEGORY, explicit_one_failing_system_never_touches_the_others) {
  using System = kobie::systems::Decay;
  IntegrationSettings s;
  s.duration = 20.0;
  s.save_interval = 1.0;
  s.atol = s.rtol = 1e-8;
  // k = -60: y grows like e^(60 t) and overflows long before t = 20.
  const auto batch = Batch::grid<System>({{"k", {1.0, -60.0, 2.0}}});
  const auto r = kobie::solve<double>(Exec(), System{}, batch, s);
  EXPECT_EQ(r.failures(), 1) << r.failure_summary();
  EXPECT_EQ(r.status(0), 0);
  EXPECT_NE(r.status(1), 0);
  EXPECT_EQ(r.status(2), 0);
  EXPECT_NE(r.failure_summary().find("systems 1"), std::string::npos) << r.failure_summary();
  const auto h = host_outputs<double, System>(r);
  EXPECT_NEAR(h(20, 0, 0), std::exp(-20.0), 1e-9);
  EXPECT_NEAR(h(20, 0, 2), std::exp(-40.0), 1e-9);
  EXPECT_NEAR(h(1, 0, 1), std::exp(60.0), 1e-5 * std::exp(60.0)) << "partial results are kept";
  EXPECT_TRUE(std::isnan(h(20, 0, 1))) << "saves after the failure are NaN";

  // A fixed-step run that goes non-finite stops with that status.
  s.algorithm = "rk4";
  s.controller = "fixed";
  s.dt = 0.01;
  const auto f = kobie::solve<double>(Exec(), System{}, batch, s);
  EXPECT_TRUE(f.status(1) & kobie::status_nonfinite_state) << f.failure_summary();
  EXPECT_EQ(f.status(0), 0);

  // The step budget.
  s.algorithm = "dormand-prince-54";
  s.controller = "pi";
  s.max_steps = 10;
  const auto m = kobie::solve<double>(Exec(), System{}, batch, s);
  for (int sys = 0; sys < 3; ++sys) EXPECT_TRUE(m.status(sys) & kobie::status_max_steps);
}

TEST(TEST_CATEGORY, explicit_continuation_and_chunking_are_exact) {
  using System = kobie::systems::Lorenz;
  IntegrationSettings s;
  s.duration = 2.0;
  s.save_interval = 0.25;
  s.atol = s.rtol = 1e-7;
  const auto batch = Batch::grid<System>({{"rho", {5.0, 15.0, 28.0}}, {"x", {1.0, -1.0}}});
  const auto whole = kobie::solve<double>(Exec(), System{}, batch, s);
  const auto hw = host_outputs<double, System>(whole);

  // The same run in launches of 3 saves: bitwise identical.
  s.saves_per_chunk = 3;
  const auto chunked = kobie::solve<double>(Exec(), System{}, batch, s);
  const auto hc = host_outputs<double, System>(chunked);
  ASSERT_EQ(hw.size(), hc.size());
  EXPECT_EQ(std::memcmp(hw.data(), hc.data(), hw.size() * sizeof(double)), 0);

  // Two runs of 1.0, the second continuing from the first's end state.
  s.saves_per_chunk = 0;
  s.duration = 1.0;
  const auto first = kobie::solve<double>(Exec(), System{}, batch, s);
  s.t0 = 1.0;
  const auto second = kobie::solve<double>(Exec(), System{}, batch, s, {}, &first.end_state);
  const auto h1 = host_outputs<double, System>(first);
  const auto h2 = host_outputs<double, System>(second);
  for (std::int64_t sys = 0; sys < batch.size(); ++sys)
    for (int v = 0; v < 3; ++v) {
      EXPECT_EQ(h1(4, v, sys), hw(4, v, sys));
      EXPECT_EQ(h2(4, v, sys), hw(8, v, sys)) << "continued run, system " << sys;
    }
  EXPECT_EQ(second.stats(kobie::stat_accepted, 0), whole.stats(kobie::stat_accepted, 0));
}

TEST(TEST_CATEGORY, explicit_results_do_not_depend_on_backend_or_layout) {
  using System = kobie::systems::VanDerPol;
  IntegrationSettings s;
  s.algorithm = "tsitouras-54";
  s.duration = 3.0;
  s.save_interval = 0.5;
  s.atol = s.rtol = 1e-8;
  std::vector<double> mu;
  for (int i = 0; i < 150; ++i) mu.push_back(0.1 + 0.033 * i);
  const auto batch = Batch::grid<System>({{"mu", mu}});
  const auto here = kobie::solve<double>(Exec(), System{}, batch, s);
  const auto h = host_outputs<double, System>(here);
  auto compare = [&](const auto& other, const char* what, double tol) {
    const auto o = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), other.outputs);
    ASSERT_EQ(o.size(), h.size());
    if (tol == 0) {
      EXPECT_EQ(std::memcmp(o.data(), h.data(), h.size() * sizeof(double)), 0) << what;
    } else {
      for (std::size_t i = 0; i < h.size(); ++i)
        EXPECT_NEAR(o.data()[i], h.data()[i], tol * (1 + std::abs(h.data()[i]))) << what;
    }
  };
  s.shared_layout = "contiguous";
  compare(kobie::solve<double>(Exec(), System{}, batch, s), "contiguous shared slices", 0);
  s.shared_layout = "interleaved";
#if defined(KOKKOS_ENABLE_SERIAL)
  // Host backends (Serial; OpenMP at any thread count) give the same bits;
  // CUDA agrees within 1e-6 relative (fused multiply-adds round differently,
  // which can move an adaptive step).
  const bool host = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  compare(kobie::solve<double>(Kokkos::Serial(), System{}, batch, s), "Serial backend",
          host ? 0.0 : 1e-6);
#endif
}

// ---------------------------------------------------------------- settings

TEST(TEST_CATEGORY, explicit_bad_settings_name_the_setting_value_and_allowed) {
  using System = kobie::systems::Lorenz;
  const auto batch = Batch::grid<System>({{"rho", {1.0, 2.0}}});
  auto expect_error = [&](IntegrationSettings s, std::vector<std::string> parts) {
    try {
      kobie::solve<double>(Exec(), System{}, batch, s);
      ADD_FAILURE() << "no exception for " << parts[0];
    } catch (const std::invalid_argument& e) {
      for (const auto& p : parts)
        EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << "\n lacks " << p;
    }
  };
  IntegrationSettings s;
  s.algorithm = "rk45";
  expect_error(s, {"'algorithm'", "'rk45'", "'dormand-prince-54'", "'dop853'"});
  s = {};
  s.algorithm = "rk4";
  expect_error(s, {"'controller'", "'pi'", "no error estimate", "'fixed'"});
  s = {};
  s.controller = "pd";
  expect_error(s, {"'controller'", "'pd'", "'gustafsson'"});
  s = {};
  s.duration = -1;
  expect_error(s, {"'duration'", "-1", "> 0"});
  s = {};
  s.dt_min = 1e-2;
  s.dt_max = 1e-3;
  expect_error(s, {"'dt_min'", "0.01", "dt_max"});
  s = {};
  s.rtol = 0;
  expect_error(s, {"'rtol'", "0", "> 0"});
  s = {};
  s.atol_per_state = {1e-6, 1e-6};
  expect_error(s, {"'atol_per_state'", "2 values", "3 values"});
  s = {};
  s.save_interval = 2;
  expect_error(s, {"'save_interval'", "2", "<= duration"});
  s = {};
  s.saved_states = {"w"};
  expect_error(s, {"'saved_states'", "'w'", "'x', 'y', 'z'"});
  s = {};
  s.shared_layout = "diagonal";
  expect_error(s, {"'shared_layout'", "'diagonal'", "'interleaved'"});
  EXPECT_THROW(Batch::verbatim<System>({{1.0, 2.0}}), std::invalid_argument);
  EXPECT_THROW(Batch::grid<System>({{"omega", {1.0}}}), std::invalid_argument);
  EXPECT_THROW(kobie::solve<double>(Exec(), kobie::systems::Decay{}, batch, IntegrationSettings{}),
               std::invalid_argument);
}

// ---------------------------------------------------------------- drivers

TEST(TEST_CATEGORY, explicit_drivers_are_interpolated_on_device) {
  // Periodic spline of sin over one period: within 2e-6 of sin everywhere.
  const int n = 64;
  kobie::DriverSamples ds;
  ds.t0 = 0;
  const double two_pi = 6.283185307179586;
  ds.dt = two_pi / n;
  ds.values.assign(1, std::vector<double>(n));
  for (int i = 0; i < n; ++i) ds.values[0][i] = std::sin(i * ds.dt);
  const kobie::DriverSet<Kokkos::HostSpace> host_set(ds, 1);
  for (double t = -3.0; t < 10.0; t += 0.0137) EXPECT_NEAR(host_set(0, t), std::sin(t), 5e-6) << t;
  // Clamped ends hold the end values outside the range and reproduce a
  // cubic's samples at the knots.
  kobie::DriverSamples c = ds;
  c.ends = kobie::DriverEnds::clamped;
  for (int i = 0; i < n; ++i) c.values[0][i] = i * 0.1;
  const kobie::DriverSet<Kokkos::HostSpace> clamped(c, 1);
  EXPECT_NEAR(clamped(0, -1.0), 0.0, 1e-12);
  EXPECT_NEAR(clamped(0, 1e3), (n - 1) * 0.1, 1e-12);
  EXPECT_NEAR(clamped(0, 5 * c.dt + 0.3 * c.dt), 0.53, 1e-12) << "linear data stay linear";

  // The nonlinear 3-state system with a constant driver d0 = 0.2 against the
  // same system with the forcing folded into the right-hand side by hand.
  using System = kobie::systems::Nonlinear3;
  kobie::DriverSamples constant;
  constant.values = {{0.2, 0.2, 0.2, 0.2}};
  constant.dt = 0.5;
  IntegrationSettings s;
  s.duration = 1.0;
  s.save_interval = 0.5;
  s.atol = s.rtol = 1e-10;
  const auto batch = Batch::grid<System>({{"p0", {0.7, 1.3}}});
  const auto r = kobie::solve<double>(Exec(), System{}, batch, s, constant);
  ASSERT_EQ(r.variables.size(), 6u);  // 3 states + 3 observables
  const auto h = host_outputs<double, System>(r);
  for (int sys = 0; sys < 2; ++sys) {
    kobie_ref::Settings rs;
    rs.duration = 1.0;
    rs.save_interval = 0.5;
    rs.atol = rs.rtol = 1e-10;
    rs.dt_max = 0.5;
    const double p0 = batch.parameter(0, sys);
    const auto ref = kobie_ref::integrate<kobie::tableaus::DormandPrince54>(
        [&](double, const kobie_ref::Vec& y, kobie_ref::Vec& d) {
          d[0] = p0 * (y[1] - y[0] * y[0] * y[0]) + 0.2;
          d[1] = 0.9 * y[0] * y[2] - y[1] - 0.3;
          d[2] = -1.1 * y[2] + 0.25 * std::tanh(y[0]);
        },
        {0.5, -0.25, 1.2}, rs);
    for (int v = 0; v < 3; ++v) EXPECT_NEAR(h(2, v, sys), ref.saves[2][v], 1e-9);
    EXPECT_NEAR(h(2, 5, sys), ref.saves[2][2] + 0.2, 1e-9) << "observable o2 = x2 + d0";
  }
  // A system with drivers refuses to run without them.
  EXPECT_THROW(kobie::solve<double>(Exec(), System{}, batch, s), std::invalid_argument);
}

}  // namespace
