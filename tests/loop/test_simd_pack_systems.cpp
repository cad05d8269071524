// Test body (see backend_test.cpp.in): fixed steps of a system larger than
// unroll_limit on SIMD packs give the per-lane bits (adaptive steps:
// test_simd_pack_adaptive.cpp; the pack arithmetic and the uniform fixed
// passes: test_simd_packs.cpp). Built for x86-64-v4 too.
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace {

using Exec = TEST_EXECSPACE;
using kobie::Batch;
using kobie::IntegrationSettings;
namespace tab = kobie::tableaus;
// Each test compiles only the methods it runs (compile time).
using DopriRk4 = std::tuple<tab::DormandPrince54, tab::ClassicalRK4>;

TEST(TEST_CATEGORY, explicit_large_systems_on_simd_packs_give_the_per_lane_bits) {
  // Host fixed steps of a large system that allows it (Lorenz-96, 40 states)
  // run its lanes as SIMD packs in interleaved slices; contiguous slices run
  // them one by one, each lane's full steps in the lean loop of a CUDA
  // thread (take_full_fixed_steps), its landing steps, failing attempts and
  // the step budget's last attempt through `advance`; with max_steps 100
  // (144 attempts wanted, 4 of them landings) the budget runs out inside a
  // segment. 302 systems: at every team size tested (16, 8, 32 and 256
  // lanes) the last team ends in packs and two tail lanes. Systems 1, 3,
  // 6 and 250 start with one state large enough to overflow, each at its own
  // step: their team replays the failed block of its pack chunk lane by lane
  // and stays per lane, while the other teams keep their pack results. With
  // 256 lanes the team's states outgrow the chunk's copy, so a chunk runs in
  // blocks of lanes (RK4: 204 and 52, Dormand-Prince: 100, 100 and 56), the
  // failures in some blocks and not in others. Outputs, counters and end
  // states must agree bitwise, also for an FSAL tableau (whose saved
  // derivative the pack path updates). CUDA runs both layouts per lane.
  using System = kobie::systems::Lorenz96<40>;
  std::vector<std::vector<double>> states, parameters;
  for (int i = 0; i < 302; ++i) {
    std::vector<double> y = System::default_state();
    y[5] += 0.01 * i;
    y[1] = i == 1 ? 500.0 : i == 3 ? 1000.0 : i == 6 ? 1e6 : i == 250 ? 1e5 : y[1];
    states.push_back(y);
    parameters.push_back({2.0 + 0.1 * i});
  }
  const auto batch = Batch::verbatim<System>(states, parameters);
  const bool host_space = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  // float64 (packs of 4 on AVX2) and float32 (packs of 8)
  auto check = [&](auto precision, const char* algorithm, int lanes,
                   std::int64_t max_steps = 10000000) {
    using T = decltype(precision);
    IntegrationSettings s;
    s.algorithm = algorithm;
    s.controller = "fixed";
    s.duration = 1.0;
    s.save_interval = 0.3;
    s.dt = 0.007;  // does not divide 0.3: landing steps
    s.lanes_per_team = lanes;
    s.max_steps = max_steps;
    s.shared_layout = "auto";  // interleaved for fixed steps on packs (and on CUDA)
    const auto a = kobie::solve_to_host<T, DopriRk4>(Exec(), System{}, batch, s);
    // (nvcc compiles no packs: its host backends run the lanes one by one)
    if (!host_space || KOBIE_SIMD_PACKS) {
      EXPECT_NE(a.launch_report.find("interleaved slices"), std::string::npos) << a.launch_report;
    }
    s.shared_layout = "contiguous";
    const auto b = kobie::solve_to_host<T, DopriRk4>(Exec(), System{}, batch, s);
    const std::string what = std::string(algorithm) + " lanes " + std::to_string(lanes) +
                             (sizeof(T) == 4 ? " float32" : " float64") + " max_steps " +
                             std::to_string(max_steps);
    const bool budget_runs_out = max_steps < 144;
    EXPECT_EQ(a.failures(), budget_runs_out ? 302 : 4) << what;
    if (budget_runs_out) {
      // (every system that does not overflow first stops on the budget)
      EXPECT_EQ(a.stats(kobie::stat_status, 0), int(kobie::status_max_steps)) << what;
      EXPECT_EQ(a.stats(kobie::stat_accepted, 0), max_steps) << what;
    }
    // (the overflowing systems fail at different steps)
    std::vector<int> failed_at;
    for (int i : {1, 3, 6}) failed_at.push_back(a.stats(kobie::stat_accepted, i));
    EXPECT_NE(*std::min_element(failed_at.begin(), failed_at.end()),
              *std::max_element(failed_at.begin(), failed_at.end()))
        << what;
    auto same = [](const auto& x, const auto& y) {
      return x.size() == y.size() &&
             std::memcmp(x.data(), y.data(), x.size() * sizeof(*x.data())) == 0;
    };
    EXPECT_TRUE(same(a.outputs, b.outputs)) << what;
    EXPECT_TRUE(same(a.stats, b.stats)) << what;
    EXPECT_TRUE(same(a.end_state.data, b.end_state.data)) << what;
  };
  for (const char* algorithm : {"rk4", "dormand-prince-54"}) {
    for (int lanes : host_space ? std::vector<int>{0, 8, 32, 256} : std::vector<int>{0})
      check(double(), algorithm, lanes);
    check(double(), algorithm, 0, 100);
  }
  check(float(), "rk4", 0);
}

}  // namespace
