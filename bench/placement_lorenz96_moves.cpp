// The placement benchmark (bench/placement.cpp describes it): the
// lorenz96_dopri5 workload with its stage derivatives moved alone to
// registers or per-thread memory and to persistent memory (its own object;
// the default placement is compiled again here, as the reference the moved
// variants' end states are checked against).
#include "placement_lorenz96.hpp"

namespace {

const bool registered = kobie_bench::at_start([] {
  using namespace kobie_bench;
  using System = Lorenz96Workload::System;
  using Tab = Lorenz96Workload::Tab;
  using Step = kobie::ErkStep<Tab, System, double>;
  using Moves =
      kobie::PlacementList<kobie::DefaultPlacement, Move<Step, Step::stage_rhs, Location::local>,
                           Move<Step, Step::stage_rhs, Location::persistent>>;
  register_workload<System, Tab, Moves>(
      Lorenz96Workload::make(),
      {"default+step/stage_rhs=local", "default+step/stage_rhs=persistent"}, /*sweeps=*/false);
});

}  // namespace
