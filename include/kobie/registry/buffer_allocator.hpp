#pragma once

/// \file
/// The device half of the buffer registry.
///
/// * A *component* type declares its buffers at compile time:
///   \code
///   struct Newton {
///     static const char* component_name() { return "newton"; }   // host only
///     static constexpr int buffer_count = 2;
///     KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {...}
///     using children = ComponentList<Krylov>;                    // optional
///   };
///   \endcode
///   A component whose children are phases that never live at once (a
///   Newton solver's dense-LU phase and its Krylov phase) is a *union*:
///   `static constexpr bool union_of_children = true;`, no buffers of its
///   own, and its children overlay each other (BufferRegistry::make_union).
/// * A *placement* type picks each buffer's location at compile time
///   (`DefaultPlacement`, `UniformPlacement<L>`, `MoveOne<...>`); the rule
///   shared with the host layout (`Impl::resolve_location`) then applies the
///   alias and host-promotion rules.
/// * `register_components<Root>()` declares the whole tree to a host
///   `BufferRegistry`; `AllocatorTable<Root>` (trivially copyable) carries the
///   layout's offsets into kernels; `Memory<...>::get<I>()` hands a lane its
///   buffer: a `LocalView<T, N>` of the lane's `LaneLocals` (registers on
///   CUDA) or a `StridedView<T>` (team scratch or persistent storage). Steps
///   index with `operator[]` and never see which one they got; a buffer
///   fetched twice is the same storage (kobie/registry/lane_storage.hpp).
/// * `Memory::save_flagged()` and `restore_flagged()` copy every
///   persistent-flagged buffer of the tree to and from its save slot,
///   generated from the declarations; the host reads and fills the same
///   slots for a solve's end state and its resumption
///   (kobie/api/end_state.hpp).
///
/// The tree's compile-time rules are in kobie/registry/component_tree.hpp,
/// the storage types in kobie/registry/lane_storage.hpp.

#include <kobie/launch/simd_pack.hpp>
#include <kobie/launch/team_launch.hpp>
#include <kobie/registry/buffer_registry.hpp>
#include <kobie/registry/buffer_types.hpp>
#include <kobie/registry/component_tree.hpp>
#include <kobie/registry/lane_storage.hpp>
#include <kobie/systems/dual.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace kobie {

// ------------------------------------------------------------------ table

/// Offsets of every slot of `Root`'s tree, from the host layout; trivially
/// copyable, captured by value into kernels. Device code reads it only at
/// compile-time slot indices.
template <class Root>
struct AllocatorTable {
  static constexpr int slots = component_slot_count<Root> > 0 ? component_slot_count<Root> : 1;
  std::int32_t offset[slots];       ///< per-lane (shared) or per-system (persistent) byte offset
  std::int32_t save_offset[slots];  ///< persistent save slot of flagged buffers, or -1
  std::int64_t shared_lane_bytes;
  SharedSliceLayout shared_layout;
};

/// Builds the table for `Root` from its layout, checking that the layout's
/// sizes are the compile-time sizes the kernel was built with.
template <class Root>
AllocatorTable<Root> make_allocator_table(const BufferLayout& layout,
                                          SharedSliceLayout shared_layout) {
  if (layout.slot_count() != component_slot_count<Root>)
    throw std::logic_error("kobie: layout has " + std::to_string(layout.slot_count()) +
                           " slots, the compiled component tree " +
                           std::to_string(component_slot_count<Root>));
  AllocatorTable<Root> t{};
  for (const auto& b : layout.buffers()) {
    t.offset[b.slot] = static_cast<std::int32_t>(b.offset);
    t.save_offset[b.slot] = static_cast<std::int32_t>(b.save_offset);
  }
  t.shared_lane_bytes = layout.shared_bytes_per_lane();
  t.shared_layout = shared_layout;
  static_assert(std::is_trivially_copyable<AllocatorTable<Root>>::value, "captured by value");
  return t;
}

/// What a lane knows about where its memory is. Built once per lane in the
/// kernel (see `lane_memory`).
struct LaneContext {
  char* shared_base;       ///< the team's aligned shared region
  char* persistent_base;   ///< the persistent storage
  std::int64_t system;     ///< index of this lane's system in the persistent storage
  std::int64_t n_systems;  ///< systems in the persistent storage (its stride)
  int lane;
  int lanes;
};

/// Per-system storage that outlives launches: persistent buffers and the
/// save slots of persistent-flagged ones, system index fastest.
template <class MemorySpace>
class PersistentStorage {
 public:
  PersistentStorage() = default;
  PersistentStorage(const BufferLayout& layout, std::int64_t n_systems)
      : m_n_systems(n_systems),
        m_data(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kobie::registry::persistent"),
               static_cast<std::size_t>(layout.persistent_bytes_per_system() * n_systems)) {}
  char* data() const { return m_data.data(); }
  std::int64_t n_systems() const { return m_n_systems; }
  const Kokkos::View<char*, MemorySpace>& view() const { return m_data; }

