// Test body (see backend_test.cpp.in): adaptive steps of a driven system
// larger than unroll_limit, whose right-hand side reads a driver and its
// time, on SIMD packs give the per-lane bits (the check and the system:
// loop/simd_pack_adaptive_check.hpp). Built for x86-64-v4 too.
#include "loop/simd_pack_adaptive_check.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using namespace kobie_test::simd_pack_adaptive;

TEST(TEST_CATEGORY, explicit_adaptive_driven_systems_on_simd_packs_give_the_per_lane_bits) {
  const bool host_space = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  kobie::DriverSamples d;
  d.dt = 0.05;
  d.values.assign(1, std::vector<double>(40));
  for (int i = 0; i < 40; ++i) d.values[0][i] = std::sin(0.3 * i);
  check<Exec, double, DrivenRing<true>, Dopri>("dormand-prince-54", "pi", 0, d);
  check<Exec, float, DrivenRing<true>, Dopri>("dormand-prince-54", "pi", 0, d);
  // A right-hand side that takes only a double time keeps adaptive steps
  // per lane, whose slices "auto" makes contiguous on host.
  IntegrationSettings s;
  s.algorithm = "dormand-prince-54";
  s.duration = s.save_interval = 0.1;
  const auto per_lane = kobie::solve<double, Dopri>(
      Exec(), DrivenRing<false>{}, Batch::grid<DrivenRing<false>>({{"p0", {8.0}}}), s, d);
  EXPECT_EQ(per_lane.failures(), 0);
  EXPECT_NE(per_lane.launch_report.find(host_space ? "contiguous slices" : "interleaved slices"),
            std::string::npos)
      << per_lane.launch_report;
}

}  // namespace
