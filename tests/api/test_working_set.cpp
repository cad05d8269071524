// Test body (see backend_test.cpp.in): the memory a solve works in is
// planned from one declaration (WorkingSet) and kept between solves
// (WorkspaceCache): a repeated solve takes no new memory and gives the same
// bits, a larger one takes a new arena, and release_workspaces() frees them.
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace {

using Exec = TEST_EXECSPACE;
using Memory = typename Exec::memory_space;
using Cache = kobie::Impl::WorkspaceCache<Memory>;

TEST(TEST_CATEGORY, working_set_sizes_every_array_from_one_declaration) {
  kobie::Impl::WorkingSet ws;
  const int a = ws.add("a", 12);
  const int b = ws.add("b", 0);
  const int out = ws.add("outputs", 40, /*result=*/true);
  const int c = ws.add("c", 8);
  (void)out;
  // Every array counts per system; results are not in the arena.
  EXPECT_EQ(ws.bytes_per_system(), 12 + 40 + 8);
  // 100 systems: a takes 1200 B (1216 aligned to 64), b none, c 800 (832).
  EXPECT_EQ(ws.offset(a, 100), 0);
  EXPECT_EQ(ws.offset(b, 100), 1216);
  EXPECT_EQ(ws.offset(c, 100), 1216);
  EXPECT_EQ(ws.arena_bytes(100), 1216 + 832);
  for (std::int64_t n : {1, 7, 1000}) EXPECT_EQ(ws.offset(c, n) % 64, 0) << n;
  EXPECT_THROW(ws.offset(out, 100), std::logic_error);
  EXPECT_THROW(ws.add("negative", -1), std::logic_error);
}

/// Fixed RK4 steps of 1e-3 over 0.2 time units, saved every 0.1.
kobie::IntegrationSettings fixed_rk4() {
  kobie::IntegrationSettings s;
  s.algorithm = "rk4";
  s.controller = "fixed";
  s.dt = 1e-3;
  s.duration = 0.2;
  s.save_interval = 0.1;
  return s;
}

kobie::Results<double, Memory> lorenz(std::int64_t systems, const kobie::EndState<double>* from) {
  using System = kobie::systems::Lorenz;
  std::vector<double> rho;
  for (std::int64_t i = 0; i < systems; ++i) rho.push_back(1.0 + 27.0 * double(i) / systems);
  const kobie::IntegrationSettings s = fixed_rk4();
  return kobie::solve<double, std::tuple<kobie::tableaus::ClassicalRK4>>(
      Exec(), System{}, kobie::Batch::grid<System>({{"rho", rho}}), s, {}, from);
}

TEST(TEST_CATEGORY, repeated_solves_reuse_their_working_memory) {
  kobie::release_workspaces();
  EXPECT_EQ(Cache::instance().idle_bytes(), 0);
  const auto first = lorenz(300, nullptr);
  const std::int64_t allocations = Cache::instance().allocations();
  const std::int64_t reuses = Cache::instance().reuses();
  EXPECT_GT(Cache::instance().idle_bytes(), 0);  // kept for the next solve
  // The same solve again takes the kept arena and gives the same bits.
  const auto again = lorenz(300, nullptr);
  EXPECT_EQ(Cache::instance().allocations(), allocations);
  EXPECT_EQ(Cache::instance().reuses(), reuses + 1);
  const auto a = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), first.outputs);
  const auto b = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), again.outputs);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
  // The first solve's results are its own: the second did not write them.
  EXPECT_NE(first.outputs.data(), again.outputs.data());
  // A smaller solve fits the kept arena; a larger one needs a new one.
  (void)lorenz(100, nullptr);
  EXPECT_EQ(Cache::instance().allocations(), allocations);
  (void)lorenz(3000, nullptr);
  EXPECT_EQ(Cache::instance().allocations(), allocations + 1);
  // Resuming (its saved buffers written into the persistent storage) runs
  // from a kept arena too.
  const auto resumed = lorenz(300, &first.end_state);
  EXPECT_EQ(resumed.failures(), 0) << resumed.failure_summary();
  EXPECT_EQ(Cache::instance().allocations(), allocations + 1);
  kobie::release_workspaces();
  EXPECT_EQ(Cache::instance().idle_bytes(), 0);
  const auto after = lorenz(300, nullptr);
  EXPECT_EQ(Cache::instance().allocations(), allocations + 2);
  const auto c = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), after.outputs);
  EXPECT_EQ(std::memcmp(a.data(), c.data(), a.size() * sizeof(double)), 0);
}

