#pragma once

/// \file
/// Forward-mode dual numbers, x + x' eps with eps^2 = 0, for the right-hand
/// sides of systems.
///
/// A system's `rhs` is written generically in its scalar type (system.hpp).
/// Evaluated at the dual states y + v eps, it returns f(y) + (J v) eps: the
/// value and one Jacobian-vector product J v = (df/dy) v in a single
/// evaluation, exact to rounding, with no Jacobian formed and no difference
/// step to choose. Dual parameters p + w eps give the parameter sensitivity
/// (df/dp) w the same way. The value part is computed by the same operations
/// as a plain evaluation written with `T(c)` constants (the compiler may
/// contract them into fused multiply-adds differently, so it agrees to
/// rounding, not always bitwise).
///
/// Everything is `KOKKOS_INLINE_FUNCTION`: duals live in registers inside
/// kernels on every backend. Mixed arithmetic with built-in numbers treats
/// them as constants (derivative 0) of type T: for `Dual<float>` a double
/// constant is rounded to float first, where plain float code would compute
/// `x * 0.1` or `x < 0.1` in double (write `T(c)` for the same result in
/// both). Comparisons compare values only, so a branch follows the value,
/// and the derivative is that of the branch taken (a one-sided derivative at
/// a kink such as `fabs` at 0, whose derivative there is taken as +x').
///
/// The mathematical functions for systems (`kobie::math::sin`, `exp`, ...)
/// have dual overloads here, declared together with the type so that a
/// system's qualified call `kobie::math::tanh(y[0])` finds them.

#include <kobie/impl/fast_math.hpp>
#include <kobie/impl/kokkos_compat.hpp>

#include <type_traits>

namespace kobie {

template <class T>
struct Dual {
  static_assert(std::is_floating_point<T>::value, "kobie::Dual<T> needs a floating-point T");
  using value_type = T;

  T value = T(0);       ///< the real part, f
  T derivative = T(0);  ///< the eps part, the directional derivative f' carried along

  Dual() = default;
  /// A constant (derivative 0); implicit, so that `T(c)` and `x = 2.0` work in a
  /// system written generically.
  KOKKOS_INLINE_FUNCTION constexpr Dual(T v) : value(v) {}  // NOLINT(google-explicit-constructor)
  KOKKOS_INLINE_FUNCTION constexpr Dual(T v, T d) : value(v), derivative(d) {}

