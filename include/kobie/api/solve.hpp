#pragma once

/// \file
/// The batch front end: inputs (verbatim or a combinatorial grid), settings,
/// `solve` (device-resident results) and `solve_to_host` (host arrays filled
/// launch by launch), and the results with a readable failure summary.
///
/// Layouts: every batch array has the system index fastest. Outputs are
/// (save, variable, system): the saved states in the order asked, then the
/// saved observables.

#include <kobie/algorithms/explicit/tableaus.hpp>
#include <kobie/api/end_state.hpp>
#include <kobie/api/settings.hpp>
#include <kobie/api/solve_plan.hpp>
#include <kobie/api/working_set.hpp>
#include <kobie/launch/runtime_info.hpp>
#include <kobie/launch/team_launch.hpp>
#include <kobie/loop/integration_loop.hpp>
#include <kobie/registry/buffer_allocator.hpp>
#include <kobie/systems/drivers.hpp>
#include <kobie/systems/system.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace kobie {

/// Initial states and parameters of every system of a batch, system index
/// fastest: states[i * size() + s], parameters[j * size() + s].
class Batch {
 public:
  /// One entry per system: states[s] has n_states values, parameters[s]
  /// n_parameters (an empty parameters vector: the system's defaults).
  template <class System>
  static Batch verbatim(const std::vector<std::vector<double>>& states,
                        const std::vector<std::vector<double>>& parameters = {}) {
    Batch b;
    b.m_n_states = System::n_states;
    b.m_n_parameters = System::n_parameters;
    b.m_size = static_cast<std::int64_t>(states.size());
    if (b.m_size == 0)
      throw std::invalid_argument("kobie: setting 'initial states' is empty; allowed: >= 1 system");
    if (!parameters.empty() && static_cast<std::int64_t>(parameters.size()) != b.m_size)
      throw std::invalid_argument(
          "kobie: setting 'parameters' has " + std::to_string(parameters.size()) +
          " rows; allowed: " + std::to_string(b.m_size) + " (one per system) or none");
    b.m_states.assign(std::size_t(b.m_size) * System::n_states, 0.0);
    b.m_parameters.assign(std::size_t(b.m_size) * System::n_parameters, 0.0);
    const auto defaults = default_parameters<System>();
    for (std::int64_t s = 0; s < b.m_size; ++s) {
      if (static_cast<int>(states[s].size()) != System::n_states)
        throw std::invalid_argument("kobie: setting 'initial states' row " + std::to_string(s) +
                                    " has " + std::to_string(states[s].size()) +
                                    " values; allowed: " + std::to_string(System::n_states));
      for (int i = 0; i < System::n_states; ++i) b.m_states[i * b.m_size + s] = states[s][i];
      const auto& p = parameters.empty() ? defaults : parameters[s];
      if (static_cast<int>(p.size()) != System::n_parameters)
        throw std::invalid_argument("kobie: setting 'parameters' row " + std::to_string(s) +
                                    " has " + std::to_string(p.size()) +
                                    " values; allowed: " + std::to_string(System::n_parameters));
      for (int j = 0; j < System::n_parameters; ++j) b.m_parameters[j * b.m_size + s] = p[j];
    }
    return b;
  }

  /// Every combination of the listed values (a state or parameter name to a
  /// list of values; the first named varies fastest); everything not listed
  /// takes the system's default (or `base_state` / `base_parameters`).
  template <class System>
  static Batch grid(const std::vector<std::pair<std::string, std::vector<double>>>& sweeps,
                    std::vector<double> base_state = {}, std::vector<double> base_parameters = {}) {
    const auto state_names = names_of<System>::states();
    const auto param_names = names_of<System>::parameters();
    if (base_state.empty()) base_state = default_state<System>();
    if (base_parameters.empty()) base_parameters = default_parameters<System>();
    std::int64_t total = 1;
    std::vector<std::pair<int, int>> targets;  // (0 state / 1 parameter, index)
    for (const auto& [name, values] : sweeps) {
      if (values.empty())
        throw std::invalid_argument("kobie: grid variable '" + name +
                                    "' has no values; allowed: at least one value");
      int kind = -1, index = -1;
      for (std::size_t i = 0; i < state_names.size(); ++i)
        if (state_names[i] == name) kind = 0, index = static_cast<int>(i);
      for (std::size_t i = 0; i < param_names.size(); ++i)
        if (param_names[i] == name) kind = 1, index = static_cast<int>(i);
      if (kind < 0) {
        std::string all;
        for (const auto& n : state_names) all += (all.empty() ? "'" : ", '") + n + "'";
        for (const auto& n : param_names) all += (all.empty() ? "'" : ", '") + n + "'";
        throw std::invalid_argument("kobie: grid variable '" + name + "' is not a state or " +
                                    "parameter of '" + System::name() + "'; allowed: " + all);
      }
      targets.emplace_back(kind, index);
      if (static_cast<double>(total) * static_cast<double>(values.size()) > 9.0e18)
        throw std::invalid_argument("kobie: the grid of " + std::to_string(sweeps.size()) +
                                    " variables has more than 9e18 combinations; allowed: "
                                    "fewer values");
      total *= static_cast<std::int64_t>(values.size());
    }
    Batch b = uniform<System>(total, base_state, base_parameters);
    std::int64_t stride = 1;  // the first variable varies fastest
    for (std::size_t v = 0; v < sweeps.size(); ++v) {
      const auto& values = sweeps[v].second;
      const auto n_values = static_cast<std::int64_t>(values.size());
      double* row = targets[v].first == 0 ? &b.m_states[targets[v].second * total]
                                          : &b.m_parameters[targets[v].second * total];
      for (std::int64_t s = 0; s < total; ++s) row[s] = values[(s / stride) % n_values];
      stride *= n_values;
    }
    return b;
  }

