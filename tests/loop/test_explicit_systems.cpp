// Test body (see backend_test.cpp.in): the built-in systems end to end
// (exact solutions, invariants, drivers at stage times) and results that do
// not depend on buffer placement.

#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "explicit_test_support.hpp"
#include "reference_integrator.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using namespace kobie_test::explicit_tests;

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

}  // namespace
