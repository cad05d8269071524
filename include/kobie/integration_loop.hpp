#pragma once

/// \file
/// The integration loop: per system, from t0 through the settling time and
/// then over the saving window, it drives step + controller, lands exactly on
/// every save time, saves states and observables, and keeps the status word
/// and counters. One kernel launch covers a window of save indices; state that
/// must outlive the launch (state, clock, controller history, counters, FSAL
/// derivative) is declared persistent-flagged and saved to / restored from
/// the persistent storage at the launch's ends, so consecutive launches
/// continue exactly.
///
/// Save times are the same for every system, so the loop runs segment by
/// segment: every lane integrates to save time k (its own steps, dt and
/// accept/reject, the last step shortened to land exactly), then every lane
/// saves row k. Two drivers share the per-lane code (`advance`, `save`):
/// * CUDA: each thread runs its own lane through all segments, no
///   synchronisation;
/// * host: one team thread advances all its lanes by one attempted step per
///   pass, each pass one vectorised `ThreadVectorRange` loop whose body is
///   branch-free (inactive lanes compute with h = 0 and keep their state by
///   selects), until no lane of the team is short of the segment's end; then
///   one vectorised pass saves the row (SIMT emulated on SIMD).
/// A system that fails (status word) stops; its later saves are NaN, the
/// earlier ones are kept, and the other systems never notice.

#include <kobie/buffer_allocator.hpp>
#include <kobie/controllers.hpp>
#include <kobie/drivers.hpp>
#include <kobie/erk_step.hpp>
#include <kobie/impl/fast_math.hpp>
#include <kobie/impl/kokkos_compat.hpp>
#include <kobie/team_launch.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <limits>

namespace kobie {

/// Bits of the per-system status word.
enum StatusBits : int {
  status_ok = 0,
  status_step_too_small = 1 << 0,
  status_stagnation = 1 << 1,
  status_nonfinite_state = 1 << 2,
  status_max_steps = 1 << 3,
};

/// Rows of the per-system statistics view.
enum StatRow : int { stat_status, stat_accepted, stat_rejected, stat_rhs_evals, stat_rows };

/// The loop's working memory: a registry component owning the step.
template <class System, class Step, class T>
struct IntegrationLoop {
  static constexpr int n = System::n_states;
  static const char* component_name() { return "loop"; }
  enum : int {
    state,          ///< y (persistent)
    proposal,       ///< y_new of the attempt
    parameters,     ///< this system's parameters
    driver_values,  ///< drivers at the current stage time
    observables,    ///< observables at a save time
    clock,          ///< t, dt (persistent, float64)
    history,        ///< controller history err1, err2, h1 (persistent, float64)
    counters,       ///< accepted, rejected, rhs evals, status, next save, k0 valid (persistent)
    buffer_count
  };
  enum : int { c_accepted, c_rejected, c_evals, c_status, c_next_save, c_k0_valid, c_count };
  KOKKOS_FORCEINLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    constexpr ElementType et = element_type_of<T>::value;
    switch (i) {
      case state:
        return {"state", n, et, Location::local, true};
      case proposal:
        return {"proposal", n, et, Location::local};
      case parameters:
        return {"parameters", System::n_parameters, et, Location::local};
      case driver_values:
        return {"driver_values", System::n_drivers, et, Location::local};
      case observables:
        return {"observables", System::n_observables, et, Location::local};
      case clock:
        return {"clock", 2, ElementType::float64, Location::local, true};
      case history:
        return {"history", 3, ElementType::float64, Location::local, true};
      default:
        return {"counters", c_count, ElementType::int32, Location::local, true};
    }
  }
  using children = ComponentList<Step>;
};

