#pragma once
// The kobie command line: options, and the run of one built-in system.
// Each built-in system's run is compiled in its own source file
// (run_<system>.cpp) so the kernels build in parallel.

#include <kobie/kobie.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#ifndef KOBIE_CLI_ALGORITHMS
#define KOBIE_CLI_ALGORITHMS ""  // all (the build sets it: kobie_cli_algorithms in CMake)
#endif

namespace kobie_cli {

/// The methods this command line compiles in: those KOBIE_CLI_ALGORITHMS
/// names (the CMake setting KOBIE_CLI_ALGORITHMS, or kobie_add_cli's
/// ALGORITHMS), or all of KoBIE's (`kobie::all_methods`).
struct AlgorithmNames {
  static constexpr const char* value = KOBIE_CLI_ALGORITHMS;
};
using Algorithms = kobie::tableaus::named<AlgorithmNames, kobie::all_methods>;

struct Sweep {
  std::string name;
  double lo = 0, hi = 0;
  long count = 0;  // 0: the batch size (one sweep only)
};

struct Options {
  std::string system = "lorenz";
  long batch = 4096;
  std::string precision = "double";
  kobie::IntegrationSettings settings;
  std::vector<Sweep> sweeps;
  std::vector<std::pair<std::string, double>> sets;  // name=value for states or parameters
  std::string output;                                // CSV path; empty: none
  std::string summary_output;                        // summaries CSV path; empty: none
  long output_systems = -1;                          // systems written to the CSV; -1: all
  std::string driver_file;  // CSV of driver samples; empty: the system's built-in forcing
  bool quiet = false;
  bool show_layout = true;
  bool sized = false;           // --batch given
  bool system_given = false;    // --system given
  bool help_requested = false;  // --help or -h: cli_main prints help() and returns 0
};

/// Parses argv (Kokkos' own --kokkos-* options are skipped); throws
/// std::invalid_argument naming the option and the problem.
Options parse(int argc, char* argv[]);
std::string help();
/// Refuses an output path that cannot be written (its folder missing or not
/// writable, or the path a folder) with std::invalid_argument naming
/// `option`; an empty path (no output) passes.
void require_writable(const std::string& option, const std::string& path);

using SystemRunner = std::function<int(const Options&)>;
/// The systems this command line offers, by name, and the default one (the
/// program defines both).
const std::map<std::string, SystemRunner>& systems();
const std::string& default_system();

/// Parses the options, applies `defaults`, initialises Kokkos and runs the
/// chosen system; returns the exit status (0, 2 bad input, 3 failed systems).
int cli_main(int argc, char* argv[], const std::function<void(Options&)>& defaults = {});

}  // namespace kobie_cli