  KOKKOS_INLINE_FUNCTION constexpr Dual& operator+=(const Dual& b) {
    value += b.value;
    derivative += b.derivative;
    return *this;
  }
  KOKKOS_INLINE_FUNCTION constexpr Dual& operator-=(const Dual& b) {
    value -= b.value;
    derivative -= b.derivative;
    return *this;
  }
  KOKKOS_INLINE_FUNCTION constexpr Dual& operator*=(const Dual& b) {
    derivative = derivative * b.value + value * b.derivative;
    value *= b.value;
    return *this;
  }
  KOKKOS_INLINE_FUNCTION constexpr Dual& operator/=(const Dual& b) {
    value /= b.value;
    derivative = (derivative - value * b.derivative) / b.value;
    return *this;
  }
};
static_assert(sizeof(Dual<double>) == 16 && alignof(Dual<double>) == 8 && sizeof(Dual<float>) == 8,
              "Dual's size and alignment are the registry's (ElementType::dual32, dual64)");

namespace Impl {
/// Built-in arithmetic types mix with duals as constants.
template <class S>
using if_arithmetic = std::enable_if_t<std::is_arithmetic<S>::value, int>;
}  // namespace Impl

template <class T>
KOKKOS_INLINE_FUNCTION constexpr Dual<T> operator+(const Dual<T>& a) {
  return a;
}
template <class T>
KOKKOS_INLINE_FUNCTION constexpr Dual<T> operator-(const Dual<T>& a) {
  return {-a.value, -a.derivative};
}

// Each binary operator for (dual, dual), (dual, number) and (number, dual):
// the compound assignments above are the one definition of the arithmetic.
#define KOBIE_DUAL_BINARY_OPERATOR(op)                                                \
  template <class T>                                                                  \
  KOKKOS_INLINE_FUNCTION constexpr Dual<T> operator op(Dual<T> a, const Dual<T>& b) { \
    return a op## = b;                                                                \
  }                                                                                   \
  template <class T, class S, Impl::if_arithmetic<S> = 0>                             \
  KOKKOS_INLINE_FUNCTION constexpr Dual<T> operator op(Dual<T> a, S b) {              \
    return a op## = Dual<T>(T(b));                                                    \
  }                                                                                   \
  template <class T, class S, Impl::if_arithmetic<S> = 0>                             \
  KOKKOS_INLINE_FUNCTION constexpr Dual<T> operator op(S a, const Dual<T>& b) {       \
    return Dual<T>(T(a)) op## = b;                                                    \
  }
KOBIE_DUAL_BINARY_OPERATOR(+)
KOBIE_DUAL_BINARY_OPERATOR(-)
KOBIE_DUAL_BINARY_OPERATOR(*)
KOBIE_DUAL_BINARY_OPERATOR(/)
#undef KOBIE_DUAL_BINARY_OPERATOR

// Comparisons look at values only.
#define KOBIE_DUAL_COMPARISON(op)                                                         \
  template <class T>                                                                      \
  KOKKOS_INLINE_FUNCTION constexpr bool operator op(const Dual<T>& a, const Dual<T>& b) { \
    return a.value op b.value;                                                            \
  }                                                                                       \
  template <class T, class S, Impl::if_arithmetic<S> = 0>                                 \
  KOKKOS_INLINE_FUNCTION constexpr bool operator op(const Dual<T>& a, S b) {              \
    return a.value op T(b);                                                               \
  }                                                                                       \
  template <class T, class S, Impl::if_arithmetic<S> = 0>                                 \
  KOKKOS_INLINE_FUNCTION constexpr bool operator op(S a, const Dual<T>& b) {              \
    return T(a) op b.value;                                                               \
  }
KOBIE_DUAL_COMPARISON(==)
KOBIE_DUAL_COMPARISON(!=)
KOBIE_DUAL_COMPARISON(<)
KOBIE_DUAL_COMPARISON(<=)
KOBIE_DUAL_COMPARISON(>)
KOBIE_DUAL_COMPARISON(>=)
#undef KOBIE_DUAL_COMPARISON

namespace Impl {
/// T of the first `Dual<T>` among X..., or void where none is a dual.
template <class... X>
struct DualScalar {
  using type = void;
};
template <class T, class... X>
struct DualScalar<Dual<T>, X...> {
  using type = T;
};
template <class X0, class... X>
struct DualScalar<X0, X...> : DualScalar<X...> {};
template <class... X>
using dual_scalar_t = typename DualScalar<std::decay_t<X>...>::type;
/// A dual, or a number as a constant dual of type T.
template <class T>
KOKKOS_INLINE_FUNCTION Dual<T> as_dual(const Dual<T>& x) {
  return x;
}
template <class T, class S, if_arithmetic<S> = 0>
KOKKOS_INLINE_FUNCTION Dual<T> as_dual(S x) {
  return Dual<T>(T(x));
}
}  // namespace Impl

namespace math {
/// The chain rule for each of kobie::math's functions: f(x + x' eps) =
/// f(x) + f'(x) x' eps.
template <class T>
KOKKOS_INLINE_FUNCTION Dual<T> sin(const Dual<T>& x) {
  return {Impl::sin(x.value), Impl::cos(x.value) * x.derivative};
}
template <class T>
KOKKOS_INLINE_FUNCTION Dual<T> cos(const Dual<T>& x) {
  return {Impl::cos(x.value), -Impl::sin(x.value) * x.derivative};
}
template <class T>
KOKKOS_INLINE_FUNCTION Dual<T> exp(const Dual<T>& x) {
  const T e = Impl::exp(x.value);
  return {e, e * x.derivative};
}
template <class T>
KOKKOS_INLINE_FUNCTION Dual<T> log(const Dual<T>& x) {
  return {Impl::log(x.value), x.derivative / x.value};
}
template <class T>
KOKKOS_INLINE_FUNCTION Dual<T> tanh(const Dual<T>& x) {
  const T t = Impl::tanh(x.value);
  return {t, (T(1) - t * t) * x.derivative};
}
template <class T>
KOKKOS_INLINE_FUNCTION Dual<T> sqrt(const Dual<T>& x) {
  const T s = Impl::sqrt(x.value);
  return {s, x.derivative / (T(2) * s)};
}
template <class T>
KOKKOS_INLINE_FUNCTION Dual<T> fabs(const Dual<T>& x) {
  return x.value < T(0) ? -x : x;
}
/// a * b + c, value and derivative (a' b + a b' + c') each fused as the
/// scalar kobie::math::fma is. Numbers among the operands are constants
/// (derivative 0) of type T, as in the operators.
template <class A, class B, class C, class T = Impl::dual_scalar_t<A, B, C>,
          std::enable_if_t<!std::is_void<T>::value, int> = 0>
KOKKOS_INLINE_FUNCTION Dual<T> fma(const A& a, const B& b, const C& c) {
  const Dual<T> x = Impl::as_dual<T>(a), y = Impl::as_dual<T>(b), z = Impl::as_dual<T>(c);
  return {Impl::mul_add(x.value, y.value, z.value),
          Impl::mul_add(x.derivative, y.value, Impl::mul_add(x.value, y.derivative, z.derivative))};
}
/// x^s for a constant exponent s (derivative 0 for s = 0, also at x = 0).
template <class T, class S, Impl::if_arithmetic<S> = 0>
KOKKOS_INLINE_FUNCTION Dual<T> pow(const Dual<T>& x, S s) {
  const T e = T(s);
  const T slope = e == T(0) ? T(0) : e * Impl::pow(x.value, e - T(1));
  return {Impl::pow(x.value, e), slope * x.derivative};
}
/// x^y. The exponent's part, x^y log(x) y', enters only where y' != 0, so a
/// dual holding a constant exponent (`T(2)`) works for x <= 0 like the
/// overload above, and 0^y does not turn into 0 * log 0.
template <class T>
KOKKOS_INLINE_FUNCTION Dual<T> pow(const Dual<T>& x, const Dual<T>& y) {
  Dual<T> out = pow(x, y.value);
  if (y.derivative != T(0)) out.derivative += out.value * Impl::log(x.value) * y.derivative;
  return out;
}
/// s^y for a constant base s (s > 0 where y' != 0).
template <class T, class S, Impl::if_arithmetic<S> = 0>
KOKKOS_INLINE_FUNCTION Dual<T> pow(S s, const Dual<T>& y) {
  const T p = Impl::pow(T(s), y.value);
  return {p, y.derivative == T(0) ? T(0) : p * Impl::log(T(s)) * y.derivative};
}
}  // namespace math

}  // namespace kobie
