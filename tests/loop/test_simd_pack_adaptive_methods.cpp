// Test body (see backend_test.cpp.in): adaptive steps of Lorenz-96 on SIMD
// packs give the per-lane bits in float32 (packs of 8 on AVX2) and with
// DOP853, whose error estimate combines two (the check:
// loop/simd_pack_adaptive_check.hpp; float64 Dormand-Prince:
// test_simd_pack_adaptive.cpp). Built for x86-64-v4 too.
#include "loop/simd_pack_adaptive_check.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using namespace kobie_test::simd_pack_adaptive;

TEST(TEST_CATEGORY, explicit_adaptive_float32_and_dop853_on_simd_packs_give_the_per_lane_bits) {
  using L96 = kobie::systems::Lorenz96<40>;
  check<Exec, float, L96, Dopri>("dormand-prince-54", "pi", 0);
  check<Exec, double, L96, std::tuple<tab::DormandPrince853>>("dop853", "pi", 0);
}

}  // namespace
