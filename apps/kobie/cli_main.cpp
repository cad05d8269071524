// The main of every kobie-style command line: parses the options, then runs
// the chosen system inside Kokkos. Apart from cli_options.cpp so that the
// option parser links without Kokkos' run time (fuzz/fuzz_cli_options.cpp).
#include <Kokkos_Core.hpp>

#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "cli.hpp"

namespace kobie_cli {

int cli_main(int argc, char* argv[], const std::function<void(Options&)>& defaults) {
  Options o;
  try {
    o = parse(argc, argv);
    if (o.help_requested) {
      std::cout << help();
      return 0;
    }
    if (defaults) defaults(o);
    require_writable("--output", o.output);
    require_writable("--summary-output", o.summary_output);
    // Refused before anything is integrated (the summary CSV's check once
    // came only after the whole run).
    if (!o.summary_output.empty() && o.settings.summary_metrics.empty())
      throw std::invalid_argument("--summary-output: '" + o.summary_output +
                                  "' given, but no summaries; allowed: with --summaries A,B "
                                  "(see --help)");
    if (!o.driver_file.empty() && !std::ifstream(o.driver_file))
      throw std::invalid_argument("--driver-file: cannot open '" + o.driver_file +
                                  "'; allowed: a readable CSV file (see --help)");
  } catch (const std::exception& e) {
    std::cerr << "kobie: error: " << e.what() << "\n";
    return 2;
  }
  // Kokkos reads its own --kokkos-* options here; a malformed one throws
  // (std::stoi of --kokkos-threads=abc), which is bad input, not an abort.
  std::optional<Kokkos::ScopeGuard> guard;
  try {
    guard.emplace(argc, argv);
  } catch (const std::exception& e) {
    std::string given;
    for (int i = 1; i < argc; ++i)
      if (std::string(argv[i]).rfind("--kokkos", 0) == 0)
        given += (given.empty() ? "'" : ", '") + std::string(argv[i]) + "'";
    const std::string why = e.what();  // (its first line: Kokkos appends a traceback note)
    std::cerr << "kobie: error: Kokkos refused its options " << given << " ("
              << why.substr(0, why.find('\n')) << "); allowed: the options --kokkos-help lists\n";
    return 2;
  }
  try {
    return systems().at(o.system)(o);
  } catch (const std::invalid_argument& e) {
    std::cerr << "kobie: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "kobie: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace kobie_cli