/// Everything a launch needs to know besides the buffers; trivially copyable.
template <class System>
struct LoopConfig {
  static constexpr int n = System::n_states;
  static constexpr int n_obs = System::n_observables > 0 ? System::n_observables : 1;
  double t0 = 0.0;
  double settling = 0.0;
  double duration = 1.0;
  double save_interval = 1.0;
  int n_saves = 1;     ///< in the whole run
  int save_begin = 0;  ///< first save index of this launch's window
  int save_end = 1;    ///< one past its last
  bool first_launch = true;
  bool resume = false;  ///< the first launch continues from resume_* views
  double dt0 = 1e-3;
  std::int64_t max_steps = 10000000;
  ControllerParams controller;
  Tolerances<n> tolerances;
  int n_saved_states = n;
  int saved_states[n];
  int n_saved_observables = 0;
  int saved_observables[n_obs];

  /// Save time k: t0 + settling + k * interval, the last exactly t_end.
  KOKKOS_FORCEINLINE_FUNCTION double save_time(int k) const {
    return k == n_saves - 1 ? t0 + settling + duration : t0 + settling + k * save_interval;
  }
};

/// One launch of the loop over a window of saves.
template <class System, class Tab, class T, class Placement, class ExecSpace, class Log = NoLog>
struct IntegrationKernel {
  using Step = ErkStep<Tab, System, T>;
  using Loop = IntegrationLoop<System, Step, T>;
  using memory_space = typename ExecSpace::memory_space;
  using member_type = typename Kokkos::TeamPolicy<ExecSpace>::member_type;
  static constexpr bool vector_passes = lanes_in_vector_passes<ExecSpace>::value;
  static constexpr int n = System::n_states;

  System system;
  AllocatorTable<Loop> table;
  LaunchPlan plan;
  char* persistent = nullptr;
  std::int64_t n_systems = 0;
  Kokkos::View<const T**, Kokkos::LayoutRight, memory_space> initial_states;  // (state, system)
  Kokkos::View<const T**, Kokkos::LayoutRight, memory_space> parameter_values;
  DriverSet<memory_space> drivers;
  Kokkos::View<T***, Kokkos::LayoutRight, memory_space>
      outputs;                                                   // (save - save_begin, var, system)
  Kokkos::View<int**, Kokkos::LayoutRight, memory_space> stats;  // (StatRow, system)
  /// The end state written by the last launch, and (with cfg.resume) the
  /// state a first launch continues from: (state, system) and
  /// (t, dt, err1^2, err2^2, h1; system).
  Kokkos::View<T**, Kokkos::LayoutRight, memory_space> end_states;
  Kokkos::View<double**, Kokkos::LayoutRight, memory_space> end_clocks;
  Kokkos::View<const T**, Kokkos::LayoutRight, memory_space> resume_states;
  Kokkos::View<const double**, Kokkos::LayoutRight, memory_space> resume_clocks;
  Kokkos::View<const int**, Kokkos::LayoutRight, memory_space> resume_stats;
  LoopConfig<System> cfg;
  Log log;

  template <class Mem>
  KOKKOS_FORCEINLINE_FUNCTION auto step_memory(const Mem& mem) const {
    return mem.template child<0>();
  }

  /// The lane's persistent-flagged buffers, as the placement gives them.
  template <class Mem>
  struct Lane {
    decltype(std::declval<const Mem&>().template get<Loop::state>()) y;
    decltype(std::declval<const Mem&>().template get<Loop::clock>()) clock;
    decltype(std::declval<const Mem&>().template get<Loop::history>()) hist;
    decltype(std::declval<const Mem&>().template get<Loop::counters>()) counters;
    decltype(std::declval<const Mem&>().template child<0>().template get<Step::fsal_rhs>()) fsal;
  };
  template <class Mem>
  KOKKOS_FORCEINLINE_FUNCTION Lane<Mem> lane_buffers(const Mem& mem) const {
    return {mem.template get<Loop::state>(), mem.template get<Loop::clock>(),
            mem.template get<Loop::history>(), mem.template get<Loop::counters>(),
            step_memory(mem).template get<Step::fsal_rhs>()};
  }

  /// The right-hand side with this system's parameters and the drivers at
  /// the stage time.
  template <class P, class DV>
  KOKKOS_FORCEINLINE_FUNCTION auto rhs_of(const P& p, DV& dv) const {
    return [&](double ts, const auto& ys, auto& dydt) KOBIE_INLINE_LAMBDA {
      if constexpr (System::n_drivers > 0) {
        KOBIE_UNROLL
        for (int d = 0; d < System::n_drivers; ++d) dv[d] = T(drivers(d, ts));
      }
      system.rhs(ts, ys, p, dv, dydt);
    };
  }