  /// `n_systems` copies of one state and parameter set (empty: the
  /// system's defaults), held as the batch holds them: no per-system rows.
  template <class System>
  static Batch uniform(std::int64_t n_systems, std::vector<double> state = {},
                       std::vector<double> parameters = {}) {
    if (n_systems < 1)
      throw std::invalid_argument("kobie: setting 'batch' has " + std::to_string(n_systems) +
                                  " systems; allowed: >= 1");
    if (state.empty()) state = default_state<System>();
    if (parameters.empty()) parameters = default_parameters<System>();
    if (static_cast<int>(state.size()) != System::n_states)
      throw std::invalid_argument("kobie: setting 'initial states' has " +
                                  std::to_string(state.size()) +
                                  " values; allowed: " + std::to_string(System::n_states));
    if (static_cast<int>(parameters.size()) != System::n_parameters)
      throw std::invalid_argument("kobie: setting 'parameters' has " +
                                  std::to_string(parameters.size()) +
                                  " values; allowed: " + std::to_string(System::n_parameters));
    Batch b;
    b.m_n_states = System::n_states;
    b.m_n_parameters = System::n_parameters;
    b.m_size = n_systems;
    b.m_states.resize(std::size_t(n_systems) * System::n_states);
    b.m_parameters.resize(std::size_t(n_systems) * System::n_parameters);
    for (int i = 0; i < System::n_states; ++i)
      std::fill_n(b.m_states.begin() + i * n_systems, n_systems, state[i]);
    for (int j = 0; j < System::n_parameters; ++j)
      std::fill_n(b.m_parameters.begin() + j * n_systems, n_systems, parameters[j]);
    return b;
  }
  /// The host bytes a batch of `n_systems` takes (a plan made before it is
  /// built: `plan_memory`'s `caller_host_bytes`).
  template <class System>
  static std::int64_t bytes(std::int64_t n_systems) {
    return n_systems * std::int64_t(System::n_states + System::n_parameters) *
           std::int64_t(sizeof(double));
  }

  std::int64_t size() const { return m_size; }
  int n_states() const { return m_n_states; }
  int n_parameters() const { return m_n_parameters; }
  double state(int i, std::int64_t s) const { return m_states[i * m_size + s]; }
  double parameter(int j, std::int64_t s) const { return m_parameters[j * m_size + s]; }

 private:
  template <class System>
  static std::vector<double> default_state() {
    if constexpr (std::is_same_v<decltype(System::default_state()), std::vector<double>>)
      return System::default_state();
    else
      return std::vector<double>(System::n_states, 0.0);
  }
  template <class System>
  static std::vector<double> default_parameters() {
    return System::default_parameters();
  }
  std::int64_t m_size = 0;
  int m_n_states = 0, m_n_parameters = 0;
  std::vector<double> m_states, m_parameters;
};

/// Initial states and parameters that are already in an execution space's
/// memory, in the solve's scalar type T: (state, system) and (parameter,
/// system), system index fastest. What a GPU application hands `solve` so
/// that inputs, like outputs, never pass through the host.
template <class T, class MemorySpace>
struct DeviceBatch {
  Kokkos::View<const T**, Kokkos::LayoutRight, MemorySpace> states;
  Kokkos::View<const T**, Kokkos::LayoutRight, MemorySpace> parameters;
  std::int64_t size() const { return static_cast<std::int64_t>(states.extent(1)); }
  int n_states() const { return static_cast<int>(states.extent(0)); }
  int n_parameters() const { return static_cast<int>(parameters.extent(0)); }
};

/// What a solve returns. `MemorySpace` is the device's for `solve` and
/// Kokkos::HostSpace for `solve_to_host`.
template <class T, class MemorySpace>
struct Results {
  std::vector<double> save_times;
  std::vector<std::string> variables;  ///< saved states, then saved observables
  Kokkos::View<T***, Kokkos::LayoutRight, MemorySpace> outputs;  ///< (save, variable, system)
  /// Status word and 64-bit counters: (StatRow, system).
  Kokkos::View<std::int64_t**, Kokkos::LayoutRight, Kokkos::HostSpace> stats;
  /// Summary metrics, when asked: (window, column, system).
  Kokkos::View<T***, Kokkos::LayoutRight, MemorySpace> summaries;
  std::vector<std::string> summary_columns;   ///< "<variable>.<metric column>"
  std::vector<double> summary_window_starts;  ///< window w is [start w, start w + window)
  std::int64_t n_systems = 0;
  double wall_seconds = 0.0;    ///< the whole call: uploads, launches, copies
  double kernel_seconds = 0.0;  ///< the integration launches alone (fenced)
  std::string layout_report;    ///< the buffer layout the kernels ran with
  std::string launch_report;    ///< lanes per team, scratch level and bytes
  /// Memory one system takes: its persistent working storage (from the
  /// registry layout), and everything of it in the execution space's memory
  /// during a launch (persistent storage, inputs, one launch's outputs and
  /// summaries, statistics): the figure `device_memory_limit`
  /// is divided by.
  std::int64_t persistent_bytes_per_system = 0;
  std::int64_t device_bytes_per_system = 0;
  EndState<T> end_state;  ///< where each system stopped (continue from it)

