#pragma once

/// \file
/// `Pack<T, W>`: W values of T, one per system, that arithmetic treats
/// element by element in single vector instructions. The host lane loop
/// vectorises across systems only when every loop of a lane's step is
/// unrolled; a large system's right-hand side keeps its loop over states (an
/// unrolled 40-state Lorenz-96 step costs minutes of compile time), so its
/// lanes would run one at a time as scalar code. Evaluated on packs instead,
/// the loop over states stays a loop and every operation in it advances W
/// systems at once (docs/ARCHITECTURE.md, *Large systems on the CPU*).
///
/// A system opts in with `static constexpr bool simd_packs = true;`: its
/// right-hand side then has to be arithmetic and kobie::math functions only,
/// with no branch on a state or parameter value (a comparison of packs is
/// not a bool; none is provided). A number mixed with a pack is converted to
/// T first (as for `Dual`): in float32, `0.1 * y[0]` rounds 0.1 to float on
/// packs where plain float code multiplies in double, so write `T(0.1)` for
/// the same bits on both paths. Host compilers with GCC's vector
/// extensions only (GCC, clang); under nvcc (`__CUDACC__`) the type is only
/// declared and no code path uses it.
///
/// The storage type is unaligned and may alias T, so a pack is read and
/// written in place from W consecutive elements of a buffer: interleaved
/// shared slices and the persistent storage keep systems fastest, so element
/// i of lanes j..j+W-1 lies at W consecutive addresses.

#include <kobie/impl/kokkos_compat.hpp>

#include <type_traits>

#if (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__)
#define KOBIE_SIMD_PACKS 1
#else
#define KOBIE_SIMD_PACKS 0
#endif

namespace kobie {

template <class T, int W>
struct Pack;

namespace Impl {
template <class X>
struct is_pack : std::false_type {};
template <class T, int W>
struct is_pack<Pack<T, W>> : std::true_type {};

/// The bytes of the widest vector register the host compiler targets.
#if defined(__AVX512F__)
inline constexpr int native_vector_bytes = 64;
#elif defined(__AVX__)
inline constexpr int native_vector_bytes = 32;
#else
inline constexpr int native_vector_bytes = 16;
#endif

/// Systems per pack for scalar T: a native vector of T.
template <class T>
inline constexpr int pack_width = native_vector_bytes / int(sizeof(T));
}  // namespace Impl

#if KOBIE_SIMD_PACKS
template <class T, int W>
struct __attribute__((may_alias)) Pack {
  static_assert(std::is_floating_point<T>::value, "kobie::Pack<T, W> needs a floating-point T");
  static_assert(W >= 2 && (W & (W - 1)) == 0, "kobie::Pack<T, W>: W a power of two >= 2");
  using value_type = T;
  static constexpr int width = W;
  // Unaligned (aligned to T), and allowed to alias T: see the file comment.
  typedef T vector_type __attribute__((vector_size(W * sizeof(T)), aligned(sizeof(T)), may_alias));
  vector_type v;

  /// Uninitialised, also where value-initialised (`LocalArray<Pack, N>{}`
  /// would otherwise zero every pack: a memset per buffer and attempt).
  KOKKOS_FORCEINLINE_FUNCTION Pack() {}
  /// Every element x; implicit, so that `T(c)`, `2.0 * y[0]` and `dydt[i] = 0`
  /// work in a system written generically.
  template <class S, std::enable_if_t<std::is_arithmetic<S>::value, int> = 0>
  KOKKOS_FORCEINLINE_FUNCTION Pack(S x)  // NOLINT(google-explicit-constructor)
      : v(vector_type{} + T(x)) {}

  /// The W values at p, p + 1, ..., p + W - 1 (p need not be aligned).
  KOKKOS_FORCEINLINE_FUNCTION static Pack load(const T* p) {
    Pack r;
    r.v = *reinterpret_cast<const vector_type*>(p);
    return r;
  }
  KOKKOS_FORCEINLINE_FUNCTION T operator[](int w) const { return v[w]; }

