// The placement benchmark (bench/placement.cpp describes it): the
// lorenz96_dopri5 workload (its own object: five Dormand-Prince kernels of a
// 40-state system).
#include "placement_sweeps.hpp"

namespace {

using namespace kobie_bench;

const bool registered = kobie_bench::at_start([] {
  using System = kobie::systems::Lorenz96<40>;
  const bool smoke = kobie_bench::smoke_mode();
  const long n = smoke ? 1 << 6 : 1 << 12;
  const double t_end = smoke ? 0.01 : 0.5;
  std::vector<double> forcing(n);
  for (long i = 0; i < n; ++i) forcing[i] = 6.0 + 4.0 * double(i) / double(n - 1);
  const auto batch = kobie::Batch::grid<System>({{"F", forcing}});
  using Tab = tab::DormandPrince54;
  using Step = kobie::ErkStep<Tab, System, double>;
  using Large = kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared,
                                     Move<Step, Step::stage_rhs, Location::local>,
                                     Move<Step, Step::stage_rhs, Location::persistent>>;
  register_workload<System, Tab, Large>(
      {"lorenz96_dopri5", batch, settings("dormand-prince-54", t_end, 1e-3, 1e-6)},
      {"default", "all-local", "all-shared", "default+step/stage_rhs=local",
       "default+step/stage_rhs=persistent"});
});

}  // namespace
