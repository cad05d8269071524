#pragma once
// An example of a user's own ODE system for KoBIE: a damped pendulum,
//   theta'' = -(g / L) sin(theta) - c theta'.
// Every KoBIE system looks like this: compile-time sizes, names and defaults
// for the host, and a right-hand side written generically (the arrays it
// gets are registers, shared memory or global memory; the scalar type may be
// float, double or a dual number).
#include <kobie/kobie.hpp>

#include <string>
#include <vector>

struct DampedPendulum {
  static constexpr int n_states = 2, n_parameters = 2, n_observables = 1, n_drivers = 0;
  double g = 9.81;  // constants are members: the object is copied into the kernels

  static const char* name() { return "damped-pendulum"; }
  static std::vector<std::string> state_names() { return {"theta", "omega"}; }
  static std::vector<std::string> parameter_names() { return {"length", "damping"}; }
  static std::vector<std::string> observable_names() { return {"energy"}; }
  static std::vector<double> default_state() { return {1.0, 0.0}; }
  static std::vector<double> default_parameters() { return {1.0, 0.1}; }

  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P& p, const D&, DY& dydt) const {
    using T = std::decay_t<decltype(dydt[0])>;
    dydt[0] = y[1];
    dydt[1] = -T(g) / p[0] * kobie::math::sin(y[0]) - p[1] * y[1];
  }
  /// Energy per unit mass: 1/2 L^2 omega^2 + g L (1 - cos theta).
  template <class Y, class P, class D, class O>
  KOKKOS_INLINE_FUNCTION void observables(double, const Y& y, const P& p, const D&, O& out) const {
    using T = std::decay_t<decltype(out[0])>;
    out[0] = T(0.5) * p[0] * p[0] * y[1] * y[1] + T(g) * p[0] * (T(1) - kobie::math::cos(y[0]));
  }
};