  KOKKOS_FORCEINLINE_FUNCTION Pack& operator+=(const Pack& b) {
    v += b.v;
    return *this;
  }
  KOKKOS_FORCEINLINE_FUNCTION Pack& operator-=(const Pack& b) {
    v -= b.v;
    return *this;
  }
  KOKKOS_FORCEINLINE_FUNCTION Pack& operator*=(const Pack& b) {
    v *= b.v;
    return *this;
  }
  KOKKOS_FORCEINLINE_FUNCTION Pack& operator/=(const Pack& b) {
    v /= b.v;
    return *this;
  }

  // Hidden friends: found through either operand, a number converted to a
  // pack by the constructor above.
  KOKKOS_FORCEINLINE_FUNCTION friend Pack operator+(const Pack& a) { return a; }
  KOKKOS_FORCEINLINE_FUNCTION friend Pack operator-(const Pack& a) {
    Pack r;
    r.v = -a.v;
    return r;
  }
  KOKKOS_FORCEINLINE_FUNCTION friend Pack operator+(Pack a, const Pack& b) { return a += b; }
  KOKKOS_FORCEINLINE_FUNCTION friend Pack operator-(Pack a, const Pack& b) { return a -= b; }
  KOKKOS_FORCEINLINE_FUNCTION friend Pack operator*(Pack a, const Pack& b) { return a *= b; }
  KOKKOS_FORCEINLINE_FUNCTION friend Pack operator/(Pack a, const Pack& b) { return a /= b; }
};

namespace Impl {
/// f applied to each element (the functions libm computes one value at a
/// time; GCC vectorises none of them without -ffast-math).
template <class T, int W, class F>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> each(const Pack<T, W>& x, const F& f) {
  Pack<T, W> r;
  for (int w = 0; w < W; ++w) r.v[w] = f(x.v[w]);
  return r;
}
/// `c ? a : b` for a condition shared by all W systems.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> select(bool c, const Pack<T, W>& a, const Pack<T, W>& b) {
  return c ? a : b;
}
/// The values of W consecutive systems, p[0] .. p[W - 1], as a pack.
template <int W, class T, std::enable_if_t<(W > 1), int> = 0>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> load_lanes(const T* p) {
  return Pack<T, W>::load(p);
}
}  // namespace Impl

namespace math {
/// kobie::math's functions on packs, element by element.
#define KOBIE_PACK_FUNCTION(f)                                    \
  template <class T, int W>                                       \
  KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> f(const Pack<T, W>& x) { \
    return Impl::each(x, [](T a) { return T(Impl::f(a)); });      \
  }
KOBIE_PACK_FUNCTION(sin)
KOBIE_PACK_FUNCTION(cos)
KOBIE_PACK_FUNCTION(exp)
KOBIE_PACK_FUNCTION(log)
KOBIE_PACK_FUNCTION(tanh)
KOBIE_PACK_FUNCTION(sqrt)
KOBIE_PACK_FUNCTION(fabs)
#undef KOBIE_PACK_FUNCTION
template <class T, int W, class S, std::enable_if_t<std::is_arithmetic<S>::value, int> = 0>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> pow(const Pack<T, W>& x, S s) {
  return Impl::each(x, [s](T a) { return T(Impl::pow(a, T(s))); });
}
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> pow(const Pack<T, W>& x, const Pack<T, W>& y) {
  Pack<T, W> r;
  for (int w = 0; w < W; ++w) r.v[w] = T(Impl::pow(x.v[w], y.v[w]));
  return r;
}
}  // namespace math
#endif  // KOBIE_SIMD_PACKS

namespace Impl {
/// One system's value, p[0] (the W = 1 case of the pack overload above).
template <int W, class T, std::enable_if_t<W == 1, int> = 0>
KOKKOS_FORCEINLINE_FUNCTION T load_lanes(const T* p) {
  return *p;
}

/// Whether a system declared its right-hand side fit for packs.
template <class S, class = void>
struct allows_simd_packs : std::false_type {};
template <class S>
struct allows_simd_packs<S, std::void_t<decltype(S::simd_packs)>>
    : std::bool_constant<bool(S::simd_packs)> {};
}  // namespace Impl

}  // namespace kobie