 private:
  std::int64_t m_n_systems = 0;
  Kokkos::View<char*, MemorySpace> m_data;
};

/// A component's buffers for one lane under placement `P`. `SlotBase` is the
/// component's first slot in the root's tree.
/// How a Memory knows the shared slice layout: from the table at run time,
/// or fixed at compile time (the host lane loop compiles its interleaved case
/// with a constant lane step, the form GCC vectorises).
enum class SliceLayoutKnown : int { at_run_time = -1, contiguous = 0, interleaved = 1 };

/// `Width` > 1: the buffers of `Width` consecutive lanes, from the first
/// one's context, as packs (`LocalView<Pack<T, Width>, N>`, `PackView`),
/// for the host's pack path (kobie/launch/simd_pack.hpp); interleaved slices only.
template <class P, class C, bool VectorPasses, class Root, int SlotBase = 0,
          SliceLayoutKnown Layout = SliceLayoutKnown::at_run_time, int Width = 1>
struct Memory {
  using placement = P;
  using component = C;
  static constexpr bool vector_passes = VectorPasses;
  static constexpr int slot_base = SlotBase;
  static constexpr int width = Width;  ///< lanes per element: 1, or a pack's W
  static constexpr int child_count = Impl::list_size<typename Impl::children_of<C>::type>::value;

  using Locals = LaneLocals<P, C, VectorPasses, Width>;

  const AllocatorTable<Root>& table;
  LaneContext ctx;  // by value: a reference would make every lane's context an address-taken array
                    // in host SIMD loops
  Locals* locals;   ///< this component's part of the lane's local storage

  template <int I>
  KOKKOS_INLINE_FUNCTION static constexpr Location location() {
    return Impl::resolve_buffer<P, C, VectorPasses>(I).location;
  }

  /// Buffer `I` of the component: a LocalView of the lane's storage for
  /// local buffers (uninitialised until written), a StridedView for shared
  /// and persistent ones (PackView for `Width` > 1). Every call gives a view
  /// of the same storage.
  template <int I>
  KOKKOS_FORCEINLINE_FUNCTION auto get() const {
    static_assert(I >= 0 && I < C::buffer_count, "buffer index out of range");
    static_assert(Width == 1 || Layout == SliceLayoutKnown::interleaved,
                  "packs of lanes need interleaved shared slices");
    constexpr BufferInfo info = C::buffer(I);
    constexpr Impl::Resolution res = Impl::resolve_buffer<P, C, VectorPasses>(I);
    using T = typename element_of<info.type>::type;
    constexpr int slot = SlotBase + I;
    static_assert(!(info.run_time_size && res.location == Location::local),
                  "a run-time-sized buffer never lives in local storage");
    if constexpr (res.location == Location::local) {
      auto& storage = Impl::FieldAt<I>::get(locals->own);
      return LocalView<Impl::lane_value_t<T, Width>, info.size>{storage.data};
    } else {
      StridedView<T, info.size> view;
      if constexpr (res.location == Location::shared) {
        constexpr int target_slot = res.inside_target ? SlotBase + info.alias_of : slot;
        constexpr int skip =
            res.inside_target ? Impl::alias_element_offset<P, C, VectorPasses>(I) : 0;
        view = shared_view<T, info.size>(table.offset[target_slot], skip);
      } else {
        view = persistent_view<T, info.size>(table.offset[slot]);
      }
      if constexpr (Width > 1)
        return PackView<T, Width, info.size>{view.ptr, view.stride};
      else
        return view;
    }
  }

  /// The memory of child `K` (its position in `C::children`).
  template <int K>
  KOKKOS_FORCEINLINE_FUNCTION auto child() const {
    using List = typename Impl::children_of<C>::type;
    using Child = typename Impl::list_at<K, List>::type;
    constexpr int base = SlotBase + C::buffer_count + Impl::list_at<K, List>::slots_before;
    return Memory<P, Child, VectorPasses, Root, base, Layout, Width>{
        table, ctx, &Impl::FieldAt<K>::get(locals->children)};
  }

  /// Copies every enabled persistent-flagged buffer of the component and its
  /// descendants into its save slot: what a launch leaves for the next one
  /// (and for the solve's end state). Generated from the declarations.
  KOKKOS_INLINE_FUNCTION void save_flagged() const { copy_flagged<true>(); }
  /// Fills every enabled persistent-flagged buffer of the component and its
  /// descendants from its save slot (a later launch, or a resumed solve,
  /// whose end state the host wrote there).
  KOKKOS_INLINE_FUNCTION void restore_flagged() const { copy_flagged<false>(); }

