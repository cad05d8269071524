#pragma once

/// \file
/// KoBIE's built-in systems (the `kobie` command line offers each by name).
/// Exact solutions, where they exist, are here too: tests and the command
/// line's checks use them.

#include <kobie/systems/drivers.hpp>
#include <kobie/systems/dual.hpp>
#include <kobie/systems/system.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace kobie::systems {

/// Lorenz (1963): dx = sigma (y - x), dy = x (rho - z) - y, dz = x y - beta z.
struct Lorenz {
  static constexpr int n_states = 3, n_parameters = 3, n_observables = 0, n_drivers = 0;
  static const char* name() { return "lorenz"; }
  static std::vector<std::string> state_names() { return {"x", "y", "z"}; }
  static std::vector<std::string> parameter_names() { return {"sigma", "rho", "beta"}; }
  static std::vector<double> default_state() { return {1.0, 0.0, 0.0}; }
  static std::vector<double> default_parameters() { return {10.0, 28.0, 8.0 / 3.0}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P& p, const D&, DY& dydt) const {
    dydt[0] = p[0] * (y[1] - y[0]);
    dydt[1] = math::fma(y[0], p[1] - y[2], -y[1]);
    dydt[2] = math::fma(y[0], y[1], -(p[2] * y[2]));
  }
};

/// Exponential decay y' = -k y; exact solution y0 exp(-k (t - t0)).
struct Decay {
  static constexpr int n_states = 1, n_parameters = 1, n_observables = 0, n_drivers = 0;
  static const char* name() { return "decay"; }
  static std::vector<std::string> state_names() { return {"y"}; }
  static std::vector<std::string> parameter_names() { return {"k"}; }
  static std::vector<double> default_state() { return {1.0}; }
  static std::vector<double> default_parameters() { return {1.0}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P& p, const D&, DY& dydt) const {
    dydt[0] = -p[0] * y[0];
  }
  static double exact(int, double t, const double* y0, const double* p) {
    return y0[0] * std::exp(-p[0] * t);
  }
};

/// Linear 3-state system (as in CuBIE's test systems): dx_i = -x_i / (i + 1);
/// observables o_i = dx_i p_i + c_i + d0 with constants c = (0.5, 1, 2) and
/// one driver d0. Exact solution x_i(t) = x_i(0) exp(-t / (i + 1)).
struct Linear3 {
  static constexpr int n_states = 3, n_parameters = 3, n_observables = 3, n_drivers = 1;
  double c0 = 0.5, c1 = 1.0, c2 = 2.0;
  static const char* name() { return "linear3"; }
  static std::vector<std::string> state_names() { return {"x0", "x1", "x2"}; }
  static std::vector<std::string> parameter_names() { return {"p0", "p1", "p2"}; }
  static std::vector<std::string> observable_names() { return {"o0", "o1", "o2"}; }
  static std::vector<std::string> driver_names() { return {"d0"}; }
  static std::vector<double> default_state() { return {1.0, 1.0, 1.0}; }
  static std::vector<double> default_parameters() { return {1.0, 2.0, 3.0}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P&, const D&, DY& dydt) const {
    dydt[0] = -y[0];
    dydt[1] = -y[1] / 2;
    dydt[2] = -y[2] / 3;
  }
  template <class Y, class P, class D, class O>
  KOKKOS_INLINE_FUNCTION void observables(double, const Y& y, const P& p, const D& d,
                                          O& out) const {
    out[0] = -y[0] * p[0] + c0 + d[0];
    out[1] = -y[1] / 2 * p[1] + c1 + d[0];
    out[2] = -y[2] / 3 * p[2] + c2 + d[0];
  }
  static double exact(int i, double t, const double* y0, const double*) {
    return y0[i] * std::exp(-t / (i + 1));
  }
};

/// Nonlinear 3-state system (as in CuBIE's test systems):
/// dx0 = p0 (x1 - x0^3) + d0, dx1 = p1 x0 x2 - x1 + c1,
/// dx2 = -p2 x2 + c2 tanh(x0); observables x0 + c0, x1^2 + p1, x2 + d0.
struct Nonlinear3 {
  static constexpr int n_states = 3, n_parameters = 3, n_observables = 3, n_drivers = 1;
  double c0 = 0.5, c1 = -0.3, c2 = 0.25;
  static const char* name() { return "nonlinear3"; }
  static std::vector<std::string> state_names() { return {"x0", "x1", "x2"}; }
  static std::vector<std::string> parameter_names() { return {"p0", "p1", "p2"}; }
  static std::vector<std::string> observable_names() { return {"o0", "o1", "o2"}; }
  static std::vector<std::string> driver_names() { return {"d0"}; }
  static std::vector<double> default_state() { return {0.5, -0.25, 1.2}; }
  static std::vector<double> default_parameters() { return {0.7, 0.9, 1.1}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P& p, const D& d, DY& dydt) const {
    using T = std::decay_t<decltype(dydt[0])>;
    dydt[0] = p[0] * (y[1] - y[0] * y[0] * y[0]) + d[0];
    dydt[1] = p[1] * y[0] * y[2] - y[1] + T(c1);
    dydt[2] = -p[2] * y[2] + T(c2) * kobie::math::tanh(y[0]);
  }
  template <class Y, class P, class D, class O>
  KOKKOS_INLINE_FUNCTION void observables(double, const Y& y, const P& p, const D& d,
                                          O& out) const {
    using T = std::decay_t<decltype(out[0])>;
    out[0] = y[0] + T(c0);
    out[1] = y[1] * y[1] + p[1];
    out[2] = y[2] + d[0];
  }
};

