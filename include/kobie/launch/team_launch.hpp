#pragma once

/// \file
/// The kernel shape: one lane = one system, lanes are Kokkos vector lanes.
/// CUDA: `TeamPolicy(league, warps, 32)`, one lane per thread. Host:
/// `TeamPolicy<Schedule<Dynamic>>(league, 1)`, one thread walking its team's
/// lanes in a counted SIMD loop across systems, teams handed out one at a
/// time. See docs/ARCHITECTURE.md, *Execution model*.

#include <kobie/registry/buffer_registry.hpp>

#include <Kokkos_Core.hpp>

#include <stdexcept>
#include <string>

#include <cstdint>
#include <type_traits>

namespace kobie {

/// True for execution spaces whose teams are one host thread walking many
/// lanes in vectorised passes (OpenMP, Serial, ...); false for CUDA.
template <class ExecSpace>
struct lanes_in_vector_passes : std::true_type {};
#ifdef KOKKOS_ENABLE_CUDA
template <>
struct lanes_in_vector_passes<Kokkos::Cuda> : std::false_type {};
#endif

/// The backend's limits, queried from Kokkos (scratch capacities) and fixed
/// by the kernel shape (lanes per team). `lanes_per_team` (the setting; 0:
/// the backend's default) is honoured exactly (in team scratch level 1 when
/// level 0 cannot hold it); the default is where `plan_launch` starts
/// halving from.
template <class ExecSpace>
LaunchLimits launch_limits(int lanes_per_team = 0) {
  LaunchLimits l;
  Kokkos::TeamPolicy<ExecSpace> probe(1, 1);
  l.level0_bytes = probe.scratch_size_max(0);
  l.level1_bytes = probe.scratch_size_max(1);
  if constexpr (lanes_in_vector_passes<ExecSpace>::value) {
    // 128: bench/placement.cpp's team-size sweep (lanes 8..512) found 64 to
    // 512 within 1% for fixed steps and 128 6% faster than 64 for adaptive
    // ones (256 and 512: 8%); more lanes also mean more passes a team takes
    // when its systems need different step counts.
    l.preferred_lanes = lanes_per_team > 0 ? lanes_per_team : 128;
    l.min_lanes = lanes_per_team > 0 ? lanes_per_team : 8;  // a request is honoured exactly
    // 16 after a spill: systems too large for 8 lanes in level 0 are large
    // systems, whose fixed steps may run as SIMD packs over interleaved
    // slices, where a slice's stride is the team's lanes; 128-state
    // Lorenz-96 RK4 took 124-130 ms with 8 or 16 lanes, 247 with 64 and 265
    // with 128 (kobie_bench_scaling, 2 threads).
    l.level1_lanes = lanes_per_team > 0 ? lanes_per_team : 16;
    l.lanes_per_thread = 0;  // all of the team's lanes
    l.policy_vector_length = 1;
    l.lanes_in_vector_passes = true;
  } else {
    if (lanes_per_team > 0 && lanes_per_team < 32)
      throw std::invalid_argument("kobie: lanes_per_team = " + std::to_string(lanes_per_team) +
                                  " on CUDA; allowed: 0 (default 256) or a power of two from "
                                  "32 (a warp) to 1024");
    l.preferred_lanes = lanes_per_team > 0 ? lanes_per_team : 256;  // 8 warps
    l.min_lanes = lanes_per_team > 0 ? lanes_per_team : 32;
    l.lanes_per_thread = 32;
    l.policy_vector_length = 32;
    l.lanes_in_vector_passes = false;
  }
  return l;
}

/// The layout options that match an execution space.
template <class ExecSpace>
LayoutOptions layout_options() {
  LayoutOptions o;
  o.lanes_in_vector_passes = lanes_in_vector_passes<ExecSpace>::value;
  return o;
}

/// The team policy type of a launch. Host teams are handed out to threads
/// dynamically, one at a time: a batch's systems need different numbers of
/// steps (one end of a parameter sweep often needs more), and a static split
/// of the league left one thread idle while the other finished its harder
/// half (docs/ARCHITECTURE.md, *Execution model*). CUDA schedules blocks
/// itself.
template <class ExecSpace>
using team_policy_t =
    std::conditional_t<lanes_in_vector_passes<ExecSpace>::value,
                       Kokkos::TeamPolicy<ExecSpace, Kokkos::Schedule<Kokkos::Dynamic>>,
                       Kokkos::TeamPolicy<ExecSpace>>;

/// The team policy of a launch over `n_systems` systems: league, team size,
/// vector length, chunk (host: one team) and the team scratch of the plan
/// (one set_scratch_size per level, nothing else).
template <class ExecSpace>
team_policy_t<ExecSpace> make_team_policy(const ExecSpace& space, const LaunchPlan& plan,
                                          std::int64_t n_systems) {
  const std::int64_t league = (n_systems + plan.lanes_per_team - 1) / plan.lanes_per_team;
  team_policy_t<ExecSpace> policy(space, static_cast<int>(league), plan.team_size,
                                  plan.vector_length);
  if constexpr (lanes_in_vector_passes<ExecSpace>::value) policy.set_chunk_size(1);
  if (plan.team_scratch_bytes > 0)
    policy.set_scratch_size(plan.scratch_level, Kokkos::PerTeam(plan.team_scratch_bytes));
  return policy;
}

namespace Impl {
/// The team's shared region, aligned for 512-bit vectors. Every team member
/// calls it once, in the same order (Kokkos team scratch contract).
template <class Member>
KOKKOS_INLINE_FUNCTION char* team_shared_base(const Member& team, const LaunchPlan& plan) {
  if (plan.team_scratch_bytes == 0) return nullptr;
  // The level is a constant in each branch: team_scratch(runtime level) makes
  // nvcc keep Kokkos' per-level scratch state in a stack frame.
  char* raw = static_cast<char*>(plan.scratch_level == 0
                                     ? team.team_scratch(0).get_shmem(plan.team_scratch_bytes)
                                     : team.team_scratch(1).get_shmem(plan.team_scratch_bytes));
  const auto addr = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t a = scratch_base_alignment;
  return raw + ((a - addr % a) % a);
}
}  // namespace Impl

namespace Impl {
/// Host lane loops: plain counted loops marked for vectorisation (Kokkos'
/// ThreadVectorRange carries its increment at run time, which hides the trip
/// count from the vectoriser). KOBIE_VECTOR_HOT_LOOP marks the hot
/// stepping loops: `GCC ivdep`, because `omp simd` turns every address-taken
/// local of the body into a per-lane array the vectoriser then rejects.
/// KOBIE_VECTOR_LOOP marks the light per-launch loops (begin, save, end).
#if defined(__CUDACC__)
#define KOBIE_VECTOR_LOOP
#define KOBIE_VECTOR_HOT_LOOP
#elif defined(_OPENMP)
#define KOBIE_VECTOR_LOOP _Pragma("omp simd")
#define KOBIE_VECTOR_HOT_LOOP _Pragma("GCC ivdep")
#elif defined(__GNUC__) && !defined(__clang__)
#define KOBIE_VECTOR_LOOP _Pragma("GCC ivdep")
#define KOBIE_VECTOR_HOT_LOOP _Pragma("GCC ivdep")
#elif defined(__clang__)
#define KOBIE_VECTOR_LOOP _Pragma("clang loop vectorize(enable)")
#define KOBIE_VECTOR_HOT_LOOP _Pragma("clang loop vectorize(enable)")
#else
#define KOBIE_VECTOR_LOOP
#define KOBIE_VECTOR_HOT_LOOP
#endif
}  // namespace Impl

/// Calls `f(lane)` for every lane of this team that maps to one of the batch's
/// `n_systems` systems (system = league_rank * lanes_per_team + lane). On
/// host the lanes are one vectorised pass (inactive lanes past the batch's
/// end are skipped by the loop bound); on CUDA each thread runs its lane.
template <class Member, class F>
KOKKOS_FORCEINLINE_FUNCTION void for_each_lane(const Member& team, const LaunchPlan& plan,
                                               std::int64_t n_systems, const F& f) {
  const std::int64_t first = std::int64_t(team.league_rank()) * plan.lanes_per_team;
  const int count = static_cast<int>(n_systems - first < plan.lanes_per_team ? n_systems - first
                                                                             : plan.lanes_per_team);
  if (plan.team_size == 1 && plan.vector_length == 1) {  // host: one thread walks its lanes
    KOBIE_VECTOR_LOOP
    for (int lane = 0; lane < count; ++lane) f(lane);
    return;
  }
  const int per_thread = plan.lanes_per_thread;
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, plan.team_size), [&](const int t) {
    Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, per_thread), [&](const int v) {
      const int lane = t * per_thread + v;
      if (lane < count) f(lane);
    });
  });
}

}  // namespace kobie
