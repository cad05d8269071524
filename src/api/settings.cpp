#include <kobie/algorithms/explicit/tableaus.hpp>
#include <kobie/algorithms/methods.hpp>
#include <kobie/api/settings.hpp>
#include <kobie/outputs/summaries.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace kobie {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "'" : ", '") + s + "'";
  return out;
}

/// The shortest decimal that reads back as x (0.3, not 0.29999999999999999).
std::string num(double x) {
  std::string out;
  for (int digits : {15, 16, 17}) {
    std::ostringstream o;
    o.precision(digits);
    o << x;
    out = o.str();
    if (std::strtod(out.c_str(), nullptr) == x) break;
  }
  return out;
}

[[noreturn]] void bad(const std::string& setting, const std::string& value,
                      const std::string& allowed) {
  throw std::invalid_argument("kobie: setting '" + setting + "' has value " + value +
                              "; allowed: " + allowed);
}

void require_finite(const std::string& setting, double v) {
  if (!std::isfinite(v)) bad(setting, num(v), "a finite number");
}

std::vector<AlgorithmInfo> algorithm_table() {
  std::vector<AlgorithmInfo> out;
  std::apply(
      [&](auto... tab) {
        ((out.push_back({decltype(tab)::name(), tableaus::controller_order<decltype(tab)>()})),
         ...);
      },
      all_methods{});
  return out;
}

std::vector<int> indices_of(const std::string& setting, const std::vector<std::string>& wanted,
                            const std::vector<std::string>& names) {
  std::vector<int> out;
  if (wanted.empty()) {
    for (std::size_t i = 0; i < names.size(); ++i) out.push_back(static_cast<int>(i));
    return out;
  }
  for (const auto& w : wanted) {
    int found = -1;
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == w) found = static_cast<int>(i);
    if (found < 0)
      bad(setting, "'" + w + "'", names.empty() ? "none (nothing to save)" : join(names));
    // (each name once: the kernels' lists hold one entry per variable)
    if (std::find(out.begin(), out.end(), found) != out.end())
      bad(setting, "'" + w + "' (named twice)", "each of " + join(names) + " at most once");
    out.push_back(found);
  }
  return out;
}

