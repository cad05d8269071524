#pragma once
// Kernels that prove the registry's device half: every lane writes a
// distinct pattern into every buffer of a component tree, and reads it back
// after all lanes of its team have written. Only declared aliases may
// overlap; persistent-flagged contents must survive into a second launch.
// The phases of a union never live at once: each is written and checked
// before the next is written over it. A run-time-sized buffer holds the
// kernel's `run_time_elements`.

#include <kobie/launch/team_launch.hpp>
#include <kobie/registry/buffer_allocator.hpp>

#include "registry_components.hpp"

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <type_traits>

namespace kobie_test {

/// The value lane `system` writes into element k of slot `slot`; exact in
/// float32 for systems < 4096 per wrap, slots < 32 and elements < 64.
/// Dual and complex elements carry a second part (the negated value), so
/// that storage which kept only the first half of an element is noticed.
template <class T>
KOKKOS_INLINE_FUNCTION T pattern(std::int64_t system, int slot, int k) {
  const int v = int(system % 4096) * 2048 + slot * 64 + k;
  if constexpr (std::is_arithmetic<T>::value)
    return T(v);
  else
    return T(v, -v);
}
template <class T>
KOKKOS_INLINE_FUNCTION bool differs(const T& a, const T& b) {
  if constexpr (std::is_arithmetic<T>::value)
    return a != b;
  else if constexpr (std::is_same<T, kobie::Dual<float>>::value ||
                     std::is_same<T, kobie::Dual<double>>::value)
    return a.value != b.value || a.derivative != b.derivative;
  else
    return a.real() != b.real() || a.imag() != b.imag();
}

/// What element k of buffer I must hold after every buffer of its component
/// was written in slot order: its own pattern, unless an alias placed inside
/// it (a later slot) covers k.
template <class M, int I, class T>
KOKKOS_INLINE_FUNCTION T expected_value(std::int64_t system, int k) {
  using C = typename M::component;
  using P = typename M::placement;
  int slot = M::slot_base + I;
  int kk = k;
  for (int j = I + 1; j < C::buffer_count; ++j) {
    const kobie::BufferInfo bj = C::buffer(j);
    if (bj.enabled && bj.alias_of == I &&
        kobie::Impl::resolve_buffer<P, C, M::vector_passes>(j).inside_target) {
      const int off = kobie::Impl::alias_element_offset<P, C, M::vector_passes>(j);
      if (k >= off && k < off + bj.size) {
        slot = M::slot_base + j;
        kk = k - off;
      }
    }
  }
  return pattern<T>(system, slot, kk);
}

/// write: every buffer, read back through a second fetch; check: the
/// shared and persistent ones, in a later visit of the lane; poison: the
/// persistent-flagged ones that do not live in persistent storage, with
/// what a fresh launch may hold; verify: after `restore_flagged`, every
/// persistent-flagged and persistent buffer.
enum class Phase { write, check, poison, verify };

template <Phase phase, int I, class M>
KOKKOS_INLINE_FUNCTION void visit_buffers(const M& mem, std::int64_t system, int& errors,
                                          int run_time_elements) {
  using C = typename M::component;
  if constexpr (I < C::buffer_count) {
    constexpr kobie::BufferInfo info = C::buffer(I);
    if constexpr (info.enabled) {
      using T = typename kobie::element_of<info.type>::type;
      constexpr kobie::Location loc = M::template location<I>();
      auto buf = mem.template get<I>();
      static_assert(decltype(buf)::extent == info.size, "view extent is the declared size");
      const int count = info.run_time_size ? run_time_elements : info.size;
      if constexpr (phase == Phase::write) {
        KOBIE_UNROLL
        for (int k = 0; k < count; ++k) buf[k] = pattern<T>(system, M::slot_base + I, k);
        if constexpr (loc == kobie::Location::local) {
          // Local storage lasts for the lane's visit: a second fetch finds
          // the pattern (one storage per buffer and lane).
          const auto again = mem.template get<I>();
          KOBIE_UNROLL
          for (int k = 0; k < count; ++k)
            if (differs(again[k], pattern<T>(system, M::slot_base + I, k))) ++errors;
        }
      } else if constexpr (phase == Phase::check) {
        if constexpr (loc != kobie::Location::local) {
          for (int k = 0; k < count; ++k)
            if (differs(buf[k], expected_value<M, I, T>(system, k))) ++errors;
        }
      } else if constexpr (phase == Phase::poison) {
        if constexpr (info.persistent && loc != kobie::Location::persistent) {
          KOBIE_UNROLL
          for (int k = 0; k < info.size; ++k) buf[k] = T(-1);
        }
      } else {  // verify: a new launch over the same persistent storage
        if constexpr (info.persistent || loc == kobie::Location::persistent) {
          KOBIE_UNROLL
          for (int k = 0; k < info.size; ++k)
            if (differs(buf[k], pattern<T>(system, M::slot_base + I, k))) ++errors;
        }
      }
    }
    visit_buffers<phase, I + 1>(mem, system, errors, run_time_elements);
  }
}

template <Phase phase, class M>
KOKKOS_INLINE_FUNCTION void visit_tree(const M& mem, std::int64_t system, int& errors, int rt);

template <Phase phase, int K, class M>
KOKKOS_INLINE_FUNCTION void visit_children(const M& mem, std::int64_t system, int& errors, int rt) {
  if constexpr (K < M::child_count) {
    visit_tree<phase>(mem.template child<K>(), system, errors, rt);
    visit_children<phase, K + 1>(mem, system, errors, rt);
  }
}

/// A union's phases one after another, each written and checked before the
/// next overlays it.
template <int K, class M>
KOKKOS_INLINE_FUNCTION void visit_phases(const M& mem, std::int64_t system, int& errors, int rt) {
  if constexpr (K < M::child_count) {
    visit_tree<Phase::write>(mem.template child<K>(), system, errors, rt);
    visit_tree<Phase::check>(mem.template child<K>(), system, errors, rt);
    visit_phases<K + 1>(mem, system, errors, rt);
  }
}

template <Phase phase, class M>
KOKKOS_INLINE_FUNCTION void visit_tree(const M& mem, std::int64_t system, int& errors, int rt) {
  if constexpr (kobie::Impl::is_union_component<typename M::component>::value) {
    if constexpr (phase == Phase::write) visit_phases<0>(mem, system, errors, rt);
  } else {
    visit_buffers<phase, 0>(mem, system, errors, rt);
    visit_children<phase, 0>(mem, system, errors, rt);
  }
}

/// One launch over `n_systems` systems: `resume == false` writes every
/// buffer and saves the persistent-flagged ones (`save_flagged`, generated
/// from the declarations), then (after a team barrier) checks every shared
/// and persistent one; `resume == true` poisons, restores
/// (`restore_flagged`) and checks the persistent-flagged ones.
template <class P, class Root, class Exec>
struct PatternKernel {
  static constexpr bool vector_passes = kobie::lanes_in_vector_passes<Exec>::value;
  using member_type = typename kobie::team_policy_t<Exec>::member_type;

