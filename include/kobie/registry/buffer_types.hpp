#pragma once

/// \file
/// The vocabulary of the buffer registry, shared by host and device code:
/// locations, element types, a component's compile-time buffer declaration,
/// and the one rule that decides where a buffer actually lives
/// (`Impl::resolve_location`), used by both the host layout and the
/// compile-time placements so the two cannot disagree.

#include <Kokkos_Complex.hpp>
#include <Kokkos_Macros.hpp>

#include <cstdint>

namespace kobie {

/// Where a buffer lives during a launch (see docs/ARCHITECTURE.md).
enum class Location : std::uint8_t {
  shared,     ///< team scratch, one slice per lane (on-chip shared memory on CUDA)
  local,      ///< private to one lane: a fixed-size array (registers on CUDA)
  persistent  ///< the per-system persistent storage (a device View, system index fastest)
};

/// Element type of a buffer: numbers, 64-bit counters, the dual numbers of
/// Jacobian actions (kobie/systems/dual.hpp) and complex numbers (Kokkos::complex,
/// for the complex stage systems of Radau IIA). Adding a type is one entry
/// here and one in each table below (`size_of`, `align_of`,
/// `element_type_of`, `element_of`) and in src/buffer_registry.cpp's names.
enum class ElementType : std::uint8_t {
  float32,
  float64,
  int32,
  int64,
  dual32,     ///< kobie::Dual<float>
  dual64,     ///< kobie::Dual<double>
  complex32,  ///< Kokkos::complex<float>
  complex64   ///< Kokkos::complex<double>
};
/// Number of element types (for loops over every type in tests and reports).
inline constexpr int element_type_count = 8;

/// How lanes' shared slices are arranged in team scratch.
enum class SharedSliceLayout : std::uint8_t {
  contiguous,  ///< each lane's buffers one after another
  interleaved  ///< lane index fastest: bank-conflict free on CUDA, unit-stride SIMD on host
};

template <class T>
struct Dual;

/// Bytes of one element.
KOKKOS_INLINE_FUNCTION constexpr int size_of(ElementType t) {
  switch (t) {
    case ElementType::float32:
    case ElementType::int32:
      return 4;
    case ElementType::float64:
    case ElementType::int64:
    case ElementType::dual32:
    case ElementType::complex32:
      return 8;
    default:  // dual64, complex64
      return 16;
  }
}
/// Alignment of one element (Kokkos::complex is aligned to its size).
KOKKOS_INLINE_FUNCTION constexpr int align_of(ElementType t) {
  switch (t) {
    case ElementType::float32:
    case ElementType::int32:
      return 4;
    case ElementType::complex64:
      return 16;
    default:
      return 8;
  }
}

template <class T>
struct element_type_of;
template <ElementType E>
struct element_of;
#define KOBIE_ELEMENT_TYPE(TYPE, ENUM)                      \
  template <>                                               \
  struct element_type_of<TYPE> {                            \
    static constexpr ElementType value = ElementType::ENUM; \
  };                                                        \
  template <>                                               \
  struct element_of<ElementType::ENUM> {                    \
    using type = TYPE;                                      \
  };
KOBIE_ELEMENT_TYPE(float, float32)
KOBIE_ELEMENT_TYPE(double, float64)
KOBIE_ELEMENT_TYPE(std::int32_t, int32)
KOBIE_ELEMENT_TYPE(std::int64_t, int64)
KOBIE_ELEMENT_TYPE(Dual<float>, dual32)
KOBIE_ELEMENT_TYPE(Dual<double>, dual64)
KOBIE_ELEMENT_TYPE(Kokkos::complex<float>, complex32)
KOBIE_ELEMENT_TYPE(Kokkos::complex<double>, complex64)
#undef KOBIE_ELEMENT_TYPE
static_assert(sizeof(Kokkos::complex<double>) == size_of(ElementType::complex64) &&
                  alignof(Kokkos::complex<double>) == align_of(ElementType::complex64) &&
                  sizeof(Kokkos::complex<float>) == size_of(ElementType::complex32) &&
                  alignof(Kokkos::complex<float>) <= align_of(ElementType::complex32),
              "the element tables must match Kokkos::complex");

/// One buffer as a component type declares it at compile time (its
/// `buffer(i)` function returns these). `alias_of` is the index of another
/// buffer of the same component, or -1. A `run_time_size` buffer's size
/// depends on the run's settings (a summary's accumulators, a GMRES basis of
/// the run's restart length): the host sets it (`update_size`) before the
/// layout is computed, `size` is only its compile-time placeholder, and the
/// component knows the size from its own settings on the device. It is
/// declared shared or persistent, never local (a register array needs its
/// size at compile time), and no placement moves it (one in persistent
/// storage may carry contents from launch to launch). It may not be
/// persistent-flagged nor an alias.
struct BufferInfo {
  const char* name;
  int size;
  ElementType type;
  Location location;
  bool persistent = false;
  int alias_of = -1;
  bool enabled = true;
  bool run_time_size = false;
};

namespace Impl {

/// Byte alignment of every buffer's per-lane offset in every region.
inline constexpr int buffer_alignment = 8;
/// Extra bytes requested per team so the kernel can align the scratch base
/// for 512-bit vectors.
inline constexpr int scratch_base_alignment = 64;

KOKKOS_INLINE_FUNCTION constexpr long align_up(long bytes, long alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

/// Where a buffer ends up.
struct Resolution {
  Location location;
  bool inside_target;  ///< true: shares its alias target's storage
};

/// The registry's placement rule (docs/ARCHITECTURE.md, "Aliases" and the
/// persistent-flag table). `chosen` is the location the placement picked for
/// this buffer; the target arguments describe its alias target (already
/// resolved), `room` the target's elements not yet taken by earlier aliases.
/// `lanes_in_vector_passes` is true on host backends, where a lane's private
/// storage ends with each vectorised pass over the team's lanes.
KOKKOS_INLINE_FUNCTION constexpr Resolution resolve_location(Location chosen, bool persistent,
                                                             long size, bool lanes_in_vector_passes,
                                                             bool has_target, bool target_enabled,
                                                             Location target_location,
                                                             bool target_persistent, long room) {
  if (has_target && target_enabled && target_location == Location::shared && !persistent &&
      !target_persistent && room >= size) {
    return {Location::shared, true};
  }
  if (chosen == Location::local && persistent && lanes_in_vector_passes) {
    return {Location::shared, false};
  }
  return {chosen, false};
}

}  // namespace Impl
}  // namespace kobie

/// Asks the compiler to unroll the next loop by up to 16: loops over a small
/// system's states (and other compile-time trip counts up to 16) unroll
/// fully, so indexes into `LocalArray`s become constants and the arrays stay
/// in registers on CUDA; loops over large systems stay loops (their buffers
/// live in shared memory, and full unrolling would only bloat the code).
#if defined(__CUDA_ARCH__)
#define KOBIE_UNROLL _Pragma("unroll 16")
#elif defined(__CUDACC__)
#define KOBIE_UNROLL  // nvcc's host pass: the host compiler would not know the pragma
#elif defined(__clang__)
#define KOBIE_UNROLL _Pragma("unroll 16")
#elif defined(__GNUC__)
#define KOBIE_UNROLL _Pragma("GCC unroll 16")
#else
#define KOBIE_UNROLL
#endif

/// Forces a lambda on the per-lane hot path to be inlined (GCC and clang on
/// the host): a lambda left as a call inside a host lane loop stops it from
/// vectorising. Written after the lambda's parameter list.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__)
#define KOBIE_INLINE_LAMBDA __attribute__((always_inline))
#else
#define KOBIE_INLINE_LAMBDA
#endif

/// Keeps a host function out of line (see IntegrationKernel::advance_pass).
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDA_ARCH__)
#define KOBIE_HOST_NOINLINE __attribute__((noinline))
#else
#define KOBIE_HOST_NOINLINE
#endif

namespace kobie::Impl {
/// The longest loop `for_n` unrolls.
inline constexpr int unroll_limit = 16;

/// `f(i)` for i in [0, N): unrolled at compile time for N <= unroll_limit (a
/// system's states, a tableau's stages: indexes into register arrays become
/// constants, and a host lane loop around it has no inner loop left to stop
/// the vectoriser), a plain loop above.
template <int N, class F, int I = 0>
KOKKOS_FORCEINLINE_FUNCTION void for_n(const F& f) {
  if constexpr (N > unroll_limit) {
    for (int i = 0; i < N; ++i) f(i);
  } else if constexpr (I < N) {
    f(I);
    for_n<N, F, I + 1>(f);
  }
}
}  // namespace kobie::Impl
