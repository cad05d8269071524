#include <kobie/api/end_state.hpp>
#include <kobie/api/solve_plan.hpp>

#include <algorithm>
#include <cstdio>
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

std::string readable_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  double x = bytes;
  while (x >= 1024 && u < 6) x /= 1024, ++u;
  char text[96];
  if (u == 0)
    std::snprintf(text, sizeof text, "%.0f B", bytes);
  else
    std::snprintf(text, sizeof text, "%.3g %s (%.0f B)", x, units[u], bytes);
  return text;
}

namespace {
/// The host memory of a solve, array by array (see MemoryBudget).
std::vector<HostArray> host_arrays(const ValidatedSettings& vs, const BufferLayout& layout,
                                   const KernelShape& shape, std::int64_t n_systems,
                                   std::int64_t group, std::int64_t working_bytes_per_system,
                                   const MemoryBudget& budget) {
  const double n = double(n_systems), t = double(shape.scalar_bytes);
  std::vector<HostArray> a;
  auto per_system = [&](const std::string& what) {
    return what + " x " + std::to_string(n_systems) + " systems";
  };
  if (budget.results_on_host) {
    const double outputs = double(vs.n_saves) * vs.n_saved_variables() * t;
    a.push_back({"outputs", outputs * n,
                 per_system(std::to_string(vs.n_saves) + " saves x " +
                            std::to_string(vs.n_saved_variables()) + " variables x " +
                            std::to_string(shape.scalar_bytes) + " B")});
    const double summaries = double(vs.n_windows) * double(vs.summary_columns.size()) * t;
    if (summaries > 0)
      a.push_back({"summaries", summaries * n,
                   per_system(std::to_string(vs.n_windows) + " windows x " +
                              std::to_string(vs.summary_columns.size()) + " columns x " +
                              std::to_string(shape.scalar_bytes) + " B")});
  }
  a.push_back({"status and counters", double(shape.host_stat_rows) * 8 * n,
               per_system(std::to_string(shape.host_stat_rows) + " x 8 B")});
  double saved = 0;
  for (const auto& b : saved_buffers(layout)) saved += double(b.bytes());
  a.push_back({"end state", saved * n, per_system(readable_bytes(saved))});
  if (budget.space_is_host)
    a.push_back({"working storage", double(working_bytes_per_system) * double(group),
                 readable_bytes(double(working_bytes_per_system)) + " x " + std::to_string(group) +
                     " systems at a time"});
  else
    a.push_back({"input copies", double(shape.n_states + shape.n_parameters) * t * double(group),
                 std::to_string(shape.n_states + shape.n_parameters) + " values x " +
                     std::to_string(group) + " systems at a time"});
  if (budget.caller_host_bytes > 0)
    a.push_back({"the batch", double(budget.caller_host_bytes), "the caller's inputs"});
  return a;
}
double sum_bytes(const std::vector<HostArray>& a) {
  double total = 0;
  for (const auto& x : a) total += x.bytes;
  return total;
}
}  // namespace

SolvePlan plan_solve(const ValidatedSettings& vs, const BufferLayout& layout,
                     const KernelShape& shape, const LaunchLimits& limits, std::int64_t n_systems,
                     const MemoryBudget& budget) {
  const std::int64_t memory_limit = budget.device_limit;
  const bool group_systems = budget.group_systems;
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
  if (memory_limit > 0 && double(p.bytes_per_system) * double(n_systems) > double(memory_limit)) {
    if (!group_systems && vs.raw.device_memory_limit > 0)
      throw std::invalid_argument(
          "kobie: setting 'device_memory_limit' has value " +
          std::to_string(vs.raw.device_memory_limit) + " but the batch needs " +
          readable_bytes(double(p.bytes_per_system) * double(n_systems)) + " (" +
          std::to_string(p.bytes_per_system) +
          " per system) and `solve` keeps all results in device memory; allowed: a limit that "
          "fits, or `solve_to_host`, which runs the batch in groups of systems");
    if (group_systems) p.group = std::max<std::int64_t>(1, memory_limit / p.bytes_per_system);
  }

  // Host memory: what the solve keeps whatever the group, and on a host
  // space the group's working storage, which groups shrink when they may.
  p.host_arrays = host_arrays(vs, layout, shape, n_systems, p.group, p.bytes_per_system, budget);
  p.host_bytes = sum_bytes(p.host_arrays);
  const double host_limit = double(budget.host_limit);
  if (budget.host_limit > 0 && p.host_bytes > host_limit && budget.space_is_host && group_systems) {
    // (everything but the working storage, which is group x bytes_per_system)
    const double kept = p.host_bytes - double(p.bytes_per_system) * double(p.group);
    const double room = host_limit - kept;
    if (room >= double(p.bytes_per_system)) {
      p.group = std::min<std::int64_t>(p.group, std::int64_t(room / double(p.bytes_per_system)));
      p.host_arrays =
          host_arrays(vs, layout, shape, n_systems, p.group, p.bytes_per_system, budget);
      p.host_bytes = sum_bytes(p.host_arrays);
    }
  }
  if (budget.host_limit > 0 && p.host_bytes > host_limit) {
    std::ostringstream m;
    m << "kobie: setting 'host_memory_limit' has value " << budget.host_limit << " ("
      << (vs.raw.host_memory_limit > 0 ? "as set" : "0: the memory available now") << ", "
      << readable_bytes(host_limit) << ") but " << n_systems << " systems need "
      << readable_bytes(p.host_bytes) << " of host memory:";
    for (const auto& a : p.host_arrays)
      if (a.bytes > 0)
        m << " " << a.name << " " << readable_bytes(a.bytes) << " (" << a.detail << ");";
    m << " allowed: a solve that fits (fewer systems ('batch'), saves ('duration', "
         "'save_interval') or saved variables ('saved_states', 'saved_observables'), fewer "
         "summaries) or a larger 'host_memory_limit'";
    throw std::invalid_argument(m.str());
  }

  std::ostringstream lr;
  lr << p.launch.lanes_per_team << " lanes per team (" << p.launch.team_size << " x "
     << p.launch.lanes_per_thread << "), team scratch level " << p.launch.scratch_level << ": "
     << p.launch.team_scratch_bytes << " B, " << to_string(p.slices) << " slices";
  if (shape.vector_passes)
    lr << ", host code for " << shape.host_vector_bytes << "-byte vectors"
       << (shape.host_fma ? " with FMA" : " without FMA");
  if (p.group < n_systems)
    lr << "; " << (n_systems + p.group - 1) / p.group << " groups of up to " << p.group
       << " systems (memory limit " << memory_limit << " B, " << p.bytes_per_system
       << " B per system)";
  p.launch_report = lr.str();
  return p;
}

}  // namespace Impl
}  // namespace kobie
