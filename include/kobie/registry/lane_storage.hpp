#pragma once

/// \file
/// What a lane's buffers are made of (kobie/registry/buffer_allocator.hpp
/// hands them out): the views steps index, and `LaneLocals`, the storage of
/// every local buffer of a component tree for one lane (or one pack of
/// lanes), generated from the declarations.
///
/// One storage per buffer and lane: a buffer fetched twice during a lane's
/// visit is the same memory wherever it lives. Shared and persistent
/// buffers are views of the team's scratch and the persistent storage;
/// local ones are views of the lane's `LaneLocals`, which the kernel
/// declares once where the lane's visit begins (the whole launch on CUDA
/// and on the host's per-lane paths, one pass over the lanes in a host
/// SIMD loop). So a solver that fetches its factors again in a later stage
/// finds them, whether they are placed locally or not. What must outlive
/// a visit (the state, the controller's history, a first-same-as-last
/// derivative) is declared persistent-flagged: it is saved and restored at
/// launch boundaries (`Memory::save_flagged`, `restore_flagged`), and the
/// host's SIMD passes keep it in shared slices.

#include <kobie/launch/simd_pack.hpp>
#include <kobie/registry/component_tree.hpp>

#include <Kokkos_Macros.hpp>

#include <cstdint>
#include <type_traits>
#include <utility>

namespace kobie {

// ------------------------------------------------------------------ views

/// A lane's private fixed-size buffer: registers on CUDA when every index is
/// a compile-time constant after unrolling. A zero-size buffer still holds one
/// element.
template <class T, int N>
struct LocalArray {
  static constexpr int extent = N;
  // (packs aligned to their size: the pack type itself is unaligned, to be
  // read in place from any W consecutive elements)
  alignas(Impl::is_pack<T>::value ? sizeof(T) : alignof(T)) T data[N > 0 ? N : 1];
  KOKKOS_FORCEINLINE_FUNCTION T& operator[](int i) { return data[i]; }
  KOKKOS_FORCEINLINE_FUNCTION const T& operator[](int i) const { return data[i]; }
  KOKKOS_INLINE_FUNCTION static constexpr int size() { return N; }
};

/// A lane's buffer in team scratch or persistent storage: element i at
/// `ptr[i * stride]` (stride = lanes for interleaved shared slices, 1 for
/// contiguous ones, systems for persistent storage).
template <class T, int N>
struct StridedView {
  static constexpr int extent = N;
  T* ptr;
  std::int64_t stride;
  KOKKOS_FORCEINLINE_FUNCTION T& operator[](int i) const { return ptr[i * stride]; }
  KOKKOS_INLINE_FUNCTION static constexpr int size() { return N; }
};

/// A buffer of W consecutive lanes (systems) as packs: element i is the
/// `Pack<T, W>` at `ptr + i * stride`, lanes j..j+W-1 of it at W consecutive
/// addresses (interleaved shared slices, persistent storage).
template <class T, int W, int N>
struct PackView {
  static constexpr int extent = N;
  T* ptr;
  std::int64_t stride;
  KOKKOS_FORCEINLINE_FUNCTION Pack<T, W>& operator[](int i) const {
    return *reinterpret_cast<Pack<T, W>*>(ptr + i * stride);
  }
  KOKKOS_INLINE_FUNCTION static constexpr int size() { return N; }
};

/// A local buffer as a lane fetches it: a view of its storage in the lane's
/// `LaneLocals` (registers on CUDA when every index is a compile-time
/// constant after unrolling and the accesses inline).
template <class T, int N>
struct LocalView {
  static constexpr int extent = N;
  T* ptr;
  KOKKOS_FORCEINLINE_FUNCTION T& operator[](int i) const { return ptr[i]; }
  KOKKOS_INLINE_FUNCTION static constexpr int size() { return N; }
};

namespace Impl {

/// A buffer's storage in `LaneLocals` when it does not live locally.
struct NotLocal {};

/// A minimal tuple that device code can hold: `field<K>(fields)`.
template <class... Ts>
struct Fields {};
template <class T0, class... Ts>
struct Fields<T0, Ts...> {
  T0 head;
  Fields<Ts...> tail;
};
template <int K>
struct FieldAt {
  template <class F>
  KOKKOS_FORCEINLINE_FUNCTION static auto& get(F& f) {
    return FieldAt<K - 1>::get(f.tail);
  }
};
template <>
struct FieldAt<0> {
  template <class F>
  KOKKOS_FORCEINLINE_FUNCTION static auto& get(F& f) {
    return f.head;
  }
};

/// A lane's element of type T: T itself, or for `Width` > 1 the pack of
/// `Width` lanes' elements.
template <class T, int Width>
using lane_value_t = std::conditional_t<(Width > 1), Pack<T, Width>, T>;

/// The storage of buffer `I` of component `C` under placement `P`: an array
/// when the buffer resolves to local storage, nothing otherwise.
template <class P, class C, bool VectorPasses, int Width, int I>
struct local_storage {
  static constexpr BufferInfo info = C::buffer(I);
  using type = std::conditional_t<
      resolve_buffer<P, C, VectorPasses>(I).location == Location::local,
      LocalArray<lane_value_t<typename element_of<info.type>::type, Width>, info.size>, NotLocal>;
};

}  // namespace Impl

/// The storage of every local buffer of component `C` and its descendants
/// for one lane (`Width` > 1: one pack of `Width` lanes), generated from the
/// declarations: `own` holds the component's buffers in declaration order,
/// `children` its children's `LaneLocals`. Kernels declare it
/// value-initialised (`Locals locals{};`): numbers start at zero (stores
/// the compiler drops where a buffer is written first), packs uninitialised.
/// The children of a union component each keep their own storage here (the
/// compiler's register allocation overlays what is never live at once); the
/// union's overlay is for the shared and persistent regions, which the host
/// layout sizes.
template <class P, class C, bool VectorPasses, int Width = 1>
struct LaneLocals;

namespace Impl {
template <class P, class C, bool VectorPasses, int Width, class Own, class Children>
struct LaneLocalsOf;
template <class P, class C, bool VectorPasses, int Width, int... I, class... Children>
struct LaneLocalsOf<P, C, VectorPasses, Width, std::integer_sequence<int, I...>,
                    ComponentList<Children...>> {
  static constexpr int width = Width;
  Fields<typename local_storage<P, C, VectorPasses, Width, I>::type...> own;
  Fields<LaneLocals<P, Children, VectorPasses, Width>...> children;
};
}  // namespace Impl

// (A struct of four parameters, not an alias with defaulted ones: nvcc
// cannot deduce through std::make_integer_sequence in a function's
// parameter type.)
template <class P, class C, bool VectorPasses, int Width>
struct LaneLocals : Impl::LaneLocalsOf<P, C, VectorPasses, Width,
                                       std::make_integer_sequence<int, C::buffer_count>,
                                       typename Impl::children_of<C>::type> {};

}  // namespace kobie
