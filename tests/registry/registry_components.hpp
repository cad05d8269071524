#pragma once
// Component types the registry tests declare and launch.
//
// Dirk -> Newton -> Krylov is the worked example of docs/ARCHITECTURE.md (a
// DIRK step owning a Newton solver owning a linear solver, 3 states, 4
// stages). AliasZoo holds one buffer for every alias case and every element
// type. AllLocalProbe is what the CUDA build's register-residency check
// compiles.

#include <kobie/registry/buffer_allocator.hpp>
#include <kobie/registry/buffer_types.hpp>

namespace kobie_test {

using kobie::BufferInfo;
using kobie::ElementType;
using kobie::Location;

inline constexpr int n_states = 3;
inline constexpr int n_stages = 4;

struct Krylov {
  static const char* component_name() { return "krylov"; }
  enum : int { basis, precond_diag };
  static constexpr int buffer_count = 2;
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    switch (i) {
      case basis:
        return {"basis", n_stages * n_states, ElementType::float64, Location::shared};
      default:
        return {"precond_diag", n_states, ElementType::float64, Location::local};
    }
  }
};

struct Newton {
  static const char* component_name() { return "newton"; }
  enum : int { delta, residual, warm_start };
  static constexpr int buffer_count = 3;
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    switch (i) {
      case delta:
        return {"delta", n_states, ElementType::float64, Location::local};
      case residual:
        return {"residual", n_states, ElementType::float64, Location::shared};
      default:
        return {"warm_start", n_states, ElementType::float64, Location::persistent, true};
    }
  }
  using children = kobie::ComponentList<Krylov>;
};

struct Dirk {
  static const char* component_name() { return "dirk"; }
  enum : int { stage_increment, accumulator, stage_base, fsal_rhs };
  static constexpr int buffer_count = 4;
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    switch (i) {
      case stage_increment:
        return {"stage_increment", n_states, ElementType::float64, Location::local};
      case accumulator:
        return {"accumulator", n_stages * n_states, ElementType::float64, Location::shared};
      case stage_base:
        return {"stage_base", n_states, ElementType::float64, Location::shared, false, accumulator};
      default:
        return {"fsal_rhs", n_states, ElementType::float64, Location::local, true};
    }
  }
  using children = kobie::ComponentList<Newton>;
};

// Every alias case of docs/ARCHITECTURE.md, plus float32 / int32, a zero-size
// local buffer and a disabled one.
struct AliasZoo {
  static const char* component_name() { return "zoo"; }
  enum : int {
    big,         // shared float64 target with room for two aliases
    first,       // inside big, elements 0..3
    second,      // inside big, elements 4..7
    too_big,     // no room left in big: own storage
    kept,        // persistent-flagged alias of a shared target: own storage
    local_t,     // local target
    of_local,    // alias of a local target: own storage
    pers_t,      // persistent target
    of_pers,     // alias of a persistent target: own storage
    counts,      // int32, shared
    weights,     // float32, local
    empty,       // zero-size local buffer: still a valid one-element array
    off,         // disabled
    of_off,      // alias of a disabled target: own storage
    flagged_sh,  // persistent-flagged shared buffer (saved at chunk boundaries)
    count_
  };
  static constexpr int buffer_count = count_;
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    switch (i) {
      case big:
        return {"big", 10, ElementType::float64, Location::shared};
      case first:
        return {"first", 4, ElementType::float64, Location::local, false, big};
      case second:
        return {"second", 4, ElementType::float64, Location::shared, false, big};
      case too_big:
        return {"too_big", 3, ElementType::float64, Location::local, false, big};
      case kept:
        return {"kept", 2, ElementType::float64, Location::shared, true, big};
      case local_t:
        return {"local_t", 5, ElementType::float32, Location::local};
      case of_local:
        return {"of_local", 2, ElementType::float32, Location::shared, false, local_t};
      case pers_t:
        return {"pers_t", 4, ElementType::int32, Location::persistent};
      case of_pers:
        return {"of_pers", 2, ElementType::int32, Location::shared, false, pers_t};
      case counts:
        return {"counts", 3, ElementType::int32, Location::shared};
      case weights:
        return {"weights", 6, ElementType::float32, Location::local};
      case empty:
        return {"empty", 0, ElementType::float64, Location::local};
      case off:
        return {"off", 7, ElementType::float64, Location::shared, false, -1, false};
      case of_off:
        return {"of_off", 2, ElementType::float64, Location::shared, false, off};
      default:
        return {"flagged_sh", 3, ElementType::float32, Location::shared, true};
    }
  }
};

// What the register-residency check compiles with the all-local placement:
// several local buffers of each type, one persistent-flagged.
struct AllLocalProbe {
  static const char* component_name() { return "probe"; }
  static constexpr int buffer_count = 4;
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    switch (i) {
      case 0:
        return {"state", 4, ElementType::float64, Location::local};
      case 1:
        return {"stages", 12, ElementType::float64, Location::local};
      case 2:
        return {"weights", 5, ElementType::float32, Location::local};
      default:
        return {"history", 3, ElementType::float64, Location::local, true};
    }
  }
};

// The features the stiff stack needs, in one tree: a union of two solver
// phases that never live at once (a dense-LU phase and a Krylov phase), a
// run-time-sized shared buffer (a Krylov basis of the run's restart
// length), and every element type (64-bit counters, dual and complex
// numbers) in every region.
struct LuPhase {
  static const char* component_name() { return "lu"; }
  enum : int { matrix, pivots, seeds, buffer_count };
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    switch (i) {
      case matrix:
        return {"matrix", 9, ElementType::float64, Location::local};
      case pivots:
        return {"pivots", 3, ElementType::int32, Location::shared};
      default:
        return {"seeds", 3, ElementType::dual64, Location::shared};
    }
  }
};
struct KrylovPhase {
  static const char* component_name() { return "krylov"; }
  enum : int { basis, hessenberg, iterations, buffer_count };
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    switch (i) {
      case basis:  // run-time size: the host sets it before the layout
        return {"basis", 0, ElementType::float64, Location::shared, false, -1, true, true};
      case hessenberg:
        return {"hessenberg", 4, ElementType::complex64, Location::persistent};
      default:
        return {"iterations", 2, ElementType::int64, Location::local};
    }
  }
};
struct SolverPhases {
  static const char* component_name() { return "phases"; }
  static constexpr bool union_of_children = true;
  static constexpr int buffer_count = 0;
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int) {
    return {"", 0, ElementType::float64, Location::local};
  }
  using children = kobie::ComponentList<LuPhase, KrylovPhase>;
};
struct PhaseRoot {
  static const char* component_name() { return "solver"; }
  enum : int { counters, residual, rotations, buffer_count };
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    switch (i) {
      case counters:
        return {"counters", 3, ElementType::int64, Location::local, true};
      case residual:
        return {"residual", 3, ElementType::dual32, Location::shared};
      default:
        return {"rotations", 2, ElementType::complex32, Location::shared};
    }
  }
  using children = kobie::ComponentList<SolverPhases>;
};

}  // namespace kobie_test