  int status(std::int64_t s) const { return static_cast<int>(stats(stat_status, s)); }
  std::int64_t total(StatRow row) const {
    std::int64_t t = 0;
    for (std::int64_t s = 0; s < n_systems; ++s) t += stats(row, s);
    return t;
  }
  std::int64_t failures() const {
    std::int64_t f = 0;
    for (std::int64_t s = 0; s < n_systems; ++s) f += stats(stat_status, s) != 0;
    return f;
  }
  /// Systems that failed, by status bit, with the first few indices.
  std::string failure_summary() const {
    std::ostringstream out;
    const std::int64_t f = failures();
    out << f << " of " << n_systems << " systems failed";
    for (const auto& [bit, name] : status_bit_names) {
      std::int64_t count = 0;
      std::string first;
      for (std::int64_t s = 0; s < n_systems; ++s)
        if (stats(stat_status, s) & bit) {
          if (count < 5) first += (count ? ", " : "") + std::to_string(s);
          ++count;
        }
      if (count)
        out << "; " << name << ": " << count << " (systems " << first << (count > 5 ? ", ..." : "")
            << ")";
    }
    return out.str();
  }
};

namespace Impl {

/// Calls f(Tab{}) for the tableau of `Algorithms` (a std::tuple of tableau
/// types) named `name`.
template <class Algorithms, class F>
void with_tableau(const std::string& name, F&& f) {
  bool found = false;
  std::apply(
      [&](auto... tab) {
        ((!found && name == decltype(tab)::name() ? (found = true, f(tab), 0) : 0), ...);
      },
      Algorithms{});
  if (!found) {
    std::string compiled;
    std::apply(
        [&](auto... tab) {
          ((compiled +=
            (compiled.empty() ? "'" : ", '") + std::string(decltype(tab)::name()) + "'"),
           ...);
        },
        Algorithms{});
    throw std::invalid_argument("kobie: setting 'algorithm' has value '" + name +
                                "', which this program does not compile in; compiled: " + compiled);
  }
}

/// Calls f(P{}) for the placement of `Placements` (a PlacementList) called
/// `name` (setting 'placement'); throws std::invalid_argument listing the
/// compiled placements otherwise.
template <class... Ps, class F>
void with_placement(const std::string& name, PlacementList<Ps...> list, F&& f) {
  const int index = placement_index(name, list, "placement");
  int i = 0;
  ((i++ == index ? (f(Ps{}), 0) : 0), ...);
}

/// The execution space's memory a batch may take: the setting, or (0) 90%
/// of the free device memory on CUDA (counting the arenas that earlier
/// solves keep as free: a solve takes one of them) and no limit on host
/// backends.
template <class ExecSpace>
std::int64_t memory_limit(std::int64_t setting) {
  if (setting > 0) return setting;
#if defined(KOKKOS_ENABLE_CUDA)
  if constexpr (std::is_same<ExecSpace, Kokkos::Cuda>::value) {
    std::size_t free_bytes = 0, total_bytes = 0;
    if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess)
      return static_cast<std::int64_t>(
          0.9 * (double(free_bytes) +
                 double(WorkspaceCache<Kokkos::CudaSpace>::instance().idle_bytes())));
  }
#endif
  return 0;
}

/// Systems [first, first + count) of a host batch into `y0` and `params`,
/// through their host mirrors.
template <class ExecSpace, class V, class HV>
void upload_inputs(const ExecSpace& space, const Batch& batch, std::int64_t first,
                   std::int64_t count, const V& y0, const V& params, const HV& host_y0,
                   const HV& host_params) {
  using T = typename V::non_const_value_type;
  for (int i = 0; i < batch.n_states(); ++i)
    for (std::int64_t s = 0; s < count; ++s) host_y0(i, s) = T(batch.state(i, first + s));
  for (int j = 0; j < batch.n_parameters(); ++j)
    for (std::int64_t s = 0; s < count; ++s) host_params(j, s) = T(batch.parameter(j, first + s));
  Kokkos::deep_copy(space, y0, host_y0);
  Kokkos::deep_copy(space, params, host_params);
}
/// The same from a device batch: copies within the space's memory.
template <class ExecSpace, class T, class MemorySpace, class V, class HV>
void upload_inputs(const ExecSpace& space, const DeviceBatch<T, MemorySpace>& batch,
                   std::int64_t first, std::int64_t count, const V& y0, const V& params, const HV&,
                   const HV&) {
  static_assert(std::is_same<typename V::memory_space, MemorySpace>::value,
                "kobie: a DeviceBatch must live in the execution space's memory");
  // (only `solve` takes a DeviceBatch, and it never runs groups of systems)
  if (first != 0 || count != batch.size())
    throw std::logic_error("kobie: a DeviceBatch in groups of systems");
  const auto parameter_systems = static_cast<std::int64_t>(batch.parameters.extent(1));
  if (batch.n_parameters() > 0 && parameter_systems != batch.size())
    throw std::invalid_argument("kobie: setting 'parameters' of the DeviceBatch holds " +
                                std::to_string(parameter_systems) +
                                " systems; allowed: the states' " + std::to_string(batch.size()));
  Kokkos::deep_copy(space, y0, batch.states);
  if (batch.n_parameters() > 0) Kokkos::deep_copy(space, params, batch.parameters);
}

