#pragma once

/// \file
/// Branch-free, call-free approximations for the step-size controllers, so a
/// host pass over a team's lanes stays one vectorised loop (libm's pow is a
/// function call that stops GCC's vectoriser; its vector variants need
/// -ffast-math, which KoBIE never imposes). Pure IEEE arithmetic: the same
/// bits on every host backend, scalar or vectorised. Accuracy (tested in
/// test_tableaus.cpp): log2_approx within 2e-9 absolute, exp2_approx within
/// 2e-11 relative, so a controller's gain err^(-a) (a <= 0.5) is within
/// 1e-9 relative: far finer than a step-size factor needs, and short
/// polynomials, since the controller runs once per attempted step of every
/// lane.

#include <Kokkos_Macros.hpp>

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace kobie::Impl {

KOKKOS_FORCEINLINE_FUNCTION std::uint64_t bits_of(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
KOKKOS_FORCEINLINE_FUNCTION double double_of(std::uint64_t u) {
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

/// Quiet floating-point comparisons (false when either side is NaN, like the
/// operators, but raising no floating-point exception). Under GCC's default
/// -ftrapping-math an ordinary `<` on doubles "could trap", and a loop whose
/// body holds one inside a conditional region is not if-converted, so not
/// vectorised. The host lane loops use these; CUDA uses the operators.
#if !defined(__CUDA_ARCH__) && (defined(__GNUC__) || defined(__clang__))
KOKKOS_FORCEINLINE_FUNCTION bool lt(double a, double b) {
  return __builtin_isless(a, b);
}
KOKKOS_FORCEINLINE_FUNCTION bool le(double a, double b) {
  return __builtin_islessequal(a, b);
}
#else
KOKKOS_FORCEINLINE_FUNCTION bool lt(double a, double b) {
  return a < b;
}
KOKKOS_FORCEINLINE_FUNCTION bool le(double a, double b) {
  return a <= b;
}
#endif
KOKKOS_FORCEINLINE_FUNCTION bool gt(double a, double b) {
  return lt(b, a);
}
KOKKOS_FORCEINLINE_FUNCTION bool ge(double a, double b) {
  return le(b, a);
}
/// `c ? a : b` without control flow. On the host a bit-mask blend: GCC
/// if-converts only up to 4-way merges, and a controller's chain of
/// conditional updates merges into more, which stops the lane loop from
/// vectorising; a blend is plain arithmetic. CUDA uses the operator.
template <class X>
KOKKOS_FORCEINLINE_FUNCTION X select(bool c, X a, X b) {
#if defined(__CUDA_ARCH__)
  return c ? a : b;
#else
  if constexpr (sizeof(X) == 8) {
    const std::uint64_t m = std::uint64_t(0) - std::uint64_t(c);
    std::uint64_t ua, ub;
    std::memcpy(&ua, &a, 8);
    std::memcpy(&ub, &b, 8);
    const std::uint64_t r = (ua & m) | (ub & ~m);
    X x;
    std::memcpy(&x, &r, 8);
    return x;
  } else {
    static_assert(sizeof(X) == 4, "select: 4- or 8-byte types");
    const std::uint32_t m = std::uint32_t(0) - std::uint32_t(c);
    std::uint32_t ua, ub;
    std::memcpy(&ua, &a, 4);
    std::memcpy(&ub, &b, 4);
    const std::uint32_t r = (ua & m) | (ub & ~m);
    X x;
    std::memcpy(&x, &r, 4);
    return x;
  }
#endif
}

/// a * b + c rounded once where the target has a fused multiply-add (CUDA;
/// a host compiled with FMA instructions), else twice: every fused
/// operation KoBIE's kernels mean is written with it. KoBIE's host code
/// compiles with -ffp-contract=off (the kobie::kobie target's interface), so
/// that no compiler heuristic fuses anything else: what GCC contracts under
/// its default -ffp-contract=fast depends on the tuning and the vector
/// width (with the znver3 tuning and AVX-512, float64 packs of 512 bits
/// were fused where the per-lane code was not), and the SIMD-pack and
/// per-lane paths must round alike on every instruction set
/// (docs/ARCHITECTURE.md, *One rounding on every instruction set*). The pack
/// overload (kobie/launch/simd_pack.hpp) fuses exactly where this does. Device code
/// writes `a * b + c`, which nvcc fuses (its default --fmad=true): an
/// explicit fma() call there constrained its scheduling, and the float64
/// Lorenz Dormand-Prince kernel took 178 registers instead of 158.
KOKKOS_FORCEINLINE_FUNCTION double mul_add(double a, double b, double c) {
#if defined(__CUDA_ARCH__)
  return a * b + c;  // (nvcc fuses it: see above)
#elif defined(__FMA__) && (defined(__GNUC__) || defined(__clang__))
  return __builtin_fma(a, b, c);
#else
  return a * b + c;
#endif
}
KOKKOS_FORCEINLINE_FUNCTION float mul_add(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
  return a * b + c;
#elif defined(__FMA__) && (defined(__GNUC__) || defined(__clang__))
  return __builtin_fmaf(a, b, c);
#else
  return a * b + c;
#endif
}

/// min / max / clamp built on lt() and the branch-free select().
KOKKOS_FORCEINLINE_FUNCTION double min_of(double a, double b) {
  return select(lt(b, a), b, a);
}
KOKKOS_FORCEINLINE_FUNCTION double max_of(double a, double b) {
  return select(lt(a, b), b, a);
}
KOKKOS_FORCEINLINE_FUNCTION double clamp_to(double x, double lo, double hi) {
  return min_of(max_of(x, lo), hi);
}

/// A loop-invariant flag as a per-lane mask: `lane_value` is any finite
/// per-lane double. GCC 12 does not vectorise a select whose condition is a
/// loop-invariant bool; tied to a lane value the condition is an ordinary
/// vector comparison. Same result as `flag`.
KOKKOS_FORCEINLINE_FUNCTION bool lane_flag(double lane_value, bool flag) {
  return lane_value * 0.0 + (flag ? 1.0 : 0.0) > 0.5;
}

/// log2(x) for finite x > 0 (normal numbers), within 2e-9 absolute.
KOKKOS_FORCEINLINE_FUNCTION double log2_approx(double x) {
  const std::uint64_t u = bits_of(x);
  // The biased exponent as a double without an int-to-float conversion
  // (2^52 + e is exact in the mantissa): conversions are "could trap"
  // statements that GCC refuses to if-convert, which stops vectorisation.
  double e = double_of(0x4330000000000000ULL | ((u >> 52) & 0x7ff)) - 4503599627370496.0 - 1023.0;
  double m = double_of((u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);  // [1, 2)
  // Fold m into [sqrt(1/2), sqrt(2)) so that t below stays <= 0.172.
  const bool big = gt(m, 1.4142135623730951);
  m = select(big, 0.5 * m, m);
  e = select(big, e + 1.0, e);
  const double t = (m - 1.0) / (m + 1.0);
  const double t2 = t * t;
  // log(m) = 2 (t + t^3/3 + t^5/5 + ...), truncated after t^9: the rest is
  // below 2 t^11 / (11 (1 - t^2)) < 8e-10.
  double s = mul_add(t2, 2.0 / 9, 2.0 / 7);
  s = mul_add(t2, s, 2.0 / 5);
  s = mul_add(t2, s, 2.0 / 3);
  s = mul_add(t2, s, 2.0);
  return mul_add(t * s, 1.4426950408889634, e);  // 1 / ln 2
}

/// 2^y for |y| <= 1000, within 2e-11 relative (the controllers clamp y to
/// [-64, 64]).
KOKKOS_FORCEINLINE_FUNCTION double exp2_approx(double y) {
  // Round to the nearest integer n with the 1.5 * 2^52 shifter: n then sits
  // in the low mantissa bits, and no float-to-int conversion is needed.
  const double shifted = y + 6755399441055744.0;
  const double n = shifted - 6755399441055744.0;
  const std::int64_t k =
      std::int64_t(bits_of(shifted) & 0x000fffffffffffffULL) - (std::int64_t(1) << 51);
  const double f = (y - n) * 0.6931471805599453;  // in [-ln2 / 2, ln2 / 2]
  // e^f by its Taylor series to f^9 (the rest < 1.1 |f|^10 / 10! < 8e-12
  // relative on |f| <= ln2 / 2).
  double p = 1.0 / 362880.0;
  p = mul_add(p, f, 1.0 / 40320.0);
  p = mul_add(p, f, 1.0 / 5040.0);
  p = mul_add(p, f, 1.0 / 720.0);
  p = mul_add(p, f, 1.0 / 120.0);
  p = mul_add(p, f, 1.0 / 24.0);
  p = mul_add(p, f, 1.0 / 6.0);
  p = mul_add(p, f, 0.5);
  p = mul_add(p, f, 1.0);
  p = mul_add(p, f, 1.0);
  // 2^n straight into the exponent field (normal for n in [-1022, 1023]).
  return p * double_of(std::uint64_t(k + 1023) << 52);
}

/// x^y for x > 0.
KOKKOS_FORCEINLINE_FUNCTION double pow_approx(double x, double y) {
  return exp2_approx(y * log2_approx(x));
}

}  // namespace kobie::Impl

namespace kobie::math {
/// a * b + c for a system's right-hand side, rounded once where the target
/// has FMA instructions (and on CUDA), twice where it has none: the same
/// result on every path (SIMD packs, per-lane code) and every instruction
/// set, since KoBIE's host code fuses nothing it is not told to
/// (Impl::mul_add). kobie/launch/simd_pack.hpp and kobie/systems/dual.hpp add the overloads
/// for packs and dual numbers; numbers of mixed types are converted to
/// their common type first.
template <class A, class B, class C,
          std::enable_if_t<std::is_arithmetic<A>::value && std::is_arithmetic<B>::value &&
                               std::is_arithmetic<C>::value,
                           int> = 0>
KOKKOS_FORCEINLINE_FUNCTION auto fma(A a, B b, C c) {
  using R = std::common_type_t<A, B, C, float>;
  static_assert(std::is_same<R, float>::value || std::is_same<R, double>::value,
                "kobie::math::fma: float or double numbers");
  return Impl::mul_add(R(a), R(b), R(c));
}
}  // namespace kobie::math
