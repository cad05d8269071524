#pragma once
// The lorenz96_dopri5 workload of the placement benchmark
// (bench/placement.cpp), shared by its two objects.
#include "placement_sweeps.hpp"

namespace kobie_bench {

struct Lorenz96Workload {
  using System = kobie::systems::Lorenz96<40>;
  using Tab = tab::DormandPrince54;
  static Workload make() {
    const bool smoke = smoke_mode();
    const long n = smoke ? 1 << 6 : 1 << 12;
    const double t_end = smoke ? 0.01 : 0.5;
    std::vector<double> forcing(n);
    for (long i = 0; i < n; ++i) forcing[i] = 6.0 + 4.0 * double(i) / double(n - 1);
    return {"lorenz96_dopri5", kobie::Batch::grid<System>({{"F", forcing}}),
            settings("dormand-prince-54", t_end, 1e-3, 1e-6)};
  }
};

}  // namespace kobie_bench
