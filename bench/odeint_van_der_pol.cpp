// The non-stiff Van der Pol batch of issue 5: x'' = mu (1 - x^2) x' - x,
// x(0) = 2, x'(0) = 0, mu = linspace(0.1, 5, N), t in [0, 10]. Adaptive
// Dormand-Prince 5(4), KoBIE against Boost.Odeint at several tolerances with
// the accuracy each reaches (dopri5_comparison.hpp).
#include <array>
#include <vector>

#include "dopri5_comparison.hpp"

namespace {

/// 2^14 systems over [0, 10]; smoke mode: 2^8 over [0, 0.5].
struct VanDerPolDopri5 {
  using System = kobie::systems::VanDerPol;
  static constexpr int n = 2;
  static const char* name() { return "van_der_pol"; }
  static const char* parameter() { return "mu"; }
  static std::vector<double> values() {
    const long count = kobie_bench::smoke_mode() ? 1 << 8 : 1 << 14;
    std::vector<double> mu(count);
    for (long i = 0; i < count; ++i) mu[i] = 0.1 + 4.9 * double(i) / double(count - 1);
    return mu;
  }
  static double t_end() { return kobie_bench::smoke_mode() ? 0.5 : 10.0; }
  static std::array<double, 2> initial_state() { return {2.0, 0.0}; }
  static void rhs(double mu, const std::array<double, 2>& x, std::array<double, 2>& dxdt) {
    dxdt[0] = x[1];
    dxdt[1] = mu * (1 - x[0] * x[0]) * x[1] - x[0];
  }
};

const bool registered =
    kobie_bench::register_dopri5_comparison<VanDerPolDopri5>({1e-6, 1e-7, 1e-8, 1e-9});

}  // namespace
