// Test body (see backend_test.cpp.in): the registry's device half. Every lane
// writes a distinct pattern into each of its buffers and reads it back after
// its whole team wrote: no cross-lane or cross-buffer overlap except declared
// aliases, for every compiled placement and both shared slice layouts; and
// persistent-flagged contents survive into a second launch.
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "registry_components.hpp"
#include "registry_kernels.hpp"

namespace {

using kobie::SharedSliceLayout;
using Exec = TEST_EXECSPACE;
constexpr bool vector_passes = kobie::lanes_in_vector_passes<Exec>::value;

struct RunResult {
  long errors = 0;
  kobie::LaunchPlan plan;
};

/// Registers Root, applies placement P to the registry (as a user's location
/// settings would), checks that P is the placement selected for that layout,
/// then runs the write/check launch and the resume launch.
/// `run_time_elements` is the size given to the tree's run-time-sized
/// buffers (PhaseRoot's Krylov basis).
template <class P, class Root, class Kernel = kobie_test::PatternKernel<P, Root, Exec>>
RunResult run_patterns(SharedSliceLayout shared_layout, std::int64_t n_systems,
                       int preferred_lanes = 0, int run_time_elements = 0) {
  kobie::BufferRegistry registry;
  const std::string root = kobie::register_components<Root>(registry, Root::component_name());
  kobie::apply_placement<P, Root>(registry, root);
  if (registry.contains("solver/phases/krylov", "basis"))
    registry.update_size("solver/phases/krylov", "basis", run_time_elements);
  const kobie::BufferLayout layout = registry.layout(root, kobie::layout_options<Exec>());

  using Compiled = kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared>;
  const int selected = kobie::select_placement<Root, vector_passes>(layout, Compiled{});
  const auto wanted = kobie::placement_regions<P, Root, vector_passes>();
  const auto selected_regions =
      selected == 0   ? kobie::placement_regions<kobie::DefaultPlacement, Root, vector_passes>()
      : selected == 1 ? kobie::placement_regions<kobie::AllLocal, Root, vector_passes>()
                      : kobie::placement_regions<kobie::AllShared, Root, vector_passes>();
  EXPECT_EQ(selected_regions, wanted) << "the selected placement places buffers differently";

  kobie::LaunchLimits limits = kobie::launch_limits<Exec>();
  if (preferred_lanes > 0) limits.preferred_lanes = preferred_lanes;
  if (limits.min_lanes > limits.preferred_lanes) limits.min_lanes = limits.preferred_lanes;
  RunResult result;
  result.plan = kobie::plan_launch(layout, limits, shared_layout);

  kobie::PersistentStorage<typename Exec::memory_space> storage(layout, n_systems);
  Kokkos::View<int*, typename Exec::memory_space> errors("kobie::test::errors", n_systems);
  Kernel kernel;
  kernel.table = kobie::make_allocator_table<Root>(layout, shared_layout);
  kernel.plan = result.plan;
  kernel.persistent = storage.data();
  kernel.n_systems = n_systems;
  kernel.errors = errors;
  kernel.run_time_elements = run_time_elements;
  Exec space;
  for (bool resume : {false, true}) {
    kernel.resume = resume;
    Kokkos::parallel_for("kobie::test::registry_patterns",
                         kobie::make_team_policy(space, result.plan, n_systems), kernel);
  }
  space.fence();
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), errors);
  for (std::int64_t s = 0; s < n_systems; ++s) result.errors += host(s);
  return result;
}

template <class P, class Root>
void expect_no_overlap(const char* what, int run_time_elements = 0) {
  // 1000 systems: several teams and a partial last one; small teams too.
  for (SharedSliceLayout layout : {SharedSliceLayout::contiguous, SharedSliceLayout::interleaved}) {
    for (int lanes : {0, 32}) {
      const RunResult r = run_patterns<P, Root>(layout, 1000, lanes, run_time_elements);
      EXPECT_EQ(r.errors, 0) << what << ", " << kobie::to_string(layout) << " slices, "
                             << r.plan.lanes_per_team << " lanes per team";
    }
  }
}