/// The summary settings (docs/ARCHITECTURE.md, "Summary metrics").
void validate_summaries(const IntegrationSettings& s, const SystemShape& system,
                        ValidatedSettings& v) {
  v.time_epsilon = 1e-12 * (std::abs(s.t0 + s.settling_time) + s.duration);
  for (const auto& name : s.summary_metrics) {
    int found = -1;
    for (int m = 0; m < summary_metric_count; ++m)
      if (name == summary_metric_info(m).name) found = m;
    if (found < 0) bad("summary_metrics", "'" + name + "'", join(known_summary_metrics()));
    // (a metric named twice would silently be computed once)
    if (v.summary_flags & (1 << found))
      bad("summary_metrics", "'" + name + "' (named twice)",
          "each of " + join(known_summary_metrics()) + " at most once");
    v.summary_flags |= 1 << found;
  }
  require_finite("sample_interval", s.sample_interval);
  require_finite("summary_window", s.summary_window);
  if (v.summary_flags == 0) {
    for (const auto& [setting, list] : {std::pair{"summarised_states", &s.summarised_states},
                                        {"summarised_observables", &s.summarised_observables}})
      if (!list->empty())
        bad(setting, "'" + list->front() + "', ...",
            "none while 'summary_metrics' is empty (name the metrics to compute)");
    return;
  }
  v.summarised_states = indices_of("summarised_states", s.summarised_states, system.states);
  v.summarised_observables =
      indices_of("summarised_observables", s.summarised_observables, system.observables);
  if (s.sample_interval < 0) bad("sample_interval", num(s.sample_interval), "0 or a number > 0");
  v.sample_interval = s.sample_interval == 0 ? s.save_interval : s.sample_interval;
  if (v.sample_interval > s.duration * (1 + 1e-12))
    bad("sample_interval", num(v.sample_interval),
        "a number <= duration (" + num(s.duration) + ")");
  if (s.summary_window < 0) bad("summary_window", num(s.summary_window), "0 or a number > 0");
  // Counts stay doubles until they are known to fit an int (converting a
  // larger one is undefined behaviour).
  const double per_duration = std::floor(s.duration / v.sample_interval * (1 + 1e-12));
  double per_window = per_duration;  // (no summary_window: the whole run)
  if (s.summary_window != 0) {
    const double m = std::round(s.summary_window / v.sample_interval);
    if (m < 1 || std::abs(m * v.sample_interval - s.summary_window) > 1e-9 * s.summary_window)
      bad("summary_window", num(s.summary_window),
          "a whole multiple of the sample interval (" + num(v.sample_interval) + ")");
    if (m > per_duration)
      bad("summary_window", num(s.summary_window),
          "a number <= duration (" + num(s.duration) + ")");
    per_window = m;
  }
  const double windows = std::floor(per_duration / per_window);
  if (!(per_window <= 2e9 && windows * per_window <= 2e9))
    bad("sample_interval", num(v.sample_interval), "at most 2e9 samples in the run");
  // (each window takes a start time here and a row of every summary column
  // per system in the results: as many as saves may be, no more)
  if (!(windows <= 1e8))
    bad("summary_window", num(s.summary_window),
        "a window that gives at most 1e8 windows (it gives " + num(windows) +
            "; 0: one window, the whole duration)");
  // Distinct sample times: two times closer than time_epsilon are one event
  // (and where |t0 + settling_time| dwarfs the interval they round to one).
  if (!(v.sample_interval > v.time_epsilon))
    bad("sample_interval", num(v.sample_interval),
        "a number > 1e-12 (|t0 + settling_time| + duration) = " + num(v.time_epsilon) +
            ", the time within which two events are one (0: the save interval)");
  v.samples_per_window = static_cast<int>(per_window);
  v.n_windows = static_cast<int>(windows);
  v.n_samples = std::int64_t(v.n_windows) * v.samples_per_window;
  const bool peaks = v.summary_flags & (metric_peaks | metric_negative_peaks);
  if (peaks && (s.n_peaks < 1 || s.n_peaks > 64))
    bad("n_peaks", std::to_string(s.n_peaks), "an integer in [1, 64]");
  v.n_peaks = peaks ? s.n_peaks : 0;
  const double window = v.samples_per_window * v.sample_interval;
  v.window_starts.reserve(v.n_windows);
  for (int w = 0; w < v.n_windows; ++w)
    v.window_starts.push_back(s.t0 + s.settling_time + w * window);
  const auto suffixes = summary_column_suffixes(v.summary_flags, v.n_peaks);
  auto add_columns = [&](const std::string& variable) {
    for (const auto& c : suffixes) v.summary_columns.push_back(variable + "." + c);
  };
  for (int i : v.summarised_states) add_columns(system.states[i]);
  for (int i : v.summarised_observables) add_columns(system.observables[i]);
}

}  // namespace

std::vector<std::string> known_algorithms() {
  std::vector<std::string> out;
  for (const auto& a : algorithm_table()) out.push_back(a.name);
  return out;
}

std::vector<std::string> known_controllers() {
  return {"fixed", "i", "pi", "pid", "gustafsson"};
}

std::vector<std::string> known_summary_metrics() {
  std::vector<std::string> out;
  for (int m = 0; m < summary_metric_count; ++m) out.emplace_back(summary_metric_info(m).name);
  return out;
}

std::int64_t ValidatedSettings::samples_through_save(int k) const {
  if (n_samples == 0) return 0;
  const double limit = save_times[k] + time_epsilon;
  // A first guess from the division, then corrected against the very
  // formula the kernel uses for sample times.
  const double guess = std::floor((limit - sample_time(0)) / sample_interval);
  std::int64_t c = static_cast<std::int64_t>(std::max(0.0, std::min(double(n_samples), guess + 1)));
  while (c < n_samples && sample_time(c) <= limit) ++c;
  while (c > 0 && sample_time(c - 1) > limit) --c;
  return c;
}

ValidatedSettings validate(const IntegrationSettings& s, const SystemShape& system) {
  return validate(s, system, algorithm_table());
}

