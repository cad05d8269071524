// The placement benchmark (bench/placement.cpp describes it): the
// lorenz96_dopri5 workload's whole-tree placements and its sweeps (its own
// object: three Dormand-Prince kernels of a 40-state system; the moved
// stage derivatives are in placement_lorenz96_moves.cpp).
#include "placement_lorenz96.hpp"

namespace {

const bool registered = kobie_bench::at_start([] {
  using namespace kobie_bench;
  using Large = kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared>;
  register_workload<Lorenz96Workload::System, Lorenz96Workload::Tab, Large>(
      Lorenz96Workload::make(), {"default", "all-local", "all-shared"});
});

}  // namespace
