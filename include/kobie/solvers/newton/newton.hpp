#pragma once

/// \file
/// A simplified (modified) Newton iteration for the implicit methods' stage
/// equations, one lane's system of n equations:
///
///   G(z) = z - base - h_gamma f(t, z) = 0
///
/// (backward Euler: base = y, h_gamma = h; an SDIRK stage: base = y + h sum
/// a_sj k_j, h_gamma = h gamma). The iteration matrix M = I - h_gamma J, J
/// = df/dy at the step's start, is formed and factored once per attempt
/// (`prepare`); then `solve` iterates z <- z - M^{-1} G(z) from the caller's
/// predictor.
///
/// Convergence (Hairer & Wanner, *Solving ODEs II*, IV.8): with the
/// corrections' weighted RMS norms d_k (weights 1 / (atol_i + rtol_i
/// |ref_i|), ref the step's start, so that 1 means "the size of the error
/// the step controller accepts") and the contraction rate theta_k = d_k /
/// d_{k-1}:
///   k = 0:  converged when d_0 <= tolerance (no rate known yet);
///   k >= 1: diverged  when theta_k >= divergence_ratio (status_newton_diverged),
///           converged when theta_k / (1 - theta_k) d_k <= tolerance (the
///           geometric estimate of the error left in z);
///   a non-finite d_k is divergence; no convergence after max_iterations
///   corrections is status_newton_max_iterations; a singular M is
///   status_singular_matrix (from `prepare`).

#include <kobie/algorithms/explicit/erk_step.hpp>
#include <kobie/algorithms/step_outcome.hpp>
#include <kobie/impl/fast_math.hpp>
#include <kobie/impl/kokkos_compat.hpp>
#include <kobie/registry/buffer_allocator.hpp>
#include <kobie/solvers/linear/dense_lu.hpp>

#include <type_traits>

namespace kobie {

/// Settings of the Newton iteration (trivially copyable: captured into
/// kernels).
struct NewtonSettings {
  /// Bound on the estimated iteration error left in z, in the weighted RMS
  /// norm where 1 is the local error the controller accepts. 0.03: Hairer &
  /// Wanner recommend 0.01 to 0.1 of the error tolerance (RADAU5 uses 0.03,
  /// CVODE 0.1): smaller only adds iterations whose gain the error
  /// estimate cannot see, larger lets iteration error pollute it.
  double tolerance = 0.03;
  /// Corrections per attempt before giving up. 7, RADAU5's default: with the
  /// Jacobian frozen at the step's start, a contraction too slow to converge
  /// in 7 corrections is better answered by a smaller step.
  int max_iterations = 7;
  /// The contraction rate theta_k = d_k / d_{k-1} at or above which the
  /// iteration counts as diverging (1: corrections that do not shrink).
  double divergence_ratio = 1.0;
};
static_assert(std::is_trivially_copyable<NewtonSettings>::value, "captured by value");

/// The no-op solver logging policy: every hook inlines to nothing. Tests
/// record through the same hooks (`newton_iteration` once per correction,
/// `newton_result` once per solve, `error` once per successful step).
struct NoSolverLog {
  template <class Delta>
  KOKKOS_FORCEINLINE_FUNCTION void newton_iteration(int, const Delta&, double) const {}
  KOKKOS_FORCEINLINE_FUNCTION void newton_result(int, int) const {}
  template <class E>
  KOKKOS_FORCEINLINE_FUNCTION void error(const E&, double) const {}
};

namespace Impl {
/// One lane's Newton buffers, fetched once (`Newton::fetch`).
template <class R, class D, class L>
struct NewtonWorkspace {
  R residual;  ///< G(z)
  D delta;     ///< the correction M^{-1} G(z)
  L linear;    ///< the linear solver's workspace (holds M's factors)
};

/// sqrt(mean_i (v_i / (atol_i + rtol_i |ref_i|))^2), in double.
template <int N, class V, class Ref>
KOKKOS_INLINE_FUNCTION double weighted_rms(const V& v, const Ref& ref, const Tolerances<N>& tol) {
  double sum = 0.0;
  Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA {
    const double scale = Impl::mul_add(tol.rtol[i], Impl::fabs(double(ref[i])), tol.atol[i]);
    const double r = double(v[i]) / scale;
    sum = Impl::mul_add(r, r, sum);
  });
  return Impl::sqrt(sum / N);
}
}  // namespace Impl

