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
///   buffer: a `LocalArray<T, N>` (registers on CUDA) or a `StridedView<T>`
///   (team scratch or persistent storage). Steps index with `operator[]` and
///   never see which one they got.

#include <kobie/launch/simd_pack.hpp>
#include <kobie/launch/team_launch.hpp>
#include <kobie/registry/buffer_registry.hpp>
#include <kobie/registry/buffer_types.hpp>
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

// ------------------------------------------------------------------ components

template <class... Components>
struct ComponentList {};

namespace Impl {

template <class C, class = void>
struct children_of {
  using type = ComponentList<>;
};
template <class C>
struct children_of<C, std::void_t<typename C::children>> {
  using type = typename C::children;
};

template <class C, class = void>
struct is_union_component : std::false_type {};
template <class C>
struct is_union_component<C, std::void_t<decltype(C::union_of_children)>>
    : std::bool_constant<C::union_of_children> {};

template <class List>
struct list_slots;
template <class C>
struct component_slots {
  static constexpr int value = C::buffer_count + list_slots<typename children_of<C>::type>::value;
};
template <class... Cs>
struct list_slots<ComponentList<Cs...>> {
  static constexpr int value = (0 + ... + component_slots<Cs>::value);
};

template <class List>
struct list_size;
template <class... Cs>
struct list_size<ComponentList<Cs...>> {
  static constexpr int value = sizeof...(Cs);
};

template <int K, class List>
struct list_at;
template <int K, class C, class... Cs>
struct list_at<K, ComponentList<C, Cs...>> {
  using type = typename list_at<K - 1, ComponentList<Cs...>>::type;
  static constexpr int slots_before =
      component_slots<C>::value + list_at<K - 1, ComponentList<Cs...>>::slots_before;
};
template <class C, class... Cs>
struct list_at<0, ComponentList<C, Cs...>> {
  using type = C;
  static constexpr int slots_before = 0;
};

}  // namespace Impl

/// Number of slots (buffers) of a component and all its descendants.
template <class C>
inline constexpr int component_slot_count = Impl::component_slots<C>::value;

// ------------------------------------------------------------------ placements

/// Each buffer where its component declared it.
struct DefaultPlacement {
  static const char* name() { return "default"; }
  template <class C>
  KOKKOS_INLINE_FUNCTION static constexpr Location choose(int i) {
    return C::buffer(i).location;
  }
};

/// Every buffer in one location ("all-local", "all-shared", "all-persistent").
template <Location L>
struct UniformPlacement {
  static const char* name() {
    return L == Location::local    ? "all-local"
           : L == Location::shared ? "all-shared"
                                   : "all-persistent";
  }
  template <class C>
  KOKKOS_INLINE_FUNCTION static constexpr Location choose(int) {
    return L;
  }
};
using AllLocal = UniformPlacement<Location::local>;
using AllShared = UniformPlacement<Location::shared>;

/// `Base`'s choices, except buffer `I` of component `Target`, which goes to `L`
/// (the benchmarks move one buffer at a time).
template <class Target, int I, Location L, class Base = DefaultPlacement>
struct MoveOne {
  static std::string name() {
    return std::string(Base::name()) + "+" + Target::component_name() + "/" +
           Target::buffer(I).name + "=" +
           (L == Location::local    ? "local"
            : L == Location::shared ? "shared"
                                    : "persistent");
  }
  template <class C>
  KOKKOS_INLINE_FUNCTION static constexpr Location choose(int i) {
    return std::is_same<C, Target>::value && i == I ? L : Base::template choose<C>(i);
  }
};

