// Test body (see backend_test.cpp.in): every explicit method through the
// public API, step by step against the independent reference
// implementation (tests/reference_integrator.hpp) through the logging policy.
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
using namespace kobie_test::explicit_tests;

// ---------------------------------------------------------------- reference

template <class Tab>
void compare_with_reference(const char* controller, double tol, double duration,
                            double deadband_low = 1.0, double deadband_high = 1.0) {
  using System = kobie::systems::Lorenz;
  IntegrationSettings s;
  s.deadband_low = deadband_low;
  s.deadband_high = deadband_high;
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
  kobie_test::RecordingLog<typename Exec::memory_space> log(batch.size(), cap, 3, Tab::stages);
  const auto r = kobie::Impl::solve_impl<double, typename Exec::memory_space, std::tuple<Tab>>(
      Exec(), System{}, batch, s, {}, nullptr, log, {});
  const auto out = host_outputs(r);
  const auto rec = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log.records);
  const auto counts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log.counts);
  const auto stage_rec = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log.stage_values);
  const int order = kobie::tableaus::controller_order<Tab>();
  for (std::size_t sys = 0; sys < y0.size(); ++sys) {
    kobie_ref::Settings rs;
    rs.duration = s.duration;
    rs.save_interval = s.save_interval;
    rs.dt = s.dt;
    rs.atol = rs.rtol = tol;
    rs.dt_max = s.save_interval;
    rs.deadband_low = deadband_low;
    rs.deadband_high = deadband_high;
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
      // Every stage's derivative and the error estimate, state by state
      // (the two runs' states differ in their last bits after many steps).
      const double* stages_at = &stage_rec(sys, std::int64_t(i) * log.values_per_step());
      double largest_k = 0;
      for (int st = 0; st < Tab::stages; ++st)
        for (int v = 0; v < 3; ++v) {
          const double k_ref = a.K[st][v];
          largest_k = std::max(largest_k, std::abs(k_ref));
          EXPECT_NEAR(stages_at[st * 3 + v], k_ref, 1e-9 * (1 + std::abs(k_ref)))
              << what << " step " << i << " stage " << st << " state " << v;
        }
      if (Tab::error_order > 0) {
        for (int v = 0; v < 3; ++v)
          EXPECT_NEAR(stages_at[Tab::stages * 3 + v], a.error[v],
                      1e-4 * std::abs(a.error[v]) + 1e-9 * h * (1 + largest_k))
              << what << " step " << i << " error estimate of state " << v;
      }
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
    // (a decision on the threshold sends the two runs down different step
    // sequences, e.g. with CUDA's fused multiply-adds: 10% slack)
    EXPECT_NEAR(ref.accepted, accepted, 2 + accepted / 10) << what;
  }
}

TEST(TEST_CATEGORY, explicit_steps_match_the_reference_implementation) {
  compare_with_reference<tab::ClassicalRK4>("fixed", 1e-6, 0.5);
  compare_with_reference<tab::ExplicitEuler>("fixed", 1e-6, 0.2);
  compare_with_reference<tab::DormandPrince54>("pi", 1e-7, 1.0);
  compare_with_reference<tab::DormandPrince54>("i", 1e-6, 1.0);
  compare_with_reference<tab::DormandPrince54>("pi", 1e-7, 1.0, 0.9, 1.2);  // a deadband
  compare_with_reference<tab::BogackiShampine32>("pid", 1e-6, 1.0);
  compare_with_reference<tab::Tsitouras54>("gustafsson", 1e-7, 1.0);
  compare_with_reference<tab::DormandPrince853>("pi", 1e-9, 1.0);
  compare_with_reference<tab::Verner76>("pi", 1e-9, 1.0);
  compare_with_reference<tab::CashKarp54>("pi", 1e-7, 1.0);
  compare_with_reference<tab::Fehlberg45>("i", 1e-7, 1.0);
  compare_with_reference<tab::Heun2>("pi", 1e-4, 0.5);
  compare_with_reference<tab::Ralston3>("fixed", 1e-6, 0.5);
}

}  // namespace