  template <class Mem>
  KOKKOS_FORCEINLINE_FUNCTION auto parameters_of(const Mem& mem, std::int64_t sys) const {
    auto p = mem.template get<Loop::parameters>();
    // Raw indexing (the View is (parameter, system), LayoutRight): a View
    // access with a 64-bit system index kept GCC from vectorising the host
    // lane loop.
    const T* values = parameter_values.data() + sys;
    KOBIE_UNROLL
    for (int j = 0; j < System::n_parameters; ++j) p[j] = values[j * n_systems];
    return p;
  }

  /// Fresh start (first launch) or restore from the persistent storage.
  template <class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION void begin(const Mem& mem, L& l, std::int64_t sys) const {
    if (cfg.first_launch) {
      KOBIE_UNROLL
      for (int c = 0; c < Loop::c_count; ++c) l.counters[c] = 0;
      if (cfg.resume) {
        KOBIE_UNROLL
        for (int i = 0; i < n; ++i) l.y[i] = resume_states(i, sys);
        l.clock[0] = resume_clocks(0, sys);
        l.clock[1] = resume_clocks(1, sys);
        l.hist[0] = resume_clocks(2, sys);
        l.hist[1] = resume_clocks(3, sys);
        l.hist[2] = resume_clocks(4, sys);
        l.counters[Loop::c_status] = resume_stats(stat_status, sys);
        l.counters[Loop::c_accepted] = resume_stats(stat_accepted, sys);
        l.counters[Loop::c_rejected] = resume_stats(stat_rejected, sys);
        l.counters[Loop::c_evals] = resume_stats(stat_rhs_evals, sys);
      } else {
        KOBIE_UNROLL
        for (int i = 0; i < n; ++i) l.y[i] = initial_states(i, sys);
        l.clock[0] = cfg.t0;
        l.clock[1] = cfg.dt0;
        l.hist[0] = 1.0;
        l.hist[1] = 1.0;
        l.hist[2] = 0.0;
      }
      const auto p = parameters_of(mem, sys);
      auto dv = mem.template get<Loop::driver_values>();
      int evals = 0;
      Step::init_fsal(double(l.clock[0]), l.y, l.fsal, rhs_of(p, dv), evals);
      l.counters[Loop::c_evals] += evals;
    } else {
      mem.template restore<Loop::state>(l.y);
      mem.template restore<Loop::clock>(l.clock);
      mem.template restore<Loop::history>(l.hist);
      mem.template restore<Loop::counters>(l.counters);
      if constexpr (Tab::fsal) step_memory(mem).template restore<Step::fsal_rhs>(l.fsal);
    }
  }

  /// Saves the flagged buffers and publishes status and counters.
  template <class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION void end(const Mem& mem, L& l, std::int64_t sys) const {
    mem.template save<Loop::state>(l.y);
    mem.template save<Loop::clock>(l.clock);
    mem.template save<Loop::history>(l.hist);
    mem.template save<Loop::counters>(l.counters);
    if constexpr (Tab::fsal) step_memory(mem).template save<Step::fsal_rhs>(l.fsal);
    stats(stat_status, sys) = l.counters[Loop::c_status];
    stats(stat_accepted, sys) = l.counters[Loop::c_accepted];
    stats(stat_rejected, sys) = l.counters[Loop::c_rejected];
    stats(stat_rhs_evals, sys) = l.counters[Loop::c_evals];
    KOBIE_UNROLL
    for (int i = 0; i < n; ++i) end_states(i, sys) = l.y[i];
    end_clocks(0, sys) = l.clock[0];
    end_clocks(1, sys) = l.clock[1];
    end_clocks(2, sys) = l.hist[0];
    end_clocks(3, sys) = l.hist[1];
    end_clocks(4, sys) = l.hist[2];
  }

