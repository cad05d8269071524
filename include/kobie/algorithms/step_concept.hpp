#pragma once

/// \file
/// The Step concept: what the integration loop knows of a method, and the
/// table from a method (a run-time name's type) to the step type that
/// implements it (docs/ARCHITECTURE.md, *The Step concept*).
///
/// A *method* is a type with `name()`, `order`, `error_order` and
/// `dual_error` (what settings validation and the controller read): an
/// explicit Runge-Kutta tableau (kobie/algorithms/explicit/tableaus.hpp), or a tag of an
/// implicit family (`methods::BackwardEuler`). `step_t<Method, System, T>`
/// is its step, a registry component with a device interface:
///
/// * `component_name()`, `buffer_count`, `buffer(i)` and optional
///   `children`: the step's working memory (and its solvers');
/// * `static constexpr bool implicit`: an implicit step's attempt returns a
///   `StepOutcome` (kobie/algorithms/step_outcome.hpp), whose status bits
///   make the loop reject the attempt and shrink the step, and whose work
///   counters reach `Results`:
///   `attempt(mem, t, h, y, y_new, rhs, jac, tolerances, newton, log)`;
/// * an explicit step (`implicit == false`) takes the loop's decision
///   inside its attempt (`attempt<FixedStep>(mem, t, h, y, y_new, fsal, rhs,
///   tolerances, decide, evals, log) -> accepted`), so that its
///   first-same-as-last derivative is kept only when accepted, and has the
///   host's fast paths (uniform fixed passes, SIMD packs, the lean loop);
/// * `static constexpr bool fsal`: the step carries a derivative from one
///   step to the next in its persistent-flagged buffer `fsal_rhs`;
/// * `static constexpr bool adaptive`: the step has an error estimate. A
///   step without one runs fixed steps only, and the loop compiles no
///   adaptive form of it.
///
/// `check_step<Step, System>()` states these with readable messages, the way
/// `check_system` states a system's.

#include <kobie/algorithms/explicit/erk_step.hpp>
#include <kobie/algorithms/implicit/backward_euler.hpp>
#include <kobie/algorithms/methods.hpp>

#include <type_traits>
#include <utility>

namespace kobie {

/// The step family of a method: `type<System, T>` is its step.
template <class Method, class = void>
struct step_family;
/// Explicit Runge-Kutta tableaus (anything with `stages`): ErkStep.
template <class Tab>
struct step_family<Tab, std::void_t<decltype(Tab::stages)>> {
  template <class System, class T>
  using type = ErkStep<Tab, System, T>;
};
template <>
struct step_family<methods::BackwardEuler> {
  template <class System, class T>
  using type = BackwardEulerStep<System, T>;
};
/// The step of `Method` for `System` in scalar `T`.
template <class Method, class System, class T>
using step_t = typename step_family<Method>::template type<System, T>;

namespace Impl {
template <class S, class = void>
struct has_step_flags : std::false_type {};
template <class S>
struct has_step_flags<S, std::void_t<decltype(bool(S::implicit)), decltype(bool(S::fsal)),
                                     decltype(bool(S::adaptive))>> : std::true_type {};
template <class S, class = void>
struct has_component_name : std::false_type {};
template <class S>
struct has_component_name<S, std::void_t<decltype(S::component_name())>> : std::true_type {};
/// Whether a logging policy's lane logger has the Newton solver's hooks
/// (NoSolverLog's: newton_iteration, newton_result, error).
template <class Log, class = void>
struct has_solver_hooks : std::false_type {};
template <class Log>
struct has_solver_hooks<Log, std::void_t<decltype(std::declval<const Log&>().newton_result(0, 0))>>
    : std::true_type {};
template <class M, class = void>
struct is_tableau : std::false_type {};
template <class M>
struct is_tableau<M, std::void_t<decltype(M::stages)>> : std::true_type {};
}  // namespace Impl

/// Compile-time checks of the Step concept, with readable messages.
template <class Step, class System>
constexpr bool check_step() {
  static_assert(Impl::has_component_name<Step>::value,
                "a step is a registry component: it needs static component_name()");
  static_assert(Step::buffer_count >= 0, "a step declares buffer_count buffers");
  static_assert(Impl::has_step_flags<Step>::value,
                "a step states `static constexpr bool implicit`, `fsal` and `adaptive` (it has "
                "an error estimate, so adaptive controllers may drive it)");
  static_assert(Step::n == System::n_states, "a step works on the system's n_states states");
  static_assert(!(Step::implicit && Step::fsal),
                "an implicit step carries no first-same-as-last derivative");
  return true;
}

/// Validates a method on the host before any launch: a tableau's
/// coefficients (tableaus::validate); an implicit family's tag has nothing
/// to check at run time.
template <class Method>
void validate_method() {
  if constexpr (Impl::is_tableau<Method>::value) tableaus::validate<Method>();
}

}  // namespace kobie
