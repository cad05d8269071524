// The placement benchmark (bench/placement.cpp describes it): the
// lorenz_dopri5 workload, every buffer of the loop and the step moved alone to
// shared memory (its own object: 13 Dormand-Prince kernels).
#include "placement_sweeps.hpp"

namespace {

using namespace kobie_bench;

const bool registered = kobie_bench::at_start([] {
  using System = kobie::systems::Lorenz;
  const auto p = kobie_bench::lorenz_problem();
  const auto batch = kobie::Batch::grid<System>({{"rho", kobie_bench::lorenz_rho(p.systems)}});
  // The representative method: each buffer of the loop and the step moved
  // alone to shared memory (zero-sized ones left out).
  using Tab = tab::DormandPrince54;
  using Step = kobie::ErkStep<Tab, System, double>;
  using Loop = kobie::IntegrationLoop<System, Step, double>;
  constexpr Location sh = Location::shared;
  using Moved =
      kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared,
                           Move<Loop, Loop::state, sh>, Move<Loop, Loop::proposal, sh>,
                           Move<Loop, Loop::parameters, sh>, Move<Loop, Loop::clock, sh>,
                           Move<Loop, Loop::history, sh>, Move<Loop, Loop::counters, sh>,
                           Move<Step, Step::stage_rhs, sh>, Move<Step, Step::stage_input, sh>,
                           Move<Step, Step::error_estimate, sh>, Move<Step, Step::fsal_rhs, sh>>;
  std::vector<std::string> names = {"default", "all-local", "all-shared"};
  for (int b : {int(Loop::state), int(Loop::proposal), int(Loop::parameters), int(Loop::clock),
                int(Loop::history), int(Loop::counters)})
    names.push_back(std::string("default+loop/") + Loop::buffer(b).name + "=shared");
  for (int b : {int(Step::stage_rhs), int(Step::stage_input), int(Step::error_estimate),
                int(Step::fsal_rhs)})
    names.push_back(std::string("default+step/") + Step::buffer(b).name + "=shared");
  register_workload<System, Tab, Moved>(
      {"lorenz_dopri5", batch, settings("dormand-prince-54", p.t_end, 1e-3, 1e-8)}, names);
});

}  // namespace
