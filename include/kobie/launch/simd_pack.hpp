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
/// not a bool; no comparison operators are provided). Adaptive steps run on
/// packs too when the right-hand side's time parameter is a template: each
/// system of a pack is then at its own time, a `Pack<double, W>` (convert it
/// as `S(t)`, S the state's type, to use it; `takes_time_packs`). Their
/// per-system decisions are `PackMask`s, and the helpers below (`Impl::lt`,
/// `select`, `max_of`, `isfinite`, ...) give each system the scalar code's
/// result. A number mixed with a pack is converted to
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

#include <kobie/impl/fast_math.hpp>
#include <kobie/impl/kokkos_compat.hpp>

#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#if (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__)
#define KOBIE_SIMD_PACKS 1
#else
#define KOBIE_SIMD_PACKS 0
#endif
#if KOBIE_SIMD_PACKS && defined(__FMA__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#endif

namespace kobie {

template <class T, int W>
struct Pack;

namespace Impl {
template <class X>
struct is_pack : std::false_type {};
template <class T, int W>
struct is_pack<Pack<T, W>> : std::true_type {};
/// The first `Pack` type among X..., or void where none is a pack.
template <class... X>
struct PackAmong {
  using type = void;
};
template <class T, int W, class... X>
struct PackAmong<Pack<T, W>, X...> {
  using type = Pack<T, W>;
};
template <class X0, class... X>
struct PackAmong<X0, X...> : PackAmong<X...> {};
template <class... X>
using pack_among_t = typename PackAmong<std::decay_t<X>...>::type;

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

/// The instruction set a translation unit's host code is compiled for, as
/// a type: its vector bytes (the pack width) and whether it fuses
/// multiply-adds (`mul_add`). Every template whose body depends on them
/// and that is emitted out of line (the integration kernel, and the solve
/// functions that instantiate it) takes it as its last template parameter,
/// defaulted to this one: two translation units compiled with different
/// `-m` flags then instantiate distinct symbols instead of two bodies of
/// one symbol, of which the linker would keep either (an ODR violation:
/// docs/ARCHITECTURE.md, *Instruction sets and symbols*).
template <int VectorBytes, bool Fma>
struct InstructionSet {
  static constexpr int vector_bytes = VectorBytes;
  static constexpr bool fma = Fma;
};
/// Whether host code fuses multiply-adds (as `mul_add` does where it can).
#if defined(__FMA__) && (defined(__GNUC__) || defined(__clang__))
inline constexpr bool native_fma = true;
#else
inline constexpr bool native_fma = false;
#endif
using native_instruction_set = InstructionSet<native_vector_bytes, native_fma>;
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

  /// Each element of a pack of another precision, rounded to T
  /// (`Pack<float, W>(times)`, as `float(t)` is for one system).
  template <class S>
  KOKKOS_FORCEINLINE_FUNCTION explicit Pack(const Pack<S, W>& x)
      : v(__builtin_convertvector(x.v, vector_type)) {}

