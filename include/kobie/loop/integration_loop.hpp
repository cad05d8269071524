#pragma once

/// \file
/// The integration loop: per system, from t0 through the settling time and
/// then over the saving window, it drives step + controller, lands exactly on
/// every save and summary sample time, saves states and observables, folds
/// samples into the summaries, and keeps the status word and counters. One
/// kernel launch covers a window of save indices; state that must outlive
/// the launch (state, clock, controller history, counters, FSAL derivative)
/// is declared persistent-flagged and saved to / restored from the
/// persistent storage at the launch's ends, so consecutive launches continue
/// exactly.
///
/// Save and sample times are the same for every system, so the loop runs
/// segment by segment: every lane integrates to the next event time (its own
/// steps, dt and accept/reject, the last step shortened to land exactly),
/// then every lane saves and / or samples. Two drivers share the per-lane
/// code (`advance`, `save`, `sample`):
/// * CUDA: each thread runs its own lane through all segments, no
///   synchronisation;
/// * host: one team thread advances all its lanes by one attempted step per
///   pass, each pass one vectorised loop over the lanes whose body is
///   branch-free (inactive lanes compute with h = 0 and keep their state by
///   selects), until no lane of the team is short of the segment's end; then
///   one pass saves the row (SIMT emulated on SIMD). Fixed steps of lanes
///   that stand together take the uniform path (`advance_uniform_fixed`).
/// A system that fails (status word) stops; its later saves are NaN, the
/// earlier ones are kept, and the other systems never notice.

#include <kobie/algorithms/explicit/erk_step.hpp>
#include <kobie/algorithms/step_concept.hpp>
#include <kobie/algorithms/step_outcome.hpp>
#include <kobie/api/settings.hpp>
#include <kobie/control/controllers.hpp>
#include <kobie/impl/fast_math.hpp>
#include <kobie/impl/kokkos_compat.hpp>
#include <kobie/launch/team_launch.hpp>
#include <kobie/outputs/summaries.hpp>
#include <kobie/registry/buffer_allocator.hpp>
#include <kobie/systems/drivers.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <limits>
#include <type_traits>

namespace kobie {

/// Rows of the per-system statistics view (64-bit counts).
enum StatRow : int {
  stat_status,
  stat_accepted,
  stat_rejected,
  stat_rhs_evals,
  stat_jacobian_evals,     ///< implicit steps: Jacobians formed
  stat_newton_iterations,  ///< implicit steps: Newton iterations
  stat_linear_iterations,  ///< implicit steps: iterative linear solver iterations
  stat_rows
};

/// The loop's working memory: a registry component owning the step and the
/// summaries' accumulators.
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
    history,        ///< controller history log2 err1^2, log2 err2^2, h1 (persistent, float64)
    counters,       ///< accepted, rejected, rhs evals, status (persistent, 64-bit: no count
                    ///< wraps before max_steps stops a system)
    solver_work,    ///< implicit steps: Jacobians, Newton and linear iterations (persistent)
    buffer_count
  };
  enum : int { w_jacobians, w_newton, w_linear, w_count };
  enum : int { c_accepted, c_rejected, c_evals, c_status, c_count };
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
      case counters:
        return {"counters", c_count, ElementType::int64, Location::local, true};
      default:
        return {"solver_work", w_count, ElementType::int64, Location::local,
                true,          -1,      Step::implicit};
    }
  }
  using children = ComponentList<Step, Summaries>;
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
  /// Starts every system afresh; otherwise `begin` restores the
  /// persistent-flagged buffers from their save slots: those of the
  /// previous launch, or of the end state a resumed solve wrote there.
  bool first_launch = true;
  double dt0 = 1e-3;
  std::int64_t max_steps = 10000000;
  ControllerParams controller;
  Tolerances<n> tolerances;
  int n_saved_states = n;
  int saved_states[n];
  int n_saved_observables = 0;
  int saved_observables[n_obs];
  SummaryConfig<n + System::n_observables> summary;
  NewtonSettings newton;  ///< implicit steps

  /// Save time k: t0 + settling + k * interval, the last exactly t_end.
  KOKKOS_FORCEINLINE_FUNCTION double save_time(int k) const {
    return k == n_saves - 1 ? t0 + settling + duration : t0 + settling + k * save_interval;
  }
  /// Summary sample j's time (the formula ValidatedSettings::sample_time uses).
  KOKKOS_FORCEINLINE_FUNCTION double sample_time(std::int64_t j) const {
    return t0 + settling + double(j) * summary.sample_interval;
  }

  /// Calls reach(t) for every save and sample time of this launch in order,
  /// then on_save(k) and / or on_sample(j) for what falls on t (a sample
  /// within time_epsilon of a save is taken at the save time).
  template <class Reach, class OnSave, class OnSample>
  KOKKOS_FORCEINLINE_FUNCTION void for_each_event(const Reach& reach, const OnSave& on_save,
                                                  const OnSample& on_sample) const {
    constexpr double inf = std::numeric_limits<double>::infinity();
    int k = save_begin;
    std::int64_t j = summary.sample_begin;
    while (k < save_end || j < summary.sample_end) {
      const double ts = k < save_end ? save_time(k) : inf;
      const double tj = j < summary.sample_end ? sample_time(j) : inf;
      const bool sample_first = tj < ts - summary.time_epsilon;
      const bool on_time = !sample_first && tj <= ts + summary.time_epsilon;
      reach(sample_first ? tj : ts);
      if (!sample_first) on_save(k++);
      if (sample_first || on_time) on_sample(j++);
    }
  }
};

