#pragma once
// Systems and helpers shared by the explicit-integration test bodies.

#include <kobie/kobie.hpp>

#include <Kokkos_Core.hpp>

#include <string>
#include <tuple>
#include <vector>

namespace kobie_test {

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

/// The outputs of a device-resident solve, on the host.
template <class R>
auto host_outputs(const R& r) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.outputs);
}

/// What the explicit test bodies name: `using namespace
/// kobie_test::explicit_tests;`.
namespace explicit_tests {
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
}  // namespace explicit_tests

}  // namespace kobie_test
