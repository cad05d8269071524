// The generic part of every kobie-style command line: options and help
// (cli_main.cpp has the main). The built-in program (main.cpp) and the
// command lines that kobie_add_cli builds for users' systems both link it;
// each supplies kobie_cli::systems(). It needs no Kokkos run time, so the
// fuzzer (fuzz/fuzz_cli_options.cpp) links it without Kokkos' library.
#include <kobie/kobie.hpp>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include <unistd.h>

#include "cli.hpp"

namespace kobie_cli {

std::string help() {
  std::ostringstream h;
  h << "usage: kobie [options]\n"
       "Integrates a batch of independent copies of a built-in ODE system (one per\n"
       "parameter set / initial state) and prints a report.\n\n"
       "system and batch\n"
       "  --system NAME          one of:";
  for (const auto& [name, run] : systems()) h << " " << name;
  h << " (default " << default_system()
    << ")\n"
       "  --batch N              systems when no sweep sets the size (default 4096)\n"
       "  --sweep NAME=LO:HI[:N] linearly spaced values of a state or parameter;\n"
       "                         several sweeps form a grid (each then needs :N)\n"
       "  --set NAME=VALUE       a state's initial value or a parameter for every system\n"
       "  --precision P          double (default) or float\n"
       "  --driver-file FILE     CSV of driver samples (header; t, then one column per\n"
       "                         driver; uniform t; periodic). Default for systems with\n"
       "                         drivers: 0.1 sin(2 pi t), or the system's own\n"
       "                         default_drivers() (three-chamber: a heart elastance\n"
       "                         beat of period 1)\n"
       "integration\n"
       "  --algorithm NAME       default dormand-prince-54; one of:";
  for (const auto& a : kobie::Impl::algorithm_infos<Algorithms>()) h << " " << a.name;
  if (std::tuple_size<Algorithms>::value < std::tuple_size<kobie::all_methods>::value) {
    h << "\n                         (those this build compiles in; KoBIE has:";
    for (const auto& a : kobie::known_algorithms()) h << " " << a;
    h << ")";
  }
  h << "\n"
       "  --controller NAME      pi (default), i, pid, gustafsson, fixed\n"
       "  --duration T           of the saving window (default 10)\n"
       "  --settling T           integrated first, without output (default 0)\n"
       "  --t0 T                 start time (default 0)\n"
       "  --save-every T         save interval (default 0.1; the last save is at the end)\n"
       "  --dt T                 fixed step, or the first adaptive step (default 1e-3)\n"
       "  --dt-min T, --dt-max T step bounds (defaults 1e-12 and the save interval)\n"
       "  --atol X, --rtol X     tolerances (default 1e-6)\n"
       "  --max-steps N          attempted steps per system (default 1e7)\n"
       "  --save-states A,B      states to save (default all)\n"
       "  --save-observables A,B observables to save (default all)\n"
       "  --saves-per-launch N   saves per kernel launch (progress, memory; default all, or\n"
       "                         about 20 launches when stderr is a terminal)\n"
       "  --shared-layout L      auto (default), interleaved or contiguous shared-memory\n"
       "                         slices (auto: contiguous on host for systems of more\n"
       "                         than 16 states, whose lanes do not run as SIMD, unless\n"
       "                         their steps run as SIMD packs: lorenz96)\n"
       "  --lanes-per-team N     systems per team, a power of two (default: the\n"
       "                         backend's, host 128 and CUDA 256, fewer when the\n"
       "                         team's shared buffers do not fit)\n"
       "  --memory-limit BYTES   device memory the batch may take; larger batches run in\n"
       "                         chunks of systems (default: all free memory on CUDA)\n"
       "summary metrics (per window, computed on the device in one pass)\n"
       "  --summaries A,B        metrics, any of:";
  for (const auto& m : kobie::known_summary_metrics()) h << " " << m;
  h << "\n"
       "  --summarise-states A,B      states to summarise (default all)\n"
       "  --summarise-observables A,B observables to summarise (default all)\n"
       "  --sample-every T       sample interval of the summaries (default: save interval)\n"
       "  --summary-window T     window length, a whole multiple of the sample interval\n"
       "                         (default: the whole duration)\n"
       "  --peaks N              peak times kept per window and variable (default 3)\n"
       "  --summary-output FILE.csv  one row per system, window and column: system,\n"
       "                         status, the swept values, window_start, variable,\n"
       "                         metric, value\n"
       "output\n"
       "  --output FILE.csv      one row per system and save: system, status, the swept\n"
       "                         values, t, then the saved variables\n"
       "  --output-systems K     write only the first K systems\n"
       "  --no-layout            leave the buffer layout out of the report\n"
       "  --quiet                no progress line\n"
       "Kokkos options (--kokkos-threads=N, ...) go to Kokkos. Exit status: 0, 2 for bad\n"
       "input, 3 when some systems failed (their status is in the report and the CSV).\n";
  return h.str();
}

namespace {
/// The whole of `v` as a number. strtod, not std::stod: stod calls 1e400
/// "not a number" and refuses a denormal such as 1e-310; here the first is
/// out of range and the second a number.
double number(const std::string& option, const std::string& v) {
  const char* begin = v.c_str();
  char* end = nullptr;
  errno = 0;
  const double x = std::strtod(begin, &end);
  if (v.empty() || end != begin + v.size())
    throw std::invalid_argument(option + ": '" + v +
                                "' is not a number; allowed: a number such as 2, -0.5 or 1e-6");
  if (errno == ERANGE && std::abs(x) == HUGE_VAL)
    throw std::invalid_argument(option + ": '" + v +
                                "' is out of range; allowed: a number of magnitude below 1.8e308");
  return x;
}
/// A whole number in [least, most] (1e6 and 2.5e3 are whole numbers too),
/// checked before any conversion: a larger value is refused with the value
/// as given, never wrapped or truncated.
std::int64_t integer(const std::string& option, const std::string& v,
                     std::int64_t most = std::numeric_limits<std::int64_t>::max(),
                     std::int64_t least = 0) {
  const double x = number(option, v);
  // (2^63 is exact in a double, and no double below it rounds up to it)
  if (!(x >= double(least) && x < 9223372036854775808.0 && x == std::floor(x)) ||
      static_cast<std::int64_t>(x) > most)
    throw std::invalid_argument(option + ": '" + v + "' is not an integer in [" +
                                std::to_string(least) + ", " + std::to_string(most) + "]");
  return static_cast<std::int64_t>(x);
}
/// The same for a setting held in an int.
int small_integer(const std::string& option, const std::string& v) {
  return static_cast<int>(integer(option, v, std::numeric_limits<int>::max()));
}
/// A comma-separated list of names. An empty one is refused: in the settings
/// an empty list means "all" for some and "none" for others, so an empty
/// value (an unset shell variable, say) would pick either silently.
std::vector<std::string> list(const std::string& option, const std::string& v) {
  if (v.empty())
    throw std::invalid_argument(option +
                                ": ''; allowed: a comma-separated list of names, "
                                "such as x or x,y (leave the option out for the default)");
  std::vector<std::string> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}
}  // namespace

// Refuses an output path that cannot be written (its folder missing, or
/// not writable, or the path a folder), before anything is integrated: a
/// long run must not end in an error it could have given at the start.
void require_writable(const std::string& option, const std::string& path) {
  if (path.empty()) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path folder = fs::path(path).parent_path();
  if (folder.empty()) folder = ".";
  const auto cannot = [&](const std::string& why) {
    throw std::invalid_argument(option + ": cannot write '" + path + "': " + why);
  };
  if (!fs::is_directory(folder, ec)) cannot("the folder '" + folder.string() + "' does not exist");
  if (fs::is_directory(path, ec)) cannot("it is a folder");
  const bool exists = fs::exists(path, ec);
  if (::access(exists ? path.c_str() : folder.c_str(), W_OK) != 0)
    cannot(exists ? "the file is not writable" : "the folder is not writable");
}

Options parse(int argc, char* argv[]) {
  Options o;
  o.system = default_system();
  o.settings.duration = 10.0;
  o.settings.save_interval = 0.1;
  bool sized = false;
  std::string uncounted;  // the first --sweep without a count, as given
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--kokkos", 0) == 0) continue;
    // (a stray word would otherwise be taken for an option and the next
    // argument for its value)
    if (a.rfind("--", 0) != 0 && a != "-h")
      throw std::invalid_argument("unexpected argument '" + a +
                                  "'; allowed: options, --NAME VALUE or --NAME=VALUE (see --help)");
    std::string v;
    const auto eq = a.find('=');
    const bool flag = a == "--quiet" || a == "--no-layout" || a == "--help" || a == "-h";
    if (!flag) {
      if (eq != std::string::npos && a.rfind("--", 0) == 0 && a.find('=') < a.size()) {
        // --option=value (but --sweep x=1:2 keeps its own '=')
        const std::string key = a.substr(0, eq);
        if (key == "--sweep" || key == "--set") {
          v = a.substr(eq + 1);
          a = key;
        } else {
          v = a.substr(eq + 1);
          a = key;
        }
      } else {
        if (i + 1 >= argc)
          throw std::invalid_argument(a + " needs a value; allowed: " + a + " VALUE or " + a +
                                      "=VALUE (see --help)");
        v = argv[++i];
      }
    }
    auto& s = o.settings;
    if (a == "--help" || a == "-h") {
      // What follows is not read (it may be anything, as before); cli_main
      // prints the help and returns 0. (No exit here: a caller such as the
      // fuzzer must survive the call.)
      o.help_requested = true;
      return o;
    } else if (a == "--quiet" || a == "--no-layout") {
      // (reached with a value only as --quiet=VALUE, which must not pass
      // for --quiet=no)
      if (!flag)
        throw std::invalid_argument(a + ": '" + v + "'; allowed: " + a + " alone, without a value");
      if (a == "--quiet")
        o.quiet = true;
      else
        o.show_layout = false;
    } else if (a == "--system") {
      if (!systems().count(v)) {
        std::string all;
        for (const auto& [name, run] : systems()) all += " " + name;
        throw std::invalid_argument("--system: '" + v +
                                    "' is not a built-in system; allowed:" + all);
      }
      o.system = v;
      o.system_given = true;
    } else if (a == "--batch") {
      o.batch = integer(a, v, std::numeric_limits<std::int64_t>::max(), 1);
      sized = true;
    } else if (a == "--precision") {
      if (v != "double" && v != "float")
        throw std::invalid_argument("--precision: '" + v + "'; allowed: double, float");
      o.precision = v;
    } else if (a == "--sweep") {
      const auto eqs = v.find('=');
      if (eqs == std::string::npos)
        throw std::invalid_argument("--sweep: '" + v + "'; allowed: NAME=LO:HI or NAME=LO:HI:N");
      Sweep sw;
      sw.name = v.substr(0, eqs);
      std::vector<std::string> parts;
      std::stringstream ss(v.substr(eqs + 1));
      std::string part;
      while (std::getline(ss, part, ':')) parts.push_back(part);
      if (parts.size() < 2 || parts.size() > 3)
        throw std::invalid_argument("--sweep: '" + v + "'; allowed: NAME=LO:HI or NAME=LO:HI:N");
      sw.lo = number("--sweep", parts[0]);
      sw.hi = number("--sweep", parts[1]);
      // (a NaN or infinite initial value or parameter only fails the systems)
      if (!std::isfinite(sw.lo) || !std::isfinite(sw.hi))
        throw std::invalid_argument("--sweep: '" + v +
                                    "'; allowed: NAME=LO:HI or NAME=LO:HI:N, LO and HI finite");
      if (parts.size() == 3)
        sw.count = integer("--sweep count", parts[2], std::numeric_limits<std::int64_t>::max(), 1);
      else if (uncounted.empty())
        uncounted = v;
      o.sweeps.push_back(sw);
    } else if (a == "--set") {
      const auto eqs = v.find('=');
      if (eqs == std::string::npos)
        throw std::invalid_argument("--set: '" + v + "'; allowed: NAME=VALUE");
      const double x = number("--set", v.substr(eqs + 1));
      if (!std::isfinite(x))
        throw std::invalid_argument("--set: '" + v + "'; allowed: NAME=VALUE, VALUE finite");
      o.sets.emplace_back(v.substr(0, eqs), x);
    } else if (a == "--algorithm")
      s.algorithm = v;
    else if (a == "--controller")
      s.controller = v;
    else if (a == "--duration")
      s.duration = number(a, v);
    else if (a == "--settling")
      s.settling_time = number(a, v);
    else if (a == "--t0")
      s.t0 = number(a, v);
    else if (a == "--save-every")
      s.save_interval = number(a, v);
    else if (a == "--dt")
      s.dt = number(a, v);
    else if (a == "--dt-min")
      s.dt_min = number(a, v);
    else if (a == "--dt-max")
      s.dt_max = number(a, v);
    else if (a == "--atol")
      s.atol = number(a, v);
    else if (a == "--rtol")
      s.rtol = number(a, v);
    else if (a == "--max-steps")
      s.max_steps = integer(a, v);
    else if (a == "--save-states")
      s.saved_states = list(a, v);
    else if (a == "--save-observables")
      s.saved_observables = list(a, v);
    else if (a == "--saves-per-launch")
      s.saves_per_chunk = small_integer(a, v);
    else if (a == "--shared-layout")
      s.shared_layout = v;
    else if (a == "--lanes-per-team")
      s.lanes_per_team = small_integer(a, v);
    else if (a == "--memory-limit")
      s.device_memory_limit = integer(a, v);
    else if (a == "--summaries")
      s.summary_metrics = list(a, v);
    else if (a == "--summarise-states")
      s.summarised_states = list(a, v);
    else if (a == "--summarise-observables")
      s.summarised_observables = list(a, v);
    else if (a == "--sample-every")
      s.sample_interval = number(a, v);
    else if (a == "--summary-window")
      s.summary_window = number(a, v);
    else if (a == "--peaks")
      s.n_peaks = small_integer(a, v);
    else if (a == "--summary-output")
      o.summary_output = v;
    else if (a == "--output")
      o.output = v;
    else if (a == "--output-systems")
      o.output_systems = integer(a, v);
    else if (a == "--driver-file")
      o.driver_file = v;
    else
      throw std::invalid_argument("unknown option '" + a + "'; allowed: the options --help lists");
  }
  if (o.sweeps.size() > 1 && !uncounted.empty())
    throw std::invalid_argument("--sweep: '" + uncounted + "' has no count, but there are " +
                                std::to_string(o.sweeps.size()) +
                                " sweeps (a grid); allowed: NAME=LO:HI:N for each");
  o.sized = sized;
  return o;
}

}  // namespace kobie_cli
