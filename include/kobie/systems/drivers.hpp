#pragma once

/// \file
/// Drivers: time-dependent forcing shared by the whole batch, given as
/// uniformly sampled arrays and interpolated on the device at every stage time
/// by a cubic spline. Systems without drivers (`n_drivers == 0`) never touch
/// any of this: the loop skips the evaluation at compile time.
///
/// Ends:
/// * periodic: the samples y_0 .. y_{n-1} at t0 + i dt cover one period of
///   length n dt (y_n = y_0 is implied); the spline is periodic (C2 across the
///   wrap) and t outside the sampled range wraps.
/// * clamped: the spline's end slopes are the one-sided second-order
///   difference slopes of the samples; outside [t0, t0 + (n - 1) dt] the
///   driver holds its end value.

#include <kobie/impl/kokkos_compat.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace kobie {

enum class DriverEnds { periodic, clamped };

/// Driver samples as the user gives them: values[d][i] is driver d at
/// t0 + i * dt.
struct DriverSamples {
  std::vector<std::vector<double>> values;
  double t0 = 0.0;
  double dt = 1.0;
  DriverEnds ends = DriverEnds::periodic;
};

namespace Impl {

/// Second derivatives of the cubic spline through `y` (uniform spacing h).
inline std::vector<double> spline_second_derivatives(const std::vector<double>& y, double h,
                                                     DriverEnds ends) {
  const int n = static_cast<int>(y.size());
  std::vector<double> m(n, 0.0);
  if (n < 3) return m;  // 1 sample: constant; 2 samples: linear
  if (ends == DriverEnds::clamped) {
    const double s0 = (-3 * y[0] + 4 * y[1] - y[2]) / (2 * h);
    const double sn = (3 * y[n - 1] - 4 * y[n - 2] + y[n - 3]) / (2 * h);
    std::vector<double> a(n, 1.0), b(n, 4.0), c(n, 1.0), r(n);
    b[0] = 2.0;
    b[n - 1] = 2.0;
    r[0] = 6.0 / h * ((y[1] - y[0]) / h - s0);
    r[n - 1] = 6.0 / h * (sn - (y[n - 1] - y[n - 2]) / h);
    for (int i = 1; i < n - 1; ++i) r[i] = 6.0 / (h * h) * (y[i + 1] - 2 * y[i] + y[i - 1]);
    for (int i = 1; i < n; ++i) {  // Thomas algorithm
      const double w = a[i] / b[i - 1];
      b[i] -= w * c[i - 1];
      r[i] -= w * r[i - 1];
    }
    m[n - 1] = r[n - 1] / b[n - 1];
    for (int i = n - 2; i >= 0; --i) m[i] = (r[i] - c[i] * m[i + 1]) / b[i];
    return m;
  }
  // Periodic: cyclic tridiagonal (1, 4, 1) solved by Sherman-Morrison.
  std::vector<double> r(n);
  for (int i = 0; i < n; ++i)
    r[i] = 6.0 / (h * h) * (y[(i + 1) % n] - 2 * y[i] + y[(i + n - 1) % n]);
  auto solve = [&](std::vector<double> rhs) {
    const double gamma = -4.0;
    std::vector<double> b(n, 4.0), c(n, 1.0);
    b[0] = 4.0 - gamma;
    b[n - 1] = 4.0 - 1.0 / gamma;
    for (int i = 1; i < n; ++i) {
      const double w = 1.0 / b[i - 1];
      b[i] -= w * c[i - 1];
      rhs[i] -= w * rhs[i - 1];
    }
    std::vector<double> x(n);
    x[n - 1] = rhs[n - 1] / b[n - 1];
    for (int i = n - 2; i >= 0; --i) x[i] = (rhs[i] - c[i] * x[i + 1]) / b[i];
    return x;
  };
  const double gamma = -4.0;
  std::vector<double> u(n, 0.0);
  u[0] = gamma;
  u[n - 1] = 1.0;
  const std::vector<double> x = solve(r), z = solve(u);
  const double fact = (x[0] + x[n - 1] / gamma) / (1.0 + z[0] + z[n - 1] / gamma);
  for (int i = 0; i < n; ++i) m[i] = x[i] - fact * z[i];
  return m;
}

}  // namespace Impl

/// The device side of a batch's drivers: samples and spline second
/// derivatives in `MemorySpace`, evaluated per lane at stage times.
template <class MemorySpace>
struct DriverSet {
  Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace> values;  // (driver, sample)
  Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace> second;  // spline M_i
  double t0 = 0.0;
  double dt = 1.0;
  int n_samples = 0;
  bool periodic = true;

  DriverSet() = default;

