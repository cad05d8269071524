#pragma once

/// \file
/// What a solve will do, decided on the host before anything is allocated
/// or launched: its shared-slice layout and launch shape, its launches
/// (windows of saves, with the summary samples and windows each completes),
/// the device arrays of a group of systems with their bytes per system
/// (`WorkingSet`), and how many systems a group holds under the memory
/// limit. Plain code in src/api/solve_plan.cpp, compiled once: `run_solve`
/// (kobie/api/solve.hpp) passes the kernel's shape as values and keeps only
/// what needs the kernel's types (the registry's layout, the kernel's
/// configuration and its launches).

#include <kobie/api/settings.hpp>
#include <kobie/api/working_set.hpp>
#include <kobie/registry/buffer_registry.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kobie {
namespace Impl {

/// One launch: saves [save_begin, save_end), the summary samples
/// [sample_begin, sample_end) it takes and the windows
/// [window_begin, window_end) it completes.
struct LaunchWindow {
  int save_begin = 0, save_end = 0;
  std::int64_t sample_begin = 0, sample_end = 0, window_begin = 0, window_end = 0;
};

/// What the plan needs to know of a kernel, as values.
struct KernelShape {
  int n_states = 0;
  int n_parameters = 0;
  std::int64_t scalar_bytes = 8;  ///< sizeof(T)
  int device_stat_rows = 0;       ///< counter rows the kernel writes
  bool vector_passes = false;     ///< host lanes run in vectorised passes
  /// Whether its host lane loop vectorises across lanes: then "auto" slices
  /// are interleaved, else contiguous (always true on CUDA).
  bool lane_loop_vectorises = true;
  int max_host_lanes = 0;  ///< the most lanes a host team may have
};

/// The plan of one solve (one kernel).
struct SolvePlan {
  SharedSliceLayout slices = SharedSliceLayout::interleaved;
  LaunchPlan launch;
  std::vector<LaunchWindow> launches;
  std::int64_t most_windows = 0;  ///< the most summary windows one launch completes
  /// A group's device arrays: the persistent storage, the initial states,
  /// the parameters and the counters (in the workspace arena), and one
  /// launch's outputs and summaries (results, allocated apart).
  WorkingSet working_set;
  int persistent_array = 0, states_array = 0, parameters_array = 0, counters_array = 0;
  std::int64_t bytes_per_system = 0;  ///< what the memory limit is divided by
  std::int64_t group = 0;             ///< systems per group
  std::string launch_report;          ///< lanes per team, scratch, slices, groups
};

/// Plans a solve of `n_systems` systems. `memory_limit` is the device
/// memory it may take (0: no limit); beyond it the batch runs in groups
/// when `group_systems`, and is refused otherwise (naming the setting
/// `device_memory_limit` and the bytes) when the user set that limit.
SolvePlan plan_solve(const ValidatedSettings& vs, const BufferLayout& layout,
                     const KernelShape& shape, const LaunchLimits& limits, std::int64_t n_systems,
                     std::int64_t memory_limit, bool group_systems);

}  // namespace Impl
}  // namespace kobie
