// Test body (see backend_test.cpp.in): the integration loop and batch API
// end to end: exact save times, adaptive global error, failure isolation,
// continuation, chunking, layout and backend independence, settings
// validation and drivers.
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "explicit_test_support.hpp"
#include "recording_log.hpp"
#include "reference_integrator.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using kobie::Batch;
using kobie::IntegrationSettings;
using kobie_test::host_outputs;
using kobie_test::Riccati;
namespace tab = kobie::tableaus;
// Each test compiles only the methods it runs (compile time).
using DopriRk4 = std::tuple<tab::DormandPrince54, tab::ClassicalRK4>;
using Adaptive =
    std::tuple<tab::BogackiShampine32, tab::DormandPrince54, tab::CashKarp54, tab::Fehlberg45,
               tab::Tsitouras54, tab::Verner76, tab::DormandPrince853>;

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
  EXPECT_EQ(second.stats(kobie::stat_accepted, 0), whole.stats(kobie::stat_accepted, 0));
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
  // A limit of a few systems' worth: groups of 3, 3, 3, 1, bitwise the same results.
  s.device_memory_limit = 3000;
  const auto grouped = kobie::solve_to_host<double, Dopri>(Exec(), System{}, batch, s);
  EXPECT_NE(grouped.launch_report.find("groups of up to"), std::string::npos)
      << grouped.launch_report;
  // The bytes per system the limit is divided by (3 systems fit, 4 do not)
  // include the registry's persistent storage.
  EXPECT_LE(3 * grouped.device_bytes_per_system, 3000);
  EXPECT_GT(4 * grouped.device_bytes_per_system, 3000);
  EXPECT_GT(grouped.persistent_bytes_per_system, 0);
  EXPECT_LT(grouped.persistent_bytes_per_system, grouped.device_bytes_per_system);
  auto same = [](const auto& a, const auto& b) {
    return a.size() == b.size() &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(*a.data())) == 0;
  };
  EXPECT_TRUE(same(whole.outputs, grouped.outputs));
  EXPECT_TRUE(same(whole.summaries, grouped.summaries));
  EXPECT_TRUE(same(whole.stats, grouped.stats));
  EXPECT_TRUE(same(whole.end_state.states, grouped.end_state.states));
  EXPECT_TRUE(same(whole.end_state.clocks, grouped.end_state.clocks));
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
  const auto here = kobie::solve<double, std::tuple<tab::Tsitouras54>>(Exec(), System{}, batch, s);
  const auto h = host_outputs(here);
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
  compare(kobie::solve<double, std::tuple<tab::Tsitouras54>>(Exec(), System{}, batch, s),
          "contiguous shared slices", 0);
  s.shared_layout = "interleaved";
  // Team sizes group the lanes differently (host: the lanes of one SIMD
  // pass; CUDA: threads per block) and never change a lane's arithmetic.
  const bool host_space = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  for (int lanes : host_space ? std::vector<int>{1, 8, 128, 1024} : std::vector<int>{32, 128}) {
    s.lanes_per_team = lanes;
    const auto other =
        kobie::solve<double, std::tuple<tab::Tsitouras54>>(Exec(), System{}, batch, s);
    EXPECT_NE(other.launch_report.find(std::to_string(lanes) + " lanes per team"),
              std::string::npos)
        << other.launch_report;
    compare(other, ("lanes_per_team " + std::to_string(lanes)).c_str(), 0);
  }
  s.lanes_per_team = 0;
  // "auto" slices: contiguous on host for a system too large for its lanes
  // to run as SIMD, interleaved otherwise (and always on CUDA).
  s.shared_layout = "auto";
  EXPECT_NE(here.launch_report.find("interleaved slices"), std::string::npos) << here.launch_report;
  using Large = kobie::systems::Lorenz96<40>;
  IntegrationSettings large;
  large.algorithm = "tsitouras-54";
  large.duration = 0.01;
  large.save_interval = 0.01;
  const auto l96 = kobie::solve<double, std::tuple<tab::Tsitouras54>>(
      Exec(), Large{}, Batch::grid<Large>({{"F", {8.0}}}), large);
  EXPECT_NE(l96.launch_report.find(host_space ? "contiguous slices" : "interleaved slices"),
            std::string::npos)
      << l96.launch_report;
#if defined(KOKKOS_ENABLE_SERIAL)
  // Host backends (Serial; OpenMP at any thread count) give the same bits;
  // CUDA agrees within 1e-6 relative (fused multiply-adds round differently,
  // which can move an adaptive step).
  const bool host = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  compare(kobie::solve<double, std::tuple<tab::Tsitouras54>>(Kokkos::Serial(), System{}, batch, s),
          "Serial backend", host ? 0.0 : 1e-6);
#endif
}

