// Where the working buffers live, and how teams are shaped: what each choice
// costs on the backend this binary is built for, through the public API
// (solve with a PlacementList, and the `placement`, `shared_layout` and
// `lanes_per_team` settings). bench/placement_report.py turns the JSON output
// into tables saying which choice wins per workload and by how much.
//
// Workloads (fixed, so that only the choice changes; device-resident outputs,
// end states only, time = the fenced integration launches):
//   lorenz_rk4       anchor A's ensemble (2^16 systems, t in [0, 1]), RK4, dt 1e-3
//   lorenz_dopri5    the same, Dormand-Prince 5(4), tolerance 1e-8
//   lorenz96_rk4     Lorenz-96, 40 states, F in [6, 10], 2^12 systems, t in
//                    [0, 0.5], RK4, dt 1e-3
//   lorenz96_dopri5  the same, Dormand-Prince 5(4), tolerance 1e-6
// Sweeps, each against the registry's default placement with interleaved
// slices and the backend's default team size:
//   placement:<name>  default, all-local, all-shared; for lorenz_dopri5 (the
//                     representative method) each buffer moved alone to shared
//                     memory; for lorenz96_dopri5 the stage derivatives moved
//                     to registers / per-thread memory and to persistent memory
//   layout:<slices>   interleaved and contiguous shared slices, with the
//                     default and the all-shared placement
//   lanes:<n>         lanes per team (host: the lanes of one SIMD pass, 8 to
//                     512; CUDA: threads per block, 32 to 1024)
// Every variant's end states are checked against the default's (within
// 1e-12 relative) outside the timed region: a wrong variant never looks fast.
// (this object: lorenz_rk4 and lorenz96_rk4; placement_moves.cpp:
// lorenz_dopri5; placement_lorenz96.cpp and placement_lorenz96_moves.cpp:
// lorenz96_dopri5)
#include "placement_sweeps.hpp"

namespace {

using namespace kobie_bench;

const bool registered = kobie_bench::at_start([] {
  const bool smoke = kobie_bench::smoke_mode();
  {
    using System = kobie::systems::Lorenz;
    const auto p = kobie_bench::lorenz_problem();
    const auto batch = kobie::Batch::grid<System>({{"rho", kobie_bench::lorenz_rho(p.systems)}});
    using Basic = kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared>;
    register_workload<System, tab::ClassicalRK4, Basic>(
        {"lorenz_rk4", batch, settings("rk4", p.t_end, p.t_end / p.steps, 1e-6)},
        {"default", "all-local", "all-shared"});
  }
  {
    using System = kobie::systems::Lorenz96<40>;
    const long n = smoke ? 1 << 6 : 1 << 12;
    const double t_end = smoke ? 0.01 : 0.5;
    std::vector<double> forcing(n);
    for (long i = 0; i < n; ++i) forcing[i] = 6.0 + 4.0 * double(i) / double(n - 1);
    const auto batch = kobie::Batch::grid<System>({{"F", forcing}});
    using Basic = kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared>;
    register_workload<System, tab::ClassicalRK4, Basic>(
        {"lorenz96_rk4", batch, settings("rk4", t_end, 1e-3, 1e-6)},
        {"default", "all-local", "all-shared"});
  }
});

}  // namespace