/// One launch of the loop over a window of saves.
/// `Method` is a tableau or an implicit family's tag (step_concept.hpp); the
/// loop knows its step through the Step concept, and gives explicit steps
/// the host's fast paths (uniform fixed passes, SIMD packs, the lean loop).
template <class System, class Method, class T, class Placement, class ExecSpace, class Log = NoLog,
          class Isa = Impl::native_instruction_set>
struct IntegrationKernel {
  using instruction_set = Isa;  ///< the host code's (a distinct type per -m flags)
  using Step = step_t<Method, System, T>;
  static_assert(check_step<Step, System>());
  /// The same step in another scalar (packs of systems).
  template <class V>
  using StepIn = step_t<Method, System, V>;
  static constexpr bool implicit_step = Step::implicit;
  /// Rows of the statistics view this kernel writes: an explicit step's
  /// solver counters are zero, and are not stored per system in the
  /// execution space's memory, whose freshly allocated pages each launch
  /// touches first (docs/performance.md, *The Step concept and 64-bit
  /// counters*); Results hold every row.
  static constexpr int device_stat_rows = implicit_step ? stat_rows : stat_jacobian_evals;
  using Loop = IntegrationLoop<System, Step, T>;
  using memory_space = typename ExecSpace::memory_space;
  using member_type = typename team_policy_t<ExecSpace>::member_type;
  static constexpr bool vector_passes = lanes_in_vector_passes<ExecSpace>::value;
  static constexpr int n = System::n_states;
  /// Host fixed steps of a large system that allows it run its lanes as
  /// SIMD packs (kobie/launch/simd_pack.hpp): its per-lane step, with a loop over
  /// states, would not vectorise across lanes.
  static constexpr bool use_packs = KOBIE_SIMD_PACKS && vector_passes && !implicit_step &&
                                    Impl::allows_simd_packs<System>::value &&
                                    n > Impl::unroll_limit;
  /// Adaptive steps too, when the right-hand side takes each system's own
  /// time (`Impl::takes_time_packs`): the systems of a pack step on from
  /// their own times with their own step sizes.
  static constexpr bool use_adaptive_packs = use_packs && Impl::takes_time_packs<System, T>::value;
  /// The most lanes a host team may have: the size of the per-lane arrays
  /// the host passes keep on the stack (the `lanes_per_team` setting's
  /// bound; `run_solve` refuses a larger launch plan).
  static constexpr int max_host_lanes = max_lanes_per_team;
  /// The storage of a lane's local buffers (kobie/registry/lane_storage.hpp),
  /// declared where the lane's visit begins; `PackLocals<W>`: of a pack of W
  /// lanes.
  using Locals = LaneLocals<Placement, Loop, vector_passes>;
  template <int W>
  using PackLocals = LaneLocals<Placement, Loop, vector_passes, W>;

  System system;
  AllocatorTable<Loop> table;
  LaunchPlan plan;
  char* persistent = nullptr;
  std::int64_t n_systems = 0;     ///< in this launch (a group of the batch)
  std::int64_t first_system = 0;  ///< the batch index of this launch's system 0
  Kokkos::View<const T**, Kokkos::LayoutRight, memory_space> initial_states;  // (state, system)
  Kokkos::View<const T**, Kokkos::LayoutRight, memory_space> parameter_values;
  DriverSet<memory_space> drivers;
  Kokkos::View<T***, Kokkos::LayoutRight, memory_space>
      outputs;  // (save - save_begin, var, system)
  Kokkos::View<std::int64_t**, Kokkos::LayoutRight, memory_space>
      stats;  // (StatRow < device_stat_rows, system)
  Kokkos::View<T***, Kokkos::LayoutRight, memory_space>
      summaries;  // (window - summary.window_begin, column, system)
  LoopConfig<System> cfg;
  Log log;

  template <class Mem>
  KOKKOS_FORCEINLINE_FUNCTION static auto step_memory(const Mem& mem) {
    return mem.template child<0>();
  }

  /// The step's first-same-as-last derivative (a one-element stand-in for
  /// steps without one).
  template <class Mem>
  KOKKOS_FORCEINLINE_FUNCTION static auto fsal_of(const Mem& mem) {
    if constexpr (Step::fsal)
      return step_memory(mem).template get<Step::fsal_rhs>();
    else if constexpr (implicit_step)
      return LocalArray<T, 1>{};
    else  // (a disabled buffer of non-FSAL tableaus)
      return step_memory(mem).template get<Step::fsal_rhs>();
  }

  /// The implicit steps' work counters (nothing for explicit steps).
  struct NoWork {};
  template <class Mem>
  KOKKOS_FORCEINLINE_FUNCTION static auto work_of(const Mem& mem) {
    if constexpr (implicit_step)
      return mem.template get<Loop::solver_work>();
    else
      return NoWork{};
  }

  /// The lane's persistent-flagged buffers, as the placement gives them.
  template <class Mem>
  struct Lane {
    decltype(std::declval<const Mem&>().template get<Loop::state>()) y;
    decltype(std::declval<const Mem&>().template get<Loop::clock>()) clock;
    decltype(std::declval<const Mem&>().template get<Loop::history>()) hist;
    decltype(std::declval<const Mem&>().template get<Loop::counters>()) counters;
    decltype(fsal_of(std::declval<const Mem&>())) fsal;
    decltype(work_of(std::declval<const Mem&>())) work;
  };
  template <class Mem>
  KOKKOS_FORCEINLINE_FUNCTION static Lane<Mem> lane_buffers(const Mem& mem) {
    return {mem.template get<Loop::state>(),
            mem.template get<Loop::clock>(),
            mem.template get<Loop::history>(),
            mem.template get<Loop::counters>(),
            fsal_of(mem),
            work_of(mem)};
  }

