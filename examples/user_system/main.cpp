// An application using KoBIE through its installed package: integrates a
// batch of damped pendulums (length and damping swept) and checks that
// every pendulum loses energy and the undamped ones keep it.
#include <kobie/kobie.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <iostream>

#include "damped_pendulum.hpp"

int main(int argc, char* argv[]) {
  Kokkos::ScopeGuard guard(argc, argv);  // the application initialises Kokkos
  std::cout << kobie::configuration_report();

  const auto batch = kobie::Batch::grid<DampedPendulum>(
      {{"length", {0.5, 1.0, 2.0}}, {"damping", {0.0, 0.2, 0.5}}});
  kobie::IntegrationSettings settings;
  settings.algorithm = "dormand-prince-54";
  settings.duration = 10.0;
  settings.save_interval = 1.0;
  settings.atol = settings.rtol = 1e-9;
  // Naming the one method used compiles only its kernel.
  using Methods = std::tuple<kobie::tableaus::DormandPrince54>;
  const auto r = kobie::solve_to_host<double, Methods>(Kokkos::DefaultExecutionSpace(),
                                                       DampedPendulum{}, batch, settings);
  std::cout << r.failure_summary() << "\n";
  bool ok = r.failures() == 0;
  const int energy = 2;  // theta, omega, then the observable
  const int last = static_cast<int>(r.save_times.size()) - 1;
  for (std::int64_t s = 0; s < batch.size(); ++s) {
    const double e0 = r.outputs(0, energy, s), e1 = r.outputs(last, energy, s);
    const bool damped = batch.parameter(1, s) > 0;
    std::cout << "L = " << batch.parameter(0, s) << ", c = " << batch.parameter(1, s) << ": energy "
              << e0 << " -> " << e1 << "\n";
    ok = ok && (damped ? e1 < e0 : std::abs(e1 - e0) < 1e-6 * e0);
  }
  std::cout << (ok ? "consumer: ok" : "consumer: FAILED") << "\n";
  return ok ? 0 : 1;
}
