// The kobie command-line program: integrates a batch of a built-in system.
// Run with no arguments it integrates 4096 Lorenz systems (rho swept over
// [0, 28]) for 10 time units with Dormand-Prince 5(4) and prints the report.
#include "cli.hpp"

namespace kobie_cli {

int run_lorenz(const Options&);
int run_decay(const Options&);
int run_linear3(const Options&);
int run_nonlinear3(const Options&);
int run_three_chamber(const Options&);
int run_van_der_pol(const Options&);
int run_robertson(const Options&);
int run_lorenz96(const Options&);

const std::map<std::string, SystemRunner>& systems() {
  static const std::map<std::string, SystemRunner> all = {{"lorenz", run_lorenz},
                                                          {"decay", run_decay},
                                                          {"linear3", run_linear3},
                                                          {"nonlinear3", run_nonlinear3},
                                                          {"three-chamber", run_three_chamber},
                                                          {"van-der-pol", run_van_der_pol},
                                                          {"robertson", run_robertson},
                                                          {"lorenz96", run_lorenz96}};
  return all;
}

const std::string& default_system() {
  static const std::string name = "lorenz";
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
