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
template <class P, class Root, class Kernel = kobie_test::PatternKernel<P, Root, Exec>>
RunResult run_patterns(SharedSliceLayout shared_layout, std::int64_t n_systems,
                       int preferred_lanes = 0) {
  kobie::BufferRegistry registry;
  const std::string root = kobie::register_components<Root>(registry, Root::component_name());
  kobie::apply_placement<P, Root>(registry, root);
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
void expect_no_overlap(const char* what) {
  // 1000 systems: several teams and a partial last one; small teams too.
  for (SharedSliceLayout layout : {SharedSliceLayout::contiguous, SharedSliceLayout::interleaved}) {
    for (int lanes : {0, 32}) {
      const RunResult r = run_patterns<P, Root>(layout, 1000, lanes);
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

#if KOBIE_SIMD_PACKS
// Host compilers: a pack of W systems computes what W scalar evaluations
// compute (arithmetic to the rounding of a differently contracted
// multiply-add, kobie::math's functions exactly), and a PackView reads and
// writes lanes j..j+W-1 of an interleaved buffer in place. (The integration
// path on packs is tested end to end in test_explicit_integration.cpp.)
template <class T, int W>
void check_pack_arithmetic() {
  using P = kobie::Pack<T, W>;
  T xs[W], ys[W];
  for (int w = 0; w < W; ++w) {
    xs[w] = T(0.3) + T(0.7) * T(w);
    ys[w] = T(-1.1) + T(0.45) * T(w * w);
  }
  const P x = P::load(xs), y = P::load(ys);
  const P r = (x - y) * x - y / T(3) + 2.0 * x - 1;
  const P m = kobie::math::sin(x) + kobie::math::cos(y) * kobie::math::exp(-x) +
              kobie::math::log(x) + kobie::math::tanh(y) + kobie::math::sqrt(x) +
              kobie::math::fabs(y) + kobie::math::pow(x, 2.5) + kobie::math::pow(x, x);
  for (int w = 0; w < W; ++w) {
    const T a = xs[w], b = ys[w];
    const T expect_r = (a - b) * a - b / T(3) + T(2.0) * a - T(1);
    EXPECT_NEAR(r[w], expect_r, 4 * std::numeric_limits<T>::epsilon() * (1 + std::abs(expect_r)))
        << w;
    namespace km = kobie::math;
    const T expect_m = T(km::sin(a)) + T(km::cos(b)) * T(km::exp(-a)) + T(km::log(a)) +
                       T(km::tanh(b)) + T(km::sqrt(a)) + T(km::fabs(b)) + T(km::pow(a, T(2.5))) +
                       T(km::pow(a, a));
    EXPECT_NEAR(m[w], expect_m, 16 * std::numeric_limits<T>::epsilon() * (1 + std::abs(expect_m)))
        << w;
  }
  // A view of lanes 4..4+W-1 of a buffer with 2W lanes interleaved.
  constexpr int lanes = 2 * W, n = 3;
  T buffer[n * lanes];
  for (int i = 0; i < n * lanes; ++i) buffer[i] = T(i);
  const kobie::PackView<T, W, n> view{buffer + W, lanes};
  for (int i = 0; i < n; ++i) {
    const P element = view[i];
    for (int w = 0; w < W; ++w) EXPECT_EQ(element[w], T(i * lanes + W + w)) << i << " " << w;
    view[i] = element * 2.0;
  }
  for (int i = 0; i < n * lanes; ++i) EXPECT_EQ(buffer[i], T(i % lanes >= W ? 2 * i : i)) << i;
}

// The per-system helpers adaptive steps on packs decide with (masks,
// comparisons, selects, fabs, isfinite, max_of, widen, conversions): each
// element must be the scalar helper's result, bit for bit, also for
// infinities, NaN and signed zeros.
template <class T, int W>
void check_pack_decisions() {
  namespace I = kobie::Impl;
  using P = kobie::Pack<T, W>;
  using D = kobie::Pack<double, W>;
  const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
  const T pool[] = {T(1.5), T(-2), inf, -inf, nan, T(0), T(-0.0), T(3e-30), T(-7.25)};
  constexpr int n_pool = sizeof(pool) / sizeof(pool[0]);
  auto bits = [](auto x) {
    std::uint64_t u = 0;
    std::memcpy(&u, &x, sizeof x);
    return u;
  };
  for (int shift = 0; shift < n_pool; ++shift) {
    T xs[W], ys[W];
    std::int64_t flags[W];
    for (int w = 0; w < W; ++w) {
      xs[w] = pool[(w + shift) % n_pool];
      ys[w] = pool[(2 * w + 1) % n_pool];
      flags[w] = (w + shift) % 3 == 0 ? 6 : 1;
    }
    const P x = P::load(xs), y = P::load(ys);
    const kobie::PackMask<W> lt = I::lt(x, y), le = I::le(x, y), gt = I::gt(x, y);
    const kobie::PackMask<W> finite = I::isfinite(x);
    const kobie::PackMask<W> both = lt | finite, neither = !(lt & finite);
    const P chosen = I::select(lt, x, y), larger = I::max_of(x, y), magnitude = I::fabs(x);
    const D wide = I::widen(x);
    const kobie::Pack<float, W> narrow(wide);
    const kobie::PackMask<W> bit = kobie::PackMask<W>::bit_of(flags, 4);
    std::int64_t set[W] = {};
    lt.set_bit(set, 8);
    for (int w = 0; w < W; ++w) {
      const T a = xs[w], b = ys[w];
      const std::string at = std::to_string(shift) + " " + std::to_string(w);
      EXPECT_EQ(lt[w], I::lt(double(a), double(b))) << at;
      EXPECT_EQ(le[w], I::le(double(a), double(b))) << at;
      EXPECT_EQ(gt[w], I::gt(double(a), double(b))) << at;
      EXPECT_EQ(finite[w], bool(I::isfinite(a))) << at;
      EXPECT_EQ(both[w], I::lt(double(a), double(b)) || bool(I::isfinite(a))) << at;
      EXPECT_EQ(neither[w], !(I::lt(double(a), double(b)) && bool(I::isfinite(a)))) << at;
      EXPECT_EQ(bits(chosen[w]), bits(I::select(I::lt(double(a), double(b)), a, b))) << at;
      EXPECT_EQ(bits(double(larger[w])), bits(I::max_of(double(a), double(b)))) << at;
      EXPECT_EQ(bits(magnitude[w]), bits(T(I::fabs(a)))) << at;
      EXPECT_EQ(bits(wide[w]), bits(I::widen(a))) << at;
      EXPECT_EQ(bits(narrow[w]), bits(float(double(a)))) << at;
      EXPECT_EQ(bit[w], flags[w] == 6) << at;
      EXPECT_EQ(set[w], I::lt(double(a), double(b)) ? 8 : 0) << at;
    }
    EXPECT_TRUE(kobie::PackMask<W>(true)[W - 1]);
    EXPECT_FALSE(kobie::PackMask<W>(false)[0]);
    EXPECT_TRUE(I::lane_flag(x, true)[0]);
  }
}

TEST(TEST_CATEGORY, simd_packs_compute_each_system_as_scalar_code) {
  check_pack_arithmetic<double, kobie::Impl::pack_width<double>>();
  check_pack_arithmetic<float, kobie::Impl::pack_width<float>>();
  check_pack_arithmetic<double, 2>();
  check_pack_decisions<double, kobie::Impl::pack_width<double>>();
  check_pack_decisions<float, kobie::Impl::pack_width<float>>();
}
#endif

}  // namespace