TEST(TEST_CATEGORY, an_end_state_holds_every_persistent_flagged_buffer_by_path) {
  const auto r = lorenz(10, nullptr);
  const auto& e = r.end_state;
  // RK4 carries no FSAL derivative: the loop's four buffers.
  std::vector<std::string> paths;
  for (const auto& b : e.buffers) paths.push_back(b.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"loop/state", "loop/clock", "loop/history",
                                             "loop/counters"}));
  EXPECT_EQ(e.bytes_per_system(), 3 * 8 + 2 * 8 + 3 * 8 + 4 * 8);
  EXPECT_EQ(e.states().extent(0), 3u);
  EXPECT_EQ(e.states().extent(1), 10u);
  EXPECT_DOUBLE_EQ(e.time(9), 0.2);
  const auto counters = e.buffer<std::int64_t>("loop/counters");
  EXPECT_EQ(counters(0, 3), r.stats(kobie::stat_accepted, 3));  // accepted
  EXPECT_EQ(counters(2, 3), r.stats(kobie::stat_rhs_evals, 3));
  auto message = [&](auto&& f) {
    try {
      f();
    } catch (const std::invalid_argument& x) {
      return std::string(x.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message([&] { (void)e.buffer<float>("loop/state"); }).find("float64"),
            std::string::npos);
  EXPECT_NE(message([&] { (void)e.buffer<double>("loop/nothing"); }).find("'loop/clock'"),
            std::string::npos);
  // Another batch size is refused, naming the setting.
  const std::string wrong = message([&] { (void)lorenz(11, &e); });
  EXPECT_NE(wrong.find("setting 'resume' holds 10 systems"), std::string::npos) << wrong;
  // An end state whose data does not match its buffers is refused before
  // anything is copied.
  kobie::EndState<double> cut = e;
  cut.data = decltype(cut.data)("cut", e.data.size() - 8);
  const std::string short_data = message([&] { (void)lorenz(10, &cut); });
  EXPECT_NE(short_data.find("setting 'resume' holds 952 bytes of data; allowed: 960"),
            std::string::npos)
      << short_data;
}

}  // namespace

// Memory is planned before it is taken (issue 23): a solve whose host
// memory cannot fit is refused from its plan, naming the setting and the
// bytes, before anything is allocated; `plan_memory` gives the same plan
// without a batch; and on a host space `solve_to_host` runs its working
// storage in groups of systems to fit the host limit, with the same bits.
TEST(TEST_CATEGORY, memory_is_planned_before_it_is_taken) {
  using System = kobie::systems::Lorenz;
  using Rk4 = std::tuple<kobie::tableaus::ClassicalRK4>;
  const kobie::IntegrationSettings s = fixed_rk4();
  auto refused = [](const auto& call, const std::vector<std::string>& parts) {
    try {
      call();
    } catch (const std::invalid_argument& e) {
      const std::string m = e.what();
      for (const auto& p : parts) EXPECT_NE(m.find(p), std::string::npos) << m << "\n lacks " << p;
      return;
    }
    ADD_FAILURE() << "not refused";
  };
  // A trillion systems (`kobie --batch 1e12` ended in std::bad_alloc): 72 TB
  // of outputs alone, more than any host has now. Nothing is allocated.
  refused([&] { kobie::plan_memory<double, Rk4>(Exec(), System{}, 1000000000000, s); },
          {"'host_memory_limit'", "1000000000000 systems", "outputs", "3 saves x 3 variables x 8 B",
           "allowed"});
  // 1e5 saves of 200 systems (480 MB of results) under a limit of 64 MiB:
  // refused by the solve itself, before its first allocation (it used to
  // fail allocating, or to take the machine's memory).
  const std::vector<double> rho(200, 28.0);
  const auto batch = kobie::Batch::grid<System>({{"rho", rho}});
  kobie::IntegrationSettings many = s;
  many.duration = 100;
  many.save_interval = 1e-3;
  many.host_memory_limit = 64 << 20;
  refused([&] { kobie::solve_to_host<double, Rk4>(Exec(), System{}, batch, many); },
          {"'host_memory_limit' has value 67108864", "200 systems", "outputs",
           "100001 saves x 3 variables", "MiB"});
  // The limit as a setting.
  kobie::IntegrationSettings tight = s;
  tight.host_memory_limit = 1000;
  refused([&] { kobie::solve_to_host<double, Rk4>(Exec(), System{}, batch, tight); },
          {"'host_memory_limit' has value 1000 (as set", "200 systems", "allowed"});

  // Enough for the results and 10 systems' working storage at a time.
  const auto whole = kobie::plan_memory<double, Rk4>(Exec(), System{}, 200, s);
  EXPECT_EQ(whole.group, 200);
  const bool host_space = std::is_same<Memory, Kokkos::HostSpace>::value;
  if (!host_space) return;  // a device's working storage is not host memory
  tight.host_memory_limit = std::int64_t(whole.host_bytes) - 190 * whole.device_bytes_per_system;
  const auto grouped = kobie::plan_memory<double, Rk4>(Exec(), System{}, 200, tight);
  EXPECT_EQ(grouped.group, 10) << grouped.report;
  EXPECT_LE(grouped.host_bytes, double(tight.host_memory_limit)) << grouped.report;
  const auto a = kobie::solve_to_host<double, Rk4>(Exec(), System{}, batch, s);
  const auto b = kobie::solve_to_host<double, Rk4>(Exec(), System{}, batch, tight);
  EXPECT_NE(b.launch_report.find("20 groups of up to 10 systems"), std::string::npos)
      << b.launch_report;
  ASSERT_EQ(a.outputs.size(), b.outputs.size());
  EXPECT_EQ(std::memcmp(a.outputs.data(), b.outputs.data(), a.outputs.size() * sizeof(double)), 0);
}