  /// The W values at p, p + 1, ..., p + W - 1 (p need not be aligned).
  KOKKOS_FORCEINLINE_FUNCTION static Pack load(const T* p) {
    Pack r;
    r.v = *reinterpret_cast<const vector_type*>(p);
    return r;
  }
  /// Stores the W values at p, p + 1, ..., p + W - 1.
  KOKKOS_FORCEINLINE_FUNCTION void store(T* p) const { *reinterpret_cast<vector_type*>(p) = v; }
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

/// W truth values, one per system of a pack: what comparing packs gives,
/// and what selects between packs take. Each element is all ones (true) or
/// zero, 64 bits wide whatever the packs compared (a float32 pack's mask is
/// converted where it meets one).
template <int W>
struct PackMask {
  // (a dependent element type: GCC drops vector_size from a typedef of a
  // type that does not depend on the template's parameters)
  using element = std::conditional_t<(W > 0), std::int64_t, void>;
  typedef element vector_type __attribute__((vector_size(W * 8)));
  vector_type m;
  KOKKOS_FORCEINLINE_FUNCTION PackMask() {}
  /// Every element b.
  KOKKOS_FORCEINLINE_FUNCTION explicit PackMask(bool b) : m(vector_type{} - std::int64_t(b)) {}
  /// Whether bit `bit` is set in each of p[0] .. p[W - 1] (W systems'
  /// flag words).
  KOKKOS_FORCEINLINE_FUNCTION static PackMask bit_of(const std::int64_t* p, std::int64_t bit) {
    PackMask r;
    for (int w = 0; w < W; ++w) r.m[w] = -std::int64_t((p[w] & bit) != 0);
    return r;
  }
  /// Sets bit `bit` in p[w] for every system w whose element is true.
  KOKKOS_FORCEINLINE_FUNCTION void set_bit(std::int64_t* p, std::int64_t bit) const {
    for (int w = 0; w < W; ++w) p[w] |= m[w] & bit;
  }
  KOKKOS_FORCEINLINE_FUNCTION bool operator[](int w) const { return m[w] != 0; }
  KOKKOS_FORCEINLINE_FUNCTION friend PackMask operator&(PackMask a, const PackMask& b) {
    a.m &= b.m;
    return a;
  }
  KOKKOS_FORCEINLINE_FUNCTION friend PackMask operator|(PackMask a, const PackMask& b) {
    a.m |= b.m;
    return a;
  }
  KOKKOS_FORCEINLINE_FUNCTION friend PackMask operator!(PackMask a) {
    a.m = ~a.m;
    return a;
  }
};

namespace Impl {
/// The integer vector of a pack's bits (same width of element as T).
template <class T, int W>
struct PackBits {
  using element = std::conditional_t<sizeof(T) == 8, std::int64_t, std::int32_t>;
  typedef element type __attribute__((vector_size(W * sizeof(T))));
};
template <class T, int W>
using pack_bits_t = typename PackBits<T, W>::type;

/// A comparison's integer vector (elements 0 or -1) as a mask.
template <int W, class V>
KOKKOS_FORCEINLINE_FUNCTION PackMask<W> mask_of(const V& compared) {
  PackMask<W> r;
  r.m = __builtin_convertvector(compared, typename PackMask<W>::vector_type);
  return r;
}

// The scalar helpers of kobie/impl/fast_math.hpp (and isfinite, fabs) on
// packs, element by element, with the same results per element: adaptive
// steps on packs run the per-lane code's arithmetic (kobie/algorithms/explicit/erk_step.hpp).
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION PackMask<W> lt(const Pack<T, W>& a, const Pack<T, W>& b) {
  return mask_of<W>(a.v < b.v);
}
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION PackMask<W> le(const Pack<T, W>& a, const Pack<T, W>& b) {
  return mask_of<W>(a.v <= b.v);
}
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION PackMask<W> gt(const Pack<T, W>& a, const Pack<T, W>& b) {
  return lt(b, a);
}
/// `c ? a : b` per system.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> select(const PackMask<W>& c, const Pack<T, W>& a,
                                              const Pack<T, W>& b) {
  using Bits = pack_bits_t<T, W>;
  const Bits m = __builtin_convertvector(c.m, Bits);
  Pack<T, W> r;
  r.v = (typename Pack<T, W>::vector_type)(((Bits)a.v & m) | ((Bits)b.v & ~m));
  return r;
}
template <int W>
KOKKOS_FORCEINLINE_FUNCTION PackMask<W> select(const PackMask<W>& c, const PackMask<W>& a,
                                               const PackMask<W>& b) {
  PackMask<W> r;
  r.m = (a.m & c.m) | (b.m & ~c.m);
  return r;
}
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> max_of(const Pack<T, W>& a, const Pack<T, W>& b) {
  return select(lt(a, b), b, a);
}
/// |x|: the sign bit cleared, as fabs does.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> fabs(const Pack<T, W>& x) {
  using Bits = pack_bits_t<T, W>;
  using I = typename PackBits<T, W>::element;
  const I sign = I(1) << (8 * sizeof(T) - 1);
  Pack<T, W> r;
  r.v = (typename Pack<T, W>::vector_type)((Bits)x.v & ~sign);
  return r;
}
/// Per system: finite (neither infinite nor NaN).
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION PackMask<W> isfinite(const Pack<T, W>& x) {
  return mask_of<W>(fabs(x).v <= Pack<T, W>(std::numeric_limits<T>::max()).v);
}
/// A run-time switch as a mask (the scalar form ties it to a lane value).
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION PackMask<W> lane_flag(const Pack<T, W>&, bool flag) {
  return PackMask<W>(flag);
}
#if defined(__FMA__) && (defined(__x86_64__) || defined(__i386__))
/// r = a * b + c, fused, on the `Bytes` bytes (16, 32 or 64: one vector
/// register) at a, b, c and r.
template <class T, int Bytes>
KOKKOS_FORCEINLINE_FUNCTION void fused_chunk(const T* a, const T* b, const T* c, T* r) {
  static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                "fused_chunk: float or double");
  if constexpr (std::is_same<T, double>::value) {
    if constexpr (Bytes == 16) {
      _mm_storeu_pd(r, _mm_fmadd_pd(_mm_loadu_pd(a), _mm_loadu_pd(b), _mm_loadu_pd(c)));
    } else if constexpr (Bytes == 32) {
      _mm256_storeu_pd(r,
                       _mm256_fmadd_pd(_mm256_loadu_pd(a), _mm256_loadu_pd(b), _mm256_loadu_pd(c)));
    } else {
      static_assert(Bytes == 64, "fused_chunk: 16, 32 or 64 bytes");
      _mm512_storeu_pd(r,
                       _mm512_fmadd_pd(_mm512_loadu_pd(a), _mm512_loadu_pd(b), _mm512_loadu_pd(c)));
    }
  } else {
    if constexpr (Bytes == 16) {
      _mm_storeu_ps(r, _mm_fmadd_ps(_mm_loadu_ps(a), _mm_loadu_ps(b), _mm_loadu_ps(c)));
    } else if constexpr (Bytes == 32) {
      _mm256_storeu_ps(r,
                       _mm256_fmadd_ps(_mm256_loadu_ps(a), _mm256_loadu_ps(b), _mm256_loadu_ps(c)));
    } else {
      static_assert(Bytes == 64, "fused_chunk: 16, 32 or 64 bytes");
      _mm512_storeu_ps(r,
                       _mm512_fmadd_ps(_mm512_loadu_ps(a), _mm512_loadu_ps(b), _mm512_loadu_ps(c)));
    }
  }
}
#endif
/// a * b + c per element, rounded once where the target has FMA
/// instructions and twice where it has none: the scalar mul_add's result in
/// every element (kobie/impl/fast_math.hpp). With FMA, one vector FMA
/// instruction per native register of the pack (a pack wider than the
/// register, such as float32 steps' float64 norm, takes several); written
/// with the instructions' intrinsics, since the vector extensions have no
/// fused operation and -ffp-contract=off leaves `a * b + c` unfused.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> mul_add(const Pack<T, W>& a, const Pack<T, W>& b,
                                               const Pack<T, W>& c) {
#if defined(__FMA__) && (defined(__x86_64__) || defined(__i386__))
  constexpr int bytes = W * int(sizeof(T));
  constexpr int chunk = bytes < native_vector_bytes ? bytes : native_vector_bytes;
  Pack<T, W> r;
  const T* pa = reinterpret_cast<const T*>(&a.v);
  const T* pb = reinterpret_cast<const T*>(&b.v);
  const T* pc = reinterpret_cast<const T*>(&c.v);
  T* pr = reinterpret_cast<T*>(&r.v);
  if constexpr (chunk >= 16) {
    constexpr int per_chunk = chunk / int(sizeof(T));
    for (int w = 0; w < W; w += per_chunk) fused_chunk<T, chunk>(pa + w, pb + w, pc + w, pr + w);
  } else {
    for (int w = 0; w < W; ++w) pr[w] = mul_add(pa[w], pb[w], pc[w]);
  }
  return r;
#else
  return a * b + c;
#endif
}
/// Each element in float64 (exactly).
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<double, W> widen(const Pack<T, W>& x) {
  return Pack<double, W>(x);
}

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
#undef KOBIE_PACK_FUNCTION
/// a * b + c per element, fused as the scalar kobie::math::fma is (numbers
/// among the operands are converted to packs, as in the operators).
template <class A, class B, class C, class P = Impl::pack_among_t<A, B, C>,
          std::enable_if_t<!std::is_void<P>::value, int> = 0>