  /// Validates the samples (one row per driver, equal lengths, dt > 0, finite
  /// values) and prepares the spline, copied up on `space` (fencing only
  /// that instance). Throws std::invalid_argument naming the problem.
  template <class ExecSpace = typename MemorySpace::execution_space>
  DriverSet(const DriverSamples& s, int n_drivers, const ExecSpace& space = ExecSpace()) {
    // (values as given: std::to_string writes 1e-9 as 0.000000)
    const auto num = [](double x) {
      std::ostringstream o;
      o.precision(15);
      o << x;
      return o.str();
    };
    if (static_cast<int>(s.values.size()) != n_drivers)
      throw std::invalid_argument("kobie: setting 'drivers' has " +
                                  std::to_string(s.values.size()) + " driver rows; allowed: " +
                                  std::to_string(n_drivers) + " (one per driver of the system)");
    if (n_drivers == 0) return;
    if (!(s.dt > 0) || !std::isfinite(s.dt))
      throw std::invalid_argument("kobie: setting 'driver dt' has value " + num(s.dt) +
                                  "; allowed: a finite number > 0");
    n_samples = static_cast<int>(s.values[0].size());
    if (n_samples < 1)
      throw std::invalid_argument("kobie: setting 'drivers' has 0 samples per row; allowed: >= 1");
    for (std::size_t d = 0; d < s.values.size(); ++d) {
      const auto& row = s.values[d];
      if (static_cast<int>(row.size()) != n_samples)
        throw std::invalid_argument("kobie: setting 'drivers' row " + std::to_string(d) + " has " +
                                    std::to_string(row.size()) + " samples; allowed: " +
                                    std::to_string(n_samples) + ", as row 0 (equal lengths)");
      for (std::size_t i = 0; i < row.size(); ++i)
        if (!std::isfinite(row[i]))
          throw std::invalid_argument("kobie: setting 'drivers' row " + std::to_string(d) +
                                      " sample " + std::to_string(i) + " has value " + num(row[i]) +
                                      "; allowed: finite numbers");
    }
    t0 = s.t0;
    dt = s.dt;
    periodic = s.ends == DriverEnds::periodic;
    values =
        decltype(values)(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kobie::drivers::values"),
                         n_drivers, n_samples);
    second =
        decltype(second)(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kobie::drivers::second"),
                         n_drivers, n_samples);
    auto hv = Kokkos::create_mirror_view(values);
    auto hm = Kokkos::create_mirror_view(second);
    for (int d = 0; d < n_drivers; ++d) {
      const auto m = Impl::spline_second_derivatives(s.values[d], s.dt, s.ends);
      // Finite samples and dt can still give an infinite spline (dt near
      // 1e-310, or samples near 1e308: the differences over dt^2 overflow).
      for (int i = 0; i < n_samples; ++i)
        if (!std::isfinite(m[i]))
          throw std::invalid_argument(
              "kobie: setting 'drivers' row " + std::to_string(d) + " with 'driver dt' " +
              num(s.dt) + " gives a spline whose second derivative at sample " + std::to_string(i) +
              " is not finite; allowed: samples and a dt whose spline is " +
              "finite (rescale the samples or the time unit)");
      for (int i = 0; i < n_samples; ++i) {
        hv(d, i) = s.values[d][i];
        hm(d, i) = m[i];
      }
    }
    Kokkos::deep_copy(space, values, hv);
    Kokkos::deep_copy(space, second, hm);
    space.fence();  // (before the host copies go)
  }

  /// The evaluator kernels use: raw pointers and scalars, trivially copyable
  /// (a copy in a local never aliases anything a kernel writes).
  struct Evaluator {
    const double* values = nullptr;  // (driver, sample), row-major
    const double* second = nullptr;
    double t0 = 0.0;
    double dt = 1.0;
    int n_samples = 0;
    bool periodic = true;

    /// Driver `d` at time `t`.
    KOKKOS_INLINE_FUNCTION double operator()(int d, double t) const {
      const double* y = values + std::int64_t(d) * n_samples;
      const double* m = second + std::int64_t(d) * n_samples;
      if (n_samples == 1) return y[0];
      double x = (t - t0) / dt;
      int i;
      if (periodic) {
        const double period = n_samples;
        x = x - period * Impl::floor(x / period);
        i = static_cast<int>(x);
        if (i >= n_samples) i = n_samples - 1;
      } else {
        if (x <= 0) return y[0];
        if (x >= n_samples - 1) return y[n_samples - 1];
        i = static_cast<int>(x);
        if (i > n_samples - 2) i = n_samples - 2;
      }
      const int j = i + 1 < n_samples ? i + 1 : 0;  // wraps only when periodic
      const double u = x - i;                       // in [0, 1)
      const double w = 1.0 - u;
      const double h2 = dt * dt / 6.0;
      return w * y[i] + u * y[j] + h2 * ((w * w * w - w) * m[i] + (u * u * u - u) * m[j]);
    }
  };
  KOKKOS_INLINE_FUNCTION Evaluator evaluator() const {
    return {values.data(), second.data(), t0, dt, n_samples, periodic};
  }

  /// Driver `d` at time `t` (host or device, where the Views live).
  KOKKOS_INLINE_FUNCTION double operator()(int d, double t) const {
    return Evaluator{values.data(), second.data(), t0, dt, n_samples, periodic}(d, t);
  }
};

}  // namespace kobie
