// Fuzzes settings validation (kobie::validate): every field of
// IntegrationSettings, a system shape and the algorithms a program compiles
// in, decoded from the bytes (numbers from the values that break numeric
// code, integers from the int and int64 edges, names from a dictionary of
// valid and invalid ones, name lists with duplicates and unknown names).
// A refusal must be std::invalid_argument naming a setting; a success must
// satisfy the documented ranges, and its save times and summary windows
// must be what the settings say. Run with -malloc_limit_mb: validation must
// refuse a huge count of saves or windows, never allocate it.
#include <kobie/api/settings.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_input.hpp"

namespace {

using kobie_fuzz::Input;

const std::vector<std::string> state_pool = {"x", "y", "z", "theta", "omega", "v"};
const std::vector<std::string> observable_pool = {"energy", "power", "q"};

std::vector<std::string> names(Input& in, const kobie::SystemShape& shape) {
  std::vector<std::string> dictionary = {"", "unknown", "X", "x "};
  dictionary.insert(dictionary.end(), shape.states.begin(), shape.states.end());
  dictionary.insert(dictionary.end(), shape.observables.begin(), shape.observables.end());
  dictionary.insert(dictionary.end(), shape.states.begin(), shape.states.end());  // (more often)
  std::vector<std::string> out(in.below(5));
  for (auto& n : out) n = in.text(dictionary);
  return out;
}

std::vector<double> tolerances(Input& in) {
  std::vector<double> out(in.below(4) == 0 ? in.below(8) : 0);
  for (auto& t : out) t = in.number();
  return out;
}

std::string settings_names() {
  return "'algorithm' 'controller' 't0' 'settling_time' 'duration' 'save_interval' 'dt' "
         "'dt_min' 'dt_max' 'atol' 'rtol' 'atol_per_state' 'rtol_per_state' 'safety' "
         "'min_gain' 'max_gain' 'deadband_low' 'deadband_high' 'max_steps' "
         "'newton_tolerance' 'newton_max_iterations' 'saved_states' 'saved_observables' "
         "'saves_per_chunk' 'shared_layout' 'lanes_per_team' 'placement' 'summary_metrics' "
         "'summarised_states' 'summarised_observables' 'sample_interval' 'summary_window' "
         "'n_peaks' 'device_memory_limit'";
}

/// The message names one of the settings (in quotes, as validate writes them).
void check_names_a_setting(const std::invalid_argument& e) {
  const std::string message = e.what();
  kobie_fuzz::check_message(e);
  const std::string all = settings_names();
  bool named = false;
  for (std::size_t b = all.find('\''); b != std::string::npos; b = all.find('\'', b + 1)) {
    const std::size_t end = all.find('\'', b + 1);
    named = named || message.find(all.substr(b, end - b + 1)) != std::string::npos;
    b = end;
  }
  KOBIE_FUZZ_CHECK(named, "the message names no setting: " + message);
}

/// The times, for a failure's message.
std::string times(const kobie::IntegrationSettings& s) {
  auto n = [](double x) {
    char b[32];
    std::snprintf(b, sizeof b, "%.17g", x);
    return std::string(b);
  };
  return "t0 " + n(s.t0) + ", settling_time " + n(s.settling_time) + ", duration " + n(s.duration) +
         ", save_interval " + n(s.save_interval) + ", sample_interval " + n(s.sample_interval) +
         ", summary_window " + n(s.summary_window);
}

bool is_power_of_two(int x) {
  return x > 0 && (x & (x - 1)) == 0;
}

void check(const kobie::IntegrationSettings& s, const kobie::SystemShape& shape,
           const std::vector<kobie::AlgorithmInfo>& algorithms, const kobie::ValidatedSettings& v) {
  const auto n = shape.states.size();
  const auto known = [&](const std::string& name) {
    for (const auto& a : algorithms)
      if (a.name == name) return true;
    return false;
  };
  KOBIE_FUZZ_CHECK(known(s.algorithm), "algorithm '" + s.algorithm + "' accepted");
  for (double x : {s.t0, s.settling_time, s.duration, s.save_interval, s.dt, s.dt_min})
    KOBIE_FUZZ_CHECK(std::isfinite(x), "a non-finite time accepted");
  KOBIE_FUZZ_CHECK(
      s.duration > 0 && s.settling_time >= 0 && s.save_interval > 0 && s.dt > 0 && s.dt_min > 0,
      "a time out of range accepted");
  KOBIE_FUZZ_CHECK(v.controller.dt_max > 0 && v.controller.dt_min <= v.controller.dt_max,
                   "dt bounds");
  KOBIE_FUZZ_CHECK(s.safety > 0 && s.safety <= 1 && s.min_gain > 0 && s.min_gain <= 1 &&
                       s.max_gain >= 1 && std::isfinite(s.max_gain) && s.deadband_low > 0 &&
                       s.deadband_low <= 1 && s.deadband_high >= 1 &&
                       std::isfinite(s.deadband_high),
                   "a controller parameter out of range accepted");
  KOBIE_FUZZ_CHECK(s.max_steps >= 1 && s.newton_tolerance > 0 && s.newton_tolerance < 1 &&
                       s.newton_max_iterations >= 1 && s.newton_max_iterations <= 100,
                   "an iteration setting out of range accepted");
  KOBIE_FUZZ_CHECK(v.atol.size() == n && v.rtol.size() == n, "tolerances per state");
  for (std::size_t i = 0; i < n; ++i)
    KOBIE_FUZZ_CHECK(
        v.atol[i] > 0 && std::isfinite(v.atol[i]) && v.rtol[i] > 0 && std::isfinite(v.rtol[i]),
        "a tolerance out of range accepted");

  // Saves: from t0 + settling_time, every interval, and exactly at the end.
  KOBIE_FUZZ_CHECK(v.n_saves >= 1 && v.n_saves <= 100000000 &&
                       v.save_times.size() == static_cast<std::size_t>(v.n_saves),
                   std::to_string(v.n_saves) + " saves");
  KOBIE_FUZZ_CHECK(v.save_times.front() == s.t0 + s.settling_time || v.n_saves == 1, "first save");
  KOBIE_FUZZ_CHECK(v.save_times.back() == s.t0 + s.settling_time + s.duration, "last save");
  for (std::size_t k = 1; k < v.save_times.size(); ++k)
    KOBIE_FUZZ_CHECK(v.save_times[k] > v.save_times[k - 1],
                     "save " + std::to_string(k) + " is not after the one before it; " + times(s));
  KOBIE_FUZZ_CHECK(v.saves_per_chunk >= 1 && v.saves_per_chunk <= v.n_saves, "saves per chunk");

  auto in_range = [](const std::vector<int>& idx, std::size_t size) {
    std::vector<int> sorted = idx;
    std::sort(sorted.begin(), sorted.end());
    return std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end() &&
           std::all_of(idx.begin(), idx.end(),
                       [&](int i) { return i >= 0 && static_cast<std::size_t>(i) < size; });
  };
  KOBIE_FUZZ_CHECK(in_range(v.saved_states, n) &&
                       in_range(v.saved_observables, shape.observables.size()) &&
                       v.n_saved_variables() >= 1,
                   "saved variables");
  KOBIE_FUZZ_CHECK(s.shared_layout == "auto" || s.shared_layout == "interleaved" ||
                       s.shared_layout == "contiguous",
                   "shared_layout '" + s.shared_layout + "' accepted");
  KOBIE_FUZZ_CHECK(s.lanes_per_team == 0 || (is_power_of_two(s.lanes_per_team) &&
                                             s.lanes_per_team <= kobie::max_lanes_per_team),
                   "lanes_per_team " + std::to_string(s.lanes_per_team) + " accepted");
  KOBIE_FUZZ_CHECK(!s.placement.empty() && s.device_memory_limit >= 0, "placement, memory limit");

  // Summaries.
  if (v.summary_flags == 0) {
    KOBIE_FUZZ_CHECK(s.summary_metrics.empty() && v.n_samples == 0 && v.summary_columns.empty(),
                     "summaries without metrics");
    return;
  }
  KOBIE_FUZZ_CHECK(in_range(v.summarised_states, n) &&
                       in_range(v.summarised_observables, shape.observables.size()),
                   "summarised variables");
  KOBIE_FUZZ_CHECK(v.sample_interval > 0 && std::isfinite(v.sample_interval), "sample interval");
  KOBIE_FUZZ_CHECK(v.samples_per_window >= 1 && v.n_windows >= 1 &&
                       v.n_samples == std::int64_t(v.samples_per_window) * v.n_windows &&
                       v.window_starts.size() == static_cast<std::size_t>(v.n_windows),
                   std::to_string(v.n_windows) + " windows of " +
                       std::to_string(v.samples_per_window) + " samples");
  for (std::size_t w = 1; w < v.window_starts.size(); ++w)
    KOBIE_FUZZ_CHECK(v.window_starts[w] > v.window_starts[w - 1],
                     "window " + std::to_string(w) + " starts with the one before it; " + times(s));
  KOBIE_FUZZ_CHECK(v.sample_time(1) > v.sample_time(0) &&
                       v.sample_time(v.n_samples) > v.sample_time(v.n_samples - 1),
                   "samples at one time; " + times(s));
  KOBIE_FUZZ_CHECK(v.n_windows <= 100000000, std::to_string(v.n_windows) + " windows");
  KOBIE_FUZZ_CHECK(v.n_peaks >= 0 && v.n_peaks <= 64, "peaks");
  KOBIE_FUZZ_CHECK(v.summary_columns.size() % std::max(1, v.n_summarised_variables()) == 0,
                   "summary columns");
  // Samples through each save: within [0, n_samples], never fewer later.
  std::int64_t before = 0;
  const int step = std::max(1, v.n_saves / 64);  // (a sample of the saves: cheap)
  for (int k = 0; k < v.n_saves; k += step) {
    const std::int64_t c = v.samples_through_save(k);
    KOBIE_FUZZ_CHECK(c >= before && c <= v.n_samples, "samples through save " + std::to_string(k));
    before = c;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);

  // The system: up to six states, up to three observables (unique names,
  // as names_of gives them).
  kobie::SystemShape shape;
  const std::size_t n_states = in.below(state_pool.size() + 1);
  const std::size_t n_observables = in.below(observable_pool.size() + 1);
  shape.states.assign(state_pool.begin(), state_pool.begin() + n_states);
  shape.observables.assign(observable_pool.begin(), observable_pool.begin() + n_observables);

  // The algorithms compiled in: KoBIE's own (validate's two-argument form),
  // or a subset of them and a user's tableau of any order.
  const bool builtin = in.boolean();
  std::vector<kobie::AlgorithmInfo> algorithms;
  const auto known = kobie::known_algorithms();
  for (const auto& name : known)
    if (builtin || in.boolean())
      algorithms.push_back({name, builtin ? -1 : static_cast<int>(in.below(9))});
  if (!builtin && in.boolean())
    algorithms.push_back({in.text({"my-tableau", "rk4", ""}), static_cast<int>(in.below(9))});

  kobie::IntegrationSettings s;
  std::vector<std::string> algorithm_names = {"", "RK4", "dormand-prince-54 ", "my-tableau"};
  algorithm_names.insert(algorithm_names.end(), known.begin(), known.end());
  s.algorithm = in.text(algorithm_names);
  s.controller = in.text({"fixed", "i", "pi", "pid", "gustafsson", "", "PI", "adaptive"});
  s.t0 = in.number();
  s.settling_time = in.number();
  s.duration = in.number();
  s.save_interval = in.number();
  s.dt = in.number();
  s.dt_min = in.number();
  s.dt_max = in.number();
  s.atol = in.number();
  s.rtol = in.number();
  s.atol_per_state = tolerances(in);
  s.rtol_per_state = tolerances(in);
  s.safety = in.number();
  s.min_gain = in.number();
  s.max_gain = in.number();
  s.deadband_low = in.number();
  s.deadband_high = in.number();
  s.max_steps = in.integer();
  s.newton_tolerance = in.number();
  s.newton_max_iterations = in.small_integer();
  s.saved_states = names(in, shape);
  s.saved_observables = names(in, shape);
  s.saves_per_chunk = in.small_integer();
  s.shared_layout = in.text({"auto", "interleaved", "contiguous", "Auto", ""});
  s.lanes_per_team = in.small_integer();
  s.placement = in.text({"default", "all-local", ""});
  std::vector<std::string> metrics = {"", "unknown", "MEAN"};
  for (const auto& m : kobie::known_summary_metrics()) metrics.push_back(m);
  s.summary_metrics.resize(in.below(4));
  for (auto& m : s.summary_metrics) m = in.text(metrics);
  s.summarised_states = names(in, shape);
  s.summarised_observables = names(in, shape);
  s.sample_interval = in.number();
  s.summary_window = in.number();
  s.n_peaks = in.small_integer();
  s.device_memory_limit = in.integer();

  try {
    // (KoBIE's own table, or the given infos: a method's controller order
    // then is whatever the input says, as a user's tableau's may be)
    const kobie::ValidatedSettings v =
        builtin ? kobie::validate(s, shape) : kobie::validate(s, shape, algorithms);
    check(s, shape, algorithms, v);
  } catch (const std::invalid_argument& e) {
    check_names_a_setting(e);
  }
  return 0;
}
