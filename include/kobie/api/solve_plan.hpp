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
  int max_host_lanes = 0;     ///< the most lanes a host team may have
  int host_stat_rows = 0;     ///< rows of the status and counters returned per system
  int host_vector_bytes = 0;  ///< the host code's vector registers (Impl::InstructionSet)
  bool host_fma = false;      ///< whether it fuses multiply-adds
};

/// How much memory a solve may take, and where its arrays live.
struct MemoryBudget {
  std::int64_t device_limit = 0;       ///< the execution space's memory; 0: no limit
  std::int64_t host_limit = 0;         ///< host memory; 0: no limit
  bool group_systems = false;          ///< the batch may run in groups (solve_to_host)
  bool space_is_host = false;          ///< the execution space's memory is host memory
  bool results_on_host = false;        ///< the returned outputs and summaries are in host memory
  std::int64_t caller_host_bytes = 0;  ///< what the caller holds besides (counted, e.g. a batch)
};

/// One kind of host memory a solve takes, planned.
struct HostArray {
  std::string name;
  double bytes = 0;  ///< (a double: a plan that does not fit must not overflow)
  std::string detail;
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
  /// The host memory the solve takes, array by array, and in all.
  std::vector<HostArray> host_arrays;
  double host_bytes = 0;
};

/// Plans a solve of `n_systems` systems within `budget`, before anything is
/// allocated. Beyond the device limit the batch runs in groups when
/// `group_systems` (on a host space also to fit the host limit), and is
/// refused otherwise (naming `device_memory_limit` and the bytes) when the
/// user set that limit. A solve whose host memory (results, status and end
/// state, on host spaces the working storage) exceeds the host limit is
/// refused, naming `host_memory_limit`, the bytes and what takes them.
SolvePlan plan_solve(const ValidatedSettings& vs, const BufferLayout& layout,
                     const KernelShape& shape, const LaunchLimits& limits, std::int64_t n_systems,
                     const MemoryBudget& budget);

/// Bytes as a person reads them: "2.24 TiB (2463000000000 B)".
std::string readable_bytes(double bytes);

}  // namespace Impl
}  // namespace kobie