TEST(TEST_CATEGORY, explicit_fixed_steps_give_the_same_bits_on_every_host_path) {
  // On host backends, fixed steps of lanes that stand together take the
  // uniform path (step times computed once per team, finiteness checked once
  // per chunk of passes, a chunk with a failure replayed checked);
  // contiguous slices take the per-lane passes. Failures (non-finite states
  // at different steps), landing steps and the step budget must come out
  // bitwise the same, also for an FSAL tableau (whose saved derivative a
  // replay restores).
  using System = kobie::systems::Decay;
  std::vector<double> k;
  for (int i = 0; i < 70; ++i) k.push_back(i % 7 == 3 ? -50.0 - i : 0.05 * i);
  const auto batch = Batch::grid<System>({{"k", k}});
  for (const char* algorithm : {"rk4", "dormand-prince-54"}) {
    IntegrationSettings s;
    s.algorithm = algorithm;
    s.controller = "fixed";
    s.duration = 14.0;
    s.save_interval = 0.3;
    s.dt = 0.07;  // does not divide the save interval: landing steps
    for (std::int64_t max_steps : {std::int64_t(10000000), std::int64_t(77)}) {
      s.max_steps = max_steps;
      s.shared_layout = "interleaved";
      const auto a = kobie::solve_to_host<double, DopriRk4>(Exec(), System{}, batch, s);
      s.shared_layout = "contiguous";
      const auto b = kobie::solve_to_host<double, DopriRk4>(Exec(), System{}, batch, s);
      EXPECT_GE(a.failures(), 9) << algorithm;
      auto same = [](const auto& x, const auto& y) {
        return x.size() == y.size() &&
               std::memcmp(x.data(), y.data(), x.size() * sizeof(*x.data())) == 0;
      };
      const std::string what = std::string(algorithm) + " max_steps " + std::to_string(max_steps);
      EXPECT_TRUE(same(a.outputs, b.outputs)) << what;
      EXPECT_TRUE(same(a.stats, b.stats)) << what;
      EXPECT_TRUE(same(a.end_state.states, b.end_state.states)) << what;
      EXPECT_TRUE(same(a.end_state.clocks, b.end_state.clocks)) << what;
    }
  }
}

TEST(TEST_CATEGORY, explicit_results_do_not_depend_on_buffer_placement) {
  // Where the buffers live changes memory traffic, never arithmetic: every
  // compiled placement gives the default's results (bitwise on host
  // backends; CUDA within 1e-12, in case code generation contracts a
  // multiply-add differently). The all-local kernels are also those whose
  // CUDA resources CI checks (0 bytes stack frame, no spills).
  using System = kobie::systems::Lorenz;
  using Placements =
      kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared>;
  const auto batch = Batch::grid<System>({{"rho", {5.0, 13.0, 21.0, 28.0}}, {"x", {1.0, -2.0}}});
  const bool host = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  for (const char* algorithm : {"rk4", "dormand-prince-54"}) {
    IntegrationSettings s;
    s.algorithm = algorithm;
    s.controller = std::string(algorithm) == "rk4" ? "fixed" : "pi";
    s.dt = 1e-3;
    s.duration = 0.5;
    s.save_interval = 0.1;
    s.atol = s.rtol = 1e-8;
    const auto base =
        kobie::solve_to_host<double, DopriRk4, Placements>(Exec(), System{}, batch, s);
    for (const char* placement : {"all-local", "all-shared"}) {
      s.placement = placement;
      const auto other =
          kobie::solve_to_host<double, DopriRk4, Placements>(Exec(), System{}, batch, s);
      ASSERT_EQ(other.outputs.size(), base.outputs.size());
      for (std::size_t i = 0; i < base.outputs.size(); ++i) {
        const double a = base.outputs.data()[i], b = other.outputs.data()[i];
        if (host) {
          EXPECT_EQ(a, b) << algorithm << " " << placement << " " << i;
        } else {
          EXPECT_NEAR(a, b, 1e-12 * (1 + std::abs(a))) << algorithm << " " << placement;
        }
      }
      // (For a system this small the default is all-local already.)
      if (std::string(placement) == "all-shared") {
        EXPECT_NE(other.layout_report, base.layout_report) << placement;
      }
    }
  }
  IntegrationSettings s;
  s.placement = "all-persistent";
  try {
    kobie::solve<double, DopriRk4, Placements>(Exec(), System{}, batch, s);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    for (const char* part :
         {"'placement'", "'all-persistent'", "'default'", "'all-local'", "'all-shared'"})
      EXPECT_NE(m.find(part), std::string::npos) << m;
  }
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
  s = {};
  s.lanes_per_team = 48;
  expect_error(s, {"'lanes_per_team'", "48", "a power of two from 1 to 1024"});
  EXPECT_THROW(Batch::verbatim<System>({{1.0, 2.0}}), std::invalid_argument);
  EXPECT_THROW(Batch::grid<System>({{"omega", {1.0}}}), std::invalid_argument);
  EXPECT_THROW((kobie::solve<double, DopriRk4>(Exec(), kobie::systems::Decay{}, batch,
                                               IntegrationSettings{})),
               std::invalid_argument);
  // A method the call does not compile in is named as such.
  IntegrationSettings other;
  other.algorithm = "verner-76";
  try {
    kobie::solve<double, DopriRk4>(Exec(), System{}, batch, other);
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'verner-76'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("compiled: 'dormand-prince-54', 'rk4'"), std::string::npos)
        << e.what();
  }
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
  const auto r =
      kobie::solve<double, std::tuple<tab::DormandPrince54>>(Exec(), System{}, batch, s, constant);
  ASSERT_EQ(r.variables.size(), 6u);  // 3 states + 3 observables
  const auto h = host_outputs(r);
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
  EXPECT_THROW((kobie::solve<double, std::tuple<tab::DormandPrince54>>(Exec(), System{}, batch, s)),
               std::invalid_argument);
}

}  // namespace