/// The Newton solver for n equations of scalar `T`, with the dense linear
/// solver `Linear` (a component with `fetch`, `factor_iteration_matrix`,
/// `solve` and a workspace `matrix`, as `DenseLU`).
template <int N, class T, class Linear = DenseLU<N, T>>
struct Newton {
  static constexpr int n = N;
  using children = ComponentList<Linear>;

  static const char* component_name() { return "newton"; }
  /// `delta` aliases `residual` (G(z) turns into the correction in place
  /// where they share storage; the code is correct either way).
  enum : int { residual, delta, buffer_count };
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    if (i == residual) return {"residual", N, element_type_of<T>::value, Location::local};
    return {"delta", N, element_type_of<T>::value, Location::local, false, residual};
  }

  /// The buffers of this component and its linear solver for one lane.
  template <class Mem>
  KOKKOS_FORCEINLINE_FUNCTION static auto fetch(const Mem& mem) {
    using R = decltype(mem.template get<residual>());
    using D = decltype(mem.template get<delta>());
    using L = decltype(Linear::fetch(mem.template child<0>()));
    return Impl::NewtonWorkspace<R, D, L>{mem.template get<residual>(), mem.template get<delta>(),
                                          Linear::fetch(mem.template child<0>())};
  }

  /// Evaluates J at (t, y) with the Jacobian function `jac(t, y, J, f)` (f =
  /// f(t, y) is written to `f`), forms M = I - h_gamma J and factors it.
  /// Returns status_ok or status_singular_matrix; adds the work to `work`.
  template <class W, class Jac, class Y, class F>
  KOKKOS_INLINE_FUNCTION static int prepare(W& ws, const Jac& jac, double t, const Y& y, T h_gamma,
                                            F& f, StepWork& work) {
    work += jac(t, y, ws.linear.matrix, f);
    return Linear::factor_iteration_matrix(ws.linear, h_gamma);
  }

  /// Solves G(z) = z - base - h_gamma rhs(t, z) = 0 in place on `z`, which
  /// holds the predictor on entry, with the factors `prepare` left. `ref` is
  /// the state that scales rtol in the norm (the step's start). Returns
  /// status_ok, status_newton_diverged or status_newton_max_iterations (z is
  /// meaningless then); adds its right-hand-side evaluations and
  /// iterations to `work`.
  template <class W, class Rhs, class Base, class Z, class Ref, class Log>
  KOKKOS_INLINE_FUNCTION static int solve(W& ws, const Rhs& rhs, double t, T h_gamma,
                                          const Base& base, Z& z, const Ref& ref,
                                          const Tolerances<N>& tol, const NewtonSettings& settings,
                                          StepWork& work, const Log& log) {
    auto& res = ws.residual;
    auto& del = ws.delta;
    int status = status_newton_max_iterations;
    int k = 0;
    double previous = 0.0;
    while (k < settings.max_iterations) {
      rhs(t, z, res);
      ++work.rhs_evals;
      Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA {
        res[i] = Impl::mul_add(-h_gamma, T(res[i]), T(z[i]) - T(base[i]));
        del[i] = T(res[i]);
      });
      Linear::solve(ws.linear, del);
      Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA { z[i] = T(z[i]) - T(del[i]); });
      const double norm = Impl::weighted_rms<N>(del, ref, tol);
      log.newton_iteration(k, del, norm);
      ++work.newton_iterations;
      ++k;
      if (!Impl::isfinite(norm)) {
        status = status_newton_diverged;
        break;
      }
      if (k == 1) {
        if (norm <= settings.tolerance) {
          status = status_ok;
          break;
        }
      } else {
        const double theta = norm / previous;  // previous > 0: it did not converge
        if (theta >= settings.divergence_ratio) {
          status = status_newton_diverged;
          break;
        }
        if (theta * norm <= settings.tolerance * (1.0 - theta)) {
          status = status_ok;
          break;
        }
      }
      previous = norm;
    }
    log.newton_result(status, k);
    return status;
  }
};

}  // namespace kobie