namespace Impl {

/// Where buffer `i` of component `C` lives under placement `P`: the same rule
/// the host layout applies (`resolve_location`), evaluated at compile time.
/// (No placement moves a run-time-sized buffer: one declared persistent may
/// hold contents from launch to launch, a summary's accumulators, and it is
/// never persistent-flagged, so nothing would save them elsewhere.)
template <class P, class C>
KOKKOS_INLINE_FUNCTION constexpr Location chosen_location(int i) {
  return C::buffer(i).run_time_size ? C::buffer(i).location : P::template choose<C>(i);
}

template <class P, class C, bool VectorPasses>
KOKKOS_INLINE_FUNCTION constexpr Resolution resolve_buffer(int i) {
  const BufferInfo b = C::buffer(i);
  if (b.alias_of < 0 || b.alias_of >= i) {
    return resolve_location(chosen_location<P, C>(i), b.persistent, b.size, VectorPasses, false,
                            false, Location::local, false, 0);
  }
  const BufferInfo t = C::buffer(b.alias_of);
  const Resolution tr = resolve_buffer<P, C, VectorPasses>(b.alias_of);
  long used = 0;
  for (int j = 0; j < i; ++j) {
    const BufferInfo o = C::buffer(j);
    if (o.enabled && o.alias_of == b.alias_of &&
        resolve_buffer<P, C, VectorPasses>(j).inside_target)
      used += o.size;
  }
  return resolve_location(chosen_location<P, C>(i), b.persistent, b.size, VectorPasses, true,
                          t.enabled, tr.location, t.persistent, t.size - used);
}

/// Element offset of an inside-target alias within its target.
template <class P, class C, bool VectorPasses>
KOKKOS_INLINE_FUNCTION constexpr int alias_element_offset(int i) {
  const BufferInfo b = C::buffer(i);
  int used = 0;
  for (int j = 0; j < i; ++j) {
    const BufferInfo o = C::buffer(j);
    if (o.enabled && o.alias_of == b.alias_of &&
        resolve_buffer<P, C, VectorPasses>(j).inside_target)
      used += o.size;
  }
  return used;
}

template <class P, bool V, class C>
void collect_regions(std::vector<std::pair<Region, bool>>& out);
template <class P, bool V, class... Cs>
void collect_list_regions(std::vector<std::pair<Region, bool>>& out, ComponentList<Cs...>) {
  (collect_regions<P, V, Cs>(out), ...);
}
template <class P, bool V, class C>
void collect_regions(std::vector<std::pair<Region, bool>>& out) {
  for (int i = 0; i < C::buffer_count; ++i) {
    const BufferInfo b = C::buffer(i);
    if (!b.enabled) {
      out.emplace_back(Region::none, false);
      continue;
    }
    const Resolution r = resolve_buffer<P, C, V>(i);
    out.emplace_back(r.location == Location::shared  ? Region::shared
                     : r.location == Location::local ? Region::local
                                                     : Region::persistent,
                     r.inside_target);
  }
  collect_list_regions<P, V>(out, typename children_of<C>::type{});
}

template <class C>
void register_tree(BufferRegistry& registry, const std::string& owner);
template <class... Cs>
void register_list(BufferRegistry& registry, const std::string& parent, ComponentList<Cs...>) {
  (
      [&] {
        const std::string child = parent + "/" + Cs::component_name();
        registry.add_child(parent, child);
        register_tree<Cs>(registry, child);
      }(),
      ...);
}
template <class C>
void register_tree(BufferRegistry& registry, const std::string& owner) {
  static_assert(!is_union_component<C>::value || C::buffer_count == 0,
                "a union component declares no buffers of its own (union_of_children)");
  if constexpr (is_union_component<C>::value) registry.make_union(owner);
  for (int i = 0; i < C::buffer_count; ++i) {
    const BufferInfo b = C::buffer(i);
    BufferDeclaration d;
    d.owner = owner;
    d.name = b.name;
    d.size = b.size;
    d.type = b.type;
    d.location = b.location;
    d.persistent = b.persistent;
    d.alias_of = b.alias_of >= 0 ? C::buffer(b.alias_of).name : "";
    d.enabled = b.enabled;
    d.run_time_size = b.run_time_size;
    registry.add(d);
  }
  register_list(registry, owner, typename children_of<C>::type{});
}

template <class P, class C>
void apply_placement_tree(BufferRegistry& registry, const std::string& owner);
template <class P, class... Cs>
void apply_placement_list(BufferRegistry& registry, const std::string& parent,
                          ComponentList<Cs...>) {
  (apply_placement_tree<P, Cs>(registry, parent + "/" + Cs::component_name()), ...);
}
template <class P, class C>
void apply_placement_tree(BufferRegistry& registry, const std::string& owner) {
  for (int i = 0; i < C::buffer_count; ++i)
    registry.update_location(owner, C::buffer(i).name, chosen_location<P, C>(i));
  apply_placement_list<P>(registry, owner, typename children_of<C>::type{});
}

}  // namespace Impl

/// Sets every buffer of `Root`'s tree (registered under `root_owner`) to the
/// location placement `P` chooses: the host registry then describes what
/// that compiled placement does.
template <class P, class Root>
void apply_placement(BufferRegistry& registry, const std::string& root_owner) {
  Impl::apply_placement_tree<P, Root>(registry, root_owner);
}

/// Declares component `Root` and all its descendants to `registry`: owners are
/// named by path (`root`, `root/child`, ...), slots follow depth first.
template <class Root>
std::string register_components(BufferRegistry& registry, const std::string& root_owner) {
  Impl::register_tree<Root>(registry, root_owner);
  return root_owner;
}

/// The regions placement `P` gives every slot of `Root`'s tree, with
/// inside-target flags, in slot order.
template <class P, class Root, bool VectorPasses>
std::vector<std::pair<Region, bool>> placement_regions() {
  std::vector<std::pair<Region, bool>> out;
  Impl::collect_regions<P, VectorPasses, Root>(out);
  return out;
}