ValidatedSettings validate(const IntegrationSettings& s, const SystemShape& system,
                           const std::vector<AlgorithmInfo>& algorithms) {
  ValidatedSettings v;
  v.raw = s;
  const int n = static_cast<int>(system.states.size());

  // Algorithm and controller.
  int order = -1;
  std::vector<std::string> compiled;
  for (const auto& a : algorithms) {
    compiled.push_back(a.name);
    if (a.name == s.algorithm) order = a.controller_order;
  }
  if (order < 0) {
    const auto builtin = known_algorithms();
    if (std::find(builtin.begin(), builtin.end(), s.algorithm) != builtin.end())
      throw std::invalid_argument(
          "kobie: setting 'algorithm' has value '" + s.algorithm +
          "', which this program does not compile in; compiled: " + join(compiled));
    bad("algorithm", "'" + s.algorithm + "'", join(compiled));
  }
  const auto controllers = known_controllers();
  int kind = -1;
  for (std::size_t i = 0; i < controllers.size(); ++i)
    if (controllers[i] == s.controller) kind = static_cast<int>(i);
  if (kind < 0) bad("controller", "'" + s.controller + "'", join(controllers));
  v.controller.kind = static_cast<ControllerKind>(kind);
  if (v.controller.kind != ControllerKind::fixed && order == 0)
    throw std::invalid_argument("kobie: setting 'controller' has value '" + s.controller +
                                "', an adaptive controller, but algorithm '" + s.algorithm +
                                "' has no error estimate; allowed with it: 'fixed' (or choose an "
                                "embedded pair such as 'dormand-prince-54')");
  v.controller.order = order;
  v.controller.set_exponents();

  // Times.
  for (auto [name, value] : {std::pair{"t0", s.t0},
                             {"settling_time", s.settling_time},
                             {"duration", s.duration},
                             {"save_interval", s.save_interval},
                             {"dt", s.dt},
                             {"dt_min", s.dt_min}})
    require_finite(name, value);
  if (s.duration <= 0) bad("duration", num(s.duration), "a number > 0");
  if (s.settling_time < 0) bad("settling_time", num(s.settling_time), "a number >= 0");
  if (s.save_interval <= 0) bad("save_interval", num(s.save_interval), "a number > 0");
  if (s.save_interval > s.duration * (1 + 1e-12))
    bad("save_interval", num(s.save_interval), "a number <= duration (" + num(s.duration) + ")");
  // Saves: every interval from t0 + settling, and exactly at the end.
  // (counted in double: converting a count beyond int's range is undefined;
  // counted before the step bounds, which default to the save interval, so
  // that a tiny interval is refused as itself, not as dt_min > dt_max)
  const double k = std::floor(s.duration / s.save_interval * (1 + 1e-12));
  const double saves = k + (k * s.save_interval < s.duration * (1 - 1e-12) ? 2 : 1);
  if (!(saves <= 1e8)) bad("save_interval", num(s.save_interval), "at most 1e8 saves");
  if (s.dt <= 0) bad("dt", num(s.dt), "a number > 0");
  if (s.dt_min <= 0) bad("dt_min", num(s.dt_min), "a number > 0");
  // (+inf means "the save interval"; -inf is refused below like any dt_max <= 0)
  const bool dt_max_default = std::isinf(s.dt_max) && s.dt_max > 0;
  const double dt_max = dt_max_default ? s.save_interval : s.dt_max;
  if (!(dt_max > 0)) bad("dt_max", num(s.dt_max), "a number > 0");
  if (s.dt_min > dt_max)
    bad("dt_min", num(s.dt_min),
        "a number <= dt_max (" + num(dt_max) + (dt_max_default ? ", the save interval)" : ")"));
  if (v.controller.kind != ControllerKind::fixed && (s.dt < s.dt_min || s.dt > dt_max))
    bad("dt", num(s.dt),
        "a number in [dt_min, dt_max] = [" + num(s.dt_min) + ", " + num(dt_max) + "]");
  v.controller.dt_min = s.dt_min;
  v.controller.dt_max = dt_max;

  // Controller parameters.
  if (!(s.safety > 0 && s.safety <= 1)) bad("safety", num(s.safety), "a number in (0, 1]");
  if (!(s.min_gain > 0 && s.min_gain <= 1)) bad("min_gain", num(s.min_gain), "a number in (0, 1]");
  if (!(s.max_gain >= 1 && std::isfinite(s.max_gain)))
    bad("max_gain", num(s.max_gain), "a finite number >= 1");
  if (!(s.deadband_low <= 1 && s.deadband_low > 0))
    bad("deadband_low", num(s.deadband_low), "a number in (0, 1]");
  if (!(s.deadband_high >= 1 && std::isfinite(s.deadband_high)))
    bad("deadband_high", num(s.deadband_high), "a finite number >= 1");
  v.controller.safety = s.safety;
  v.controller.min_gain = s.min_gain;
  v.controller.max_gain = s.max_gain;
  v.controller.deadband_low = s.deadband_low;
  v.controller.deadband_high = s.deadband_high;
  if (s.max_steps < 1) bad("max_steps", std::to_string(s.max_steps), "an integer >= 1");
  if (!(s.newton_tolerance > 0 && s.newton_tolerance < 1))
    bad("newton_tolerance", num(s.newton_tolerance), "a number in (0, 1)");
  if (s.newton_max_iterations < 1 || s.newton_max_iterations > 100)
    bad("newton_max_iterations", std::to_string(s.newton_max_iterations),
        "an integer from 1 to 100");

  // Tolerances.
  auto tolerance = [&](const char* name, double scalar, const std::vector<double>& per) {
    std::vector<double> out(n, scalar);
    if (!per.empty()) {
      if (static_cast<int>(per.size()) != n)
        bad(std::string(name) + "_per_state", std::to_string(per.size()) + " values",
            std::to_string(n) + " values (one per state)");
      out = per;
    }
    for (double t : out)
      if (!(t > 0) || !std::isfinite(t))
        bad(per.empty() ? name : std::string(name) + "_per_state", num(t), "a finite number > 0");
    return out;
  };
  v.atol = tolerance("atol", s.atol, s.atol_per_state);
  v.rtol = tolerance("rtol", s.rtol, s.rtol_per_state);

  if (!std::isfinite(s.t0 + s.settling_time + s.duration))
    bad("duration", num(s.duration),
        "a number that keeps the end time finite (t0 " + num(s.t0) + " + settling_time " +
            num(s.settling_time) + " + duration overflows)");
  v.n_saves = static_cast<int>(saves);
  v.save_times.reserve(v.n_saves);
  for (int i = 0; i < v.n_saves; ++i)
    v.save_times.push_back(i == v.n_saves - 1 ? s.t0 + s.settling_time + s.duration
                                              : s.t0 + s.settling_time + i * s.save_interval);
  // Distinct save times: where |t0 + settling_time| dwarfs the interval,
  // t0 + settling_time + k * save_interval rounds to one double for several
  // k (or the last interval's save to the end), and no step could advance
  // from one save to the next.
  for (int i = 1; i < v.n_saves; ++i)
    if (!(v.save_times[i] > v.save_times[i - 1]))
      bad("save_interval", num(s.save_interval),
          "an interval that keeps the save times apart (saves " + std::to_string(i - 1) + " and " +
              std::to_string(i) + " both round to t = " + num(v.save_times[i]) +
              "; t0 + settling_time = " + num(s.t0 + s.settling_time) + " is too large for it)");
  v.saved_states = indices_of("saved_states", s.saved_states, system.states);
  v.saved_observables = indices_of("saved_observables", s.saved_observables, system.observables);
  if (v.saved_states.empty() && v.saved_observables.empty())
    bad("saved_states", "none", "at least one state or observable to save");
  if (s.saves_per_chunk < 0) bad("saves_per_chunk", std::to_string(s.saves_per_chunk), ">= 0");
  v.saves_per_chunk = s.saves_per_chunk == 0 ? v.n_saves : std::min(s.saves_per_chunk, v.n_saves);
  if (s.shared_layout != "auto" && s.shared_layout != "interleaved" &&
      s.shared_layout != "contiguous")
    bad("shared_layout", "'" + s.shared_layout + "'", "'auto', 'interleaved', 'contiguous'");
  if (!(s.lanes_per_team == 0 || (s.lanes_per_team > 0 && s.lanes_per_team <= max_lanes_per_team &&
                                  (s.lanes_per_team & (s.lanes_per_team - 1)) == 0)))
    bad("lanes_per_team", std::to_string(s.lanes_per_team),
        "0 (the backend's default) or a power of two from 1 to " +
            std::to_string(max_lanes_per_team));
  if (s.placement.empty())
    bad("placement", "''", "the name of a placement the program compiled in, e.g. 'default'");
  if (s.device_memory_limit < 0)
    bad("device_memory_limit", std::to_string(s.device_memory_limit),
        "0 (automatic) or a number of bytes > 0");
  if (s.host_memory_limit < 0)
    bad("host_memory_limit", std::to_string(s.host_memory_limit),
        "0 (the memory available) or a number of bytes > 0");
  validate_summaries(s, system, v);
  return v;
}

}  // namespace kobie
