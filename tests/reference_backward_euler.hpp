#pragma once
// An independent reference implementation of KoBIE's backward Euler step
// (docs/ARCHITECTURE.md, *Backward Euler*), in plain C++ over std::vector:
// no Kokkos, no registry, no dual numbers. The Jacobian is the caller's
// (written out by hand), the linear solves Gaussian elimination with
// partial pivoting on a fresh copy of M each time. The documented
// algorithm, written again:
//   M = I - h J(t, y); z_0 = y;
//   z_{k+1} = z_k - M^{-1} (z_k - y - h f(t + h, z_k)), d_k the weighted RMS
//   norm of the correction (weights atol + rtol |y|);
//   first correction: converged when d <= tol; later ones: theta = d_k /
//   d_{k-1}, diverged when theta >= 1 (or d not finite), converged when
//   theta d_k <= tol (1 - theta); no convergence after max_iterations;
//   error estimate M^{-1} (z - y - h f(t, y)) / 2, its RMS norm with weights
//   atol + rtol max(|y|, |z|).

#include <kobie/kobie.hpp>

#include <cmath>
#include <functional>
#include <utility>
#include <vector>

#include "reference_integrator.hpp"

namespace kobie_ref {

using Matrix = std::vector<Vec>;
using Jacobian = std::function<void(double, const Vec&, Matrix&)>;

/// x = A^{-1} b by Gaussian elimination with partial pivoting (A copied).
inline Vec gauss_solve(Matrix a, Vec b) {
  const int n = static_cast<int>(b.size());
  for (int c = 0; c < n; ++c) {
    int p = c;
    for (int r = c + 1; r < n; ++r)
      if (std::abs(a[r][c]) > std::abs(a[p][c])) p = r;
    std::swap(a[c], a[p]);
    std::swap(b[c], b[p]);
    for (int r = c + 1; r < n; ++r) {
      const double m = a[r][c] / a[c][c];
      for (int k = c; k < n; ++k) a[r][k] -= m * a[c][k];
      b[r] -= m * b[c];
    }
  }
  Vec x(n);
  for (int r = n - 1; r >= 0; --r) {
    double s = b[r];
    for (int k = r + 1; k < n; ++k) s -= a[r][k] * x[k];
    x[r] = s / a[r][r];
  }
  return x;
}

struct BackwardEulerAttempt {
  Vec y_new;
  double err = 0;  ///< RMS error norm; infinite when Newton failed
  int status = 0;  ///< kobie::status_ok or a Newton status bit
  int iterations = 0;
};

inline BackwardEulerAttempt backward_euler_attempt(const Rhs& f, const Jacobian& jac, double t,
                                                   const Vec& y, double h, double atol, double rtol,
                                                   double tolerance = 0.03,
                                                   int max_iterations = 7) {
  const int n = static_cast<int>(y.size());
  Vec f0(n), fz(n), g(n);
  f(t, y, f0);
  Matrix j(n, Vec(n)), m(n, Vec(n));
  jac(t, y, j);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) m[r][c] = (r == c ? 1.0 : 0.0) - h * j[r][c];
  auto rms = [&](const Vec& v, const Vec& ref1, const Vec* ref2) {
    double s = 0;
    for (int i = 0; i < n; ++i) {
      const double r = ref2 ? std::max(std::abs(ref1[i]), std::abs((*ref2)[i])) : std::abs(ref1[i]);
      const double q = v[i] / (atol + rtol * r);
      s += q * q;
    }
    return std::sqrt(s / n);
  };
  BackwardEulerAttempt a;
  a.status = kobie::status_newton_max_iterations;
  Vec z = y;
  double previous = 0;
  while (a.iterations < max_iterations) {
    f(t + h, z, fz);
    for (int i = 0; i < n; ++i) g[i] = z[i] - y[i] - h * fz[i];
    const Vec delta = gauss_solve(m, g);
    for (int i = 0; i < n; ++i) z[i] -= delta[i];
    const double d = rms(delta, y, nullptr);
    ++a.iterations;
    if (!std::isfinite(d)) {
      a.status = kobie::status_newton_diverged;
      break;
    }
    if (a.iterations == 1) {
      if (d <= tolerance) {
        a.status = kobie::status_ok;
        break;
      }
    } else {
      const double theta = d / previous;
      if (theta >= 1) {
        a.status = kobie::status_newton_diverged;
        break;
      }
      if (theta * d <= tolerance * (1 - theta)) {
        a.status = kobie::status_ok;
        break;
      }
    }
    previous = d;
  }
  a.y_new = z;
  if (a.status != kobie::status_ok) {
    a.err = INFINITY;
    return a;
  }
  Vec est(n);
  for (int i = 0; i < n; ++i) est[i] = 0.5 * (z[i] - y[i] - h * f0[i]);
  a.err = rms(gauss_solve(m, est), y, &z);
  return a;
}

}  // namespace kobie_ref
