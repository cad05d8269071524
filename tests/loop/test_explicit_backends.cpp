// Test body (see backend_test.cpp.in): explicit results do not depend on
// the backend, the slice layout, the team size, where the inputs live or
// the CUDA stream.

#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "explicit_test_support.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using namespace kobie_test::explicit_tests;

TEST(TEST_CATEGORY, explicit_results_do_not_depend_on_backend_or_layout) {
  using System = kobie::systems::VanDerPol;
  IntegrationSettings s;
  s.algorithm = "tsitouras-54";
  s.duration = 3.0;
  s.save_interval = 0.5;
  s.atol = s.rtol = 1e-8;
  std::vector<double> mu;
  for (int i = 0; i < 150; ++i) mu.push_back(0.1 + 0.033 * i);
  const auto batch = Batch::grid<System>({{"mu", mu}});
  const auto here = kobie::solve<double, std::tuple<tab::Tsitouras54>>(Exec(), System{}, batch, s);
  const auto h = host_outputs(here);
  auto compare = [&](const auto& other, const char* what, double tol) {
    const auto o = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), other.outputs);
    ASSERT_EQ(o.size(), h.size());
    if (tol == 0) {
      EXPECT_EQ(std::memcmp(o.data(), h.data(), h.size() * sizeof(double)), 0) << what;
    } else {
      for (std::size_t i = 0; i < h.size(); ++i)
        EXPECT_NEAR(o.data()[i], h.data()[i], tol * (1 + std::abs(h.data()[i]))) << what;
    }
  };
  s.shared_layout = "contiguous";
  compare(kobie::solve<double, std::tuple<tab::Tsitouras54>>(Exec(), System{}, batch, s),
          "contiguous shared slices", 0);
  s.shared_layout = "interleaved";
  // Team sizes group the lanes differently (host: the lanes of one SIMD
  // pass; CUDA: threads per block) and never change a lane's arithmetic.
  const bool host_space = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  for (int lanes : host_space ? std::vector<int>{1, 8, 128, 1024} : std::vector<int>{32, 128}) {
    s.lanes_per_team = lanes;
    const auto other =
        kobie::solve<double, std::tuple<tab::Tsitouras54>>(Exec(), System{}, batch, s);
    EXPECT_NE(other.launch_report.find(std::to_string(lanes) + " lanes per team"),
              std::string::npos)
        << other.launch_report;
    compare(other, ("lanes_per_team " + std::to_string(lanes)).c_str(), 0);
  }
  s.lanes_per_team = 0;
  // "auto" slices: contiguous on host for a system too large for its lanes
  // to run as SIMD, interleaved otherwise (and always on CUDA).
  s.shared_layout = "auto";
  EXPECT_NE(here.launch_report.find("interleaved slices"), std::string::npos) << here.launch_report;
  using Large = kobie::systems::Lorenz96<40>;
  IntegrationSettings large;
  large.algorithm = "tsitouras-54";
  large.duration = 0.01;
  large.save_interval = 0.01;
  const auto l96 = kobie::solve<double, std::tuple<tab::Tsitouras54>>(
      Exec(), Large{}, Batch::grid<Large>({{"F", {8.0}}}), large);
  // (Lorenz-96's adaptive steps run on SIMD packs, in interleaved slices,
  // where the host compiler has them: see also DrivenRing<false> below)
  EXPECT_NE(l96.launch_report.find(host_space && !KOBIE_SIMD_PACKS ? "contiguous slices"
                                                                   : "interleaved slices"),
            std::string::npos)
      << l96.launch_report;
#if defined(KOKKOS_ENABLE_SERIAL)
  // Host backends (Serial; OpenMP at any thread count) give the same bits;
  // CUDA agrees within 1e-6 relative (fused multiply-adds round differently,
  // which can move an adaptive step).
  const bool host = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  compare(kobie::solve<double, std::tuple<tab::Tsitouras54>>(Kokkos::Serial(), System{}, batch, s),
          "Serial backend", host ? 0.0 : 1e-6);
  // Fixed steps too (on host backends the lanes of a team step together:
  // the uniform path), with landing steps.
  IntegrationSettings fixed = s;
  fixed.algorithm = "rk4";
  fixed.controller = "fixed";
  fixed.dt = 0.007;
  const auto here_fixed = kobie::solve<double, DopriRk4>(Exec(), System{}, batch, fixed);
  const auto serial_fixed =
      kobie::solve<double, DopriRk4>(Kokkos::Serial(), System{}, batch, fixed);
  const auto a = host_outputs(here_fixed);
  const auto b = host_outputs(serial_fixed);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (host) {
      ASSERT_EQ(a.data()[i], b.data()[i]) << "fixed steps, Serial backend, value " << i;
    } else {
      EXPECT_NEAR(a.data()[i], b.data()[i], 1e-9 * (1 + std::abs(b.data()[i]))) << i;
    }
  }
