// Test body (see backend_test.cpp.in): users' tableaus, bad settings
// named with their value and what is allowed, and drivers interpolated on
// the device.

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
  // Through `solve` (two methods compiled: every setting is validated
  // before any kernel is chosen) and, for the methods' list, through
  // `validate` against every built-in method.
  auto expect_error = [&](IntegrationSettings s, std::vector<std::string> parts,
                          bool all_methods = false) {
    try {
      if (all_methods)
        kobie::validate(s, kobie::Impl::shape_of<System>());
      else
        kobie::solve<double, DopriRk4>(Exec(), System{}, batch, s);
      ADD_FAILURE() << "no exception for " << parts[0];
    } catch (const std::invalid_argument& e) {
      for (const auto& p : parts)
        EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << "\n lacks " << p;
    }
  };
  IntegrationSettings s;
  s.algorithm = "rk45";
  expect_error(s, {"'algorithm'", "'rk45'", "'dormand-prince-54'", "'rk4'"});
  expect_error(s, {"'algorithm'", "'rk45'", "'dormand-prince-54'", "'dop853'"}, true);
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