  /// What the per-lane code reads besides its buffers, as plain values and
  /// raw pointers. The host lane loop works on a local copy: a local cannot
  /// alias the scratch memory the loop writes, so its loads leave the loop
  /// (read through `this`, every store would force them to be reloaded, and
  /// GCC's vectoriser gives up on such "interleaved" invariant loads).
  struct Env {
    System system;
    LoopConfig<System> cfg;
    const T* parameters;  // (parameter, system), row-major
    std::int64_t n_systems;
    typename DriverSet<memory_space>::Evaluator drivers;
    Log log;
    std::int64_t first_system;
  };
  KOKKOS_INLINE_FUNCTION Env env() const {
    return {system, cfg,         parameter_values.data(), n_systems, drivers.evaluator(),
            log,    first_system};
  }

  /// Driver d at time ts: of one system, or of each system of a pack at
  /// its own time.
  KOKKOS_FORCEINLINE_FUNCTION static T driver_at(const Env& e, int d, double ts) {
    return T(e.drivers(d, ts));
  }
#if KOBIE_SIMD_PACKS
  template <int W>
  KOKKOS_FORCEINLINE_FUNCTION static Pack<T, W> driver_at(const Env& e, int d,
                                                          const Pack<double, W>& ts) {
    Pack<T, W> r;
    for (int w = 0; w < W; ++w) r.v[w] = T(e.drivers(d, ts[w]));
    return r;
  }
#endif

  /// The right-hand side with this system's parameters and the drivers at
  /// the stage time (a double, or each system's own in a pack).
  template <class P, class DV>
  KOKKOS_FORCEINLINE_FUNCTION static auto rhs_of(const Env& e, const P& p, DV& dv) {
    return [&](const auto& ts, const auto& ys, auto& dydt) KOBIE_INLINE_LAMBDA {
      if constexpr (System::n_drivers > 0) {
        Impl::for_n<System::n_drivers>([&](const int d)
                                           KOBIE_INLINE_LAMBDA { dv[d] = driver_at(e, d, ts); });
      }
      e.system.rhs(ts, ys, p, dv, dydt);
    };
  }

  /// The parameters of system `sys`, or of the pack of systems sys ..
  /// sys + W - 1 for a memory of packs (Mem::width = W).
  template <class Mem>
  KOKKOS_FORCEINLINE_FUNCTION static auto parameters_of(const Env& e, const Mem& mem,
                                                        std::int64_t sys) {
    auto p = mem.template get<Loop::parameters>();
    const T* values = e.parameters + sys;
    Impl::for_n<System::n_parameters>([&](const int j) KOBIE_INLINE_LAMBDA {
      p[j] = Impl::load_lanes<Mem::width>(values + j * e.n_systems);
    });
    return p;
  }

