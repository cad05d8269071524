#pragma once

/// \file
/// The compile-time half of a component tree (kobie/registry/buffer_allocator.hpp
/// describes the whole): how components name their children, how many
/// slots a tree has, the placements that choose each buffer's location and
/// the rule that resolves it (the same `Impl::resolve_location` as the host
/// layout's), and the declaration of a tree to a host `BufferRegistry`.

#include <kobie/registry/buffer_registry.hpp>
#include <kobie/registry/buffer_types.hpp>

#include <Kokkos_Macros.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace kobie {

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

}  // namespace kobie