KOKKOS_FORCEINLINE_FUNCTION P fma(const A& a, const B& b, const C& c) {
  return Impl::mul_add(P(a), P(b), P(c));
}
using Impl::fabs;  // (on packs: the sign bits cleared, in one instruction)
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
/// A number in float64 (the pack overload above: each element).
template <class X, std::enable_if_t<std::is_arithmetic<X>::value, int> = 0>
KOKKOS_FORCEINLINE_FUNCTION double widen(X x) {
  return double(x);
}
/// What `widen` gives for T: double, or `Pack<double, W>` for `Pack<T, W>`.
template <class T>
using wide_t = decltype(widen(std::declval<T>()));

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

/// Whether a system's right-hand side also takes each system's own time,
/// a `Pack<double, W>` (its time parameter a template, not `double`), as
/// adaptive steps on packs need: their systems no longer stand at one time.
template <class S, class T, class = void>
struct takes_time_packs : std::false_type {};
#if KOBIE_SIMD_PACKS
template <class S, class T>
struct takes_time_packs<S, T,
                        std::void_t<decltype(std::declval<const S&>().rhs(
                            std::declval<const Pack<double, pack_width<T>>&>(),
                            std::declval<const Pack<T, pack_width<T>>* const&>(),
                            std::declval<const Pack<T, pack_width<T>>* const&>(),
                            std::declval<const Pack<T, pack_width<T>>* const&>(),
                            std::declval<Pack<T, pack_width<T>>*&>()))>> : std::true_type {};
#endif
}  // namespace Impl

}  // namespace kobie
