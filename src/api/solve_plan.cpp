#include <kobie/api/solve_plan.hpp>

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace kobie {
namespace Impl {

namespace {
/// Each launch's saves, samples and completed windows.
std::vector<LaunchWindow> launch_windows(const ValidatedSettings& vs, int samples_per_window,
                                         std::int64_t& most_windows) {
  std::vector<LaunchWindow> launches;
  most_windows = 0;
  for (int begin = 0; begin < vs.n_saves; begin += vs.saves_per_chunk) {
    LaunchWindow l;
    l.save_begin = begin;
    l.save_end = std::min(vs.n_saves, begin + vs.saves_per_chunk);
    l.sample_begin = launches.empty() ? 0 : launches.back().sample_end;
    l.sample_end = vs.samples_through_save(l.save_end - 1);
    l.window_begin = l.sample_begin / samples_per_window;
    l.window_end = l.sample_end / samples_per_window;
    most_windows = std::max(most_windows, l.window_end - l.window_begin);
    launches.push_back(l);
  }
  return launches;
}
}  // namespace

SolvePlan plan_solve(const ValidatedSettings& vs, const BufferLayout& layout,
                     const KernelShape& shape, const LaunchLimits& limits, std::int64_t n_systems,
                     std::int64_t memory_limit, bool group_systems) {
  SolvePlan p;
  // "auto": a host lane loop vectorises across lanes only when every
  // per-lane loop over states is unrolled (Impl::unroll_limit); without
  // that, each lane runs on its own and its slices are best contiguous
  // (1.5x on Lorenz-96 with 40 states: bench/placement.cpp), unless its
  // steps run the lanes as SIMD packs, which need interleaved ones.
  p.slices = vs.raw.shared_layout == "auto"
                 ? (shape.lane_loop_vectorises ? SharedSliceLayout::interleaved
                                               : SharedSliceLayout::contiguous)
                 : parse_shared_slice_layout(vs.raw.shared_layout, "shared_layout");
  p.launch = plan_launch(layout, limits, p.slices);
  if (shape.vector_passes && p.launch.lanes_per_team > shape.max_host_lanes)
    throw std::logic_error(
        "kobie: a host launch plan of " + std::to_string(p.launch.lanes_per_team) +
        " lanes per team; allowed: " + std::to_string(shape.max_host_lanes) + " at most");
  const int samples_per_window = vs.samples_per_window > 0 ? vs.samples_per_window : 1;
  p.launches = launch_windows(vs, samples_per_window, p.most_windows);

  // The group's arrays in the space's memory, declared once: their sum per
  // system divides the memory limit, and the arena holds them.
  const std::int64_t t = shape.scalar_bytes, i64 = sizeof(std::int64_t);
  const std::int64_t n_vars = vs.n_saved_variables();
  WorkingSet& ws = p.working_set;
  p.persistent_array = ws.add("persistent storage", layout.persistent_bytes_per_system());
  p.states_array = ws.add("initial states", t * shape.n_states);
  p.parameters_array = ws.add("parameters", t * shape.n_parameters);
  p.counters_array = ws.add("counters", i64 * shape.device_stat_rows);
  ws.add("outputs", t * vs.saves_per_chunk * n_vars, /*result=*/true);
  ws.add("summaries", t * p.most_windows * std::int64_t(vs.summary_columns.size()),
         /*result=*/true);
  p.bytes_per_system = ws.bytes_per_system();

  p.group = n_systems;
  if (memory_limit > 0 && p.bytes_per_system * n_systems > memory_limit) {
    if (!group_systems && vs.raw.device_memory_limit > 0)
      throw std::invalid_argument(
          "kobie: setting 'device_memory_limit' has value " +
          std::to_string(vs.raw.device_memory_limit) + " but the batch needs " +
          std::to_string(p.bytes_per_system * n_systems) + " bytes (" +
          std::to_string(p.bytes_per_system) +
          " per system) and `solve` keeps all results in device memory; allowed: a limit that "
          "fits, or `solve_to_host`, which runs the batch in groups of systems");
    if (group_systems) p.group = std::max<std::int64_t>(1, memory_limit / p.bytes_per_system);
  }

  std::ostringstream lr;
  lr << p.launch.lanes_per_team << " lanes per team (" << p.launch.team_size << " x "
     << p.launch.lanes_per_thread << "), team scratch level " << p.launch.scratch_level << ": "
     << p.launch.team_scratch_bytes << " B, " << to_string(p.slices) << " slices";
  if (p.group < n_systems)
    lr << "; " << (n_systems + p.group - 1) / p.group << " groups of up to " << p.group
       << " systems (memory limit " << memory_limit << " B, " << p.bytes_per_system
       << " B per system)";
  p.launch_report = lr.str();
  return p;
}

}  // namespace Impl
}  // namespace kobie
