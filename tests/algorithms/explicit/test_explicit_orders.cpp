// Test body (see backend_test.cpp.in): every explicit method through the
// public API: measured convergence orders (the step-by-step agreement with
// the reference implementation is test_explicit_reference_steps.cpp).
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "explicit_test_support.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using namespace kobie_test::explicit_tests;

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
  const auto h = host_outputs(r);
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

}  // namespace
