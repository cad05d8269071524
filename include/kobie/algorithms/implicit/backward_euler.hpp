#pragma once

/// \file
/// The backward Euler step, KoBIE's first implicit method: one attempt from
/// (t, y) with step h solves
///
///   y_new = y + h f(t + h, y_new)
///
/// by the simplified Newton iteration of kobie/solvers/newton/newton.hpp
/// (base = y, h_gamma = h), with M = I - h J(t, y) formed and factored once
/// per attempt. A registry component ("step") whose child is the Newton
/// solver, whose child is the linear solver.
///
/// * Predictor: z_0 = y. The explicit Euler predictor y + h f(t, y) is free
///   (f(t, y) is computed anyway), but on stiff components it lands a factor
///   |h lambda| beyond the solution, which is where backward Euler is used:
///   the constant predictor is the robust choice of one-step codes.
/// * Error estimate: backward Euler's local error is -h^2/2 y'' + O(h^3),
///   explicit Euler's +h^2/2 y'', so half their difference estimates it:
///     est = (y_new - (y + h f(t, y))) / 2 = h/2 (f(t + h, y_new) - f(t, y))
///   (to the Newton tolerance), filtered through M^{-1} (Hairer & Wanner
///   IV.8; Shampine 1980): err = M^{-1} est. The filter leaves non-stiff
///   components alone (M^{-1} = I + O(h)) but bounds the estimate of stiff
///   ones, where the raw difference grows like |h lambda| although the
///   step is accurate. It costs one solve with the factors Newton used and
///   no right-hand-side evaluation.
/// * The norm given to the controller is the explicit steps' one, squared:
///   mean_i (err_i / (atol_i + rtol_i max(|y_i|, |y_new_i|)))^2.
///
/// On a solver failure the outcome carries its status bit (err_sq is then
/// meaningless, and y_new holds the predictor or the last iterate); the
/// loop rejects the attempt.
///
/// Work per attempt: the Jacobian (n dual evaluations, or the system's own
/// Jacobian and one evaluation) and one evaluation per Newton iteration.

#include <kobie/algorithms/explicit/erk_step.hpp>
#include <kobie/algorithms/step_outcome.hpp>
#include <kobie/impl/fast_math.hpp>
#include <kobie/registry/buffer_allocator.hpp>
#include <kobie/solvers/linear/dense_lu.hpp>
#include <kobie/solvers/newton/jacobian.hpp>
#include <kobie/solvers/newton/newton.hpp>

namespace kobie {

namespace Impl {
/// One lane's backward Euler buffers, fetched once (`BackwardEulerStep::fetch`).
template <class F, class E, class NW>
struct BackwardEulerWorkspace {
  F start_rhs;       ///< f(t, y)
  E error_estimate;  ///< the filtered local error estimate
  NW newton;         ///< the Newton solver's workspace
};
}  // namespace Impl

/// The backward Euler step for system `System` in scalar `T` (float or
/// double), with linear solver `Linear`.
template <class System, class T, class Linear = DenseLU<System::n_states, T>>
struct BackwardEulerStep {
  static constexpr int n = System::n_states;
  static constexpr int order = 1;
  /// The Step concept (kobie/algorithms/step_concept.hpp).
  static constexpr bool implicit = true;
  static constexpr bool fsal = false;
  static constexpr bool adaptive = true;  ///< (its predictor-based error estimate)
  using NewtonSolver = Newton<n, T, Linear>;
  using children = ComponentList<NewtonSolver>;

  static const char* component_name() { return "step"; }
  /// `error_estimate` aliases `start_rhs`: each element is computed from
  /// the same element of f(t, y), which is not needed afterwards.
  enum : int { start_rhs, error_estimate, buffer_count };
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    constexpr ElementType et = element_type_of<T>::value;
    if (i == start_rhs) return {"start_rhs", n, et, Location::local};
    return {"error_estimate", n, et, Location::local, false, start_rhs};
  }

  /// Every buffer of the step's tree for one lane.
  template <class Mem>
  KOKKOS_FORCEINLINE_FUNCTION static auto fetch(const Mem& mem) {
    using F = decltype(mem.template get<start_rhs>());
    using E = decltype(mem.template get<error_estimate>());
    using NW = decltype(NewtonSolver::fetch(mem.template child<0>()));
    return Impl::BackwardEulerWorkspace<F, E, NW>{mem.template get<start_rhs>(),
                                                  mem.template get<error_estimate>(),
                                                  NewtonSolver::fetch(mem.template child<0>())};
  }

  /// One attempt from (t, y) with step h into y_new, the buffers taken from
  /// the lane's memory `mem` (fetched once here). `rhs(t, y, dydt)` is the
  /// system with its parameters and drivers; `jac(t, y, J, f)` a Jacobian
  /// function (kobie/solvers/newton/jacobian.hpp); `log` a solver logging
  /// policy (NoSolverLog, or a test's recorder).
  template <class Mem, class Y, class YN, class Rhs, class Jac, class Log = NoSolverLog>
  KOKKOS_INLINE_FUNCTION static StepOutcome attempt(const Mem& mem, double t, double h, const Y& y,
                                                    YN& y_new, const Rhs& rhs, const Jac& jac,
                                                    const Tolerances<n>& tol,
                                                    const NewtonSettings& settings,
                                                    const Log& log = Log{}) {
    auto ws = fetch(mem);
    return attempt_in(ws, t, h, y, y_new, rhs, jac, tol, settings, log);
  }

  /// The same attempt on buffers fetched by the caller (any workspace with
  /// the members of `Impl::BackwardEulerWorkspace`).
  template <class W, class Y, class YN, class Rhs, class Jac, class Log = NoSolverLog>
  KOKKOS_INLINE_FUNCTION static StepOutcome attempt_in(W& ws, double t, double h, const Y& y,
                                                       YN& y_new, const Rhs& rhs, const Jac& jac,
                                                       const Tolerances<n>& tol,
                                                       const NewtonSettings& settings,
                                                       const Log& log = Log{}) {
    StepOutcome out;
    const T th = T(h);
    auto& f0 = ws.start_rhs;
    // The predictor z_0 = y (y_new is defined even when the attempt fails).
    Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA { y_new[i] = T(y[i]); });
    out.status = NewtonSolver::prepare(ws.newton, jac, t, y, th, f0, out.work);
    if (out.status != status_ok) {
      log.newton_result(out.status, 0);
      return out;
    }
    out.status =
        NewtonSolver::solve(ws.newton, rhs, t + h, th, y, y_new, y, tol, settings, out.work, log);
    if (out.status != status_ok) return out;

    auto& err = ws.error_estimate;
    double sum = 0.0;
    Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
      const T predictor_gap = Impl::mul_add(-th, T(f0[i]), T(y_new[i]) - T(y[i]));
      err[i] = T(0.5) * predictor_gap;
    });
    Linear::solve(ws.newton.linear, err);
    Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
      const double yi = Impl::fabs(double(y[i])), yn = Impl::fabs(double(y_new[i]));
      const double scale = Impl::mul_add(tol.rtol[i], yi > yn ? yi : yn, tol.atol[i]);
      const double r = double(err[i]) / scale;
      sum = Impl::mul_add(r, r, sum);
    });
    out.err_sq = sum / n;
    log.error(err, out.err_sq);
    return out;
  }
};

}  // namespace kobie
