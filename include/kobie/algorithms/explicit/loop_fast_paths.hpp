#pragma once

/// \file
/// The explicit family's paths through the integration loop: member
/// functions of `IntegrationKernel` (kobie/loop/integration_loop.hpp, which
/// declares them and includes this file at its end) that only explicit
/// steps take, because they rely on what only an explicit step offers
/// (`attempt<FixedStep>` with the loop's decision inside it, SIMD packs of
/// systems, a fixed number of evaluations per attempt):
///
/// * `take_full_fixed_steps`: the lean loop of fixed steps (a CUDA thread's,
///   and a host lane's of a large system);
/// * `advance_uniform_fixed`: host fixed steps of a team whose lanes stand
///   together, one pass per step;
/// * `attempt_packs`: host adaptive attempts of a large system on packs.
///
/// Each gives bitwise the results of the per-lane path (`advance`) that
/// every method takes (tested: test_simd_packs, test_simd_pack_systems).

#include <kobie/loop/integration_loop.hpp>

namespace kobie {

/// Fixed steps of one lane, the lean loop: the segment's full steps
/// towards `target`, each only the method's stages, the proposal's
/// finiteness check and t += dt, with the counters settled once at the end.
/// It stops before every step `advance` treats apart, which then takes it:
/// the landing step, the attempt whose count reaches max_steps, a step
/// that would not move t (stagnation) and an attempt with a non-finite
/// proposal (taken again by `advance` from the same state, where it fails).
/// Every step it does take is bitwise the step `advance` takes (the same
/// attempt with h = dt, the same time and the same state), so results do
/// not change; what goes is `advance`'s per-step bookkeeping (the landing
/// test's selects, the status word, three counters, the controller's
/// select), and with h fixed the weights T(h b) leave the loop. The CUDA
/// per-thread loop runs the fixed steps of systems of up to unroll_limit
/// states so, and on the host each lane of a larger system in contiguous
/// slices (`advance_segment`).
template <class System, class Method, class T, class Placement, class ExecSpace, class Log,
          class Isa>
template <class Mem, class L>
KOKKOS_FORCEINLINE_FUNCTION void
IntegrationKernel<System, Method, T, Placement, ExecSpace, Log, Isa>::take_full_fixed_steps(
    const Env& e, const Mem& mem, L& l, std::int64_t sys, double target) {
  if (!active(l, target)) return;
  double t = l.clock[0];
  const double dt = l.clock[1];
  // Attempts this loop may make: the one that reaches max_steps is `advance`'s.
  const std::int64_t budget =
      e.cfg.max_steps - 1 - l.counters[Loop::c_accepted] - l.counters[Loop::c_rejected];
  const auto p = parameters_of(e, mem, sys);
  auto dv = mem.template get<Loop::driver_values>();
  auto y_new = mem.template get<Loop::proposal>();
  const auto rhs = rhs_of(e, p, dv);
  std::int64_t taken = 0;  // (of the budget's type: no conversion per step)
  while (taken < budget) {
    // (the landing test and the step's end exactly as `open_attempt` and
    // `close_attempt` compute them)
    if (Impl::ge(dt, (target - t) * (1.0 - 1e-12))) break;
    const double t_next = t + dt;
    if (!Impl::gt(t_next, t)) break;
    bool finite = true;
    auto decide = [&](const auto&) KOBIE_INLINE_LAMBDA {
      finite = all_finite(y_new);
      return finite;
    };
    int evals = 0;
    Step::template attempt<true>(step_memory(mem), t, dt, l.y, y_new, l.fsal, rhs, e.cfg.tolerances,
                                 decide, evals, NoLog{});
    if (!finite) break;
    Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA { l.y[i] = y_new[i]; });
    t = t_next;
    ++taken;
  }
  l.clock[0] = t;
  l.counters[Loop::c_accepted] += taken;
  l.counters[Loop::c_evals] += taken * Step::rhs_evals_per_attempt;
}