  /// Fresh start (the first launch of a solve that does not resume), or
  /// every persistent-flagged buffer restored from its save slot (the
  /// previous launch's, or a resumed solve's end state, which run_solve
  /// wrote there).
  template <class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION void begin(const Mem& mem, L& l, std::int64_t sys) const {
    if (!cfg.first_launch) {
      mem.restore_flagged();
      return;
    }
    Impl::for_n<Loop::c_count>([&](const int c) KOBIE_INLINE_LAMBDA { l.counters[c] = 0; });
    Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA { l.y[i] = initial_states(i, sys); });
    l.clock[0] = cfg.t0;
    l.clock[1] = cfg.dt0;
    l.hist[0] = 0.0;  // log2 of a norm of 1
    l.hist[1] = 0.0;
    l.hist[2] = 0.0;
    if constexpr (implicit_step) {
      Impl::for_n<Loop::w_count>([&](const int c) KOBIE_INLINE_LAMBDA { l.work[c] = 0; });
    } else {
      const Env e = env();
      const auto p = parameters_of(e, mem, sys);
      auto dv = mem.template get<Loop::driver_values>();
      int evals = 0;
      Step::init_fsal(double(l.clock[0]), l.y, l.fsal, rhs_of(e, p, dv), evals);
      l.counters[Loop::c_evals] += evals;
    }
  }

  /// Saves every persistent-flagged buffer (the next launch's start, and the
  /// solve's end state) and publishes status and counters.
  template <class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION void end(const Mem& mem, L& l, std::int64_t sys) const {
    mem.save_flagged();
    stats(stat_status, sys) = l.counters[Loop::c_status];
    stats(stat_accepted, sys) = l.counters[Loop::c_accepted];
    stats(stat_rejected, sys) = l.counters[Loop::c_rejected];
    stats(stat_rhs_evals, sys) = l.counters[Loop::c_evals];
    if constexpr (implicit_step) {
      stats(stat_jacobian_evals, sys) = l.work[Loop::w_jacobians];
      stats(stat_newton_iterations, sys) = l.work[Loop::w_newton];
      stats(stat_linear_iterations, sys) = l.work[Loop::w_linear];
    }
  }

  /// Whether the lane still has to step towards `target`.
  template <class L>
  KOKKOS_FORCEINLINE_FUNCTION static bool active(const L& l, double target) {
    return (l.counters[Loop::c_status] == 0) & Impl::lt(l.clock[0], target);
  }

  /// What `attempt` leaves for `settle`: the attempt and its decision.
  struct Attempted {
    double t = 0.0;         ///< where the attempt started
    double h = 0.0;         ///< its size (0 for an inactive lane)
    double err_sq = 0.0;    ///< its squared error norm
    bool act = false;       ///< the lane was short of the target
    bool eligible = false;  ///< act, and the proposal was finite
    bool accept = false;
    bool land = false;   ///< shortened to land on the target
    bool still = false;  ///< still short of the target afterwards, and not failed
  };

  /// One attempted step towards `target` and its acceptance (an inactive
  /// lane computes with h = 0 and changes nothing): state, time, counters
  /// and status are updated; the next step size is `settle`'s. Branch-free
  /// apart from selects, so that a host pass over many lanes vectorises.
  /// `KnownFixed`: compiled for the fixed controller. Every fixed-step run
  /// takes it (each dispatch compiles fixed steps apart): it also picks the
  /// fixed-step form of the ERK sums, whose rounding differs.
  /// Three parts, which adaptive steps on packs run as three passes over the
  /// lanes (`advance_segment`): `open_attempt` (the step size), `take_step`
  /// (the method, per lane or per pack) and `close_attempt` (the books).
  template <bool KnownFixed, class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION static Attempted attempt(const Env& e, const Mem& mem, L& l,
                                                       std::int64_t sys, double target) {
    Attempted a = open_attempt(l, target);
    bool finite = true;
    int evals = 0;
    if constexpr (implicit_step) {
      int solver_status = 0;
      a.accept = take_implicit_step<KnownFixed>(e, mem, l, sys, a.t, a.h, a.act, a.err_sq,
                                                a.eligible, finite, evals, solver_status);
      a.still = close_attempt<KnownFixed>(e, l, a.t, a.h, a.act, a.land, a.accept, finite, evals,
                                          target, solver_status);
    } else {
      a.accept = take_step<KnownFixed>(e, mem, l.y, l.fsal, sys, a.t, a.h, a.act, a.err_sq,
                                       a.eligible, finite, evals, e.log.lane(e.first_system + sys));
      a.still =
          close_attempt<KnownFixed>(e, l, a.t, a.h, a.act, a.land, a.accept, finite, evals, target);
    }
    return a;
  }

  /// Where the lane's attempt starts and its size: the remaining distance
  /// to `target` when the step would reach it (a landing), 0 when inactive.
  template <class L>
  KOKKOS_FORCEINLINE_FUNCTION static Attempted open_attempt(const L& l, double target) {
    Attempted a;
    a.act = active(l, target);
    a.t = l.clock[0];
    const double dt = l.clock[1];
    const double remaining = target - a.t;
    a.land = Impl::ge(dt, remaining * (1.0 - 1e-12));
    a.h = Impl::select(a.act, Impl::select(a.land, remaining, dt), 0.0);
    return a;
  }

  /// The method's part of an attempt of size h from t (an inactive lane has
  /// h = 0): stages, error norm and the controller's decision, and the state
  /// (y, and the FSAL derivative) replaced by the proposal when accepted.
  /// One system, or the W systems of a pack from `pack_memory` (then `Time`
  /// is `Pack<double, W>` and `Mask` `PackMask<W>`, one element per system,
  /// with the per-lane arithmetic element by element: the same bits). Sets
  /// `err_sq`, `eligible` (active with a finite proposal) and `finite`;
  /// returns whether accepted; counts the evaluations into `evals`.
  template <bool KnownFixed, class Mem, class Y, class F, class Time, class Mask, class LaneLog>
  KOKKOS_FORCEINLINE_FUNCTION static Mask take_step(const Env& e, const Mem& mem, Y& y, F& fsal,
                                                    std::int64_t sys, Time t, Time h, Mask act,
                                                    Time& err_sq, Mask& eligible, Mask& finite,
                                                    int& evals, const LaneLog& log) {
    constexpr bool packs = Mem::width > 1;
    using Value = std::remove_reference_t<decltype(y[0])>;
    const auto p = parameters_of(e, mem, sys);
    auto dv = mem.template get<Loop::driver_values>();
    auto y_new = mem.template get<Loop::proposal>();
    // Fixed steps check the proposal in the state's own precision (the same
    // verdict: a float is finite exactly when its double is), which spares a
    // CUDA float32 step three conversions to float64 (scripts/ptx-loops.py);
    // packs check in it too.
    using Checked = std::conditional_t<KnownFixed || packs, Value, double>;
    auto decide = [&](const Time& e_sq) KOBIE_INLINE_LAMBDA {
      Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
        finite = finite & Mask(Impl::isfinite(Checked(y_new[i])));
      });
      err_sq = e_sq;
      eligible = finite & act;
      if constexpr (KnownFixed)
        return eligible;  // no controller arithmetic at all
      else
        return accepts(e.cfg.controller, h, e_sq, eligible);
    };
    using Step_ = StepIn<Value>;
    const Mask accept =
        Step_::template attempt<KnownFixed>(step_memory(mem), t, h, y, y_new, fsal,
                                            rhs_of(e, p, dv), e.cfg.tolerances, decide, evals, log);
    Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
      y[i] = Impl::select(accept, Value(y_new[i]), Value(y[i]));
    });
    return accept;
  }

  /// An implicit step's attempt (one system): the step's outcome, the
  /// proposal's finiteness and the controller's decision, as `take_step`'s
  /// for explicit steps. A solver failure (`solver_status`, the outcome's
  /// bits) is ineligible and gives the controller an infinite error, so the
  /// step shrinks by its smallest gain; the work is counted when active.
  template <bool KnownFixed, class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION static bool take_implicit_step(const Env& e, const Mem& mem, L& l,
                                                             std::int64_t sys, double t, double h,
                                                             bool act, double& err_sq,
                                                             bool& eligible, bool& finite,
                                                             int& evals, int& solver_status) {
    const auto p = parameters_of(e, mem, sys);
    auto dv = mem.template get<Loop::driver_values>();
    auto y_new = mem.template get<Loop::proposal>();
    // The Jacobian with the drivers at its own time, as the rhs has them.
    auto jac = [&](double ts, const auto& ys, auto& J, auto& f) KOBIE_INLINE_LAMBDA {
      if constexpr (System::n_drivers > 0) {
        Impl::for_n<System::n_drivers>([&](const int d)
                                           KOBIE_INLINE_LAMBDA { dv[d] = driver_at(e, d, ts); });
      }
      return system_jacobian<T>(e.system, ts, ys, p, dv, J, f);
    };
    const StepOutcome o =
        Step::attempt(step_memory(mem), t, h, l.y, y_new, rhs_of(e, p, dv), jac, e.cfg.tolerances,
                      e.cfg.newton, solver_log(e.log.lane(e.first_system + sys)));
    const bool solved = !o.solver_failed();
    finite = true;
    if (solved) {
      Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
        finite = finite & bool(Impl::isfinite(double(y_new[i])));
      });
    }
    solver_status = act ? o.status : 0;
    err_sq = solved ? o.err_sq : std::numeric_limits<double>::infinity();
    eligible = finite & act & solved;
    const bool accept =
        KnownFixed ? eligible : bool(accepts(e.cfg.controller, h, err_sq, eligible));
    if (accept) Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA { l.y[i] = y_new[i]; });
    if (act) {
      evals += int(o.work.rhs_evals);
      l.work[Loop::w_jacobians] += o.work.jacobian_evals;
      l.work[Loop::w_newton] += o.work.newton_iterations;
      l.work[Loop::w_linear] += o.work.linear_iterations;
    }
    return accept;
  }

  /// The logging policy's solver hooks where it has them, none otherwise.
  template <class LaneLog>
  KOKKOS_FORCEINLINE_FUNCTION static auto solver_log(const LaneLog& log) {
    if constexpr (Impl::has_solver_hooks<LaneLog>::value)
      return log;
    else
      return NoSolverLog{};
  }

  /// The books of an attempt (`open_attempt`'s t, h, act and land, and what
  /// `take_step` found): the lane's time, counters and status. Returns
  /// whether the lane is still short of the target. (Plain scalars, not the
  /// struct, as for `settle`.) `solver_status`: an implicit step's solver
  /// failure, which fails the system where the step cannot shrink (fixed
  /// steps, or at dt_min) and carries its bits into the status word.
  template <bool KnownFixed, class L>
  KOKKOS_FORCEINLINE_FUNCTION static bool close_attempt(const Env& e, L& l, double t, double h,
                                                        bool act, bool land, bool accept,
                                                        bool finite, int evals, double target,
                                                        int solver_status = 0) {
    const LoopConfig<System>& cfg = e.cfg;
    const double t_step = t + h;
    const double t_new = Impl::select(land, target, t_step);
    const bool fixed = KnownFixed || Impl::lane_flag(h, cfg.controller.fixed);
    int status = 0;
    // (a landing step always moves: it is taken only while t < target)
    status |= Impl::select(act & accept & !land & !Impl::gt(t_step, t), int(status_stagnation), 0);
    status |= Impl::select(act & !finite & (fixed | Impl::le(h, cfg.controller.dt_min)),
                           int(status_nonfinite_state), 0);
    // Landing steps never count as too small, only the controller's own.
    status |= Impl::select(act & !accept & finite & !land & Impl::le(h, cfg.controller.dt_min),
                           int(status_step_too_small), 0);
    if constexpr (implicit_step) {
      if (solver_status != 0 && (fixed || Impl::le(h, cfg.controller.dt_min)))
        status |= solver_status;
    }
    l.clock[0] = Impl::select(accept, t_new, t);
    const std::int64_t accepted = l.counters[Loop::c_accepted] + std::int64_t(accept);
    const std::int64_t rejected = l.counters[Loop::c_rejected] + std::int64_t(act & !accept);
    l.counters[Loop::c_accepted] = accepted;
    l.counters[Loop::c_rejected] = rejected;
    l.counters[Loop::c_evals] += Impl::select(act, evals, 0);
    status |= Impl::select(act & (accepted + rejected >= cfg.max_steps), int(status_max_steps), 0);
    const std::int64_t new_status = l.counters[Loop::c_status] | status;
    l.counters[Loop::c_status] = new_status;
    // Still short of the target: it was, and did not land on it, and did not
    // fail (derived from the flags rather than by comparing the new time:
    // GCC does not vectorise the select of comparisons that would become).
    return act & !(accept & land) & (new_status == 0);
  }

  /// The controller's part of an attempt `a`: the next step size and the
  /// history. `P`: whether the predictive term is compiled in. (Plain
  /// scalars, not the struct: GCC does not vectorise the host loop that
  /// rebuilds one from arrays.)
  template <bool KnownFixed, Prediction P, class L>
  KOKKOS_FORCEINLINE_FUNCTION static void settle(const Env& e, L& l, std::int64_t sys, double t,
                                                 double h, double err_sq, bool act, bool eligible,
                                                 bool accept, bool land) {
    const double dt = l.clock[1];
    double next_dt = h;
    if constexpr (!KnownFixed) {
      ControllerHistory hist{l.hist[0], l.hist[1], l.hist[2]};
      next_dt = propose_step<P>(e.cfg.controller, hist, h, err_sq, eligible);
      l.hist[0] = hist.log2_err1_sq;  // (unchanged unless an eligible attempt was accepted)
      l.hist[1] = hist.log2_err2_sq;
      l.hist[2] = hist.h1;
    }
    e.log.lane(e.first_system + sys).step(t, h, err_sq, accept, next_dt);
    // A step shortened to land never shrinks the controller's proposal.
    l.clock[1] =
        Impl::select(act, Impl::select(accept & land & Impl::lt(next_dt, dt), dt, next_dt), dt);
  }

  /// `attempt` then `settle`: one whole step of one lane. Returns whether
  /// the lane is still short of the target.
  template <bool KnownFixed = false, Prediction P = Prediction::any, class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION static bool advance(const Env& e, const Mem& mem, L& l,
                                                  std::int64_t sys, double target) {
    const Attempted a = attempt<KnownFixed>(e, mem, l, sys, target);
    settle<KnownFixed, P>(e, l, sys, a.t, a.h, a.err_sq, a.act, a.eligible, a.accept, a.land);
    return a.still;
  }

  /// The lean loop of fixed steps (defined with the other explicit-only
  /// paths in kobie/algorithms/explicit/loop_fast_paths.hpp).
  template <class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION static void take_full_fixed_steps(const Env& e, const Mem& mem, L& l,
                                                                std::int64_t sys, double target);
  /// Whether every y[i] is finite: 0 * y[i] is a zero for a finite y[i]
  /// and NaN for an infinity or a NaN, and a NaN stays in a sum. The same
  /// verdict as `Impl::isfinite` state by state, in n multiplies (fused into
  /// multiply-adds, `Impl::mul_add`) and one comparison where that takes
  /// 3n - 1 instructions (a CUDA float32 Lorenz step: 4 against 8;
  /// scripts/ptx-loops.py).
  /// Like `isfinite` itself, it means nothing under -ffinite-math-only (part
  /// of -ffast-math, which KoBIE's own targets never use).
  template <class Y>
  KOKKOS_FORCEINLINE_FUNCTION static bool all_finite(const Y& y) {
    T zeros = T(0) * T(y[0]);
    Impl::for_n<n - 1>(
        [&](const int i) KOBIE_INLINE_LAMBDA { zeros = Impl::mul_add(T(0), T(y[i + 1]), zeros); });
    return zeros == zeros;
  }

  /// a[idx] for a run-time idx without indexing a register array at run time
  /// (that would move the whole array to the stack on CUDA).
  template <int N, class A>
  KOKKOS_FORCEINLINE_FUNCTION static T pick(const A& a, int idx) {
    T r = T(a[0]);
    Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA { r = i == idx ? T(a[i]) : r; });
    return r;
  }

  /// The observables at the lane's current time, in the lane's buffer.
  template <class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION auto observe(const Mem& mem, L& l, std::int64_t sys) const {
    auto obs = mem.template get<Loop::observables>();
    if constexpr (System::n_observables > 0) {
      const Env e = env();
      const auto p = parameters_of(e, mem, sys);
      auto dv = mem.template get<Loop::driver_values>();
      const double t = l.clock[0];
      if constexpr (System::n_drivers > 0) {
        Impl::for_n<System::n_drivers>([&](const int d)
                                           KOBIE_INLINE_LAMBDA { dv[d] = T(drivers(d, t)); });
      }
      system.observables(t, l.y, p, dv, obs);
    }
    return obs;
  }

  /// Writes save row `k` (states, then observables); NaN for a failed system.
  template <class Mem, class L>
  KOKKOS_FORCEINLINE_FUNCTION void save(const Mem& mem, L& l, std::int64_t sys, int k) const {
    const int row = k - cfg.save_begin;
    const bool ok = l.counters[Loop::c_status] == 0;
    const T nan = std::numeric_limits<T>::quiet_NaN();
    for (int v = 0; v < cfg.n_saved_states; ++v)
      outputs(row, v, sys) = ok ? pick<n>(l.y, cfg.saved_states[v]) : nan;
    if constexpr (System::n_observables > 0) {
      if (cfg.n_saved_observables > 0) {
        const auto obs = observe(mem, l, sys);
        for (int v = 0; v < cfg.n_saved_observables; ++v)
          outputs(row, cfg.n_saved_states + v, sys) =
              ok ? pick<System::n_observables>(obs, cfg.saved_observables[v]) : nan;
      }
    }
  }

  /// Folds summary sample `j` into the lane's accumulators and, when it
  /// completes a window, writes that window's metrics (NaN for a failed
  /// system).
  template <class Mem, class L>
  KOKKOS_INLINE_FUNCTION void sample(const Mem& mem, L& l, std::int64_t sys, std::int64_t j) const {
    const auto& sc = cfg.summary;
    const auto acc = mem.template child<1>().template get<Summaries::accumulators>();
    const int m = sc.samples_per_window;
    const std::int64_t w = j / m;
    const int index_in_window = int(j - w * m);
    const double t_j = cfg.sample_time(j);
    const bool failed = l.counters[Loop::c_status] != 0;
    const int slots = sc.slots();
    auto obs = mem.template get<Loop::observables>();
    if constexpr (System::n_observables > 0) {
      if (sc.needs_observables) obs = observe(mem, l, sys);
    }
    for (int v = 0; v < sc.n_variables; ++v) {
      const int var = sc.variables[v];
      const double x =
          var < n
              ? double(pick<n>(l.y, var))
              : double(pick<(System::n_observables > 0 ? System::n_observables : 1)>(obs, var - n));
      Impl::accumulate_sample(acc, v * slots, j, index_in_window, x, t_j, sc.sample_interval,
                              sc.n_peaks);
    }
    if (index_in_window == m - 1) {
      const int row = int(w - sc.window_begin);
      const int columns = sc.columns_per_variable;
      for (int v = 0; v < sc.n_variables; ++v)
        Impl::write_summary(
            acc, v * slots, sc.flags, sc.n_peaks, m, failed,
            [&](int c, double value) { summaries(row, v * columns + c, sys) = T(value); });
    }
  }

  /// Host, explicit steps: the uniform fixed passes and the adaptive passes
  /// on SIMD packs (kobie/algorithms/explicit/loop_fast_paths.hpp).
  template <SliceLayoutKnown Known>
  KOBIE_HOST_NOINLINE bool advance_uniform_fixed(char* shared, std::int64_t first, int count,
                                                 double target) const;