  /// Whether the lane still has to step towards `target`.
  template <class L>
  KOKKOS_FORCEINLINE_FUNCTION bool active(const L& l, double target) const {
    return (l.counters[Loop::c_status] == 0) & Impl::lt(l.clock[0], target);
  }

  /// One attempted step towards `target` (an inactive lane computes with
  /// h = 0 and changes nothing). Branch-free apart from selects, so that a
  /// host pass over many lanes vectorises. Returns whether the lane is still
  /// active afterwards.
  template <class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION bool advance(const Mem& mem, L& l, std::int64_t sys,
                                           double target) const {
    const bool act = active(l, target);
    const double t = l.clock[0];
    const double dt = l.clock[1];
    const double remaining = target - t;
    const bool land = Impl::ge(dt, remaining * (1.0 - 1e-12));
    const double h = act ? (land ? remaining : dt) : 0.0;
    const auto p = parameters_of(mem, sys);
    auto dv = mem.template get<Loop::driver_values>();
    auto y_new = mem.template get<Loop::proposal>();
    ControllerHistory hist{l.hist[0], l.hist[1], l.hist[2]};
    bool finite = true;
    auto decide = [&](double err_sq) KOBIE_INLINE_LAMBDA {
      KOBIE_UNROLL
      for (int i = 0; i < n; ++i) finite = finite & bool(Impl::isfinite(double(y_new[i])));
      ControllerDecision d = control_step(cfg.controller, hist, h, err_sq);
      d.accept = d.accept & finite & act;
      return d;
    };
    int evals = 0;
    const auto lane_log = log.lane(sys);
    const ControllerDecision d =
        Step::attempt(step_memory(mem), t, h, l.y, y_new, l.fsal, rhs_of(p, dv), cfg.tolerances,
                      decide, evals, lane_log);
    KOBIE_UNROLL
    for (int i = 0; i < n; ++i) l.y[i] = d.accept ? T(y_new[i]) : T(l.y[i]);
    const double t_new = land ? target : t + h;
    const bool fixed = cfg.controller.kind == ControllerKind::fixed;
    int status = 0;
    status |= act & d.accept & !Impl::gt(t_new, t) ? int(status_stagnation) : 0;
    status |= act & !finite & (fixed | Impl::le(h, cfg.controller.dt_min))
                  ? int(status_nonfinite_state)
                  : 0;
    // Landing steps never count as too small, only the controller's own.
    status |= act & !d.accept & finite & !land & Impl::le(h, cfg.controller.dt_min)
                  ? int(status_step_too_small)
                  : 0;
    l.clock[0] = d.accept ? t_new : t;
    // A step shortened to land never shrinks the controller's proposal.
    l.clock[1] = act ? (d.accept & land & Impl::lt(d.next_dt, dt) ? dt : d.next_dt) : dt;
    l.hist[0] = act ? hist.err1_sq : double(l.hist[0]);
    l.hist[1] = act ? hist.err2_sq : double(l.hist[1]);
    l.hist[2] = act ? hist.h1 : double(l.hist[2]);
    const int accepted = l.counters[Loop::c_accepted] + (d.accept ? 1 : 0);
    const int rejected = l.counters[Loop::c_rejected] + (act & !d.accept ? 1 : 0);
    l.counters[Loop::c_accepted] = accepted;
    l.counters[Loop::c_rejected] = rejected;
    l.counters[Loop::c_evals] += act ? evals : 0;
    status |= act & (accepted + rejected >= cfg.max_steps) ? int(status_max_steps) : 0;
    l.counters[Loop::c_status] |= status;
    return active(l, target);
  }