/// `v` reallocated to extents `n...`, uninitialised and its old contents
/// dropped: unlike Kokkos::resize, no copy, no kernel and no global fence.
template <class V, class... N>
void reallocate_uninitialised(V& v, N... n) {
  const std::string label = v.label();
  v = V();
  v = V(Kokkos::view_alloc(Kokkos::WithoutInitializing, label), n...);
}

/// What `run_solve` hands its caller after each launch: outputs rows
/// save_begin .. save_end - 1 and summary windows window_begin ..
/// window_end - 1 of systems system_begin .. system_begin + n_systems - 1
/// (the views' first n_systems columns).
template <class T, class MemorySpace>
struct LaunchOutputs {
  std::int64_t system_begin, n_systems;
  int save_begin, save_end;
  std::int64_t window_begin, window_end;
  Kokkos::View<T***, Kokkos::LayoutRight, MemorySpace> outputs;    ///< (row, variable, system)
  Kokkos::View<T***, Kokkos::LayoutRight, MemorySpace> summaries;  ///< (window row, column, system)
};

/// The kernel's configuration from validated settings (everything but the
/// launch window, which each launch sets).
template <class System>
LoopConfig<System> loop_config(const ValidatedSettings& vs) {
  LoopConfig<System> c;
  c.t0 = vs.raw.t0;
  c.settling = vs.raw.settling_time;
  c.duration = vs.raw.duration;
  c.save_interval = vs.raw.save_interval;
  c.n_saves = vs.n_saves;
  c.dt0 = vs.raw.dt;
  c.max_steps = vs.raw.max_steps;
  c.newton.tolerance = vs.raw.newton_tolerance;
  c.newton.max_iterations = vs.raw.newton_max_iterations;
  c.controller = vs.controller;
  for (int i = 0; i < System::n_states; ++i) {
    c.tolerances.atol[i] = vs.atol[i];
    c.tolerances.rtol[i] = vs.rtol[i];
  }
  c.n_saved_states = static_cast<int>(vs.saved_states.size());
  for (int v = 0; v < c.n_saved_states; ++v) c.saved_states[v] = vs.saved_states[v];
  c.n_saved_observables = static_cast<int>(vs.saved_observables.size());
  for (int v = 0; v < c.n_saved_observables; ++v) c.saved_observables[v] = vs.saved_observables[v];
  auto& sc = c.summary;
  sc.flags = vs.summary_flags;
  sc.n_peaks = vs.n_peaks;
  sc.n_variables = vs.n_summarised_variables();
  for (std::size_t v = 0; v < vs.summarised_states.size(); ++v)
    sc.variables[v] = vs.summarised_states[v];
  for (std::size_t v = 0; v < vs.summarised_observables.size(); ++v)
    sc.variables[vs.summarised_states.size() + v] = System::n_states + vs.summarised_observables[v];
  sc.needs_observables = !vs.summarised_observables.empty();
  sc.columns_per_variable =
      static_cast<int>(summary_column_suffixes(vs.summary_flags, vs.n_peaks).size());
  sc.samples_per_window = vs.samples_per_window > 0 ? vs.samples_per_window : 1;
  sc.sample_interval = vs.sample_interval;
  sc.time_epsilon = vs.time_epsilon;
  return c;
}

/// The memory a solve may take and where its arrays live, from the
/// settings and the machine: the device limit (memory_limit), the host
/// limit (the setting, or the memory available now).
template <class ExecSpace>
MemoryBudget memory_budget(const ValidatedSettings& vs, bool group_systems, bool results_on_host,
                           std::int64_t caller_host_bytes = 0) {
  MemoryBudget b;
  b.device_limit = memory_limit<ExecSpace>(vs.raw.device_memory_limit);
  b.host_limit = vs.raw.host_memory_limit > 0 ? vs.raw.host_memory_limit : available_host_memory();
  b.group_systems = group_systems;
  b.space_is_host = std::is_same<typename ExecSpace::memory_space, Kokkos::HostSpace>::value;
  b.results_on_host = results_on_host || b.space_is_host;
  b.caller_host_bytes = caller_host_bytes;
  return b;
}

