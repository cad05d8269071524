// Test body (see backend_test.cpp.in): the integration loop and batch API
// end to end: exact save times, adaptive global error, failure isolation,
// status bits, continuation, chunking and groups of systems. (The other
// end-to-end explicit tests: test_explicit_backends, _systems, _settings;
// one file each so that no object compiles too many kernels.)

#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "explicit_test_support.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using namespace kobie_test::explicit_tests;

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
  const auto r = kobie::solve<double, DopriRk4>(Exec(), System{}, batch, s);
  const std::vector<double> expected = {0.75, 1.05, 1.35, 1.65, 1.75};
  ASSERT_EQ(r.save_times.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(r.save_times[i], expected[i], 1e-15);
  const auto h = host_outputs(r);
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
  const auto f = kobie::solve<double, DopriRk4>(Exec(), System{}, batch, s);
  const auto hf = host_outputs(f);
  for (int sys = 0; sys < 3; ++sys) {
    EXPECT_EQ(f.end_state.time(sys), 1.75);
    EXPECT_NEAR(hf(4, 0, sys), std::exp(-batch.parameter(0, sys) * 1.5), 1e-4);
  }
}

TEST(TEST_CATEGORY, explicit_adaptive_global_error_is_tolerance_proportional) {
  // Local error control does not bound the global error by the tolerance
  // itself; on these smooth, non-stiff problems over [0, 2] the global error
  // stays within 50 x tol, and it shrinks with the tolerance.
  for (const char* alg : {"heun-2", "bogacki-shampine-32", "dormand-prince-54", "cash-karp-54",
                          "fehlberg-45", "tsitouras-54", "verner-76", "dop853"}) {
    double previous = 1;
    for (double tol : {1e-5, 1e-8}) {
      IntegrationSettings s;
      s.algorithm = alg;
      s.duration = 2.0;
      s.save_interval = 0.5;
      s.atol = s.rtol = tol;
      const auto batch = Batch::verbatim<Riccati>({{1.0}, {0.5}, {2.0}});
      const auto r = kobie::solve<double, Adaptive>(Exec(), Riccati{}, batch, s);
      const auto h = host_outputs(r);
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
  const auto r = kobie::solve<double, DopriRk4>(Exec(), System{}, batch, s);
  EXPECT_EQ(r.failures(), 1) << r.failure_summary();
  EXPECT_EQ(r.status(0), 0);
  EXPECT_NE(r.status(1), 0);
  EXPECT_EQ(r.status(2), 0);
  EXPECT_NE(r.failure_summary().find("systems 1"), std::string::npos) << r.failure_summary();
  const auto h = host_outputs(r);
  EXPECT_NEAR(h(20, 0, 0), std::exp(-20.0), 1e-9);
  EXPECT_NEAR(h(20, 0, 2), std::exp(-40.0), 1e-9);
  EXPECT_NEAR(h(1, 0, 1), std::exp(60.0), 1e-5 * std::exp(60.0)) << "partial results are kept";
  EXPECT_TRUE(std::isnan(h(20, 0, 1))) << "saves after the failure are NaN";

  // A fixed-step run that goes non-finite stops with that status.
  s.algorithm = "rk4";
  s.controller = "fixed";
  s.dt = 0.01;
  const auto f = kobie::solve<double, DopriRk4>(Exec(), System{}, batch, s);
  EXPECT_TRUE(f.status(1) & kobie::status_nonfinite_state) << f.failure_summary();
  EXPECT_EQ(f.status(0), 0);

  // The step budget.
  s.algorithm = "dormand-prince-54";
  s.controller = "pi";
  s.max_steps = 10;
  const auto m = kobie::solve<double, DopriRk4>(Exec(), System{}, batch, s);
  for (int sys = 0; sys < 3; ++sys) EXPECT_TRUE(m.status(sys) & kobie::status_max_steps);
}

TEST(TEST_CATEGORY, explicit_float32_fixed_steps_are_exact_rk4_and_fail_alone) {
  // Float32 states: fixed steps check finiteness in float32. dy/dt = -k y
  // with RK4 at step h multiplies y by R(-k h) = 1 + z + z^2/2 + z^3/6 +
  // z^4/24 per step; k = -60 leaves float32's range after about 148 steps.
  using System = kobie::systems::Decay;
  IntegrationSettings s;
  s.algorithm = "rk4";
  s.controller = "fixed";
  s.dt = 0.01;
  s.duration = 3.0;
  s.save_interval = 1.0;
  const auto batch = Batch::grid<System>({{"k", {1.0, -60.0, 2.0}}});
  const auto r = kobie::solve<float, std::tuple<tab::ClassicalRK4>>(Exec(), System{}, batch, s);
  EXPECT_EQ(r.failures(), 1) << r.failure_summary();
  EXPECT_EQ(r.status(0), 0);
  EXPECT_TRUE(r.status(1) & kobie::status_nonfinite_state) << r.failure_summary();
  EXPECT_EQ(r.status(2), 0);
  auto rk4_power = [](double z, int steps) {
    return std::pow(1 + z + z * z / 2 + z * z * z / 6 + z * z * z * z / 24, steps);
  };
  const auto h = host_outputs(r);
  EXPECT_NEAR(h(3, 0, 0), rk4_power(-0.01, 300), 1e-5 * rk4_power(-0.01, 300));
  EXPECT_NEAR(h(3, 0, 2), rk4_power(-0.02, 300), 1e-5 * rk4_power(-0.02, 300));
  EXPECT_NEAR(h(1, 0, 1), rk4_power(0.6, 100), 1e-4 * rk4_power(0.6, 100))
      << "partial results are kept";
  EXPECT_TRUE(std::isnan(h(2, 0, 1))) << "saves after the failure are NaN";
}

// Every status bit has its name in the failure summary, solver bits included
// (the implicit steps report them; here they are set by hand).
TEST(TEST_CATEGORY, failure_summary_names_every_status_bit) {
  kobie::Results<double, Kokkos::HostSpace> r;
  r.n_systems = 10;
  r.stats = decltype(r.stats)("stats", kobie::stat_rows, 10);
  int s = 0;
  for (const auto& [bit, name] : kobie::status_bit_names) r.stats(kobie::stat_status, s++) = bit;
  EXPECT_EQ(s, 8);
  const std::string summary = r.failure_summary();
  EXPECT_NE(summary.find("8 of 10 systems failed"), std::string::npos) << summary;
  for (const char* part :
       {"Newton did not converge: 1 (systems 4)", "Newton diverged: 1 (systems 5)",
        "linear solver iteration limit: 1 (systems 6)", "singular matrix: 1 (systems 7)",
        "step too small: 1 (systems 0)"})
    EXPECT_NE(summary.find(part), std::string::npos) << summary << "\n  lacks: " << part;
}

TEST(TEST_CATEGORY, explicit_status_bits_step_too_small_and_stagnation) {
  using System = kobie::systems::Decay;
  // k = 1e5 needs steps below 3e-5 for stability: the controller cannot
  // keep dt_min = 1e-3, and that system alone stops as step too small.
  IntegrationSettings s;
  s.duration = 1.0;
  s.save_interval = 0.5;
  s.dt = s.dt_min = 1e-3;
  const auto stiff = Batch::grid<System>({{"k", {1.0, 1e5, 2.0}}});
  const auto r = kobie::solve<double, DopriRk4>(Exec(), System{}, stiff, s);
  EXPECT_EQ(r.status(0), 0) << r.failure_summary();
  EXPECT_EQ(r.status(1), int(kobie::status_step_too_small)) << r.failure_summary();
  EXPECT_EQ(r.status(2), 0) << r.failure_summary();
  EXPECT_NE(r.failure_summary().find("step too small: 1 (systems 1)"), std::string::npos)
      << r.failure_summary();

  // Steps shortened to land on save times (0.3 apart, steps of at most
  // 0.25: every second step is 0.05) are shorter than dt_min = 0.2, and
  // never count as too small.
  s.duration = 3.0;
  s.save_interval = 0.3;
  s.dt = s.dt_min = 0.2;
  s.dt_max = 0.25;
  s.atol = s.rtol = 1e-2;
  const auto easy = Batch::grid<System>({{"k", {0.1, 0.2}}});
  const auto landed = kobie::solve<double, DopriRk4>(Exec(), System{}, easy, s);
  EXPECT_EQ(landed.failures(), 0) << landed.failure_summary();
  EXPECT_GE(landed.stats(kobie::stat_accepted, 0), 20) << "landing steps were taken";

  // At t = 1e20 a step of 1 does not move the clock (ulp 16384): every
  // system stops with stagnation, adaptive or fixed.
  IntegrationSettings far;
  far.t0 = 1e20;
  far.duration = 1e6;
  far.save_interval = 5e5;
  far.dt = 1.0;
  far.dt_max = 1.0;
  for (const char* controller : {"pi", "fixed"}) {
    far.controller = controller;
    far.algorithm = std::string(controller) == "fixed" ? "rk4" : "dormand-prince-54";
    const auto st = kobie::solve<double, DopriRk4>(Exec(), System{}, easy, far);
    for (int sys = 0; sys < 2; ++sys)
      EXPECT_EQ(st.status(sys), int(kobie::status_stagnation))
          << controller << " " << st.failure_summary();
  }
}

TEST(TEST_CATEGORY, explicit_continuation_and_chunking_are_exact) {
  using System = kobie::systems::Lorenz;
  IntegrationSettings s;
  s.duration = 2.0;
  s.save_interval = 0.25;
  s.atol = s.rtol = 1e-7;
  const auto batch = Batch::grid<System>({{"rho", {5.0, 15.0, 28.0}}, {"x", {1.0, -1.0}}});
  const auto whole =
      kobie::solve<double, std::tuple<tab::DormandPrince54>>(Exec(), System{}, batch, s);
  const auto hw = host_outputs(whole);

  // The same run in launches of 3 saves: bitwise identical.
  s.saves_per_chunk = 3;
  const auto chunked =
      kobie::solve<double, std::tuple<tab::DormandPrince54>>(Exec(), System{}, batch, s);
  const auto hc = host_outputs(chunked);
  ASSERT_EQ(hw.size(), hc.size());
  EXPECT_EQ(std::memcmp(hw.data(), hc.data(), hw.size() * sizeof(double)), 0);

  // Two runs of 1.0, the second continuing from the first's end state.
  s.saves_per_chunk = 0;
  s.duration = 1.0;
  const auto first =
      kobie::solve<double, std::tuple<tab::DormandPrince54>>(Exec(), System{}, batch, s);
  s.t0 = 1.0;
  const auto second = kobie::solve<double, std::tuple<tab::DormandPrince54>>(
      Exec(), System{}, batch, s, {}, &first.end_state);
  const auto h1 = host_outputs(first);
  const auto h2 = host_outputs(second);
  for (std::int64_t sys = 0; sys < batch.size(); ++sys)
    for (int v = 0; v < 3; ++v) {
      EXPECT_EQ(h1(4, v, sys), hw(4, v, sys));
      EXPECT_EQ(h2(4, v, sys), hw(8, v, sys)) << "continued run, system " << sys;
    }
  // The end state carries every persistent-flagged buffer (counters and the
  // FSAL derivative included), so the continued run is the whole run:
  // counters, evaluations and end state, bitwise.
  for (auto row : {kobie::stat_accepted, kobie::stat_rejected, kobie::stat_rhs_evals})
    for (std::int64_t sys = 0; sys < batch.size(); ++sys)
      EXPECT_EQ(second.stats(row, sys), whole.stats(row, sys))
          << "row " << row << ", system " << sys;
  ASSERT_EQ(second.end_state.data.size(), whole.end_state.data.size());
  EXPECT_EQ(std::memcmp(second.end_state.data.data(), whole.end_state.data.data(),
                        whole.end_state.data.size()),
            0);
  EXPECT_EQ(second.end_state.time(0), 2.0);
  // A resume must carry what the method carries: Dormand-Prince's FSAL
  // derivative is not in RK4's end state.
  s.algorithm = "rk4";
  s.controller = "fixed";
  s.dt = 1e-3;
  const auto rk4 = kobie::solve<double, DopriRk4>(Exec(), System{}, batch, s);
  s.algorithm = "dormand-prince-54";
  s.controller = "pi";
  try {
    kobie::solve<double, DopriRk4>(Exec(), System{}, batch, s, {}, &rk4.end_state);
    ADD_FAILURE() << "a resume without the FSAL derivative was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'loop/step/fsal_rhs'"), std::string::npos) << e.what();
  }
}