/// Host, fixed steps, the usual case: every lane of the team is active and
/// stands at the same time with the same step (they started together, and
/// fixed steps keep them together). The step times are then the same for
/// all of them and are computed once, in scalar code, and each pass over
/// the lanes is the step itself: no per-lane clock, landing, status or
/// controller arithmetic, and no check of the proposals, all in the state's
/// own precision. Clocks and counters are settled after the segment to
/// exactly what `advance` would have left: results are bitwise those of
/// the per-lane passes (tested).
///
/// Everything else is `advance`'s, lane by lane (this returns false with
/// every lane settled where it left it): a team with an inactive (failed)
/// lane, a block of lanes that ends a chunk with a non-finite state (undone
/// to the chunk's start, so that `advance` fails each lane at exactly its
/// step), attempts that could reach max_steps, and a step that would
/// stagnate. So the method's stages are compiled here once, unchecked.
/// Returns whether every lane is done with the segment.
template <class System, class Method, class T, class Placement, class ExecSpace, class Log,
          class Isa>
template <SliceLayoutKnown Known>
KOBIE_HOST_NOINLINE bool
IntegrationKernel<System, Method, T, Placement, ExecSpace, Log, Isa>::advance_uniform_fixed(
    char* shared, std::int64_t first, int count, double target) const {
  constexpr int max_lanes = max_host_lanes;
  const Env e = env();
  const AllocatorTable<Loop> tbl = table;
  const int lanes = plan.lanes_per_team;
  char* const pers = persistent;
  auto lane_of = [&](int lane, Locals& locals) KOBIE_INLINE_LAMBDA {
    const LaneContext ctx{shared, pers, first + lane, e.n_systems, lane, lanes};
    return root_memory<Placement, vector_passes, Loop, Known>(tbl, ctx, locals);
  };
#if KOBIE_SIMD_PACKS
  // Lanes lane .. lane + W - 1 as packs.
  auto pack_of = [&](int lane, auto& locals) KOBIE_INLINE_LAMBDA {
    const LaneContext ctx{shared, pers, first + lane, e.n_systems, lane, lanes};
    constexpr int W = std::decay_t<decltype(locals)>::width;
    return pack_memory<Placement, vector_passes, Loop, W>(tbl, ctx, locals);
  };
#endif
  // Are all lanes active and together, and how many attempts may they make?
  double t = 0.0, dt = 0.0;
  int n_active = 0;
  std::int64_t most_attempts = 0;
  for (int lane = 0; lane < count; ++lane) {
    Locals locals{};
    const auto mem = lane_of(lane, locals);
    const auto l = lane_buffers(mem);
    if (!active(l, target)) continue;
    if (n_active > 0 && (double(l.clock[0]) != t || double(l.clock[1]) != dt)) return false;
    t = l.clock[0];
    dt = l.clock[1];
    ++n_active;
    const std::int64_t attempts =
        std::int64_t(l.counters[Loop::c_accepted]) + l.counters[Loop::c_rejected];
    most_attempts = attempts > most_attempts ? attempts : most_attempts;
  }
  if (n_active == 0) return true;
  if (n_active < count) return false;
  // The step sequence `advance` takes: from (t, dt) the attempt h and, if
  // accepted, the next t and dt. False: the step would stagnate.
  auto step_from = [target](double& ts, double& dts, double& h) {
    const double remaining = target - ts;
    const bool land = dts >= remaining * (1.0 - 1e-12);
    h = land ? remaining : dts;
    if (!land && !(ts + h > ts)) return false;
    ts = land ? target : ts + h;
    dts = land && h < dts ? dts : h;
    return true;
  };
  std::int64_t budget = e.cfg.max_steps - most_attempts - 1;  // never reach max_steps here
  // The passes touch only states (and the FSAL derivative): counters are
  // settled from the number of passes.
  int passes = 0;
  // One step of lanes [lo, hi), every lane taking its proposal; a large
  // system that allows it steps its lanes as packs of W, the rest one by
  // one.
  auto pass = [&](double h, int lo, int hi) KOBIE_INLINE_LAMBDA {
    int lane_begin = lo;
#if KOBIE_SIMD_PACKS  // (nvcc instantiates discarded branches of this lambda)
    if constexpr (use_packs) {
      constexpr int W = Impl::pack_width<T>;
      lane_begin = hi - (hi - lo) % W;
      for (int lane = lo; lane < lane_begin; lane += W) {
        PackLocals<W> locals{};
        const auto mem = pack_of(lane, locals);
        auto y = mem.template get<Loop::state>();
        auto fsal = step_memory(mem).template get<Step::fsal_rhs>();
        const auto p = parameters_of(e, mem, first + lane);
        auto dv = mem.template get<Loop::driver_values>();
        auto y_new = mem.template get<Loop::proposal>();
        int evals = 0;
        StepIn<Pack<T, W>>::template attempt<true>(
            step_memory(mem), t, h, y, y_new, fsal, rhs_of(e, p, dv), e.cfg.tolerances,
            [](const auto&) { return true; }, evals, NoLog{});
        Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA { y[i] = y_new[i]; });
      }
    }
#endif
    KOBIE_VECTOR_HOT_LOOP
    for (int lane = lane_begin; lane < hi; ++lane) {
      Locals locals{};
      const auto mem = lane_of(lane, locals);
      auto l = lane_buffers(mem);
      const auto p = parameters_of(e, mem, first + lane);
      auto dv = mem.template get<Loop::driver_values>();
      auto y_new = mem.template get<Loop::proposal>();
      int evals = 0;
      Step::template attempt<true>(
          step_memory(mem), t, h, l.y, y_new, l.fsal, rhs_of(e, p, dv), e.cfg.tolerances,
          [](const auto&) { return true; }, evals, NoLog{});
      Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA { l.y[i] = y_new[i]; });
    }
  };
  // The next step of the sequence, as one pass over lanes [lo, hi). False
  // (and nothing done): the step would stagnate.
  auto step = [&](int lo, int hi) KOBIE_INLINE_LAMBDA {
    double t_next = t, dt_next = dt, h;
    if (!step_from(t_next, dt_next, h)) return false;
    pass(h, lo, hi);
    ++passes;
    t = t_next;
    dt = dt_next;
    --budget;
    return true;
  };
  // Checking every proposal costs about a third of a Lorenz RK4 pass. The
  // check is therefore made once per `chunk_passes` passes, on the states:
  // a state that was not finite after some step of the chunk is still not
  // finite at its end, because every step adds to it (y + h sum b_j k_j:
  // inf + x and NaN + x are never finite). The chunk runs block by block
  // of lanes, each block from a copy of its states (and FSAL derivatives):
  // all lanes when the copy holds them, else as many as it holds, a
  // multiple of the pack width (the same steps for every block, so the
  // same bits). A block that ends with a non-finite state is undone from
  // its copy and left, with the chunk's start as its clock, to `advance`.
  constexpr int chunk_passes = 16;
  constexpr int copy_capacity = 8192;  // elements of T (64 KiB of float64)
  constexpr int copied = Step::fsal ? 2 * n : n;
  constexpr int block_quantum = use_packs ? Impl::pack_width<T> : 1;
  constexpr int block_fit = copy_capacity / copied / block_quantum * block_quantum;
  const int block = count <= copy_capacity / copied ? count : block_fit;
  if (block < 1) return false;
  T copy[copy_capacity];
  // (Integers of the state's width: a flag of another width makes GCC
  // convert every mask through integer vectors.)
  using LaneFlag = std::conditional_t<sizeof(T) == 8, std::int64_t, std::int32_t>;
  LaneFlag undone[max_lanes];
  bool any_undone = false, stalled = false;
  double t_undone = 0.0, dt_undone = 0.0;
  int passes_undone = 0;
  while (t != target && budget > 0 && !stalled && !any_undone) {
    const double t_chunk = t, dt_chunk = dt;
    const std::int64_t budget_chunk = budget;
    const int passes_chunk = passes;
    for (int lo = 0; lo < count; lo += block) {
      const int hi = count - lo > block ? lo + block : count, m = hi - lo;
      t = t_chunk;
      dt = dt_chunk;
      budget = budget_chunk;
      passes = passes_chunk;
      stalled = false;
      KOBIE_VECTOR_LOOP
      for (int lane = lo; lane < hi; ++lane) {
        Locals locals{};
        const auto mem = lane_of(lane, locals);
        const auto l = lane_buffers(mem);
        undone[lane] = 0;
        Impl::for_n<n>([&](const int i)
                           KOBIE_INLINE_LAMBDA { copy[i * m + lane - lo] = T(l.y[i]); });
        if constexpr (Step::fsal) {
          Impl::for_n<n>([&](const int i)
                             KOBIE_INLINE_LAMBDA { copy[(n + i) * m + lane - lo] = T(l.fsal[i]); });
        }
      }
      for (int k = 0; k < chunk_passes && t != target && budget > 0 && !stalled; ++k)
        stalled = !step(lo, hi);
      // (not `omp simd`: the OR is a reduction, which it would need declared)
      LaneFlag bad = 0;
      KOBIE_VECTOR_HOT_LOOP
      for (int lane = lo; lane < hi; ++lane) {
        Locals locals{};
        const auto mem = lane_of(lane, locals);
        const auto l = lane_buffers(mem);
        Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
          bad |= LaneFlag(!bool(Impl::isfinite(T(l.y[i]))));
        });
      }
      if (bad == 0) continue;
      KOBIE_VECTOR_LOOP
      for (int lane = lo; lane < hi; ++lane) {
        Locals locals{};
        const auto mem = lane_of(lane, locals);
        auto l = lane_buffers(mem);
        undone[lane] = 1;
        Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA { l.y[i] = copy[i * m + lane - lo]; });
        if constexpr (Step::fsal) {
          Impl::for_n<n>([&](const int i)
                             KOBIE_INLINE_LAMBDA { l.fsal[i] = copy[(n + i) * m + lane - lo]; });
        }
      }
      any_undone = true;
      t_undone = t_chunk;
      dt_undone = dt_chunk;
      passes_undone = passes_chunk;
    }
  }
  // Settle the counters and clocks: an undone lane at its chunk's start,
  // every other one where the passes left it.
  for (int lane = 0; lane < count; ++lane) {
    Locals locals{};
    const auto mem = lane_of(lane, locals);
    auto l = lane_buffers(mem);
    const bool back = any_undone && undone[lane] != 0;
    const int taken = back ? passes_undone : passes;
    l.counters[Loop::c_accepted] += taken;
    l.counters[Loop::c_evals] += Step::rhs_evals_per_attempt * taken;
    l.clock[0] = back ? t_undone : t;
    l.clock[1] = back ? dt_undone : dt;
  }
  return t == target && !any_undone;
}

