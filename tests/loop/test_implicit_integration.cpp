// Test body (see backend_test.cpp.in): backward Euler through the whole
// integration loop (`solve`), the proof of the Step concept: exact values on
// a linear problem, measured order 1, the stiff Robertson batch to t = 1e5
// against Dormand-Prince, a Newton failure confined to its own system, and a
// step-by-step replay of an adaptive run through an independent plain C++
// backward Euler (tests/reference_backward_euler.hpp).
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include "explicit_test_support.hpp"
#include "recording_log.hpp"
#include "reference_backward_euler.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using kobie::Batch;
using kobie::IntegrationSettings;
using kobie_test::host_outputs;
using BackwardEuler = std::tuple<kobie::methods::BackwardEuler>;

/// y' = -p y^3, y(0) = 1: a large p makes the simplified Newton iteration of
/// a large step contract too slowly to converge in its iteration limit.
struct Cubic {
  static constexpr int n_states = 1, n_parameters = 1, n_observables = 0, n_drivers = 0;
  static const char* name() { return "cubic"; }
  static std::vector<double> default_state() { return {1.0}; }
  static std::vector<double> default_parameters() { return {1.0}; }
  static std::vector<std::string> parameter_names() { return {"p"}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P& p, const D&, DY& dydt) const {
    dydt[0] = -p[0] * y[0] * y[0] * y[0];
  }
};