/// One kernel's buffer layout and the solve's plan (src/api/solve_plan.cpp),
/// decided before anything is allocated.
struct KernelPlan {
  BufferLayout layout;
  SolvePlan plan;
};
template <class System, class T, class Kernel, class P, class ExecSpace>
KernelPlan plan_kernel(const ValidatedSettings& vs, std::int64_t n_sys,
                       const MemoryBudget& budget) {
  using Loop = typename Kernel::Loop;
  constexpr bool vector_passes = lanes_in_vector_passes<ExecSpace>::value;
  BufferRegistry registry;
  const std::string root = register_components<Loop>(registry, "loop");
  apply_placement<P, Loop>(registry, root);
  const int n_summarised = vs.n_summarised_variables();
  registry.update_size(
      root + "/" + Summaries::component_name(), "accumulators",
      vs.summary_flags ? n_summarised * Summaries::slots_per_variable(vs.n_peaks) : 0);
  KernelPlan kp;
  kp.layout = registry.layout(root, layout_options<ExecSpace>());
  select_placement<Loop, vector_passes>(kp.layout, PlacementList<P>{});
  KernelShape shape;
  shape.n_states = System::n_states;
  shape.n_parameters = System::n_parameters;
  shape.scalar_bytes = sizeof(T);
  shape.device_stat_rows = Kernel::device_stat_rows;
  shape.host_stat_rows = stat_rows;
  shape.vector_passes = vector_passes;
  shape.lane_loop_vectorises =
      !vector_passes || System::n_states <= Impl::unroll_limit ||
      (Kernel::use_packs && (vs.controller.fixed || Kernel::use_adaptive_packs));
  shape.max_host_lanes = Kernel::max_host_lanes;
  // (as this body sees them, which is this translation unit's own when
  // its symbol carries them: tests/loop/test_instruction_sets.cpp)
  shape.host_vector_bytes = native_vector_bytes;
  shape.host_fma = native_fma;
  kp.plan = plan_solve(vs, kp.layout, shape, launch_limits<ExecSpace>(vs.raw.lanes_per_team), n_sys,
                       budget);
  return kp;
}

/// Runs the launches of one solve, calling `on_launch(LaunchOutputs)` after
/// each. The batch runs in groups of systems when it would exceed
/// `memory_limit` (`group_systems`; otherwise that is an error), each group
/// in launches over windows of saves; status, counters and the end state
/// are gathered into `info`. Nothing is allocated before the plan says the
/// solve fits its memory (`MemoryBudget`).
template <class System, class T, class Algorithms, class Placements, class ExecSpace, class Inputs,
          class Log, class OnLaunch, class Isa = native_instruction_set>
void run_solve(const ExecSpace& space, const System& system, const Inputs& batch,
               const ValidatedSettings& vs, const DriverSamples& driver_samples,
               const EndState<T>* resume, const Log& log, const MemoryBudget& budget,
               Results<T, Kokkos::HostSpace>& info, OnLaunch&& on_launch) {
  using mem = typename ExecSpace::memory_space;
  using Host = Kokkos::HostSpace;
  check_system<System>();
  const std::int64_t n_sys = batch.size();
  const int n_vars = vs.n_saved_variables();

  with_tableau<Algorithms>(vs.raw.algorithm, [&](auto tab) {
    // A malformed tableau (a user's) is refused here, before any launch.
    validate_method<decltype(tab)>();
    with_placement(vs.raw.placement, Placements{}, [&](auto placement) {
      using Tab = decltype(tab);
      using P = decltype(placement);
      using Kernel = IntegrationKernel<System, Tab, T, P, ExecSpace, Log, Isa>;
      using Loop = typename Kernel::Loop;
      const KernelPlan kp = plan_kernel<System, T, Kernel, P, ExecSpace>(vs, n_sys, budget);
      const BufferLayout& layout = kp.layout;
      const SolvePlan& sp = kp.plan;
      // The end state: every persistent-flagged buffer, as declared.
      info.end_state.buffers = saved_buffers(layout);
      info.end_state.n_systems = n_sys;
      if (resume) Impl::check_resumable(*resume, info.end_state.buffers, n_sys);
      // The plan fits: the first allocations.
      const DriverSet<mem> drivers(driver_samples, System::n_drivers, space);
      info.stats = decltype(info.stats)("kobie::solve::stats", stat_rows, n_sys);
      info.end_state.data = decltype(info.end_state.data)(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, "kobie::solve::end_state"),
          info.end_state.bytes_per_system() * n_sys);
      const LaunchPlan& plan = sp.launch;
      const WorkingSet& ws = sp.working_set;
      const std::int64_t group = sp.group;
      info.layout_report = layout.report();
      info.launch_report = sp.launch_report;
      info.persistent_bytes_per_system = layout.persistent_bytes_per_system();
      info.device_bytes_per_system = sp.bytes_per_system;

      Kernel k;
      k.system = system;
      k.table = make_allocator_table<Loop>(layout, sp.slices);
      k.plan = plan;
      k.drivers = drivers;
      k.log = log;
      k.cfg = loop_config<System>(vs);
      auto& c = k.cfg;
      auto& sc = c.summary;

      // One group's working set, reused by every group (the last may be
      // smaller): the scratch arrays in an arena kept between solves, the
      // output chunks (which the caller may keep) allocated apart.
      WorkspaceLease<mem> arena(ws.arena_bytes(group));
      using Table = Kokkos::View<T**, Kokkos::LayoutRight, mem>;
      using Counts = Kokkos::View<std::int64_t**, Kokkos::LayoutRight, mem>;
      Table y0, params;
      Counts stats;  // (every launch writes all the counters)
      char* persistent = nullptr;
      // The arrays of a group of `count` systems, system index fastest.
      auto carve = [&](std::int64_t count) {
        auto at = [&](int array) { return arena.data() + ws.offset(array, count); };
        auto table = [&](auto view, int array, std::int64_t rows) {
          using V = decltype(view);
          return V(reinterpret_cast<typename V::pointer_type>(at(array)), rows, count);
        };
        persistent = at(sp.persistent_array);
        y0 = table(Table(), sp.states_array, System::n_states);
        params = table(Table(), sp.parameters_array, System::n_parameters);
        stats = table(Counts(), sp.counters_array, Kernel::device_stat_rows);
      };
      carve(group);
      Kokkos::View<T***, Kokkos::LayoutRight, mem> chunk(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, "kobie::solve::outputs"),
          vs.saves_per_chunk, n_vars, group);
      Kokkos::View<T***, Kokkos::LayoutRight, mem> summary_chunk(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, "kobie::solve::summaries"),
          sp.most_windows, vs.summary_columns.size(), group);
      auto host_y0 = Kokkos::create_mirror_view(y0);
      auto host_params = Kokkos::create_mirror_view(params);

      for (std::int64_t first = 0; first < n_sys; first += group) {
        const std::int64_t count = std::min(group, n_sys - first);
        if (count < group) {  // the last group: views exactly its size (system strides)
          carve(count);
          reallocate_uninitialised(chunk, chunk.extent(0), n_vars, count);
          reallocate_uninitialised(summary_chunk, summary_chunk.extent(0), summary_chunk.extent(1),
                                   count);
          host_y0 = Kokkos::create_mirror_view(y0);
          host_params = Kokkos::create_mirror_view(params);
        }
        // Inputs of this group, system index fastest, in T.
        upload_inputs(space, batch, first, count, y0, params, host_y0, host_params);
        // A resumed group's first launch restores its saved buffers from
        // the end state, as any later launch restores the previous one's.
        if (resume)
          copy_saved<SavedCopy::from_record>(space, layout, persistent, count, first, *resume);
        k.persistent = persistent;
        k.n_systems = count;
        k.first_system = first;
        k.initial_states = y0;
        k.parameter_values = params;
        k.stats = stats;
        const auto policy = make_team_policy(space, plan, count);
        // (CUDA: a block's threads share the registers; a kernel that uses
        // many fits fewer threads per block than the 1024 the API allows.)
        const int most_threads = policy.team_size_max(k, Kokkos::ParallelForTag());
        if (plan.team_size > most_threads)
          throw std::invalid_argument(
              "kobie: setting 'lanes_per_team' has value " + std::to_string(vs.raw.lanes_per_team) +
              ", but this kernel runs at most " +
              std::to_string(most_threads * plan.lanes_per_thread) +
              " lanes per team on this device (its register use); allowed: 0 or a power of two "
              "up to that");
        for (const LaunchWindow& launch : sp.launches) {
          c.save_begin = launch.save_begin;
          c.save_end = launch.save_end;
          c.first_launch = launch.save_begin == 0 && !resume;
          sc.sample_begin = launch.sample_begin;
          sc.sample_end = launch.sample_end;
          sc.window_begin = launch.window_begin;
          k.outputs = chunk;
          k.summaries = summary_chunk;
          space.fence();
          const auto launched = std::chrono::steady_clock::now();
          Kokkos::parallel_for("kobie::loop::integrate", policy, k);
          space.fence();
          info.kernel_seconds +=
              std::chrono::duration<double>(std::chrono::steady_clock::now() - launched).count();
          on_launch(LaunchOutputs<T, mem>{first, count, launch.save_begin, launch.save_end,
                                          launch.window_begin, launch.window_end, chunk,
                                          summary_chunk});
        }
        // Status and counters of the group (copied on `space`: a call
        // fences only its own instance), and its end state: the save slots
        // the last launch wrote.
        const auto hs = Kokkos::create_mirror_view(Host(), stats);
        Kokkos::deep_copy(space, hs, stats);
        space.fence();
        for (std::int64_t s = 0; s < count; ++s)
          for (int i = 0; i < Kernel::device_stat_rows; ++i) info.stats(i, first + s) = hs(i, s);
        copy_saved<SavedCopy::to_record>(space, layout, persistent, count, first, info.end_state);
      }
    });
  });
}

