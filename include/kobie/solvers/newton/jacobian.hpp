#pragma once

/// \file
/// The Jacobian J = df/dy of a system at (t, y), for the implicit methods'
/// Newton iterations, written row-major into any n*n indexable buffer
/// (J[i * n + j] = df_i / dy_j), together with f(t, y) itself.
///
/// * A system with a member `jacobian(t, y, p, drivers, J)` (detected at
///   compile time, for the argument types of the call) provides it: one call,
///   plus one `rhs` for f(t, y).
/// * Otherwise J is exact by forward-mode duals (kobie/systems/dual.hpp) through the
///   system's generic `rhs`: n evaluations at y + e_j eps, column j of J
///   from the eps parts; f(t, y) is the value part, free.
///
/// Every routine returns the work it did as a `StepWork`: one Jacobian, and
/// its right-hand-side evaluations (dual ones count as evaluations).
///
/// The Newton solvers take a *Jacobian function* `jac(t, y, J, f) ->
/// StepWork` that does both: `SystemJacobian` (a system with its parameters
/// and drivers) or `RhsJacobian` (any generic right-hand-side callable
/// `rhs(t, y, dydt)`, by duals, e.g. an integration loop's closure that also
/// sets the drivers at t).

#include <kobie/algorithms/step_outcome.hpp>
#include <kobie/registry/buffer_allocator.hpp>
#include <kobie/systems/dual.hpp>

#include <type_traits>
#include <utility>

namespace kobie {

namespace Impl {
/// True when `System` has a member `jacobian(t, y, p, drivers, J)` callable
/// with these argument types.
template <class System, class Y, class P, class D, class J, class = void>
struct has_jacobian_member : std::false_type {};
template <class System, class Y, class P, class D, class J>
struct has_jacobian_member<System, Y, P, D, J,
                           std::void_t<decltype(std::declval<const System&>().jacobian(
                               0.0, std::declval<const Y&>(), std::declval<const P&>(),
                               std::declval<const D&>(), std::declval<J&>()))>> : std::true_type {};
}  // namespace Impl

/// Whether `System` provides its own Jacobian for states, parameters and
/// drivers in plain arrays of `T` (the common case of the detection
/// `system_jacobian` does with its actual argument types).
template <class System, class T>
inline constexpr bool has_jacobian_v =
    Impl::has_jacobian_member<System, LocalArray<T, System::n_states>,
                              LocalArray<T, (System::n_parameters > 0 ? System::n_parameters : 1)>,
                              LocalArray<T, (System::n_drivers > 0 ? System::n_drivers : 1)>,
                              LocalArray<T, System::n_states * System::n_states>>::value;

/// J = df/dy at (t, y) and f = f(t, y) by duals through the generic
/// right-hand side `rhs(t, y, dydt)` (n states, scalar T): n evaluations.
template <int N, class T, class Rhs, class Y, class J, class F>
KOKKOS_INLINE_FUNCTION StepWork dual_jacobian(const Rhs& rhs, double t, const Y& y, J& jac, F& f) {
  LocalArray<Dual<T>, N> yd, fd;
  Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA { yd[i] = Dual<T>(T(y[i]), T(0)); });
  Impl::for_n<N>([&](const int j) KOBIE_INLINE_LAMBDA {
    yd[j].derivative = T(1);
    rhs(t, yd, fd);
    yd[j].derivative = T(0);
    Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA { jac[i * N + j] = fd[i].derivative; });
    if (j == 0) Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA { f[i] = fd[i].value; });
  });
  StepWork work;
  work.rhs_evals = N;
  work.jacobian_evals = 1;
  return work;
}

/// J = df/dy and f = f(t, y) of `system` with parameters `p` and driver
/// values `drivers` (at t): its own `jacobian` member where it has one,
/// duals otherwise.
template <class T, class System, class Y, class P, class D, class J, class F>
KOKKOS_INLINE_FUNCTION StepWork system_jacobian(const System& system, double t, const Y& y,
                                                const P& p, const D& drivers, J& jac, F& f) {
  if constexpr (Impl::has_jacobian_member<System, Y, P, D, J>::value) {
    system.rhs(t, y, p, drivers, f);
    system.jacobian(t, y, p, drivers, jac);
    StepWork work;
    work.rhs_evals = 1;
    work.jacobian_evals = 1;
    return work;
  } else {
    const auto rhs = [&](double ts, const auto& ys, auto& dydt)
                         KOBIE_INLINE_LAMBDA { system.rhs(ts, ys, p, drivers, dydt); };
    return dual_jacobian<System::n_states, T>(rhs, t, y, jac, f);
  }
}

/// A Jacobian function for the Newton solvers: `system` with parameters and
/// driver values (the caller keeps the drivers at the time it evaluates;
/// systems without drivers ignore them). Holds references: build it in the
/// lane, next to what it refers to.
template <class T, class System, class P, class D>
struct SystemJacobian {
  const System& system;
  const P& p;
  const D& drivers;
  template <class Y, class J, class F>
  KOKKOS_INLINE_FUNCTION StepWork operator()(double t, const Y& y, J& jac, F& f) const {
    return system_jacobian<T>(system, t, y, p, drivers, jac, f);
  }
};
template <class T, class System, class P, class D>
KOKKOS_INLINE_FUNCTION SystemJacobian<T, System, P, D> make_system_jacobian(const System& system,
                                                                            const P& p,
                                                                            const D& drivers) {
  return {system, p, drivers};
}

/// A Jacobian function by duals through a generic right-hand-side callable.
template <int N, class T, class Rhs>
struct RhsJacobian {
  const Rhs& rhs;
  template <class Y, class J, class F>
  KOKKOS_INLINE_FUNCTION StepWork operator()(double t, const Y& y, J& jac, F& f) const {
    return dual_jacobian<N, T>(rhs, t, y, jac, f);
  }
};
template <int N, class T, class Rhs>
KOKKOS_INLINE_FUNCTION RhsJacobian<N, T, Rhs> make_rhs_jacobian(const Rhs& rhs) {
  return {rhs};
}

}  // namespace kobie
