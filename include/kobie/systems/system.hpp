#pragma once

/// \file
/// What KoBIE expects of an ODE system, and the traits it derives from one.
///
/// A system is a type with compile-time sizes and a right-hand side written
/// generically in its scalar type (the implicit methods evaluate it with dual
/// numbers), for example:
/// \code
/// struct Lorenz {
///   static constexpr int n_states = 3, n_parameters = 3, n_observables = 0, n_drivers = 0;
///   static const char* name() { return "lorenz"; }                      // host only
///   static std::vector<std::string> state_names() { return {"x", "y", "z"}; }
///   static std::vector<std::string> parameter_names() { return {"sigma", "rho", "beta"}; }
///   static std::vector<double> default_state() { return {1, 0, 0}; }
///   static std::vector<double> default_parameters() { return {10, 28, 8.0 / 3}; }
///   template <class Y, class P, class D, class DY>
///   KOKKOS_INLINE_FUNCTION void rhs(double t, const Y& y, const P& p, const D& drivers,
///                                   DY& dydt) const {
///     dydt[0] = p[0] * (y[1] - y[0]); ...
///   }
/// };
/// \endcode
/// `Y`, `P`, `D` and `DY` are indexable with `operator[]` (register arrays,
/// strided scratch or global views: the system never knows which). Systems
/// with observables (`n_observables > 0`) also provide
/// `observables(t, y, p, drivers, out)` and `observable_names()`; systems
/// with drivers (`n_drivers > 0`) provide `driver_names()`. Constants are
/// ordinary data members: the system object is captured by value into
/// kernels. Optional names default to x0, x1, ... (see `names_of`).
///
/// Generic means: the scalar type is whatever `dydt[i]` holds (float, double
/// or `kobie::Dual<T>`, kobie/systems/dual.hpp); constants enter as `T(c)` or as
/// plain numbers, functions as `kobie::math::sin` etc., whose dual overloads
/// a system header sees by including <kobie/kobie.hpp> (or <kobie/systems/dual.hpp>)
/// before it. Branches on comparisons are fine (duals compare by value).
/// A multiply-add meant to round once is written `kobie::math::fma(a, b, c)`
/// (numbers, packs and duals): KoBIE's host code, a system's included, is
/// compiled with -ffp-contract=off (the kobie::kobie target's interface),
/// so that every path of a step rounds alike (docs/ARCHITECTURE.md, *One
/// rounding on every instruction set*).
///
/// Optional: `static constexpr bool simd_packs = true;` declares the
/// right-hand side branch-free arithmetic (no comparison of state or
/// parameter values), so that host fixed steps of a large system (more
/// states than Impl::unroll_limit) evaluate it on `kobie::Pack`s of systems
/// (kobie/launch/simd_pack.hpp), several systems per vector instruction. Adaptive
/// steps too when its time parameter is a template (`template <class Time,
/// class Y, ...> rhs(const Time& t, ...)`): the systems of a pack are then
/// each at their own time, given as a `Pack<double, W>`: a right-hand side
/// that uses it converts it to its scalar type, `S(t)` with
/// `using S = std::decay_t<decltype(dydt[0])>` (a number or a pack alike).
/// A system with `double t` keeps adaptive steps one system at a time.

#include <Kokkos_Macros.hpp>

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace kobie {

namespace Impl {
template <class S, class = void>
struct has_state_names : std::false_type {};
template <class S>
struct has_state_names<S, std::void_t<decltype(S::state_names())>> : std::true_type {};
template <class S, class = void>
struct has_parameter_names : std::false_type {};
template <class S>
struct has_parameter_names<S, std::void_t<decltype(S::parameter_names())>> : std::true_type {};
template <class S, class = void>
struct has_observable_names : std::false_type {};
template <class S>
struct has_observable_names<S, std::void_t<decltype(S::observable_names())>> : std::true_type {};
template <class S, class = void>
struct has_driver_names : std::false_type {};
template <class S>
struct has_driver_names<S, std::void_t<decltype(S::driver_names())>> : std::true_type {};

inline std::vector<std::string> numbered(const char* prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(std::string(prefix).append(std::to_string(i)));
  return out;
}
}  // namespace Impl

/// The names of a system's variables, with numbered defaults.
template <class System>
struct names_of {
  static std::vector<std::string> states() {
    if constexpr (Impl::has_state_names<System>::value)
      return System::state_names();
    else
      return Impl::numbered("x", System::n_states);
  }
  static std::vector<std::string> parameters() {
    if constexpr (Impl::has_parameter_names<System>::value)
      return System::parameter_names();
    else
      return Impl::numbered("p", System::n_parameters);
  }
  static std::vector<std::string> observables() {
    if constexpr (Impl::has_observable_names<System>::value)
      return System::observable_names();
    else
      return Impl::numbered("o", System::n_observables);
  }
  static std::vector<std::string> drivers() {
    if constexpr (Impl::has_driver_names<System>::value)
      return System::driver_names();
    else
      return Impl::numbered("d", System::n_drivers);
  }
};

/// Compile-time checks of the system interface, with readable messages.
template <class System>
constexpr bool check_system() {
  static_assert(System::n_states >= 1, "a system needs n_states >= 1");
  static_assert(System::n_parameters >= 0 && System::n_observables >= 0 && System::n_drivers >= 0,
                "a system's sizes must be >= 0");
  static_assert(std::is_trivially_copyable<System>::value,
                "a system is captured by value into kernels: it must be trivially copyable");
  return true;
}

}  // namespace kobie