/// The names and controller orders of the tableaus in `Algorithms` (a
/// std::tuple of tableau types).
template <class Algorithms>
std::vector<AlgorithmInfo> algorithm_infos() {
  std::vector<AlgorithmInfo> out;
  std::apply(
      [&](auto... tab) {
        (out.push_back({decltype(tab)::name(), tableaus::controller_order<decltype(tab)>()}), ...);
      },
      Algorithms{});
  return out;
}

template <class System>
SystemShape shape_of() {
  return {names_of<System>::states(), names_of<System>::observables()};
}

template <class System>
std::vector<std::string> variable_names(const ValidatedSettings& vs) {
  const auto states = names_of<System>::states();
  const auto obs = names_of<System>::observables();
  std::vector<std::string> out;
  for (int i : vs.saved_states) out.push_back(states[i]);
  for (int i : vs.saved_observables) out.push_back(obs[i]);
  return out;
}

}  // namespace Impl

namespace Impl {
/// The shared body of `solve` and `solve_to_host`, with a logging policy
/// (tests record every step through it; production passes NoLog).
template <class T, class OutSpace, class Algorithms,
          class Placements = PlacementList<DefaultPlacement>, class System, class ExecSpace,
          class Inputs, class Log, class Isa = native_instruction_set>
Results<T, OutSpace> solve_impl(const ExecSpace& space, const System& system, const Inputs& batch,
                                const IntegrationSettings& settings, const DriverSamples& drivers,
                                const EndState<T>* resume, const Log& log,
                                const std::function<void(int, int)>& progress,
                                bool streaming = false) {
  constexpr bool to_host =
      std::is_same<OutSpace, Kokkos::HostSpace>::value &&
      !std::is_same<typename ExecSpace::memory_space, Kokkos::HostSpace>::value;
  const ValidatedSettings vs =
      validate(settings, shape_of<System>(), algorithm_infos<Algorithms>());
  if (batch.size() < 1)
    throw std::invalid_argument("kobie: setting 'batch' holds no system; allowed: >= 1");
  if (batch.n_states() != System::n_states || batch.n_parameters() != System::n_parameters)
    throw std::invalid_argument(
        "kobie: setting 'batch' holds systems of " + std::to_string(batch.n_states()) +
        " states and " + std::to_string(batch.n_parameters()) +
        " parameters (built for another system); allowed: a batch of '" + System::name() +
        "' systems, " + std::to_string(System::n_states) + " states and " +
        std::to_string(System::n_parameters) + " parameters");
  Results<T, Kokkos::HostSpace> info;
  Results<T, OutSpace> r;
  r.save_times = vs.save_times;
  r.variables = variable_names<System>(vs);
  r.n_systems = batch.size();
  r.summary_columns = vs.summary_columns;
  r.summary_window_starts = vs.window_starts;
  const bool chunked = vs.saves_per_chunk < vs.n_saves;
  bool allocated = false;
  auto allocate_results = [&] {
    if (allocated) return;
    allocated = true;
    r.outputs = decltype(r.outputs)(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "kobie::solve::results"), vs.n_saves,
        r.variables.size(), batch.size());
    r.summaries = decltype(r.summaries)(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "kobie::solve::summary_results"),
        vs.n_windows, vs.summary_columns.size(), batch.size());
  };
  const auto start = std::chrono::steady_clock::now();
  // Only solve_to_host (streaming) runs a batch in groups of systems.
  const bool group_systems = streaming && std::is_same<OutSpace, Kokkos::HostSpace>::value;
  run_solve<System, T, Algorithms, Placements>(
      space, system, batch, vs, drivers, resume, log,
      memory_budget<ExecSpace>(vs, group_systems, std::is_same<OutSpace, Kokkos::HostSpace>::value),
      info, [&](const auto& part) {
        const bool whole_batch = part.system_begin == 0 && part.n_systems == r.n_systems &&
                                 std::int64_t(part.outputs.extent(2)) == r.n_systems;
        // Rows [begin, end) of `from` (rows from 0) into rows [begin, end) of `to`.
        auto copy_rows = [&](const auto& to, const auto& from, std::int64_t begin,
                             std::int64_t end) {
          if (end <= begin) return;
          if (whole_batch) {  // contiguous on both sides
            Kokkos::deep_copy(
                space, Kokkos::subview(to, std::make_pair(begin, end), Kokkos::ALL, Kokkos::ALL),
                Kokkos::subview(from, std::make_pair(std::int64_t(0), end - begin), Kokkos::ALL,
                                Kokkos::ALL));
            return;
          }
          // A group of systems: only solve_to_host groups, into host memory.
          if constexpr (std::is_same<OutSpace, Kokkos::HostSpace>::value) {
            const auto h = Kokkos::create_mirror_view(Kokkos::HostSpace(), from);
            Kokkos::deep_copy(space, h, from);
            space.fence();
            for (std::int64_t row = begin; row < end; ++row)
              for (std::size_t v = 0; v < to.extent(1); ++v)
                for (std::int64_t s = 0; s < part.n_systems; ++s)
                  to(row, v, part.system_begin + s) = h(row - begin, v, s);
          } else {
            throw std::logic_error("kobie: groups of systems in device-resident results");
          }
        };
        if (to_host || chunked || !whole_batch) {
          allocate_results();
          copy_rows(r.outputs, part.outputs, part.save_begin, part.save_end);
          copy_rows(r.summaries, part.summaries, part.window_begin, part.window_end);
        } else if constexpr (!to_host) {
          // One launch over the whole batch, same space: the chunk is the result.
          r.outputs = part.outputs;
          r.summaries = part.summaries;
        }
        if (progress) {
          // Saves done, counted over every group of systems.
          space.fence();
          const double done =
              (double(part.system_begin) * vs.n_saves + double(part.n_systems) * part.save_end) /
              double(r.n_systems);
          progress(static_cast<int>(done), vs.n_saves);
        }
      });
  space.fence();
  r.stats = info.stats;
  r.end_state = info.end_state;
  r.layout_report = info.layout_report;
  r.launch_report = info.launch_report;
  r.persistent_bytes_per_system = info.persistent_bytes_per_system;
  r.device_bytes_per_system = info.device_bytes_per_system;
  r.kernel_seconds = info.kernel_seconds;
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}
}  // namespace Impl