#endif
}

TEST(TEST_CATEGORY, explicit_device_batch_gives_the_host_batch_results) {
  // Inputs already in the space's memory (a GPU application's) integrate to
  // the same bits as the same batch from the host.
  using System = kobie::systems::Lorenz;
  using Memory = typename Exec::memory_space;
  const auto batch = Batch::grid<System>({{"rho", {5.0, 15.0, 28.0}}, {"x", {1.0, -1.0}}});
  const std::int64_t n = batch.size();
  Kokkos::View<double**, Kokkos::LayoutRight, Memory> y0("y0", 3, n), p("p", 3, n);
  const auto hy = Kokkos::create_mirror_view(y0);
  const auto hp = Kokkos::create_mirror_view(p);
  for (int i = 0; i < 3; ++i)
    for (std::int64_t sys = 0; sys < n; ++sys) {
      hy(i, sys) = batch.state(i, sys);
      hp(i, sys) = batch.parameter(i, sys);
    }
  Kokkos::deep_copy(y0, hy);
  Kokkos::deep_copy(p, hp);
  IntegrationSettings s;
  s.duration = 1.0;
  s.save_interval = 0.25;
  s.atol = s.rtol = 1e-8;
  const auto from_host = kobie::solve<double, DopriRk4>(Exec(), System{}, batch, s);
  const auto on_device = kobie::solve<double, DopriRk4>(
      Exec(), System{}, kobie::DeviceBatch<double, Memory>{y0, p}, s);
  const auto a = host_outputs(from_host);
  const auto b = host_outputs(on_device);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
  for (std::int64_t sys = 0; sys < n; ++sys)
    EXPECT_EQ(on_device.stats(kobie::stat_accepted, sys),
              from_host.stats(kobie::stat_accepted, sys));
  // Views of the wrong shape are refused before any launch.
  Kokkos::View<double**, Kokkos::LayoutRight, Memory> two_states("y0", 2, n);
  EXPECT_THROW((kobie::solve<double, DopriRk4>(
                   Exec(), System{}, kobie::DeviceBatch<double, Memory>{two_states, p}, s)),
               std::invalid_argument);
  Kokkos::View<double**, Kokkos::LayoutRight, Memory> fewer("p", 3, n - 1);
  try {
    kobie::solve<double, DopriRk4>(Exec(), System{}, kobie::DeviceBatch<double, Memory>{y0, fewer},
                                   s);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'parameters' of the DeviceBatch holds 5 systems; allowed: the states' 6"),
              std::string::npos)
        << m;
  }
}

#if defined(KOKKOS_ENABLE_CUDA)
TEST(TEST_CATEGORY, explicit_solve_runs_on_a_given_cuda_stream) {
  // The execution-space overload runs on the instance it is given (here a
  // stream of our own) and fences only that instance: the same bits as the
  // default instance.
  if (!std::is_same<Exec, Kokkos::Cuda>::value) GTEST_SKIP() << "CUDA only";
  using System = kobie::systems::VanDerPol;
  IntegrationSettings s;
  s.duration = 2.0;
  s.save_interval = 0.5;
  const auto batch = Batch::grid<System>({{"mu", {0.5, 1.0, 2.0, 4.0}}});
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  {
    const Kokkos::Cuda instance(stream);
    const auto on_stream = kobie::solve<double, DopriRk4>(instance, System{}, batch, s);
    const auto on_default = kobie::solve<double, DopriRk4>(Kokkos::Cuda(), System{}, batch, s);
    const auto a = host_outputs(on_stream);
    const auto b = host_outputs(on_default);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
  }
  cudaStreamDestroy(stream);
}
#endif

}  // namespace