/// The placements a kernel is compiled for, in order of preference.
template <class... Placements>
struct PlacementList {};

/// Which compiled placement matches the layout (the registry's resolved
/// locations, after any run-time location settings): its index in the list.
/// Throws std::invalid_argument listing the compiled placements otherwise.
template <class Root, bool VectorPasses, class... Ps>
int select_placement(const BufferLayout& layout, PlacementList<Ps...>) {
  std::vector<std::pair<Region, bool>> wanted;
  for (const auto& b : layout.buffers()) wanted.emplace_back(b.region, b.inside_target);
  int index = 0, found = -1;
  (
      [&] {
        if (found < 0 && placement_regions<Ps, Root, VectorPasses>() == wanted) found = index;
        ++index;
      }(),
      ...);
  if (found >= 0) return found;
  std::string names;
  ((names += (names.empty() ? "" : ", ") + std::string("'") + std::string(Ps::name()) + "'"), ...);
  std::string chosen;
  for (const auto& b : layout.buffers())
    if (b.region != Region::none)
      chosen += (chosen.empty() ? "" : ", ") + b.declaration.owner + "/" + b.declaration.name +
                "=" + to_string(b.region);
  throw std::invalid_argument(
      "kobie: the chosen buffer locations (" + chosen +
      ") match no placement this kernel is compiled for; compiled placements: " + names);
}

/// The index of the compiled placement called `name` ("default",
/// "all-local", ...); throws std::invalid_argument naming the setting, the
/// value and the compiled placements otherwise.
template <class... Ps>
int placement_index(std::string_view name, PlacementList<Ps...>,
                    std::string_view setting = "placement") {
  int index = 0, found = -1;
  ((found = (found < 0 && std::string(Ps::name()) == name) ? index : found, ++index), ...);
  if (found >= 0) return found;
  std::string names;
  ((names += (names.empty() ? "" : ", ") + std::string("'") + std::string(Ps::name()) + "'"), ...);
  throw std::invalid_argument("kobie: setting '" + std::string(setting) + "' has value '" +
                              std::string(name) + "'; compiled placements: " + names);
}

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
/// one's context, as packs (`LocalArray<Pack<T, Width>, N>`, `PackView`),
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

  const AllocatorTable<Root>& table;
  LaneContext ctx;  // by value: a reference would make every lane's context an address-taken array
                    // in host SIMD loops

  template <int I>
  KOKKOS_INLINE_FUNCTION static constexpr Location location() {
    return Impl::resolve_buffer<P, C, VectorPasses>(I).location;
  }

  /// Buffer `I` of the component: LocalArray for local buffers (uninitialised),
  /// StridedView for shared and persistent ones (PackView for `Width` > 1).
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
      if constexpr (Width > 1)
        return LocalArray<Pack<T, Width>, info.size>{};
      else
        return LocalArray<T, info.size>{};
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

  /// The memory of child `K` (its position in `C::children`).
  template <int K>
  KOKKOS_FORCEINLINE_FUNCTION auto child() const {
    using List = typename Impl::children_of<C>::type;
    using Child = typename Impl::list_at<K, List>::type;
    constexpr int base = SlotBase + C::buffer_count + Impl::list_at<K, List>::slots_before;
    return Memory<P, Child, VectorPasses, Root, base, Layout, Width>{table, ctx};
  }

 private:
  template <int I>
  KOKKOS_INLINE_FUNCTION auto save_slot() const {
    constexpr BufferInfo info = C::buffer(I);
    static_assert(info.persistent, "save() and restore() are for persistent-flagged buffers");
    using T = typename element_of<info.type>::type;
    return persistent_view<T, info.size>(table.save_offset[SlotBase + I]);
  }
  template <class T, int N>
  KOKKOS_FORCEINLINE_FUNCTION StridedView<T, N> shared_view(std::int32_t offset, int skip) const {
    // Both layouts as base + a + lane * b with lane-independent a and b, so the
    // address stays affine in the lane index (a select between two pointer
    // formulas would stop the host lane loop from vectorising).
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
    const AllocatorTable<Root>& table, const LaneContext& ctx) {
  return {table, ctx};
}

/// The memory of the root component for lanes ctx.lane .. ctx.lane + W - 1
/// as packs (interleaved slices; ctx is the first lane's).
template <class P, bool VectorPasses, class Root, int W>
KOKKOS_FORCEINLINE_FUNCTION Memory<P, Root, VectorPasses, Root, 0, SliceLayoutKnown::interleaved, W>
pack_memory(const AllocatorTable<Root>& table, const LaneContext& ctx) {
  return {table, ctx};
}

}  // namespace kobie