/// Integrates every system of `batch` on `space`; the outputs stay in the
/// space's memory (no host copy; status, counters and the end state are
/// small and come back to the host). `resume`: continue every system from a
/// previous run's end state instead of the batch's initial states.
///
/// `Algorithms` (a std::tuple of tableau types, default all eleven) is the
/// set the call compiles; `settings.algorithm` picks one at run time. A
/// program that needs one method saves compile time by naming it:
/// `solve<double, std::tuple<kobie::tableaus::DormandPrince54>>(...)`.
/// `Placements` (a PlacementList, default the registry's default placement)
/// are the buffer placements compiled in; `settings.placement` picks one by
/// name ("default", "all-local", "all-shared", `MoveOne` names):
/// `solve<double, Dopri, PlacementList<DefaultPlacement, AllLocal>>(...)`.
template <class T, class Algorithms = tableaus::all_explicit,
          class Placements = PlacementList<DefaultPlacement>, class System, class ExecSpace,
          class Isa = Impl::native_instruction_set>
Results<T, typename ExecSpace::memory_space> solve(const ExecSpace& space, const System& system,
                                                   const Batch& batch,
                                                   const IntegrationSettings& settings,
                                                   const DriverSamples& drivers = {},
                                                   const EndState<T>* resume = nullptr) {
  return Impl::solve_impl<T, typename ExecSpace::memory_space, Algorithms, Placements>(
      space, system, batch, settings, drivers, resume, NoLog{}, {});
}