TEST(TEST_CATEGORY, registry_patterns_dirk_tree_default_placement) {
  expect_no_overlap<kobie::DefaultPlacement, kobie_test::Dirk>("dirk tree, default placement");
}
TEST(TEST_CATEGORY, registry_patterns_dirk_tree_all_local) {
  expect_no_overlap<kobie::AllLocal, kobie_test::Dirk>("dirk tree, all-local");
}
TEST(TEST_CATEGORY, registry_patterns_dirk_tree_all_shared) {
  expect_no_overlap<kobie::AllShared, kobie_test::Dirk>("dirk tree, all-shared");
}
TEST(TEST_CATEGORY, registry_patterns_alias_cases_default_placement) {
  expect_no_overlap<kobie::DefaultPlacement, kobie_test::AliasZoo>("alias cases, default");
}
TEST(TEST_CATEGORY, registry_patterns_alias_cases_all_local) {
  expect_no_overlap<kobie::AllLocal, kobie_test::AliasZoo>("alias cases, all-local");
}
TEST(TEST_CATEGORY, registry_patterns_alias_cases_all_shared) {
  expect_no_overlap<kobie::AllShared, kobie_test::AliasZoo>("alias cases, all-shared");
}
// A union of solver phases, a run-time-sized shared buffer and every element
// type (int64, dual and complex numbers) in every region.
TEST(TEST_CATEGORY, registry_patterns_phase_union_default_placement) {
  expect_no_overlap<kobie::DefaultPlacement, kobie_test::PhaseRoot>("phase union, default", 6);
}
TEST(TEST_CATEGORY, registry_patterns_phase_union_all_local) {
  expect_no_overlap<kobie::AllLocal, kobie_test::PhaseRoot>("phase union, all-local", 5);
}
TEST(TEST_CATEGORY, registry_patterns_phase_union_all_shared) {
  expect_no_overlap<kobie::AllShared, kobie_test::PhaseRoot>("phase union, all-shared", 7);
}

TEST(TEST_CATEGORY, registry_register_residency_probe_runs) {
  const RunResult r =
      run_patterns<kobie::AllLocal, kobie_test::AllLocalProbe,
                   kobie_test::RegisterResidencyProbe<Exec>>(SharedSliceLayout::interleaved, 777);
  EXPECT_EQ(r.errors, 0);
  EXPECT_EQ(r.plan.team_scratch_bytes, vector_passes ? r.plan.lanes_per_team * 24 + 64 : 0)
      << "all-local: only the host promotes the flagged 'history' buffer to shared";
}

// The pattern check must be able to fail: a table whose shared offsets are
// all zero makes buffers overlap, and the kernel has to notice.
TEST(TEST_CATEGORY, registry_patterns_detect_overlap) {
  using Root = kobie_test::Dirk;
  using P = kobie::AllShared;
  kobie::BufferRegistry registry;
  const std::string root = kobie::register_components<Root>(registry, "dirk");
  kobie::apply_placement<P, Root>(registry, root);
  const auto layout = registry.layout(root, kobie::layout_options<Exec>());
  const auto plan = kobie::plan_launch(layout, kobie::launch_limits<Exec>());
  const std::int64_t n = 100;
  kobie::PersistentStorage<typename Exec::memory_space> storage(layout, n);
  Kokkos::View<int*, typename Exec::memory_space> errors("kobie::test::errors", n);
  kobie_test::PatternKernel<P, Root, Exec> kernel;
  kernel.table = kobie::make_allocator_table<Root>(layout, SharedSliceLayout::interleaved);
  for (int s = 0; s < kernel.table.slots; ++s) kernel.table.offset[s] = 0;  // corrupt
  kernel.plan = plan;
  kernel.persistent = storage.data();
  kernel.n_systems = n;
  kernel.errors = errors;
  kernel.resume = false;
  Kokkos::parallel_for("kobie::test::registry_corrupt", kobie::make_team_policy(Exec(), plan, n),
                       kernel);
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), errors);
  long total = 0;
  for (std::int64_t s = 0; s < n; ++s) total += host(s);
  EXPECT_GT(total, 0);
}

}  // namespace