  kobie::AllocatorTable<Root> table;
  kobie::LaunchPlan plan;
  char* persistent;
  std::int64_t n_systems;
  Kokkos::View<int*, typename Exec::memory_space> errors;
  bool resume;
  int run_time_elements = 0;  ///< the size the host gave run-time-sized buffers

  KOKKOS_INLINE_FUNCTION void operator()(const member_type& team) const {
    char* shared = kobie::Impl::team_shared_base(team, plan);
    const std::int64_t first = std::int64_t(team.league_rank()) * plan.lanes_per_team;
    auto run = [&](auto phase_tag) {
      constexpr Phase phase = decltype(phase_tag)::value;
      kobie::for_each_lane(team, plan, n_systems, [&](const int lane) {
        const kobie::LaneContext ctx{shared,    persistent, first + lane,
                                     n_systems, lane,       plan.lanes_per_team};
        kobie::LaneLocals<P, Root, vector_passes> locals{};
        const auto mem = kobie::root_memory<P, vector_passes>(table, ctx, locals);
        int e = 0;
        if constexpr (phase == Phase::write) {
          visit_tree<phase>(mem, ctx.system, e, run_time_elements);
          mem.save_flagged();
        } else if constexpr (phase == Phase::poison) {
          visit_tree<Phase::poison>(mem, ctx.system, e, run_time_elements);
          mem.restore_flagged();
          visit_tree<Phase::verify>(mem, ctx.system, e, run_time_elements);
        } else {
          visit_tree<phase>(mem, ctx.system, e, run_time_elements);
        }
        if (e) errors(ctx.system) += e;
      });
    };
    if (resume) {
      run(std::integral_constant<Phase, Phase::poison>{});
    } else {
      run(std::integral_constant<Phase, Phase::write>{});
      team.team_barrier();
      run(std::integral_constant<Phase, Phase::check>{});
    }
  }
};

/// The kernel the CUDA build's register-residency check looks at (by this
/// name): the all-local probe, all-local placement. Its ptxas report must show
/// 0 bytes stack frame and 0 bytes spill stores.
template <class Exec>
struct RegisterResidencyProbe : PatternKernel<kobie::AllLocal, AllLocalProbe, Exec> {};

}  // namespace kobie_test