IntegrationSettings backward_euler(double duration, double save_interval, double dt) {
  IntegrationSettings s;
  s.algorithm = "backward-euler";
  s.duration = duration;
  s.save_interval = save_interval;
  s.dt = dt;
  return s;
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

TEST(TEST_CATEGORY, implicit_backward_euler_is_exact_on_a_linear_problem) {
  // y' = -k y: each step is y / (1 + h k) (Newton is exact on a linear
  // problem: its second correction is round-off).
  using System = kobie::systems::Decay;
  auto s = backward_euler(2.0, 0.5, 0.125);
  s.controller = "fixed";
  const auto batch = Batch::grid<System>({{"k", {0.5, 3.0, 1000.0}}});
  const auto r = kobie::solve<double, BackwardEuler>(Exec(), System{}, batch, s);
  ASSERT_EQ(r.failures(), 0) << r.failure_summary();
  const auto out = host_outputs(r);
  const double ks[] = {0.5, 3.0, 1000.0};
  for (int sys = 0; sys < 3; ++sys) {
    for (int save = 0; save < 5; ++save) {
      const double exact = std::pow(1.0 / (1.0 + 0.125 * ks[sys]), 4 * save);
      EXPECT_NEAR(out(save, 0, sys), exact, 1e-14 + 1e-13 * exact) << "k " << ks[sys];
    }
    EXPECT_EQ(r.stats(kobie::stat_accepted, sys), 16);
    EXPECT_EQ(r.stats(kobie::stat_jacobian_evals, sys), 16) << "one Jacobian per attempt";
    // One correction when it is already within the Newton tolerance, a
    // second (round-off) otherwise.
    const std::int64_t iterations = r.stats(kobie::stat_newton_iterations, sys);
    EXPECT_GE(iterations, 16);
    EXPECT_LE(iterations, 32);
    // Duals: one evaluation for the Jacobian (n = 1), one per correction.
    EXPECT_EQ(r.stats(kobie::stat_rhs_evals, sys), 16 + iterations);
  }
}

TEST(TEST_CATEGORY, implicit_backward_euler_converges_with_order_one) {
  // Riccati y' = -2 t y^2 (nonlinear, non-autonomous), fixed steps to t = 1.
  using System = kobie_test::Riccati;
  double errors[3];
  int i = 0;
  for (double h : {1.0 / 16, 1.0 / 32, 1.0 / 64}) {
    auto s = backward_euler(1.0, 1.0, h);
    s.controller = "fixed";
    s.atol = s.rtol = 1e-10;  // Newton's tolerance is relative to these
    const auto batch = Batch::verbatim<System>({{1.0}}, {{}});
    const auto r = kobie::solve<double, BackwardEuler>(Exec(), System{}, batch, s);
    ASSERT_EQ(r.failures(), 0) << r.failure_summary();
    errors[i++] = std::abs(host_outputs(r)(1, 0, 0) - System::exact(1.0, 1.0));
  }
  for (int k = 0; k < 2; ++k) {
    const double order = std::log2(errors[k] / errors[k + 1]);
    std::cout << "[ order    ] backward Euler, h = 1/" << (16 << k) << " -> 1/" << (32 << k) << ": "
              << order << "\n";
    EXPECT_GT(order, 0.9);
    EXPECT_LT(order, 1.1);
  }
}

TEST(TEST_CATEGORY, implicit_robertson_to_1e5_in_far_fewer_steps_than_dormand_prince) {
  using System = kobie::systems::Robertson;
  // A batch of rate constants around the classic ones.
  const auto batch = Batch::grid<System>(
      {{"k1", {0.03, 0.04, 0.05}}, {"k2", {3.0e7}}, {"k3", {0.8e4, 1.0e4, 1.2e4}}});
  auto s = backward_euler(1e5, 1e5, 1e-6);
  s.atol = 1e-8;
  s.rtol = 1e-4;
  s.dt_min = 1e-14;
  const auto be = kobie::solve<double, BackwardEuler>(Exec(), System{}, batch, s);
  ASSERT_EQ(be.failures(), 0) << be.failure_summary();
  const auto out = host_outputs(be);
  std::int64_t most = 0;
  for (std::int64_t sys = 0; sys < batch.size(); ++sys) {
    const double mass = out(1, 0, sys) + out(1, 1, sys) + out(1, 2, sys);
    EXPECT_NEAR(mass, 1.0, 1e-9) << "backward Euler keeps linear invariants";
    EXPECT_GT(out(1, 2, sys), 0.9) << "most of the mass has reached y3 by t = 1e5";
    most =
        std::max(most, be.stats(kobie::stat_accepted, sys) + be.stats(kobie::stat_rejected, sys));
  }
  EXPECT_GT(be.total(kobie::stat_newton_iterations), 0);
  // Dormand-Prince with a hundred times that many attempts does not get there.
  auto d = s;
  d.algorithm = "dormand-prince-54";
  d.max_steps = 100 * most;
  const auto dp = kobie::solve<double, std::tuple<kobie::tableaus::DormandPrince54>>(
      Exec(), System{}, batch, d);
  for (std::int64_t sys = 0; sys < batch.size(); ++sys)
    EXPECT_EQ(dp.status(sys), kobie::status_max_steps) << dp.failure_summary();
  EXPECT_EQ(dp.total(kobie::stat_jacobian_evals) + dp.total(kobie::stat_newton_iterations) +
                dp.total(kobie::stat_linear_iterations),
            0)
      << "an explicit method's solver rows are zero";
  std::cout << "[ robertson] t = 1e5, rtol 1e-4, atol 1e-8: backward Euler at most " << most
            << " attempts per system (" << be.total(kobie::stat_accepted) << " accepted, "
            << be.total(kobie::stat_rejected) << " rejected, "
            << be.total(kobie::stat_newton_iterations) << " Newton iterations over " << batch.size()
            << " systems); Dormand-Prince stopped at max_steps = " << 100 * most
            << " before t = " << dp.end_state.time(0) << "\n";
}

TEST(TEST_CATEGORY, implicit_robertson_at_t40_matches_the_reference_solution) {
  using System = kobie::systems::Robertson;
  const auto batch = Batch::grid<System>({{"k1", {0.04}}});
  auto s = backward_euler(40.0, 40.0, 1e-6);
  s.atol = 1e-10;
  s.rtol = 1e-6;
  const auto r = kobie::solve<double, BackwardEuler>(Exec(), System{}, batch, s);
  ASSERT_EQ(r.failures(), 0) << r.failure_summary();
  const auto out = host_outputs(r);
  // Hairer & Wanner's reference values at t = 40; backward Euler's global
  // error at rtol 1e-6 is well within 1e-3 relative.
  EXPECT_NEAR(out(1, 0, 0), 0.7158270687, 1e-3 * 0.7158);
  EXPECT_NEAR(out(1, 1, 0), 9.185534764e-6, 1e-3 * 9.19e-6);
  EXPECT_NEAR(out(1, 2, 0), 0.2841637457, 1e-3 * 0.2842);
}

/// Runs the cubic batch with p = ps (adaptive or fixed steps).
kobie::Results<double, typename Exec::memory_space> run_cubic(const std::vector<double>& ps,
                                                              bool fixed,
                                                              int newton_max_iterations = 7) {
  auto s = backward_euler(2.0, 0.25, 0.25);
  s.newton_max_iterations = newton_max_iterations;
  if (fixed) s.controller = "fixed";
  s.atol = s.rtol = 1e-6;
  const auto batch = Batch::grid<Cubic>({{"p", ps}});
  return kobie::solve<double, std::tuple<kobie::methods::BackwardEuler>>(Exec(), Cubic{}, batch, s);
}

TEST(TEST_CATEGORY, implicit_newton_failure_shrinks_only_its_own_systems_step) {
  const auto alone = run_cubic({1.0, 2.0}, false);
  const auto mixed = run_cubic({1.0, 1e6, 2.0}, false);
  ASSERT_EQ(mixed.failures(), 0) << mixed.failure_summary();
  EXPECT_GT(mixed.stats(kobie::stat_rejected, 1), 0) << "Newton failed and the step shrank";
  const auto a = host_outputs(alone), m = host_outputs(mixed);
  for (int save = 0; save < 9; ++save)
    for (int k = 0; k < 2; ++k)
      EXPECT_TRUE(same_bits(a(save, 0, k), m(save, 0, k == 0 ? 0 : 2))) << "save " << save;
  for (int row = 0; row < kobie::stat_rows; ++row) {
    EXPECT_EQ(alone.stats(row, 0), mixed.stats(row, 0)) << "row " << row;
    EXPECT_EQ(alone.stats(row, 1), mixed.stats(row, 2)) << "row " << row;
  }
  // The stiff system itself is right: y = 1 / sqrt(1 + 2 p t).
  EXPECT_NEAR(m(8, 0, 1), 1.0 / std::sqrt(1.0 + 2e6 * 2.0), 0.05 / std::sqrt(4e6));

  // Fixed steps cannot shrink: the system fails with Newton's status bit,
  // keeps its outputs up to the failure, and the others never notice.
  // (mild systems: with atol = rtol = 1e-6, p = 2 already needs more than
  // 7 corrections at h = 0.25)
  const auto fixed_alone = run_cubic({0.1, 0.2}, true);
  const auto fixed = run_cubic({0.1, 1e6, 0.2}, true);
  EXPECT_EQ(fixed.failures(), 1) << fixed.failure_summary();
  EXPECT_NE(fixed.status(1) & (kobie::status_newton_max_iterations | kobie::status_newton_diverged),
            0)
      << fixed.failure_summary();
  EXPECT_NE(fixed.failure_summary().find("Newton"), std::string::npos) << fixed.failure_summary();
  const auto fa = host_outputs(fixed_alone), f = host_outputs(fixed);
  EXPECT_EQ(f(0, 0, 1), 1.0) << "the save before the failure is kept";
  EXPECT_TRUE(std::isnan(f(8, 0, 1))) << "saves after it are NaN";
  for (int save = 0; save < 9; ++save) {
    EXPECT_TRUE(same_bits(fa(save, 0, 0), f(save, 0, 0)));
    EXPECT_TRUE(same_bits(fa(save, 0, 1), f(save, 0, 2)));
  }
}

TEST(TEST_CATEGORY, implicit_step_by_step_against_an_independent_backward_euler) {
  using System = kobie::systems::Robertson;
  const std::vector<std::vector<double>> y0 = {{1, 0, 0}, {0.5, 1e-5, 0.5}};
  const std::vector<std::vector<double>> p = {{0.04, 3e7, 1e4}, {0.06, 2e7, 2e4}};
  const auto batch = Batch::verbatim<System>(y0, p);
  auto s = backward_euler(5.0, 1.0, 1e-5);
  s.atol = 1e-8;
  s.rtol = 1e-4;
  const int cap = 4000;
  kobie_test::RecordingLog<typename Exec::memory_space> log(batch.size(), cap);
  const auto r = kobie::Impl::solve_impl<double, typename Exec::memory_space, BackwardEuler>(
      Exec(), System{}, batch, s, {}, nullptr, log, {});
  ASSERT_EQ(r.failures(), 0) << r.failure_summary();
  const auto rec = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log.records);
  const auto counts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log.counts);
  const auto out = host_outputs(r);
  kobie_ref::Settings rs;
  rs.duration = s.duration;
  rs.save_interval = s.save_interval;
  rs.dt = s.dt;
  rs.atol = s.atol;
  rs.rtol = s.rtol;
  rs.dt_max = s.save_interval;
  for (std::size_t sys = 0; sys < y0.size(); ++sys) {
    const auto k = p[sys];
    const kobie_ref::Rhs f = [&](double, const kobie_ref::Vec& y, kobie_ref::Vec& d) {
      d[0] = -k[0] * y[0] + k[2] * y[1] * y[2];
      d[1] = k[0] * y[0] - k[2] * y[1] * y[2] - k[1] * y[1] * y[1];
      d[2] = k[1] * y[1] * y[1];
    };
    const kobie_ref::Jacobian jac = [&](double, const kobie_ref::Vec& y, kobie_ref::Matrix& j) {
      j = {{-k[0], k[2] * y[2], k[2] * y[1]},
           {k[0], -k[2] * y[2] - 2 * k[1] * y[1], -k[2] * y[1]},
           {0, 2 * k[1] * y[1], 0}};
    };
    const std::string what = "system " + std::to_string(sys);
    ASSERT_LE(counts(sys), cap) << what;
    ASSERT_GT(counts(sys), 20) << what;
    kobie_ref::Vec y = y0[sys];
    kobie_ref::History hist;
    double t = 0;
    int accepted = 0, rejected = 0, iterations = 0;
    const auto targets = kobie_ref::save_times(rs);
    std::size_t next_save = 1;
    for (int i = 0; i < counts(sys); ++i) {
      const double h = rec(sys, i * 5 + 1);
      EXPECT_NEAR(rec(sys, i * 5 + 0), t, 1e-12 * (1 + std::abs(t))) << what << " step " << i;
      const auto a = kobie_ref::backward_euler_attempt(f, jac, t, y, h, s.atol, s.rtol);
      iterations += a.iterations;
      const double err = std::sqrt(rec(sys, i * 5 + 2));
      if (std::isfinite(a.err)) {
        EXPECT_NEAR(err, a.err, 1e-6 * a.err + 1e-8) << what << " step " << i;
      } else {
        EXPECT_FALSE(std::isfinite(err)) << what << " step " << i << ": Newton failed";
      }
      const bool accept = rec(sys, i * 5 + 3) != 0.0;
      if (std::abs(a.err - 1) > 1e-6) {
        EXPECT_EQ(accept, a.err <= 1) << what << " step " << i;
      }
      const double decided_err = accept ? std::min(err, 1.0) : std::max(err, 1.0 + 1e-15);
      const auto decision = kobie_ref::control(rs, 1, hist, h, decided_err);
      EXPECT_NEAR(rec(sys, i * 5 + 4), decision.second, 1e-9 * decision.second)
          << what << " step " << i;
      if (accept) {
        y = a.y_new;
        const double target = targets[next_save];
        t = h == target - t ? target : t + h;
        ++accepted;
        while (next_save < targets.size() && t >= targets[next_save]) {
          for (int v = 0; v < 3; ++v)
            EXPECT_NEAR(out(next_save, v, sys), y[v], 1e-9 * std::abs(y[v]) + 1e-15)
                << what << " save " << next_save << " state " << v;
          ++next_save;
        }
      } else {
        ++rejected;
      }
      if (::testing::Test::HasFailure()) return;
    }
    EXPECT_EQ(r.stats(kobie::stat_accepted, sys), accepted) << what;
    EXPECT_EQ(r.stats(kobie::stat_rejected, sys), rejected) << what;
    EXPECT_EQ(r.stats(kobie::stat_newton_iterations, sys), iterations) << what;
    EXPECT_EQ(r.stats(kobie::stat_jacobian_evals, sys), accepted + rejected) << what;
    // Duals: 3 evaluations for the Jacobian, one per correction.
    EXPECT_EQ(r.stats(kobie::stat_rhs_evals, sys), 3 * (accepted + rejected) + iterations) << what;
  }
}