TEST(TEST_CATEGORY, explicit_batches_beyond_the_memory_limit_run_in_groups_of_systems) {
  using System = kobie::systems::Lorenz;
  using Dopri = std::tuple<tab::DormandPrince54>;
  IntegrationSettings s;
  s.duration = 1.0;
  s.save_interval = 0.125;
  s.saves_per_chunk = 3;
  s.summary_metrics = {"mean", "peaks"};
  s.summary_window = 0.25;
  const auto batch =
      Batch::grid<System>({{"rho", {5.0, 15.0, 28.0, 35.0, 60.0}}, {"x", {1.0, -1.0}}});
  const auto whole = kobie::solve_to_host<double, Dopri>(Exec(), System{}, batch, s);
  EXPECT_EQ(whole.launch_report.find("groups"), std::string::npos) << whole.launch_report;
  // A limit of three and a half systems' worth: groups of 3, 3, 3, 1,
  // bitwise the same results.
  const std::int64_t limit = 3 * whole.device_bytes_per_system + whole.device_bytes_per_system / 2;
  s.device_memory_limit = limit;
  const auto grouped = kobie::solve_to_host<double, Dopri>(Exec(), System{}, batch, s);
  EXPECT_NE(grouped.launch_report.find("groups of up to 3"), std::string::npos)
      << grouped.launch_report;
  // The bytes per system the limit is divided by (3 systems fit, 4 do not)
  // include the registry's persistent storage.
  EXPECT_EQ(grouped.device_bytes_per_system, whole.device_bytes_per_system);
  EXPECT_LE(3 * grouped.device_bytes_per_system, limit);
  EXPECT_GT(4 * grouped.device_bytes_per_system, limit);
  EXPECT_GT(grouped.persistent_bytes_per_system, 0);
  EXPECT_LT(grouped.persistent_bytes_per_system, grouped.device_bytes_per_system);
  auto same = [](const auto& a, const auto& b) {
    return a.size() == b.size() &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(*a.data())) == 0;
  };
  EXPECT_TRUE(same(whole.outputs, grouped.outputs));
  EXPECT_TRUE(same(whole.summaries, grouped.summaries));
  EXPECT_TRUE(same(whole.stats, grouped.stats));
  EXPECT_TRUE(same(whole.end_state.data, grouped.end_state.data));
  // Continuing a grouped run from its end state.
  s.t0 = 1.0;
  const auto next =
      kobie::solve_to_host<double, Dopri>(Exec(), System{}, batch, s, {}, {}, &grouped.end_state);
  s.device_memory_limit = 0;
  const auto next_whole =
      kobie::solve_to_host<double, Dopri>(Exec(), System{}, batch, s, {}, {}, &whole.end_state);
  EXPECT_TRUE(same(next.outputs, next_whole.outputs));
  // Device-resident results cannot be grouped: a limit they exceed is an error.
  s.device_memory_limit = 3000;
  try {
    kobie::solve<double, Dopri>(Exec(), System{}, batch, s);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("device_memory_limit"), std::string::npos) << m;
    EXPECT_NE(m.find("3000"), std::string::npos) << m;
    EXPECT_NE(m.find("solve_to_host"), std::string::npos) << m;
  }
}

}  // namespace
