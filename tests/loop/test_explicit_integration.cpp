// Test body (see backend_test.cpp.in): the integration loop and batch API
// end to end: exact save times, adaptive global error, failure isolation,
// continuation, chunking, layout and backend independence, settings
// validation and drivers.
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <algorithm>
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
    std::tuple<tab::Heun2, tab::BogackiShampine32, tab::DormandPrince54, tab::CashKarp54,
               tab::Fehlberg45, tab::Tsitouras54, tab::Verner76, tab::DormandPrince853>;

/// A user's tableau, not one of KoBIE's: the explicit midpoint rule.
struct Midpoint {
  static const char* name() { return "midpoint"; }
  static constexpr int stages = 2;
  static constexpr int order = 2;
  static constexpr int error_order = 0;
  static constexpr bool fsal = false;
  static constexpr bool dual_error = false;
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    return i == 1 && j == 0 ? 0.5 : 0.0;
  }
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) { return i == 1 ? 1.0 : 0.0; }
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) { return i == 1 ? 0.5 : 0.0; }
  KOKKOS_INLINE_FUNCTION static constexpr double e(int) { return 0.0; }
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int) { return 0.0; }
};
/// The same with a node that does not match its row of A.
struct BrokenMidpoint : Midpoint {
  static const char* name() { return "broken-midpoint"; }
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) { return i == 1 ? 0.6 : 0.0; }
};

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
  // (Lorenz-96's adaptive steps run on SIMD packs, in interleaved slices,
  // where the host compiler has them: see also DrivenRing<false> below)
  EXPECT_NE(l96.launch_report.find(host_space && !KOBIE_SIMD_PACKS ? "contiguous slices"
                                                                   : "interleaved slices"),
            std::string::npos)
      << l96.launch_report;
#if defined(KOKKOS_ENABLE_SERIAL)
  // Host backends (Serial; OpenMP at any thread count) give the same bits;
  // CUDA agrees within 1e-6 relative (fused multiply-adds round differently,
  // which can move an adaptive step).
  const bool host = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  compare(kobie::solve<double, std::tuple<tab::Tsitouras54>>(Kokkos::Serial(), System{}, batch, s),
          "Serial backend", host ? 0.0 : 1e-6);
  // Fixed steps too (on host backends the lanes of a team step together:
  // the uniform path), with landing steps.
  IntegrationSettings fixed = s;
  fixed.algorithm = "rk4";
  fixed.controller = "fixed";
  fixed.dt = 0.007;
  const auto here_fixed = kobie::solve<double, DopriRk4>(Exec(), System{}, batch, fixed);
  const auto serial_fixed =
      kobie::solve<double, DopriRk4>(Kokkos::Serial(), System{}, batch, fixed);
  const auto a = host_outputs(here_fixed);
  const auto b = host_outputs(serial_fixed);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (host) {
      ASSERT_EQ(a.data()[i], b.data()[i]) << "fixed steps, Serial backend, value " << i;
    } else {
      EXPECT_NEAR(a.data()[i], b.data()[i], 1e-9 * (1 + std::abs(b.data()[i]))) << i;
    }
  }
#endif
}

TEST(TEST_CATEGORY, explicit_device_batch_gives_the_host_batch_results) {
  // Inputs already in the space's memory (a GPU application's) integrate to
  // the same bits as the same batch from the host.
  using System = kobie::systems::Lorenz;
  using Memory = typename Exec::memory_space;
  const auto batch = Batch::grid<System>({{"rho", {5.0, 15.0, 28.0}}, {"x", {1.0, -1.0}}});
  const std::int64_t n = batch.size();
  Kokkos::View<double**, Kokkos::LayoutRight, Memory> y0("y0", 3, n), p("p", 3, n);
  const auto hy = Kokkos::create_mirror_view(y0);
  const auto hp = Kokkos::create_mirror_view(p);
  for (int i = 0; i < 3; ++i)
    for (std::int64_t sys = 0; sys < n; ++sys) {
      hy(i, sys) = batch.state(i, sys);
      hp(i, sys) = batch.parameter(i, sys);
    }
  Kokkos::deep_copy(y0, hy);
  Kokkos::deep_copy(p, hp);
  IntegrationSettings s;
  s.duration = 1.0;
  s.save_interval = 0.25;
  s.atol = s.rtol = 1e-8;
  const auto from_host = kobie::solve<double, DopriRk4>(Exec(), System{}, batch, s);
  const auto on_device = kobie::solve<double, DopriRk4>(
      Exec(), System{}, kobie::DeviceBatch<double, Memory>{y0, p}, s);
  const auto a = host_outputs(from_host);
  const auto b = host_outputs(on_device);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
  for (std::int64_t sys = 0; sys < n; ++sys)
    EXPECT_EQ(on_device.stats(kobie::stat_accepted, sys),
              from_host.stats(kobie::stat_accepted, sys));
  // Views of the wrong shape are refused before any launch.
  Kokkos::View<double**, Kokkos::LayoutRight, Memory> two_states("y0", 2, n);
  EXPECT_THROW((kobie::solve<double, DopriRk4>(
                   Exec(), System{}, kobie::DeviceBatch<double, Memory>{two_states, p}, s)),
               std::invalid_argument);
  Kokkos::View<double**, Kokkos::LayoutRight, Memory> fewer("p", 3, n - 1);
  try {
    kobie::solve<double, DopriRk4>(Exec(), System{}, kobie::DeviceBatch<double, Memory>{y0, fewer},
                                   s);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'parameters' of the DeviceBatch holds 5 systems; allowed: the states' 6"),
              std::string::npos)
        << m;
  }
}