/// As `solve`, with initial states and parameters already in device memory
/// (a `DeviceBatch` in T, of the space's memory): nothing of the run passes
/// through the host but status, counters and the end state.
template <class T, class Algorithms = tableaus::all_explicit,
          class Placements = PlacementList<DefaultPlacement>, class System, class ExecSpace,
          class Isa = Impl::native_instruction_set>
Results<T, typename ExecSpace::memory_space> solve(
    const ExecSpace& space, const System& system,
    const DeviceBatch<T, typename ExecSpace::memory_space>& batch,
    const IntegrationSettings& settings, const DriverSamples& drivers = {},
    const EndState<T>* resume = nullptr) {
  return Impl::solve_impl<T, typename ExecSpace::memory_space, Algorithms, Placements>(
      space, system, batch, settings, drivers, resume, NoLog{}, {});
}

/// As `solve`, but the outputs land in host memory launch by launch (set
/// `saves_per_chunk` to bound device memory; a batch larger than
/// `device_memory_limit` runs in groups of systems), and `progress(saves
/// done, total)` is called after each launch (with groups, saves done
/// counts every group's share).
template <class T, class Algorithms = tableaus::all_explicit,
          class Placements = PlacementList<DefaultPlacement>, class System, class ExecSpace,
          class Isa = Impl::native_instruction_set>
Results<T, Kokkos::HostSpace> solve_to_host(const ExecSpace& space, const System& system,
                                            const Batch& batch, const IntegrationSettings& settings,
                                            const DriverSamples& drivers = {},
                                            const std::function<void(int, int)>& progress = {},
                                            const EndState<T>* resume = nullptr) {
  return Impl::solve_impl<T, Kokkos::HostSpace, Algorithms, Placements>(
      space, system, batch, settings, drivers, resume, NoLog{}, progress, /*streaming=*/true);
}

/// What a solve of `n_systems` systems would take, planned exactly as the
/// solve plans it (the same layout, launches, groups and limits) without
/// allocating or launching anything. Throws std::invalid_argument, as the
/// solve would, when the settings are bad or the solve does not fit its
/// memory. A program that builds a large batch asks this first, passing the
/// host bytes that batch will take (`caller_host_bytes`), so that nothing
/// is allocated for a run that cannot fit. `to_host`: as `solve_to_host`
/// (groups of systems, results in host memory), else as `solve`.
struct MemoryPlan {
  std::int64_t n_systems = 0;
  std::int64_t group = 0;  ///< systems per group (n_systems: one group)
  std::int64_t device_bytes_per_system = 0;
  double host_bytes = 0;  ///< host memory in all, the caller's included
  std::string report;     ///< the host arrays and the launch, in words
};
template <class T, class Algorithms = tableaus::all_explicit,
          class Placements = PlacementList<DefaultPlacement>, class System, class ExecSpace,
          class Isa = Impl::native_instruction_set>
MemoryPlan plan_memory(const ExecSpace&, const System&, std::int64_t n_systems,
                       const IntegrationSettings& settings, bool to_host = true,
                       std::int64_t caller_host_bytes = 0) {
  const ValidatedSettings vs =
      validate(settings, Impl::shape_of<System>(), Impl::algorithm_infos<Algorithms>());
  if (n_systems < 1)
    throw std::invalid_argument("kobie: setting 'batch' has " + std::to_string(n_systems) +
                                " systems; allowed: >= 1");
  MemoryPlan m;
  m.n_systems = n_systems;
  const Impl::MemoryBudget budget =
      Impl::memory_budget<ExecSpace>(vs, to_host, to_host, caller_host_bytes);
  Impl::with_tableau<Algorithms>(vs.raw.algorithm, [&](auto tab) {
    Impl::with_placement(vs.raw.placement, Placements{}, [&](auto placement) {
      using Kernel =
          IntegrationKernel<System, decltype(tab), T, decltype(placement), ExecSpace, NoLog, Isa>;
      const Impl::KernelPlan kp =
          Impl::plan_kernel<System, T, Kernel, decltype(placement), ExecSpace>(vs, n_systems,
                                                                               budget);
      m.group = kp.plan.group;
      m.device_bytes_per_system = kp.plan.bytes_per_system;
      m.host_bytes = kp.plan.host_bytes;
      std::ostringstream r;
      r << "host memory " << Impl::readable_bytes(kp.plan.host_bytes) << ":";
      for (const auto& a : kp.plan.host_arrays)
        r << " " << a.name << " " << Impl::readable_bytes(a.bytes) << ";";
      r << " launch: " << kp.plan.launch_report;
      m.report = r.str();
    });
  });
  return m;
}

}  // namespace kobie
