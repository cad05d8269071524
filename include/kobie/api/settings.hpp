#pragma once

/// \file
/// Integration settings as users give them, and their validation: the one
/// place where every setting is checked. Bad input throws
/// std::invalid_argument naming the setting, the value and what is allowed,
/// before anything is launched.

#include <kobie/control/controllers.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace kobie {

/// The most systems a team may hold (the `lanes_per_team` setting's bound):
/// CUDA's largest block, and the size of the per-lane arrays of a host
/// team's passes (IntegrationKernel::max_host_lanes).
inline constexpr int max_lanes_per_team = 1024;

/// What to integrate and how; defaults are sensible for non-stiff problems.
struct IntegrationSettings {
  std::string algorithm = "dormand-prince-54";  ///< see known_algorithms()
  std::string controller = "pi";                ///< fixed, i, pi, pid, gustafsson
  double t0 = 0.0;
  double settling_time = 0.0;  ///< integrated first, without output
  double duration = 1.0;       ///< of the saving window
  double save_interval = 0.1;  ///< saves at t0 + settling + k * interval, and at the end
  double dt = 1e-3;            ///< the fixed step, or the first step of adaptive runs
  double dt_min = 1e-12;
  double dt_max = std::numeric_limits<double>::infinity();  ///< inf: the save interval
  double atol = 1e-6;
  double rtol = 1e-6;
  std::vector<double> atol_per_state;  ///< when non-empty, replaces atol
  std::vector<double> rtol_per_state;  ///< when non-empty, replaces rtol
  double safety = 0.9;
  double min_gain = 0.2;
  double max_gain = 5.0;
  /// An accepted step whose gain falls in [deadband_low, deadband_high]
  /// keeps dt. Off by default: for explicit methods holding dt costs steps
  /// (about 25% more at matched accuracy on the Lorenz benchmark with
  /// [1, 1.2]); implicit methods use it to reuse their iteration matrix.
  double deadband_low = 1.0;
  double deadband_high = 1.0;
  std::int64_t max_steps = 10000000;  ///< attempted steps per system
  /// Implicit methods' Newton iteration (kobie/solvers/newton/newton.hpp):
  /// the bound on the estimated iteration error, in the error norm where 1
  /// is what the controller accepts, and the corrections per attempt.
  double newton_tolerance = 0.03;
  int newton_max_iterations = 7;
  std::vector<std::string> saved_states;       ///< names; empty: all
  std::vector<std::string> saved_observables;  ///< names; empty: all
  int saves_per_chunk = 0;                     ///< saves per launch; 0: all in one
  /// How lanes' slices of a shared buffer sit in team scratch: interleaved
  /// (element-major, lane-fastest: SIMD on host, coalesced on CUDA),
  /// contiguous (lane-major), or auto: contiguous on host for systems whose
  /// per-lane code does not vectorise across lanes (more states than
  /// Impl::unroll_limit) unless their steps run as SIMD packs
  /// (kobie/launch/simd_pack.hpp), interleaved otherwise.
  std::string shared_layout = "auto";
  /// Systems per team (a power of two up to max_lanes_per_team; at least 32
  /// on CUDA, a warp); 0: the backend's default (launch_limits in team_launch.hpp),
  /// halved while the team's shared buffers do not fit team scratch level 0.
  /// A number given here is used as is (an error if no scratch level holds it).
  int lanes_per_team = 0;
  /// Where the working buffers live: the name of a placement the program
  /// compiled in (solve's `Placements`: "default", "all-local", ...).
  std::string placement = "default";

  // Summary metrics (docs/ARCHITECTURE.md, "Summary metrics").
  std::vector<std::string> summary_metrics;         ///< see known_summary_metrics(); empty: none
  std::vector<std::string> summarised_states;       ///< names; empty: all
  std::vector<std::string> summarised_observables;  ///< names; empty: all
  double sample_interval = 0.0;  ///< between summary samples; 0: the save interval
  double summary_window = 0.0;   ///< a whole multiple of it; 0: the longest within the duration
  int n_peaks = 3;               ///< peak times kept per window and variable

  /// Bytes the batch may take in the execution space's memory (inputs,
  /// persistent storage, one launch's outputs); a larger batch runs in
  /// chunks of systems. 0: no limit on host backends, 90% of the free
  /// memory on CUDA. Only `solve_to_host` chunks; `solve` keeps the whole
  /// result in device memory and throws if it cannot.
  std::int64_t device_memory_limit = 0;
  /// Bytes the solve may take in host memory: the results it returns
  /// (outputs and summaries, for `solve_to_host` and on host backends), the
  /// status, counters and end state, and on host backends the working
  /// storage too. Planned before anything is allocated; a solve that would
  /// need more is refused, naming the bytes. 0: the memory this machine
  /// has available when the solve starts (available_host_memory()).
  std::int64_t host_memory_limit = 0;
};

/// The explicit algorithms KoBIE knows, by name.
std::vector<std::string> known_algorithms();
/// The controllers, by name.
std::vector<std::string> known_controllers();
/// The summary metrics, by name.
std::vector<std::string> known_summary_metrics();

/// What validation needs to know about the system.
struct SystemShape {
  std::vector<std::string> states;
  std::vector<std::string> observables;
};

/// Settings after validation, in the form the loop uses.
struct ValidatedSettings {
  IntegrationSettings raw;
  ControllerParams controller;
  int n_saves = 0;
  std::vector<double> save_times;
  std::vector<double> atol, rtol;  ///< per state
  std::vector<int> saved_states, saved_observables;
  int saves_per_chunk = 0;

  // Summaries: `summary_flags` == 0 when none are asked.
  int summary_flags = 0;  ///< SummaryMetric bits
  int n_peaks = 0;        ///< peak slots (0 unless peaks are asked)
  std::vector<int> summarised_states, summarised_observables;
  double sample_interval = 0.0;
  int samples_per_window = 0;
  int n_windows = 0;
  std::int64_t n_samples = 0;                ///< n_windows * samples_per_window
  std::vector<double> window_starts;         ///< t0 + settling + w * window
  std::vector<std::string> summary_columns;  ///< "<variable>.<metric column>"
  /// Two event times closer than this are one (a sample on a save time).
  double time_epsilon = 0.0;

  /// Saved variables per save: states, then observables.
  int n_saved_variables() const {
    return static_cast<int>(saved_states.size() + saved_observables.size());
  }
  /// Summarised variables: states, then observables.
  int n_summarised_variables() const {
    return static_cast<int>(summarised_states.size() + summarised_observables.size());
  }
  /// Sample j's time.
  double sample_time(std::int64_t j) const {
    return raw.t0 + raw.settling_time + double(j) * sample_interval;
  }
  /// The number of samples at or before save time k (a launch that ends
  /// with save k takes them).
  std::int64_t samples_through_save(int k) const;
};

/// What settings validation needs to know of an algorithm a program
/// compiles: its name and its controller order (0: no error estimate).
struct AlgorithmInfo {
  std::string name;
  int controller_order;
};

/// Checks every setting against each other, the system and the algorithms
/// compiled in (a user's tableau types among them); throws
/// std::invalid_argument naming the setting, the value and what is allowed.
ValidatedSettings validate(const IntegrationSettings& settings, const SystemShape& system,
                           const std::vector<AlgorithmInfo>& algorithms);
/// The same, against KoBIE's built-in algorithms (known_algorithms()).
ValidatedSettings validate(const IntegrationSettings& settings, const SystemShape& system);

}  // namespace kobie