  /// Writes save row `k` (states, then observables); NaN for a failed system.
  template <class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION void save(const Mem& mem, L& l, std::int64_t sys, int k) const {
    const int row = k - cfg.save_begin;
    const bool ok = l.counters[Loop::c_status] == 0;
    const T nan = std::numeric_limits<T>::quiet_NaN();
    for (int v = 0; v < cfg.n_saved_states; ++v)
      outputs(row, v, sys) = ok ? T(l.y[cfg.saved_states[v]]) : nan;
    if constexpr (System::n_observables > 0) {
      if (cfg.n_saved_observables > 0) {
        const auto p = parameters_of(mem, sys);
        auto dv = mem.template get<Loop::driver_values>();
        auto obs = mem.template get<Loop::observables>();
        const double t = l.clock[0];
        if constexpr (System::n_drivers > 0) {
          KOBIE_UNROLL
          for (int d = 0; d < System::n_drivers; ++d) dv[d] = T(drivers(d, t));
        }
        system.observables(t, l.y, p, dv, obs);
        for (int v = 0; v < cfg.n_saved_observables; ++v)
          outputs(row, cfg.n_saved_states + v, sys) = ok ? T(obs[cfg.saved_observables[v]]) : nan;
      }
    }
    l.counters[Loop::c_next_save] = k + 1;
  }

  /// Host: one attempted step for lanes [0, count) of a team, as one
  /// vectorised loop; returns how many are still short of `target`. Kept out
  /// of line on purpose: with everything it needs as parameters or members
  /// read before the loop, GCC vectorises it (inlined into the team loop it
  /// did not).
  KOBIE_HOST_NOINLINE int advance_pass(char* shared, std::int64_t first, int count,
                                       double target) const {
    const AllocatorTable<Loop> tbl = table;
    const int lanes = plan.lanes_per_team;
    char* const pers = persistent;
    const std::int64_t n_sys = n_systems;
    int still = 0;
    KOBIE_VECTOR_REDUCE_SUM(still)
    for (int lane = 0; lane < count; ++lane) {
      const LaneContext ctx{shared, pers, first + lane, n_sys, lane, lanes};
      const auto mem = root_memory<Placement, vector_passes>(tbl, ctx);
      auto l = lane_buffers(mem);
      still += advance(mem, l, ctx.system, target) ? 1 : 0;
    }
    return still;
  }

  KOKKOS_FORCEINLINE_FUNCTION void operator()(const member_type& team) const {
    char* const shared = Impl::team_shared_base(team, plan);
    // Loop-invariant values as locals: a member read through `this` after a
    // store through a scratch pointer may be aliased, and its reload in the
    // loop latch stops GCC from vectorising the host lane loop.
    const int lanes = plan.lanes_per_team;
    char* const pers = persistent;
    const std::int64_t n_sys = n_systems;
    const std::int64_t first = std::int64_t(team.league_rank()) * lanes;
    auto context = [&](int lane) KOBIE_INLINE_LAMBDA {
      return LaneContext{shared, pers, first + lane, n_sys, lane, lanes};
    };
    // Runs f(mem, lane buffers, system) for every lane of the team.
    auto each_lane = [&](const auto& f) {
      for_each_lane(team, plan, n_systems, [&](const int lane) KOBIE_INLINE_LAMBDA {
        const LaneContext ctx = context(lane);
        const auto mem = root_memory<Placement, vector_passes>(table, ctx);
        auto l = lane_buffers(mem);
        f(mem, l, ctx.system);
      });
    };
    if constexpr (vector_passes) {
      each_lane([&](const auto& mem, auto& l, std::int64_t sys) { begin(mem, l, sys); });
      for (int k = cfg.save_begin; k < cfg.save_end; ++k) {
        const double target = cfg.save_time(k);
        const int count = static_cast<int>(n_sys - first < lanes ? n_sys - first : lanes);
        while (advance_pass(shared, first, count, target) > 0) {
        }
        each_lane([&](const auto& mem, auto& l, std::int64_t sys) { save(mem, l, sys, k); });
      }
      each_lane([&](const auto& mem, auto& l, std::int64_t sys) { end(mem, l, sys); });
    } else {
      each_lane([&](const auto& mem, auto& l, std::int64_t sys) {
        begin(mem, l, sys);
        for (int k = cfg.save_begin; k < cfg.save_end; ++k) {
          const double target = cfg.save_time(k);
          while (advance(mem, l, sys, target)) {
          }
          save(mem, l, sys, k);
        }
        end(mem, l, sys);
      });
    }
  }
};

}  // namespace kobie
