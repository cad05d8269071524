// The kobie command-line program: integrates a batch of a built-in system.
// Run with no arguments it integrates 4096 Lorenz systems (rho swept over
// [0, 28]) for 10 time units with Dormand-Prince 5(4) and prints the report.
//
// The systems it holds come from cli_systems.inc, which apps/CMakeLists.txt
// writes per program: `kobie` holds all of them, `kobie-<system>` one.
#include <stdexcept>
#include <string>
#include <vector>

#include "cli.hpp"

namespace kobie_cli {

// Each built system's runs, one per precision (run_<id>_<precision>.cpp).
#define KOBIE_CLI_BUILT(name, id)       \
  int run_##id##_float(const Options&); \
  int run_##id##_double(const Options&);
#define KOBIE_CLI_NOT_BUILT(name, id)
#include "cli_systems.inc"
#undef KOBIE_CLI_BUILT
#undef KOBIE_CLI_NOT_BUILT

namespace {
/// The runner of a built-in system this program does not hold.
[[maybe_unused]] SystemRunner not_built(const std::string& name) {
  return [name](const Options&) -> int {
    throw std::invalid_argument("--system: '" + name +
                                "' is a built-in system that this program was built without; "
                                "allowed: the systems it holds (--help), or scripts/run.sh "
                                "--system " +
                                name + ", which builds it");
  };
}
}  // namespace

const std::map<std::string, SystemRunner>& systems() {
#define KOBIE_CLI_BUILT(name, id)                                                \
  {name, [](const Options& o) {                                                  \
     return o.precision == "float" ? run_##id##_float(o) : run_##id##_double(o); \
   }},
#define KOBIE_CLI_NOT_BUILT(name, id) {name, not_built(name)},
  static const std::map<std::string, SystemRunner> all = {
#include "cli_systems.inc"
  };
#undef KOBIE_CLI_BUILT
#undef KOBIE_CLI_NOT_BUILT
  return all;
}

/// Lorenz where this program holds it, else the first system it holds
/// (`kobie-decay` runs decay without being told).
const std::string& default_system() {
  static const std::string name = [] {
    std::vector<std::string> built;
#define KOBIE_CLI_BUILT(name, id) built.push_back(name);
#define KOBIE_CLI_NOT_BUILT(name, id)
#include "cli_systems.inc"
#undef KOBIE_CLI_BUILT
#undef KOBIE_CLI_NOT_BUILT
    for (const auto& b : built)
      if (b == "lorenz") return b;
    return built.front();
  }();
  return name;
}

}  // namespace kobie_cli

int main(int argc, char* argv[]) {
  return kobie_cli::cli_main(argc, argv, [](kobie_cli::Options& o) {
    // The default job: a rho sweep of the Lorenz system.
    if (o.system == "lorenz" && o.sweeps.empty() && o.sets.empty() && !o.sized)
      o.sweeps.push_back({"rho", 0.0, 28.0, 0});
  });
}