#if defined(KOKKOS_ENABLE_CUDA)
TEST(TEST_CATEGORY, explicit_solve_runs_on_a_given_cuda_stream) {
  // The execution-space overload runs on the instance it is given (here a
  // stream of our own) and fences only that instance: the same bits as the
  // default instance.
  if (!std::is_same<Exec, Kokkos::Cuda>::value) GTEST_SKIP() << "CUDA only";
  using System = kobie::systems::VanDerPol;
  IntegrationSettings s;
  s.duration = 2.0;
  s.save_interval = 0.5;
  const auto batch = Batch::grid<System>({{"mu", {0.5, 1.0, 2.0, 4.0}}});
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  {
    const Kokkos::Cuda instance(stream);
    const auto on_stream = kobie::solve<double, DopriRk4>(instance, System{}, batch, s);
    const auto on_default = kobie::solve<double, DopriRk4>(Kokkos::Cuda(), System{}, batch, s);
    const auto a = host_outputs(on_stream);
    const auto b = host_outputs(on_default);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
  }
  cudaStreamDestroy(stream);
}
#endif

TEST(TEST_CATEGORY, explicit_builtin_systems_keep_their_exact_solutions_and_invariants) {
  // Linear3 against its exact solution (and its observables, with a
  // constant driver); the three-chamber model over two heart beats of its
  // elastance driver and Robertson over its fast transient conserve their
  // totals (their right-hand sides sum to zero).
  IntegrationSettings s;
  s.duration = 2.0;
  s.save_interval = 0.5;
  s.atol = s.rtol = 1e-10;
  {
    using System = kobie::systems::Linear3;
    kobie::DriverSamples d;
    d.values = {{0.25}};
    const auto batch = Batch::grid<System>({{"x0", {1.0, -2.0}}, {"p0", {1.0, 3.0}}});
    const auto r =
        kobie::solve<double, std::tuple<tab::DormandPrince54>>(Exec(), System{}, batch, s, d);
    const auto h = host_outputs(r);
    EXPECT_EQ(r.failures(), 0) << r.failure_summary();
    for (std::int64_t sys = 0; sys < batch.size(); ++sys) {
      const double y0[3] = {batch.state(0, sys), batch.state(1, sys), batch.state(2, sys)};
      for (std::size_t k = 0; k < r.save_times.size(); ++k) {
        for (int i = 0; i < 3; ++i)
          EXPECT_NEAR(h(k, i, sys), System::exact(i, r.save_times[k], y0, nullptr), 1e-8)
              << sys << " " << k << " " << i;
        EXPECT_NEAR(h(k, 3, sys), -h(k, 0, sys) * batch.parameter(0, sys) + 0.5 + 0.25, 1e-12);
      }
    }
  }
  auto expect_conserved = [&](auto system, const kobie::DriverSamples& d, double duration,
                              double bound) {
    using System = decltype(system);
    s.duration = duration;
    s.save_interval = duration / 4;
    s.atol = s.rtol = 1e-8;
    const auto batch =
        Batch::verbatim<System>({System::default_state(), System::default_state()},
                                {System::default_parameters(), System::default_parameters()});
    const auto r =
        kobie::solve<double, std::tuple<tab::DormandPrince54>>(Exec(), system, batch, s, d);
    EXPECT_EQ(r.failures(), 0) << System::name() << ": " << r.failure_summary();
    const auto h = host_outputs(r);
    double total0 = 0;
    for (int i = 0; i < 3; ++i) total0 += batch.state(i, 0);
    for (std::size_t k = 0; k < r.save_times.size(); ++k)
      EXPECT_NEAR(h(k, 0, 1) + h(k, 1, 1) + h(k, 2, 1), total0, bound)
          << System::name() << " " << k;
    EXPECT_NE(h(4, 0, 1), batch.state(0, 1)) << System::name() << " moved";
  };
  expect_conserved(kobie::systems::ThreeChamber{}, kobie::systems::ThreeChamber::default_drivers(),
                   2.0, 1e-9);
  expect_conserved(kobie::systems::Robertson{}, {}, 0.05, 1e-9);
}