#if KOBIE_SIMD_PACKS
/// Host, adaptive steps of a large system on packs (`use_adaptive_packs`):
/// the attempt loop of `advance_segment` as three passes over lanes
/// [0, count). The first opens every lane's attempt (its step size,
/// vectorised across lanes), the second takes the steps W lanes at a time
/// (`take_step` on packs, each system at its own time with its own step;
/// the lanes past the last multiple of W one by one), the third closes
/// every lane's books. Leaves in at_* what `settle` reads, as the per-lane
/// attempt loop does, and the same bits (tested). Returns how many lanes
/// are still short of `target`.
template <class System, class Method, class T, class Placement, class ExecSpace, class Log,
          class Isa>
KOBIE_HOST_NOINLINE int
IntegrationKernel<System, Method, T, Placement, ExecSpace, Log, Isa>::attempt_packs(
    char* shared, std::int64_t first, int count, double target, double* at_t, double* at_h,
    double* at_err_sq, int* at_flags) const {
  constexpr int max_lanes = max_host_lanes;
  constexpr int W = Impl::pack_width<T>;
  const Env e = env();
  const AllocatorTable<Loop> tbl = table;
  const int lanes = plan.lanes_per_team;
  char* const pers = persistent;
  auto lane_of = [&](int lane, Locals& locals) KOBIE_INLINE_LAMBDA {
    const LaneContext ctx{shared, pers, first + lane, e.n_systems, lane, lanes};
    return root_memory<Placement, vector_passes, Loop, SliceLayoutKnown::interleaved>(tbl, ctx,
                                                                                      locals);
  };
  // Each lane's flags: bit 1 active, 2 eligible, 3 accepted, 4 landing
  // (those of at_flags), 5 finite.
  enum : std::int64_t {
    act_bit = 2,
    eligible_bit = 4,
    accept_bit = 8,
    land_bit = 16,
    finite_bit = 32
  };
  std::int64_t bits[max_lanes];
  KOBIE_VECTOR_HOT_LOOP
  for (int lane = 0; lane < count; ++lane) {
    Locals locals{};
    const Attempted a = open_attempt(lane_buffers(lane_of(lane, locals)), target);
    at_t[lane] = a.t;
    at_h[lane] = a.h;
    bits[lane] = std::int64_t(a.act) * act_bit | std::int64_t(a.land) * land_bit;
  }
  const int packed = count - count % W;
  for (int lane = 0; lane < packed; lane += W) {
    const LaneContext ctx{shared, pers, first + lane, e.n_systems, lane, lanes};
    PackLocals<W> locals{};
    const auto mem = pack_memory<Placement, vector_passes, Loop, W>(tbl, ctx, locals);
    auto y = mem.template get<Loop::state>();
    auto fsal = step_memory(mem).template get<Step::fsal_rhs>();
    using Times = Pack<double, W>;
    Times err_sq;
    PackMask<W> eligible, finite(true);
    int evals = 0;
    const PackMask<W> accept = take_step<false>(
        e, mem, y, fsal, first + lane, Times::load(at_t + lane), Times::load(at_h + lane),
        PackMask<W>::bit_of(bits + lane, act_bit), err_sq, eligible, finite, evals, NoLog{});
    err_sq.store(at_err_sq + lane);
    eligible.set_bit(bits + lane, eligible_bit);
    accept.set_bit(bits + lane, accept_bit);
    finite.set_bit(bits + lane, finite_bit);
  }
  for (int lane = packed; lane < count; ++lane) {
    Locals locals{};
    const auto mem = lane_of(lane, locals);
    auto l = lane_buffers(mem);
    bool eligible = false, finite = true;
    int evals = 0;
    const bool accept = take_step<false>(e, mem, l.y, l.fsal, first + lane, at_t[lane], at_h[lane],
                                         (bits[lane] & act_bit) != 0, at_err_sq[lane], eligible,
                                         finite, evals, NoLog{});
    bits[lane] |= std::int64_t(eligible) * eligible_bit | std::int64_t(accept) * accept_bit |
                  std::int64_t(finite) * finite_bit;
  }
  int still = 0;
  KOBIE_VECTOR_HOT_LOOP
  for (int lane = 0; lane < count; ++lane) {
    Locals locals{};
    auto l = lane_buffers(lane_of(lane, locals));
    const std::int64_t b = bits[lane];
    still += close_attempt<false>(e, l, at_t[lane], at_h[lane], (b & act_bit) != 0,
                                  (b & land_bit) != 0, (b & accept_bit) != 0, (b & finite_bit) != 0,
                                  Step::rhs_evals_per_attempt, target)
                 ? 1
                 : 0;
    at_flags[lane] = int(b & (act_bit | eligible_bit | accept_bit | land_bit));
  }
  return still;
}
#endif

}  // namespace kobie
