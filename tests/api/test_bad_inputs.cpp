// Test body (see backend_test.cpp.in): every bad input of the catalogue
// (tests/bad_inputs/catalogue.txt, its format described at its top) that
// has an API form is refused by kobie::solve and by kobie::solve_to_host
// with std::invalid_argument naming the setting, the value and what is
// allowed, and before anything is launched: a Kokkos Tools callback counts
// the integration kernel's launches ("kobie::loop::integrate", solve.hpp),
// and sees those of the valid baseline, so that zero is not vacuous. The
// command-line forms of the same catalogue are tests/cli_bad_inputs.py's.
//
// One system (Decay) and one method (ClassicalRK4): the kernel compiles
// once, cheaply; the settings are checked before any kernel is chosen.
#include <kobie/kobie.hpp>

#include <Kokkos_Core.hpp>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#ifndef KOBIE_BAD_INPUTS_CATALOGUE
#error "tests/CMakeLists.txt sets KOBIE_BAD_INPUTS_CATALOGUE, the catalogue's path"
#endif

namespace {

using Exec = TEST_EXECSPACE;
using System = kobie::systems::Decay;
using Methods = std::tuple<kobie::tableaus::ClassicalRK4>;
using kobie::IntegrationSettings;

// ---------------------------------------------------------------- the catalogue

struct Entry {
  int line = 0;
  std::string id, api;
  std::vector<std::string> fragments;  // setting, value, allowed, more
};

struct Catalogue {
  std::string baseline;  // "baseline api | ..."
  std::vector<Entry> entries;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::vector<std::string> split(const std::string& s, const std::string& separator) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  for (auto at = s.find(separator); at != std::string::npos; at = s.find(separator, begin)) {
    out.push_back(s.substr(begin, at - begin));
    begin = at + separator.size();
  }
  out.push_back(s.substr(begin));
  return out;
}

/// The catalogue's baseline and entries, read as tests/bad_inputs/catalogue.py
/// reads them (the CLI test's and the docs table's reader).
Catalogue read_catalogue(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open the catalogue " + path);
  Catalogue c;
  std::string raw;
  for (int line = 1; std::getline(in, raw); ++line) {
    const std::string text = trim(raw);
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> fields = split(text, " | ");
    for (auto& f : fields) f = trim(f);
    if (fields[0] == "baseline api") {
      c.baseline = fields.size() == 2 ? fields[1] : "";
      continue;
    }
    if (fields[0].rfind("baseline ", 0) == 0 || fields[0].rfind("file ", 0) == 0) continue;
    if (fields.size() < 6)
      throw std::runtime_error(path + ":" + std::to_string(line) + ": fewer than 6 fields");
    c.entries.push_back({line, fields[0], fields[1], {fields.begin() + 3, fields.end()}});
  }
  return c;
}

// ---------------------------------------------------------------- applying an entry

/// What one solve is given; an entry's API form changes it.
struct Inputs {
  IntegrationSettings settings;
  kobie::Batch batch;
  kobie::DriverSamples drivers;
  std::optional<kobie::EndState<double>> resume;
};

kobie::Batch four_systems() {
  return kobie::Batch::grid<System>({{"k", {0.5, 1.0, 1.5, 2.0}}});
}

/// `text` as a double (strtod: nan, inf, -inf, 1e-300 and the like), all of it.
double to_double(const std::string& text) {
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    throw std::runtime_error("'" + text + "' is not a number");
  return x;
}

std::int64_t to_integer(const std::string& text, std::int64_t least, std::int64_t most) {
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || x < least || x > most)
    throw std::runtime_error("'" + text + "' is not an integer that the setting holds");
  return x;
}

std::vector<std::string> to_names(const std::string& text) {
  return text.empty() ? std::vector<std::string>{} : split(text, ",");
}

using Setter = std::function<void(IntegrationSettings&, const std::string&)>;