TEST(TEST_CATEGORY, explicit_drivers_enter_the_right_hand_side_at_stage_times) {
  // A periodic driver sampled every 0.05 enters Nonlinear3's dx0; RK4 on the
  // device against the reference RK4 evaluating the same spline on the host
  // at every stage time.
  using System = kobie::systems::Nonlinear3;
  kobie::DriverSamples d;
  d.dt = 0.05;
  d.ends = kobie::DriverEnds::periodic;
  d.values.assign(1, std::vector<double>(40));
  const double pi = 3.14159265358979323846;
  for (int i = 0; i < 40; ++i)
    d.values[0][i] = std::sin(2 * pi * i / 40.0) + 0.3 * std::cos(4 * pi * i / 40.0);
  IntegrationSettings s;
  s.algorithm = "rk4";
  s.controller = "fixed";
  s.dt = 0.01;
  s.duration = 1.0;
  s.save_interval = 0.25;
  const auto batch = Batch::grid<System>({{"p0", {0.5, 1.5}}});
  const auto r = kobie::solve<double, DopriRk4>(Exec(), System{}, batch, s, d);
  const auto h = host_outputs(r);
  const kobie::DriverSet<Kokkos::HostSpace> spline(d, 1);
  const System sys_constants{};
  for (std::int64_t sys = 0; sys < batch.size(); ++sys) {
    const double p0 = batch.parameter(0, sys), p1 = batch.parameter(1, sys),
                 p2 = batch.parameter(2, sys);
    const kobie_ref::Rhs f = [&](double t, const kobie_ref::Vec& y, kobie_ref::Vec& dy) {
      dy[0] = p0 * (y[1] - y[0] * y[0] * y[0]) + spline(0, t);
      dy[1] = p1 * y[0] * y[2] - y[1] + sys_constants.c1;
      dy[2] = -p2 * y[2] + sys_constants.c2 * std::tanh(y[0]);
    };
    kobie_ref::Vec y = {batch.state(0, sys), batch.state(1, sys), batch.state(2, sys)};
    for (int k = 0; k < 100; ++k)
      y = kobie_ref::attempt<tab::ClassicalRK4>(f, k * 0.01, y, 0.01, nullptr, 1, 1).y_new;
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(h(4, i, sys), y[i], 1e-10) << sys << " " << i;
    // The observable x2 + d0 at the end, from the device's spline.
    EXPECT_NEAR(h(4, 5, sys), h(4, 2, sys) + spline(0, 1.0), 1e-12) << sys;
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

TEST(TEST_CATEGORY, explicit_user_tableaus_are_validated_and_integrated) {
  // A tableau type of the user's is named by the call and picked by name;
  // it is checked before any launch, and a malformed one is refused with
  // what is wrong, never integrated.
  using System = kobie::systems::Decay;
  IntegrationSettings s;
  s.algorithm = "midpoint";
  s.controller = "fixed";
  s.duration = 1.0;
  s.save_interval = 0.5;
  const auto batch = Batch::grid<System>({{"k", {1.0, 2.0}}});
  double previous = 0;
  for (double dt : {0.01, 0.005}) {
    s.dt = dt;
    const auto r = kobie::solve<double, std::tuple<Midpoint>>(Exec(), System{}, batch, s);
    const auto h = host_outputs(r);
    const double e = std::abs(h(2, 0, 1) - std::exp(-2.0));
    EXPECT_LT(e, 1e-4) << dt;
    if (previous > 0) {
      EXPECT_NEAR(std::log2(previous / e), 2.0, 0.1) << "second order";
    }
    previous = e;
  }
  // Without an error estimate, an adaptive controller is refused.
  s.controller = "pi";
  EXPECT_THROW((kobie::solve<double, std::tuple<Midpoint>>(Exec(), System{}, batch, s)),
               std::invalid_argument);
  s.controller = "fixed";
  s.algorithm = "broken-midpoint";
  try {
    kobie::solve<double, std::tuple<Midpoint, BrokenMidpoint>>(Exec(), System{}, batch, s);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("tableau 'broken-midpoint': row 1 of A sums to 0.5"), std::string::npos) << m;
  }
  // A name the call does not compile lists those it does.
  s.algorithm = "nystrom";
  try {
    kobie::solve<double, std::tuple<Midpoint>>(Exec(), System{}, batch, s);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("setting 'algorithm' has value 'nystrom'; allowed: 'midpoint'"),
              std::string::npos)
        << m;
  }
}

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