// Every buffer of the step's tree (step, Newton, LU) may live anywhere: the
// compiled placements, shared slice layouts, team sizes and (on host) the
// Serial backend all give the same bits. The all-local Robertson kernel is
// the one the CUDA build checks for register residency (scripts/test.sh).
TEST(TEST_CATEGORY, implicit_results_do_not_depend_on_placement_layout_or_backend) {
  using System = kobie::systems::Robertson;
  using Placements =
      kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared,
                           kobie::UniformPlacement<kobie::Location::persistent>>;
  std::vector<double> k1;
  for (int i = 0; i < 70; ++i) k1.push_back(0.01 + 0.001 * i);
  const auto batch = Batch::grid<System>({{"k1", k1}});
  auto s = backward_euler(10.0, 2.5, 1e-6);
  s.atol = 1e-9;
  s.rtol = 1e-5;
  auto run = [&](const auto& space, const std::string& placement, const std::string& layout,
                 int lanes) {
    auto t = s;
    t.placement = placement;
    t.shared_layout = layout;
    t.lanes_per_team = lanes;
    return kobie::solve<double, BackwardEuler, Placements>(space, System{}, batch, t);
  };
  const auto base = run(Exec(), "default", "auto", 0);
  ASSERT_EQ(base.failures(), 0) << base.failure_summary();
  const auto h = host_outputs(base);
  auto same_as_base = [&](const auto& other, const std::string& what) {
    const auto o = host_outputs(other);
    ASSERT_EQ(o.size(), h.size());
    EXPECT_EQ(std::memcmp(o.data(), h.data(), h.size() * sizeof(double)), 0) << what;
    for (int row = 0; row < kobie::stat_rows; ++row)
      for (std::int64_t sys = 0; sys < batch.size(); ++sys)
        ASSERT_EQ(other.stats(row, sys), base.stats(row, sys)) << what << ", row " << row;
  };
  for (const char* placement : {"all-local", "all-shared", "all-persistent"})
    same_as_base(run(Exec(), placement, "auto", 0), placement);
  same_as_base(run(Exec(), "all-shared", "contiguous", 0), "all-shared, contiguous slices");
  const bool host = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  same_as_base(run(Exec(), "default", "auto", host ? 8 : 64), "other team size");
#if defined(KOKKOS_ENABLE_SERIAL)
  if (host) same_as_base(run(Kokkos::Serial(), "default", "auto", 0), "Serial backend");
#endif
}

// The Newton settings reach the step: p = 2 at h = 0.25 needs more than the
// default 7 corrections (the system fails with fixed steps) and converges
// with 20.
TEST(TEST_CATEGORY, implicit_newton_iteration_limit_is_the_settings) {
  const auto limited = run_cubic({2.0}, true);
  EXPECT_NE(limited.status(0) & kobie::status_newton_max_iterations, 0)
      << limited.failure_summary();
  const auto enough = run_cubic({2.0}, true, 20);
  EXPECT_EQ(enough.failures(), 0) << enough.failure_summary();
  EXPECT_GT(enough.stats(kobie::stat_newton_iterations, 0), 7)
      << "the step that failed with 7 took more";
}

}  // namespace