#if KOBIE_SIMD_PACKS
  KOBIE_HOST_NOINLINE int attempt_packs(char* shared, std::int64_t first, int count, double target,
                                        double* at_t, double* at_h, double* at_err_sq,
                                        int* at_flags) const;
#endif

  /// Host: advances lanes [0, count) of a team to `target`, one attempted
  /// step per pass, each pass one vectorised loop over the lanes, until none
  /// is short of it. Out of line on purpose, with everything it reads copied
  /// into locals first (see Env): that is the shape GCC vectorises.
  KOBIE_HOST_NOINLINE void advance_segment(char* shared, std::int64_t first, int count,
                                           double target) const {
    const Env e = env();
    const AllocatorTable<Loop> tbl = table;
    const int lanes = plan.lanes_per_team;
    char* const pers = persistent;
    auto segment = [&](auto layout, auto fixed, auto prediction) KOBIE_INLINE_LAMBDA {
      constexpr SliceLayoutKnown known = decltype(layout)::value;
      constexpr bool known_fixed = decltype(fixed)::value;
      constexpr Prediction p = decltype(prediction)::value;
      auto memory_of = [&](int lane, Locals& locals) KOBIE_INLINE_LAMBDA {
        const LaneContext ctx{shared, pers, first + lane, e.n_systems, lane, lanes};
        return root_memory<Placement, vector_passes, Loop, known>(tbl, ctx, locals);
      };
      if constexpr (known_fixed && known == SliceLayoutKnown::at_run_time &&
                    n > Impl::unroll_limit && std::is_same<Log, NoLog>::value && !implicit_step) {
        // The lanes of a large system in contiguous slices (or left by the
        // uniform passes) do not vectorise across lanes (its loops over
        // states stay loops): each runs its
        // steps alone, the full ones in the lean loop, as a CUDA thread does
        // (Lorenz-96 RK4: 0.92 of the passes' time). A small system keeps
        // the passes, whose lanes side by side hide each other's latency
        // (Lorenz RK4 lane by lane took 2.2 times as long).
        for (int lane = 0; lane < count; ++lane) {
          Locals locals{};
          const auto mem = memory_of(lane, locals);
          auto l = lane_buffers(mem);
          take_full_fixed_steps(e, mem, l, first + lane, target);
          while (advance<true, p>(e, mem, l, first + lane, target)) {
          }
        }
        return;
      }
      int still;
      if constexpr (!known_fixed) {
        // Adaptive steps: each pass is two SIMD loops over the lanes, the
        // attempt and then the controller. Fused, the controller's constants
        // and temporaries push the stage values out of the vector registers
        // (about 8% slower on the Lorenz Dormand-Prince benchmark). The
        // controller's loop is compiled twice, with and without the
        // predictive term (a third of its arithmetic; the predictive form
        // for every controller cost 13 to 17% there), the attempt's, with
        // the method's stages, once. Between the two loops each lane's
        // `Attempted` waits in these arrays (the driver's own bookkeeping,
        // like a loop counter: nothing a placement could move).
        // (count <= max_host_lanes: run_solve's launch plans keep to it)
        double at_t[max_host_lanes], at_h[max_host_lanes], at_err_sq[max_host_lanes];
        int at_flags[max_host_lanes];
        auto settle_all = [&](auto controller_form) KOBIE_INLINE_LAMBDA {
          constexpr Prediction form = decltype(controller_form)::value;
          KOBIE_VECTOR_HOT_LOOP
          for (int lane = 0; lane < count; ++lane) {
            Locals locals{};
            const auto mem = memory_of(lane, locals);
            auto l = lane_buffers(mem);
            const int flags = at_flags[lane];
            settle<false, form>(e, l, first + lane, at_t[lane], at_h[lane], at_err_sq[lane],
                                (flags & 2) != 0, (flags & 4) != 0, (flags & 8) != 0,
                                (flags & 16) != 0);
          }
        };
        // (contiguous slices: the predictive form for every controller)
        const bool predictive =
            known != SliceLayoutKnown::interleaved || e.cfg.controller.predictive;
        do {
          still = 0;
#if KOBIE_SIMD_PACKS  // (nvcc instantiates discarded branches of this lambda)
          if constexpr (use_adaptive_packs && known == SliceLayoutKnown::interleaved &&
                        std::is_same<Log, NoLog>::value) {
            still = attempt_packs(shared, first, count, target, at_t, at_h, at_err_sq, at_flags);
          } else
#endif
            KOBIE_VECTOR_HOT_LOOP
          for (int lane = 0; lane < count; ++lane) {
            Locals locals{};
            const auto mem = memory_of(lane, locals);
            auto l = lane_buffers(mem);
            const Attempted a = attempt<false>(e, mem, l, first + lane, target);
            at_t[lane] = a.t;
            at_h[lane] = a.h;
            at_err_sq[lane] = a.err_sq;
            // (bit 0 unused: GCC turns (x & 1) != 0 into a conversion to
            // bool, which it does not vectorise)
            at_flags[lane] =
                int(a.act) << 1 | int(a.eligible) << 2 | int(a.accept) << 3 | int(a.land) << 4;
            still += a.still ? 1 : 0;
          }
          if (predictive)
            settle_all(std::integral_constant<Prediction, Prediction::any>{});
          else
            settle_all(std::integral_constant<Prediction, Prediction::never>{});
        } while (still > 0);
      } else {
        do {
          still = 0;
          KOBIE_VECTOR_HOT_LOOP
          for (int lane = 0; lane < count; ++lane) {
            Locals locals{};
            const auto mem = memory_of(lane, locals);
            auto l = lane_buffers(mem);
            still += advance<true, p>(e, mem, l, first + lane, target) ? 1 : 0;
          }
        } while (still > 0);
      }
    };
    // Fixed steps: the uniform passes where the lanes allow them
    // (interleaved slices), the rest lane by lane through the run-time
    // slice formula (`advance`, or the lean loop for a large system; both
    // take the fixed-step form of the ERK sums, ErkStep::attempt<FixedStep>,
    // as the uniform passes do). Adaptive steps: interleaved slices (the
    // default) with a constant lane step, one SIMD loop for the attempt and
    // one per controller form (with the predictive term, without it);
    // contiguous slices through the run-time formula. A
    // method without an error estimate (`Step::adaptive` false) runs fixed
    // steps only (validation refuses another controller for it), so its
    // adaptive forms are not compiled. A host kernel thus holds the
    // method's stages four times (twice without an error estimate): the
    // uniform pass, per-lane fixed, and per-lane adaptive in each slice
    // form; a system larger than unroll_limit adds the lean loop, and SIMD
    // packs a pack body to each of the uniform and the adaptive passes
    // (docs/ARCHITECTURE.md, *Compile time*).
    using interleaved = std::integral_constant<SliceLayoutKnown, SliceLayoutKnown::interleaved>;
    using run_time = std::integral_constant<SliceLayoutKnown, SliceLayoutKnown::at_run_time>;
    using any = std::integral_constant<Prediction, Prediction::any>;
    using never = std::integral_constant<Prediction, Prediction::never>;
    auto adaptive = [&](auto layout) KOBIE_INLINE_LAMBDA {
      if constexpr (Step::adaptive) segment(layout, std::false_type{}, any{});
    };
    if (!Step::adaptive || e.cfg.controller.fixed) {
      if constexpr (std::is_same<Log, NoLog>::value && !implicit_step) {
        if (tbl.shared_layout == SharedSliceLayout::interleaved &&
            advance_uniform_fixed<SliceLayoutKnown::interleaved>(shared, first, count, target))
          return;
      }
      segment(run_time{}, std::true_type{}, never{});
    } else if (tbl.shared_layout != SharedSliceLayout::interleaved)
      adaptive(run_time{});
    else
      adaptive(interleaved{});
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
        Locals locals{};
        const auto mem = root_memory<Placement, vector_passes>(table, ctx, locals);
        auto l = lane_buffers(mem);
        f(mem, l, ctx.system);
      });
    };
    if constexpr (vector_passes) {
      each_lane([&](const auto& mem, auto& l, std::int64_t sys) { begin(mem, l, sys); });
      const int count = static_cast<int>(n_sys - first < lanes ? n_sys - first : lanes);
      cfg.for_each_event(
          [&](double target) { advance_segment(shared, first, count, target); },
          [&](int k) {
            each_lane([&](const auto& mem, auto& l, std::int64_t sys) { save(mem, l, sys, k); });
          },
          [&](std::int64_t j) {
            each_lane([&](const auto& mem, auto& l, std::int64_t sys) { sample(mem, l, sys, j); });
          });
      each_lane([&](const auto& mem, auto& l, std::int64_t sys) { end(mem, l, sys); });
    } else {
      const Env e = env();
      // Fixed steps compile apart, without controller arithmetic. Systems of
      // up to unroll_limit states take their full steps in the lean loop;
      // in a larger one advance's bookkeeping is a small part of each step,
      // and the loop's second copy of the stages cost 18% of its object's
      // compile time (docs/ARCHITECTURE.md, *Benchmarks*, "Where a CUDA
      // fixed step spends its instructions").
      auto run = [&](auto fixed) {
        constexpr bool known_fixed = decltype(fixed)::value;
        each_lane([&](const auto& mem, auto& l, std::int64_t sys) {
          begin(mem, l, sys);
          cfg.for_each_event(
              [&](double target) {
                if constexpr (known_fixed && std::is_same<Log, NoLog>::value &&
                              n <= Impl::unroll_limit && !implicit_step)
                  take_full_fixed_steps(e, mem, l, sys, target);
                while (advance<known_fixed>(e, mem, l, sys, target)) {
                }
              },
              [&](int k) { save(mem, l, sys, k); },
              [&](std::int64_t j) { sample(mem, l, sys, j); });
          end(mem, l, sys);
        });
      };
      if (!Step::adaptive || e.cfg.controller.fixed)
        run(std::true_type{});
      else if constexpr (Step::adaptive)
        run(std::false_type{});
    }
  }
};

}  // namespace kobie

// The explicit family's paths, declared above.
#include <kobie/algorithms/explicit/loop_fast_paths.hpp>