/// Three-chamber cardiovascular model (Pironet 2016, as in CuBIE's test
/// systems): heart, arteries and veins volumes; the driver e(t) is the
/// heart's normalised elastance.
struct ThreeChamber {
  static constexpr int n_states = 3, n_parameters = 7, n_observables = 6, n_drivers = 1;
  static const char* name() { return "three-chamber"; }
  static std::vector<std::string> state_names() { return {"V_h", "V_a", "V_v"}; }
  static std::vector<std::string> parameter_names() {
    return {"E_h", "E_a", "E_v", "R_i", "R_o", "R_c", "V_s3"};
  }
  static std::vector<std::string> observable_names() {
    return {"P_a", "P_v", "P_h", "Q_i", "Q_o", "Q_c"};
  }
  static std::vector<std::string> driver_names() { return {"e"}; }
  static std::vector<double> default_state() { return {1.0, 1.0, 1.0}; }
  static std::vector<double> default_parameters() {
    return {0.52, 0.0133, 0.0624, 0.012, 1.0, 1.0 / 114.0, 2.0};
  }
  /// A normalised heart elastance for the command line's default run: a
  /// contraction peaking 0.3 s into each 1 s beat over a small diastolic floor.
  static DriverSamples default_drivers() {
    DriverSamples d;
    const int n = 128;
    d.dt = 1.0 / n;
    d.ends = DriverEnds::periodic;
    d.values.assign(1, std::vector<double>(n));
    for (int i = 0; i < n; ++i) {
      const double t = i * d.dt;
      d.values[0][i] = 0.02 + std::exp(-60.0 * (t - 0.3) * (t - 0.3));
    }
    return d;
  }
  template <class Y, class P, class D, class O>
  KOKKOS_INLINE_FUNCTION void flows(const Y& y, const P& p, const D& d, O& out) const {
    using T = std::decay_t<decltype(out[0])>;
    const T pa = p[1] * y[1], pv = p[2] * y[2], ph = p[0] * y[0] * d[0];
    out[0] = pa;
    out[1] = pv;
    out[2] = ph;
    out[3] = pv > ph ? T((pv - ph) / p[3]) : T(0);
    out[4] = ph > pa ? T((ph - pa) / p[4]) : T(0);
    out[5] = (pa - pv) / p[5];
  }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P& p, const D& d, DY& dydt) const {
    using T = std::decay_t<decltype(dydt[0])>;
    T o[6];
    flows(y, p, d, o);
    dydt[0] = o[3] - o[4];
    dydt[1] = o[4] - o[5];
    dydt[2] = o[5] - o[3];
  }
  template <class Y, class P, class D, class O>
  KOKKOS_INLINE_FUNCTION void observables(double, const Y& y, const P& p, const D& d,
                                          O& out) const {
    flows(y, p, d, out);
  }
};

/// Van der Pol oscillator: x' = y, y' = mu (1 - x^2) y - x.
struct VanDerPol {
  static constexpr int n_states = 2, n_parameters = 1, n_observables = 0, n_drivers = 0;
  static const char* name() { return "van-der-pol"; }
  static std::vector<std::string> state_names() { return {"x", "y"}; }
  static std::vector<std::string> parameter_names() { return {"mu"}; }
  static std::vector<double> default_state() { return {2.0, 0.0}; }
  static std::vector<double> default_parameters() { return {1.0}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P& p, const D&, DY& dydt) const {
    dydt[0] = y[1];
    dydt[1] = p[0] * (1 - y[0] * y[0]) * y[1] - y[0];
  }
};

/// Robertson's stiff chemical kinetics (the stiff methods' test problem).
struct Robertson {
  static constexpr int n_states = 3, n_parameters = 3, n_observables = 0, n_drivers = 0;
  static const char* name() { return "robertson"; }
  static std::vector<std::string> state_names() { return {"y1", "y2", "y3"}; }
  static std::vector<std::string> parameter_names() { return {"k1", "k2", "k3"}; }
  static std::vector<double> default_state() { return {1.0, 0.0, 0.0}; }
  static std::vector<double> default_parameters() { return {0.04, 3.0e7, 1.0e4}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P& p, const D&, DY& dydt) const {
    dydt[0] = -p[0] * y[0] + p[2] * y[1] * y[2];
    dydt[1] = p[0] * y[0] - p[2] * y[1] * y[2] - p[1] * y[1] * y[1];
    dydt[2] = p[1] * y[1] * y[1];
  }
};

/// Lorenz-96 with N states (N >= 4): dx_i = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F.
template <int N = 40>
struct Lorenz96 {
  static_assert(N >= 4, "Lorenz-96 needs at least 4 states");
  static constexpr int n_states = N, n_parameters = 1, n_observables = 0, n_drivers = 0;
  /// Branch-free arithmetic: host steps may run it on SIMD packs (adaptive
  /// ones too: the time parameter is a template, so it takes a pack of times).
  static constexpr bool simd_packs = true;
  static const char* name() { return N == 40 ? "lorenz96" : "lorenz96-n"; }
  static std::vector<std::string> parameter_names() { return {"F"}; }
  static std::vector<double> default_state() {
    std::vector<double> x(N, 8.0);
    x[0] += 0.01;
    return x;
  }
  static std::vector<double> default_parameters() { return {8.0}; }
  template <class Time, class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(const Time&, const Y& y, const P& p, const D&, DY& dydt) const {
    for (int i = 0; i < N; ++i) {
      const int ip1 = i + 1 < N ? i + 1 : i + 1 - N;
      const int im1 = i >= 1 ? i - 1 : i - 1 + N;
      const int im2 = i >= 2 ? i - 2 : i - 2 + N;
      dydt[i] = math::fma(y[ip1] - y[im2], y[im1], -y[i]) + p[0];
    }
  }
};

}  // namespace kobie::systems