/// Every IntegrationSettings member, by name (scripts/bad-inputs-table.py
/// checks that the catalogue gives each a bad value).
const std::map<std::string, Setter>& setters() {
  auto real = [](double IntegrationSettings::*m) {
    return Setter([m](IntegrationSettings& s, const std::string& v) { s.*m = to_double(v); });
  };
  auto whole = [](int IntegrationSettings::*m) {
    return Setter([m](IntegrationSettings& s, const std::string& v) {
      s.*m = static_cast<int>(
          to_integer(v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    });
  };
  auto count = [](std::int64_t IntegrationSettings::*m) {
    return Setter([m](IntegrationSettings& s, const std::string& v) {
      s.*m = to_integer(v, std::numeric_limits<std::int64_t>::min(),
                        std::numeric_limits<std::int64_t>::max());
    });
  };
  auto word = [](std::string IntegrationSettings::*m) {
    return Setter([m](IntegrationSettings& s, const std::string& v) { s.*m = v; });
  };
  auto names = [](std::vector<std::string> IntegrationSettings::*m) {
    return Setter([m](IntegrationSettings& s, const std::string& v) { s.*m = to_names(v); });
  };
  auto reals = [](std::vector<double> IntegrationSettings::*m) {
    return Setter([m](IntegrationSettings& s, const std::string& v) {
      (s.*m).clear();
      for (const auto& x : to_names(v)) (s.*m).push_back(to_double(x));
    });
  };
  using S = IntegrationSettings;
  static const std::map<std::string, Setter> all = {
      {"algorithm", word(&S::algorithm)},
      {"controller", word(&S::controller)},
      {"t0", real(&S::t0)},
      {"settling_time", real(&S::settling_time)},
      {"duration", real(&S::duration)},
      {"save_interval", real(&S::save_interval)},
      {"dt", real(&S::dt)},
      {"dt_min", real(&S::dt_min)},
      {"dt_max", real(&S::dt_max)},
      {"atol", real(&S::atol)},
      {"rtol", real(&S::rtol)},
      {"atol_per_state", reals(&S::atol_per_state)},
      {"rtol_per_state", reals(&S::rtol_per_state)},
      {"safety", real(&S::safety)},
      {"min_gain", real(&S::min_gain)},
      {"max_gain", real(&S::max_gain)},
      {"deadband_low", real(&S::deadband_low)},
      {"deadband_high", real(&S::deadband_high)},
      {"max_steps", count(&S::max_steps)},
      {"newton_tolerance", real(&S::newton_tolerance)},
      {"newton_max_iterations", whole(&S::newton_max_iterations)},
      {"saved_states", names(&S::saved_states)},
      {"saved_observables", names(&S::saved_observables)},
      {"saves_per_chunk", whole(&S::saves_per_chunk)},
      {"shared_layout", word(&S::shared_layout)},
      {"lanes_per_team", whole(&S::lanes_per_team)},
      {"placement", word(&S::placement)},
      {"summary_metrics", names(&S::summary_metrics)},
      {"summarised_states", names(&S::summarised_states)},
      {"summarised_observables", names(&S::summarised_observables)},
      {"sample_interval", real(&S::sample_interval)},
      {"summary_window", real(&S::summary_window)},
      {"n_peaks", whole(&S::n_peaks)},
      {"device_memory_limit", count(&S::device_memory_limit)},
      {"host_memory_limit", count(&S::host_memory_limit)},
  };
  return all;
}

/// The end state of a valid baseline solve of `batch` (before any counting).
kobie::EndState<double> end_state_of(const IntegrationSettings& s, const kobie::Batch& batch) {
  return kobie::solve<double, Methods>(Exec(), System{}, batch, s).end_state;
}

/// The special cases (@NAME): inputs no setting expresses.
const std::map<std::string, std::function<void(Inputs&)>>& cases() {
  using kobie::Batch;
  static const std::map<std::string, std::function<void(Inputs&)>> all = {
      {"batch-of-lorenz",
       [](Inputs& in) {
         in.batch = Batch::grid<kobie::systems::Lorenz>({{"rho", {1.0, 2.0}}});
       }},
      {"batch-empty", [](Inputs& in) { in.batch = Batch(); }},
      {"batch-verbatim-empty", [](Inputs& in) { in.batch = Batch::verbatim<System>({}); }},
      {"batch-verbatim-long-row",
       [](Inputs& in) {
         in.batch = Batch::verbatim<System>({{1.0, 2.0}});
       }},
      {"batch-verbatim-parameter-rows",
       [](Inputs& in) {
         in.batch = Batch::verbatim<System>({{1.0}, {1.0}, {1.0}, {1.0}}, {{1.0}});
       }},
      {"batch-grid-unknown",
       [](Inputs& in) {
         in.batch = Batch::grid<System>({{"x", {1.0}}});
       }},
      {"batch-grid-empty",
       [](Inputs& in) {
         in.batch = Batch::grid<System>({{"k", {}}});
       }},
      {"drivers-one-row",
       [](Inputs& in) {
         in.drivers.values = {{0.0, 1.0}};
         in.drivers.dt = 0.5;
       }},
      {"resume-from-2-systems",
       [](Inputs& in) {
         in.resume = end_state_of(in.settings, Batch::grid<System>({{"k", {1.0, 2.0}}}));
       }},
      {"resume-truncated",
       [](Inputs& in) {
         auto e = end_state_of(in.settings, in.batch);
         e.data = decltype(e.data)("kobie::test::truncated", e.data.extent(0) - 8);
         in.resume = e;
       }},
      {"resume-renamed-state",
       [](Inputs& in) {
         auto e = end_state_of(in.settings, in.batch);
         for (auto& b : e.buffers)
           if (b.path == "loop/state") b.path = "loop/renamed";
         in.resume = e;
       }},
  };
  return all;
}

/// Applies an API form's items in order; a malformed item is the
/// catalogue's fault (std::runtime_error), a refused input the library's
/// answer (std::invalid_argument, passed on).
void apply(const std::string& items, Inputs& in) {
  std::istringstream words(items);
  for (std::string item; words >> item;) {
    if (item[0] == '@') {
      const auto c = cases().find(item.substr(1));
      if (c == cases().end()) throw std::runtime_error("unknown special case " + item);
      c->second(in);
      continue;
    }
    const auto eq = item.find('=');
    const auto s = eq == std::string::npos ? setters().end() : setters().find(item.substr(0, eq));
    if (s == setters().end()) throw std::runtime_error("'" + item + "' sets no known setting");
    s->second(in.settings, item.substr(eq + 1));
  }
}

// ---------------------------------------------------------------- counting launches

std::int64_t integration_launches = 0;
decltype(Kokkos::Tools::Experimental::EventSet::begin_parallel_for) previous_begin = nullptr;

void count_launch(const char* name, std::uint32_t device, std::uint64_t* id) {
  if (std::strcmp(name, "kobie::loop::integrate") == 0) ++integration_launches;
  if (previous_begin) previous_begin(name, device, id);  // (a loaded tool still sees it)
}

/// Counts integration launches while it lives; restores the callback that
/// was set before.
struct LaunchCounter {
  LaunchCounter() {
    previous_begin = Kokkos::Tools::Experimental::get_callbacks().begin_parallel_for;
    Kokkos::Tools::Experimental::set_begin_parallel_for_callback(count_launch);
  }
  ~LaunchCounter() {
    Kokkos::Tools::Experimental::set_begin_parallel_for_callback(previous_begin);
    previous_begin = nullptr;
  }
  LaunchCounter(const LaunchCounter&) = delete;
  LaunchCounter& operator=(const LaunchCounter&) = delete;
};

/// Solves `in` through `solve` or `solve_to_host`, counting launches;
/// returns the refusal's message ("" when it ran).
std::string refusal(const Inputs& in, bool to_host, std::int64_t& launches) {
  const kobie::EndState<double>* resume = in.resume ? &*in.resume : nullptr;
  integration_launches = 0;
  std::string message;
  try {
    if (to_host)
      kobie::solve_to_host<double, Methods>(Exec(), System{}, in.batch, in.settings, in.drivers, {},
                                            resume);
    else
      kobie::solve<double, Methods>(Exec(), System{}, in.batch, in.settings, in.drivers, resume);
  } catch (const std::invalid_argument& e) {
    message = e.what();
    if (message.empty()) message = "(an empty message)";
  }
  Kokkos::fence();
  launches = integration_launches;
  return message;
}

void expect_fragments(const std::string& where, const std::string& message,
                      const std::vector<std::string>& fragments) {
  for (const auto& f : fragments)
    if (message.find(f) == std::string::npos)
      ADD_FAILURE() << where << ": the message lacks '" << f << "':\n  " << message;
}

TEST(TEST_CATEGORY, bad_inputs_are_refused_before_any_launch) {
  const Catalogue catalogue = read_catalogue(KOBIE_BAD_INPUTS_CATALOGUE);
  ASSERT_FALSE(catalogue.baseline.empty()) << "no 'baseline api' line";
  const LaunchCounter counter;
  Inputs baseline;
  baseline.batch = four_systems();
  apply(catalogue.baseline, baseline);
  // The baseline runs through both, and the counter sees its launches.
  for (bool to_host : {false, true}) {
    std::int64_t launches = 0;
    EXPECT_EQ(refusal(baseline, to_host, launches), "") << "the baseline is refused";
    EXPECT_GE(launches, 1) << "the counter saw no launch of the baseline";
  }

  int checked = 0;
  for (const Entry& e : catalogue.entries) {
    if (e.api == "-") continue;
    ++checked;
    const std::string where = e.id + " (catalogue line " + std::to_string(e.line) + ")";
    Inputs in = baseline;
    try {
      apply(e.api, in);
    } catch (const std::invalid_argument& refused) {  // building the batch refused it
      expect_fragments(where + ", building the inputs", refused.what(), e.fragments);
      continue;
    } catch (const std::exception& malformed) {
      ADD_FAILURE() << where << ": the API form '" << e.api << "': " << malformed.what();
      continue;
    }
    for (bool to_host : {false, true}) {
      const std::string call = where + (to_host ? ", solve_to_host" : ", solve");
      std::int64_t launches = 0;
      std::string message;
      try {
        message = refusal(in, to_host, launches);
      } catch (const std::exception& other) {
        ADD_FAILURE() << call
                      << ": threw something other than std::invalid_argument: " << other.what();
        continue;
      }
      if (message.empty()) {
        ADD_FAILURE() << call << ": accepted (" << e.api << ")";
        continue;
      }
      expect_fragments(call, message, e.fragments);
      EXPECT_EQ(launches, 0) << call << ": launched the integration kernel before refusing";
    }
  }
  EXPECT_GE(checked, 40) << "the catalogue's API forms";
}

}  // namespace