 private:
  /// Copies a persistent-flagged buffer into its save slot (a no-op for
  /// buffers that live in persistent storage).
  template <int I, class B>
  KOKKOS_INLINE_FUNCTION void save(const B& buffer) const {
    if constexpr (location<I>() != Location::persistent) {
      constexpr int n = C::buffer(I).size;
      const auto slot = save_slot<I>();
      Impl::for_n<n>([&](const int k) KOBIE_INLINE_LAMBDA { slot[k] = buffer[k]; });
    }
  }

  /// Fills a persistent-flagged buffer from its save slot.
  template <int I, class B>
  KOKKOS_INLINE_FUNCTION void restore(B& buffer) const {
    if constexpr (location<I>() != Location::persistent) {
      constexpr int n = C::buffer(I).size;
      const auto slot = save_slot<I>();
      Impl::for_n<n>([&](const int k) KOBIE_INLINE_LAMBDA { buffer[k] = slot[k]; });
    }
  }

  template <bool Save>
  KOKKOS_INLINE_FUNCTION void copy_flagged() const {
    copy_flagged<Save>(std::make_integer_sequence<int, C::buffer_count>{},
                       std::make_integer_sequence<int, child_count>{});
  }
  template <bool Save, int... I, int... K>
  KOKKOS_INLINE_FUNCTION void copy_flagged(std::integer_sequence<int, I...>,
                                           std::integer_sequence<int, K...>) const {
    (copy_one_flagged<Save, I>(), ...);
    (child<K>().template copy_flagged<Save>(), ...);
  }
  template <bool Save, int I>
  KOKKOS_INLINE_FUNCTION void copy_one_flagged() const {
    constexpr BufferInfo info = C::buffer(I);
    if constexpr (info.persistent && info.enabled) {
      auto buffer = get<I>();
      if constexpr (Save)
        save<I>(buffer);
      else
        restore<I>(buffer);
    }
  }
  template <class, class, bool, class, int, SliceLayoutKnown, int>
  friend struct Memory;

  template <int I>
  KOKKOS_INLINE_FUNCTION auto save_slot() const {
    constexpr BufferInfo info = C::buffer(I);
    static_assert(info.persistent, "save() and restore() are for persistent-flagged buffers");
    using T = typename element_of<info.type>::type;
    return persistent_view<T, info.size>(table.save_offset[SlotBase + I]);
  }
  template <class T, int N>
  KOKKOS_FORCEINLINE_FUNCTION StridedView<T, N> shared_view(std::int32_t offset, int skip) const {
    // Both layouts in one formula, base + a + lane * b, with a, b and the
    // stride plain arithmetic on lane-independent values (no select): the
    // address stays affine in the lane index for the host lane loop's
    // vectoriser. interleaved: a = offset * lanes, b = sizeof(T), stride =
    // lanes; contiguous: a = offset, b = lane_bytes, stride = 1.
    std::int64_t il;
    if constexpr (Layout == SliceLayoutKnown::at_run_time)
      il = table.shared_layout == SharedSliceLayout::interleaved ? 1 : 0;
    else
      il = Layout == SliceLayoutKnown::interleaved ? 1 : 0;
    const std::int64_t stride = 1 + il * (ctx.lanes - 1);
    const std::int64_t a = std::int64_t(offset) * stride;
    const std::int64_t b = il * std::int64_t(sizeof(T)) + (1 - il) * table.shared_lane_bytes;
    T* p = reinterpret_cast<T*>(ctx.shared_base + a + ctx.lane * b) + skip * stride;
    return {p, stride};
  }
  template <class T, int N>
  KOKKOS_FORCEINLINE_FUNCTION StridedView<T, N> persistent_view(std::int32_t offset) const {
    T* p = reinterpret_cast<T*>(ctx.persistent_base + std::int64_t(offset) * ctx.n_systems) +
           ctx.system;
    return {p, ctx.n_systems};
  }
};

/// The memory of the root component for one lane.
template <class P, bool VectorPasses, class Root,
          SliceLayoutKnown Layout = SliceLayoutKnown::at_run_time>
KOKKOS_FORCEINLINE_FUNCTION Memory<P, Root, VectorPasses, Root, 0, Layout> root_memory(
    const AllocatorTable<Root>& table, const LaneContext& ctx,
    LaneLocals<P, Root, VectorPasses>& locals) {
  return {table, ctx, &locals};
}

/// The memory of the root component for lanes ctx.lane .. ctx.lane + W - 1
/// as packs (interleaved slices; ctx is the first lane's).
template <class P, bool VectorPasses, class Root, int W>
KOKKOS_FORCEINLINE_FUNCTION Memory<P, Root, VectorPasses, Root, 0, SliceLayoutKnown::interleaved, W>
pack_memory(const AllocatorTable<Root>& table, const LaneContext& ctx,
            LaneLocals<P, Root, VectorPasses, W>& locals) {
  return {table, ctx, &locals};
}

}  // namespace kobie
