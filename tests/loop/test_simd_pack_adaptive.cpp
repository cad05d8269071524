// Test body (see backend_test.cpp.in): adaptive steps of Lorenz-96, a system
// larger than unroll_limit, on SIMD packs give the per-lane bits (the check:
// loop/simd_pack_adaptive_check.hpp; float32 and DOP853:
// test_simd_pack_adaptive_methods.cpp; a driven system:
// test_simd_pack_driven.cpp; fixed steps: test_simd_pack_systems.cpp). Built
// for x86-64-v4 too.
#include "loop/simd_pack_adaptive_check.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using namespace kobie_test::simd_pack_adaptive;

TEST(TEST_CATEGORY, explicit_adaptive_large_systems_on_simd_packs_give_the_per_lane_bits) {
  // Every pass through the PI and the predictive controller, Dormand-Prince
  // (FSAL) in float64 (packs of 4 on AVX2); float32 and DOP853:
  // test_simd_pack_adaptive_methods.cpp.
  const bool host_space = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  using L96 = kobie::systems::Lorenz96<40>;
  // (the overflowing system 1 fails on its non-finite state, through the
  // pack's masks, at least here)
  EXPECT_EQ((check<Exec, double, L96, Dopri>("dormand-prince-54", "pi", 0)),
            kobie::status_nonfinite_state);
  for (const char* controller : {"pi", "gustafsson"}) {
    for (int lanes : host_space ? std::vector<int>{8, 32} : std::vector<int>{})
      check<Exec, double, L96, Dopri>("dormand-prince-54", controller, lanes);
  }
  check<Exec, double, L96, Dopri>("dormand-prince-54", "gustafsson", 0);
}

}  // namespace
