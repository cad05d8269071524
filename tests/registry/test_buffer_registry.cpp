// Test body (see backend_test.cpp.in): the registry's host half. Layout
// arithmetic, aliasing, nesting, clearing, bad input, launch planning and
// placement selection, with the backend's own limits where they matter.
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "registry_components.hpp"

namespace {

using kobie::BufferDeclaration;
using kobie::BufferRegistry;
using kobie::ElementType;
using kobie::LayoutOptions;
using kobie::Location;
using kobie::Region;
using Exec = TEST_EXECSPACE;

LayoutOptions device_lanes() {
  return LayoutOptions{false};
}
LayoutOptions host_lanes() {
  return LayoutOptions{true};
}

BufferRegistry dirk_registry() {
  BufferRegistry r;
  kobie::register_components<kobie_test::Dirk>(r, "dirk");
  return r;
}

// Expects `f` to throw E with a message containing every one of `parts`.
template <class E = std::invalid_argument, class F>
void expect_error(F&& f, std::initializer_list<const char*> parts) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const E& e) {
    const std::string msg = e.what();
    for (const char* p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << msg << "\n  lacks: " << p;
  }
}

TEST(TEST_CATEGORY, registry_layout_of_the_worked_example) {
  const BufferRegistry r = dirk_registry();
  // One lane per thread (CUDA): flagged local buffers stay local.
  const auto d = r.layout("dirk", device_lanes());
  EXPECT_EQ(d.slot_count(), 9);
  EXPECT_EQ(d.shared_bytes_per_lane(), 96 + 24 + 96);
  EXPECT_EQ(d.local_bytes_per_lane(), 4 * 24);
  EXPECT_EQ(d.persistent_bytes_per_system(), 24 + 24);  // fsal_rhs save slot + warm_start
  EXPECT_EQ(d.get("dirk", "accumulator").offset, 0);
  EXPECT_TRUE(d.get("dirk", "stage_base").inside_target);
  EXPECT_EQ(d.get("dirk", "stage_base").offset, 0);
  EXPECT_EQ(d.get("dirk", "fsal_rhs").region, Region::local);
  EXPECT_EQ(d.get("dirk", "fsal_rhs").save_offset, 0);
  EXPECT_EQ(d.get("dirk/newton", "residual").offset, 96);
  EXPECT_EQ(d.get("dirk/newton", "warm_start").region, Region::persistent);
  EXPECT_EQ(d.get("dirk/newton", "warm_start").offset, 24);
  EXPECT_EQ(d.get("dirk/newton/krylov", "basis").offset, 120);
  EXPECT_EQ(d.get("dirk/newton/krylov", "basis").slot, 7);
  // The parent's block reserves its children's, in every region.
  const auto& dirk = d.owner_range("dirk");
  const auto& newton = d.owner_range("dirk/newton");
  const auto& krylov = d.owner_range("dirk/newton/krylov");
  const int sh = static_cast<int>(Region::shared);
  EXPECT_EQ(dirk.begin[sh], 0);
  EXPECT_EQ(dirk.end[sh], 216);
  EXPECT_EQ(newton.begin[sh], 96);
  EXPECT_EQ(newton.end[sh], 216);
  EXPECT_EQ(krylov.begin[sh], 120);
  EXPECT_EQ(krylov.end[sh], 216);
  // Bytes per team: lanes times the lane slice, plus the base alignment pad.
  EXPECT_EQ(d.shared_bytes_per_team(256), 256 * 216 + 64);

  // Host lanes advance in vectorised passes: fsal_rhs is promoted to shared.
  const auto h = r.layout("dirk", host_lanes());
  EXPECT_EQ(h.get("dirk", "fsal_rhs").region, Region::shared);
  EXPECT_EQ(h.get("dirk", "fsal_rhs").offset, 96);
  EXPECT_EQ(h.get("dirk", "fsal_rhs").save_offset, 0);
  EXPECT_EQ(h.shared_bytes_per_lane(), 96 + 24 + 24 + 96);
  EXPECT_EQ(h.local_bytes_per_lane(), 3 * 24);
  EXPECT_EQ(h.shared_bytes_per_team(64), 64 * 240 + 64);
}

TEST(TEST_CATEGORY, registry_child_size_changes_never_go_stale) {
  BufferRegistry r = dirk_registry();
  const auto before = r.layout("dirk", device_lanes());
  const auto generation = r.generation();
  EXPECT_TRUE(r.update_size("dirk/newton/krylov", "basis", 24));
  EXPECT_FALSE(r.update_size("dirk/newton/krylov", "basis", 24)) << "no change, no report";
  EXPECT_GT(r.generation(), generation);
  const auto after = r.layout("dirk", device_lanes());
  const int sh = static_cast<int>(Region::shared);
  EXPECT_EQ(after.owner_range("dirk/newton").end[sh], 96 + 24 + 192);
  EXPECT_EQ(after.owner_range("dirk").end[sh], 96 + 24 + 192);
  EXPECT_EQ(after.shared_bytes_per_lane(), 312);
  EXPECT_EQ(before.shared_bytes_per_lane(), 216) << "a layout is a value";
  // A location change moves the buffer between regions.
  EXPECT_TRUE(r.update_location("dirk/newton", "residual", Location::local));
  const auto moved = r.layout("dirk", device_lanes());
  EXPECT_EQ(moved.get("dirk/newton", "residual").region, Region::local);
  EXPECT_EQ(moved.shared_bytes_per_lane(), 96 + 192);
  // A child registered later (a helper built after its parent) is reserved too.
  r.add({"dirk/newton/krylov/precond", "diag", 5, ElementType::float32, Location::shared});
  r.add_child("dirk/newton/krylov", "dirk/newton/krylov/precond");
  const auto grown = r.layout("dirk", device_lanes());
  EXPECT_EQ(grown.shared_bytes_per_lane(), 96 + 192 + 24);  // 20 bytes aligned to 8
  EXPECT_EQ(grown.owner_range("dirk/newton").end[sh], 96 + 192 + 24);
}

TEST(TEST_CATEGORY, registry_alias_rules) {
  BufferRegistry r;
  kobie::register_components<kobie_test::AliasZoo>(r, "zoo");
  for (const auto& options : {device_lanes(), host_lanes()}) {
    const auto z = r.layout("zoo", options);
    auto at = [&](const char* n) { return z.get("zoo", n); };
    // Shared target with room: aliases follow each other inside it.
    EXPECT_TRUE(at("first").inside_target);
    EXPECT_EQ(at("first").offset, at("big").offset);
    EXPECT_TRUE(at("second").inside_target);
    EXPECT_EQ(at("second").offset, at("big").offset + 4 * 8);
    // No room left (10 - 8 < 3): own storage of its own location.
    EXPECT_FALSE(at("too_big").inside_target);
    EXPECT_EQ(at("too_big").region, Region::local);
    // Persistent-flagged alias of a shared target: own storage, saved.
    EXPECT_FALSE(at("kept").inside_target);
    EXPECT_EQ(at("kept").region, Region::shared);
    EXPECT_GE(at("kept").save_offset, 0);
    // Local and persistent targets never host aliases.
    EXPECT_FALSE(at("of_local").inside_target);
    EXPECT_EQ(at("of_local").region, Region::shared);
    EXPECT_FALSE(at("of_pers").inside_target);
    EXPECT_EQ(at("of_pers").region, Region::shared);
    // Disabled buffers take no storage; their aliases get their own.
    EXPECT_EQ(at("off").region, Region::none);
    EXPECT_FALSE(at("of_off").inside_target);
    EXPECT_EQ(at("of_off").region, Region::shared);
    // Zero-size local buffer: one element.
    EXPECT_EQ(at("empty").bytes, 8);
    // Element types size their buffers.
    EXPECT_EQ(at("counts").bytes, 3 * 4);
    EXPECT_EQ(at("weights").bytes, 6 * 4);
    // Everything 8-byte aligned.
    for (const auto& b : z.buffers()) EXPECT_EQ(b.offset % 8, 0) << b.declaration.name;
  }
}

TEST(TEST_CATEGORY, registry_clear_and_clear_tree) {
  BufferRegistry r = dirk_registry();
  r.clear("dirk/newton");
  EXPECT_TRUE(r.buffers("dirk/newton").empty());
  EXPECT_EQ(r.children("dirk/newton").size(), 1u) << "clear keeps the links";
  EXPECT_EQ(r.layout("dirk", device_lanes()).slot_count(), 4 + 2);
  r.clear_tree("dirk/newton");
  EXPECT_TRUE(r.children("dirk").empty());
  EXPECT_FALSE(r.contains("dirk/newton/krylov", "basis"));
  EXPECT_EQ(r.layout("dirk", device_lanes()).slot_count(), 4);
  EXPECT_EQ(r.layout("dirk", device_lanes()).shared_bytes_per_lane(), 96);
  // Cleared names can be registered again.
  r.add({"dirk/newton", "delta", 3, ElementType::float64, Location::local});
  EXPECT_TRUE(r.contains("dirk/newton", "delta"));
}

TEST(TEST_CATEGORY, registry_bad_input_names_owner_buffer_and_problem) {
  BufferRegistry r = dirk_registry();
  auto add = [&](BufferDeclaration d) { return [&r, d] { r.add(d); }; };
  expect_error(add({"", "x", 1}), {"owner ''", "owner name is empty"});
  expect_error(add({"step", "", 1}), {"owner 'step'", "buffer name is empty"});
  expect_error(add({"dirk", "accumulator", 1}), {"'accumulator'", "'dirk'", "already registered"});
  expect_error(add({"step", "x", -2}), {"'x'", "'step'", "-2", "negative"});
  expect_error(add({"step", "x", 1, ElementType::float64, Location::shared, false, "x"}),
               {"'x'", "'step'", "cannot alias itself"});
  expect_error(add({"step", "x", 1, ElementType::float64, Location::shared, false, "later"}),
               {"'x'", "alias target 'later'", "registered before"});
  expect_error(add({"dirk", "x", 1, ElementType::float64, Location::shared, false, "stage_base"}),
               {"'x'", "'dirk'", "itself an alias", "'accumulator'"});
  expect_error(add({"dirk", "x", 1, ElementType::float32, Location::shared, false, "accumulator"}),
               {"'x'", "'dirk'", "float32", "float64", "'accumulator'"});
  expect_error(
      add({"dirk/newton", "x", 1, ElementType::float64, Location::shared, false, "accumulator"}),
      {"'x'", "'dirk/newton'", "same owner"});
  expect_error([&] { r.update_size("dirk", "nope", 3); }, {"'nope'", "'dirk'", "not registered"});
  expect_error([&] { r.update_size("dirk", "accumulator", -1); }, {"'accumulator'", "negative"});
  expect_error([&] { r.update_location("ghost", "x", Location::local); },
               {"'x'", "'ghost'", "not registered"});
  expect_error([&] { r.add_child("dirk/newton/krylov", "dirk"); }, {"cycle"});
  expect_error([&] { r.add_child("other", "dirk/newton"); }, {"'dirk/newton'", "one parent"});
  expect_error([&] { kobie::parse_location("registers", "stage_rhs_location"); },
               {"'stage_rhs_location'", "'registers'", "'shared', 'local', 'persistent'"});
  expect_error([&] { kobie::parse_element_type("half"); }, {"'half'", "float32"});
  expect_error([&] { kobie::parse_shared_slice_layout("diagonal"); },
               {"'diagonal'", "'contiguous', 'interleaved'"});
  EXPECT_EQ(kobie::parse_location("persistent"), Location::persistent);
  EXPECT_EQ(kobie::parse_element_type("double"), ElementType::float64);
}

TEST(TEST_CATEGORY, registry_launch_plan_fits_halves_spills_then_fails) {
  const kobie::LaunchLimits limits = kobie::launch_limits<Exec>();
  EXPECT_GT(limits.level0_bytes, 0);
  EXPECT_GT(limits.level1_bytes, limits.level0_bytes);
  BufferRegistry r;
  r.add({"step", "small", 4, ElementType::float64, Location::shared});
  auto plan = kobie::plan_launch(r.layout("step"), limits);
  EXPECT_EQ(plan.lanes_per_team, limits.preferred_lanes);
  EXPECT_EQ(plan.scratch_level, 0);
  EXPECT_EQ(plan.team_scratch_bytes, limits.preferred_lanes * 32 + 64);
  EXPECT_EQ(plan.team_size * plan.lanes_per_thread, plan.lanes_per_team);

  // Twice the level-0 capacity per preferred team: the plan halves the lanes.
  const std::int64_t per_lane = 2 * limits.level0_bytes / limits.preferred_lanes;
  r.update_size("step", "small", per_lane / 8);
  plan = kobie::plan_launch(r.layout("step"), limits);
  EXPECT_LT(plan.lanes_per_team, limits.preferred_lanes);
  EXPECT_GE(plan.lanes_per_team, limits.min_lanes);
  EXPECT_LE(plan.team_scratch_bytes, limits.level0_bytes);
  EXPECT_EQ(plan.scratch_level, 0);

  // Too large for level 0 even at the minimum: level 1 at the backend's
  // level-1 count (host: 16; CUDA: the preferred count).
  const int level1_lanes = limits.level1_lanes > 0 ? limits.level1_lanes : limits.preferred_lanes;
  r.update_size("step", "small", 2 * limits.level0_bytes / limits.min_lanes / 8);
  plan = kobie::plan_launch(r.layout("step"), limits);
  EXPECT_EQ(plan.scratch_level, 1);
  EXPECT_EQ(plan.lanes_per_team, level1_lanes);
  EXPECT_EQ(plan.lanes_per_team, kobie::lanes_in_vector_passes<Exec>::value ? 16 : 256);

  // Too large for level 1: an error naming the largest shared buffers.
  r.add({"step", "huge", 2 * limits.level1_bytes / level1_lanes / 8, ElementType::float64,
         Location::shared});
  expect_error<std::length_error>([&] { kobie::plan_launch(r.layout("step"), limits); },
                                  {"step/huge", "step/small", "level 0", "level 1"});

  // Nothing shared: no scratch requested at all.
  BufferRegistry none;
  none.add({"step", "x", 4, ElementType::float64, Location::local});
  EXPECT_EQ(kobie::plan_launch(none.layout("step"), limits).team_scratch_bytes, 0);
}

TEST(TEST_CATEGORY, registry_selects_a_compiled_placement_or_says_which_exist) {
  constexpr bool v = kobie::lanes_in_vector_passes<Exec>::value;
  using Compiled = kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared>;
  BufferRegistry r = dirk_registry();
  const auto options = kobie::layout_options<Exec>();
  EXPECT_EQ((kobie::select_placement<kobie_test::Dirk, v>(r.layout("dirk", options), Compiled{})),
            0);
  kobie::apply_placement<kobie::AllShared, kobie_test::Dirk>(r, "dirk");
  EXPECT_EQ((kobie::select_placement<kobie_test::Dirk, v>(r.layout("dirk", options), Compiled{})),
            2);
  kobie::apply_placement<kobie::AllLocal, kobie_test::Dirk>(r, "dirk");
  EXPECT_EQ((kobie::select_placement<kobie_test::Dirk, v>(r.layout("dirk", options), Compiled{})),
            1);
  // A user's location setting that no compiled placement has.
  r.update_location("dirk", "accumulator", kobie::parse_location("shared", "accumulator_location"));
  expect_error(
      [&] { kobie::select_placement<kobie_test::Dirk, v>(r.layout("dirk", options), Compiled{}); },
      {"dirk/accumulator=shared", "'default', 'all-local', 'all-shared'"});
  // The same choice is fine for a kernel that compiled it in.
  using MoveAcc = kobie::MoveOne<kobie_test::Dirk, kobie_test::Dirk::accumulator, Location::shared,
                                 kobie::AllLocal>;
  EXPECT_EQ((kobie::select_placement<kobie_test::Dirk, v>(
                r.layout("dirk", options), kobie::PlacementList<kobie::AllShared, MoveAcc>{})),
            1);
}

TEST(TEST_CATEGORY, registry_report_lists_every_buffer) {
  const BufferRegistry r = dirk_registry();
  const std::string report = r.layout("dirk", kobie::layout_options<Exec>()).report();
  for (const char* name : {"stage_increment", "accumulator", "stage_base", "fsal_rhs", "delta",
                           "residual", "warm_start", "basis", "precond_diag", "dirk/newton/krylov",
                           "accumulator (inside)", "persistent flag", "per lane:"})
    EXPECT_NE(report.find(name), std::string::npos) << report << "\nlacks " << name;
}

}  // namespace

namespace {

TEST(TEST_CATEGORY, registry_location_settings_and_named_placements) {
  constexpr bool v = kobie::lanes_in_vector_passes<Exec>::value;
  using Compiled = kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared>;
  BufferRegistry r = dirk_registry();
  // Settings that turn the default placement into all-shared.
  kobie::apply_location_settings(r, "dirk",
                                 {{"stage_increment_location", "shared"},
                                  {"fsal_rhs_location", "shared"},
                                  {"delta_location", "shared"},
                                  {"dirk/newton/warm_start_location", "shared"},
                                  {"precond_diag_location", "shared"}});
  EXPECT_EQ((kobie::select_placement<kobie_test::Dirk, v>(
                r.layout("dirk", kobie::layout_options<Exec>()), Compiled{})),
            2);
  expect_error(
      [&] {
        kobie::apply_location_settings(r, "dirk", {{"jacobian_location", "local"}});
      },
      {"'jacobian_location'", "names no buffer", "dirk/accumulator"});
  expect_error(
      [&] {
        kobie::apply_location_settings(r, "dirk", {{"delta_location", "texture"}});
      },
      {"'delta_location'", "'texture'", "'shared', 'local', 'persistent'"});
  expect_error(
      [&] {
        kobie::apply_location_settings(r, "dirk", {{"delta_place", "local"}});
      },
      {"'delta_place'", "_location"});
  EXPECT_EQ(kobie::placement_index("all-local", Compiled{}), 1);
  expect_error([&] { kobie::placement_index("fastest", Compiled{}, "placement"); },
               {"'placement'", "'fastest'", "'default', 'all-local', 'all-shared'"});
}

// ------------------------------------------------------------------ stiff-stack features

BufferRegistry phase_registry(int basis) {
  BufferRegistry r;
  kobie::register_components<kobie_test::PhaseRoot>(r, "solver");
  r.update_size("solver/phases/krylov", "basis", basis);
  return r;
}

TEST(TEST_CATEGORY, registry_union_overlays_phases_and_reserves_their_maximum) {
  const BufferRegistry r = phase_registry(6);
  EXPECT_TRUE(r.is_union("solver/phases"));
  EXPECT_FALSE(r.is_union("solver"));
  const int sh = static_cast<int>(Region::shared), lo = static_cast<int>(Region::local),
            pe = static_cast<int>(Region::persistent);
  // One lane per thread: root 24 B local counters (saved), 24 B duals and
  // 16 B complex32 shared; then the phases from shared 40, local 24,
  // persistent 24: LU 9 float64 local, 3 int32 + 3 dual64 shared; Krylov
  // a 6-element run-time basis shared, 4 complex64 persistent (16-aligned),
  // 2 int64 local.
  const auto d = r.layout("solver", device_lanes());
  const auto& lu = d.owner_range("solver/phases/lu");
  const auto& krylov = d.owner_range("solver/phases/krylov");
  const auto& phases = d.owner_range("solver/phases");
  for (int reg : {sh, lo, pe}) {
    EXPECT_EQ(lu.begin[reg], krylov.begin[reg]) << "phases start together, region " << reg;
    EXPECT_EQ(phases.end[reg], std::max(lu.end[reg], krylov.end[reg])) << "region " << reg;
  }
  EXPECT_EQ(d.get("solver/phases/lu", "pivots").offset, 40);
  EXPECT_EQ(d.get("solver/phases/lu", "seeds").offset, 56);
  EXPECT_EQ(d.get("solver/phases/krylov", "basis").offset, 40);
  EXPECT_EQ(d.get("solver/phases/krylov", "basis").bytes, 48);
  EXPECT_EQ(d.get("solver/phases/krylov", "hessenberg").offset, 32) << "complex64: 16-aligned";
  EXPECT_EQ(d.get("solver/phases/krylov", "iterations").offset, 24);
  EXPECT_EQ(d.get("solver/phases/lu", "matrix").offset, 24);
  EXPECT_EQ(d.shared_bytes_per_lane(), 104) << "the maximum of the phases (LU 64 B, Krylov 48 B)";
  EXPECT_EQ(d.local_bytes_per_lane(), 96);
  EXPECT_EQ(d.persistent_bytes_per_system(), 96);
  // Host lanes: the flagged counters are promoted to shared, the rest moves up.
  const auto h = r.layout("solver", host_lanes());
  EXPECT_EQ(h.get("solver", "counters").region, Region::shared);
  EXPECT_EQ(h.get("solver/phases/lu", "pivots").offset, 64);
  EXPECT_EQ(h.get("solver/phases/krylov", "basis").offset, 64);
  EXPECT_EQ(h.shared_bytes_per_lane(), 128);
  EXPECT_EQ(h.local_bytes_per_lane(), 72);
  // A larger run-time size makes the Krylov phase the larger one.
  const auto big = phase_registry(20).layout("solver", device_lanes());
  EXPECT_EQ(big.shared_bytes_per_lane(), 40 + 160);
}

TEST(TEST_CATEGORY, registry_union_rules_are_enforced) {
  BufferRegistry r = phase_registry(4);
  expect_error([&] { r.add({"solver/phases", "x", 3}); }, {"'x'", "union"});
  // A persistent-flagged buffer would have to outlive its phase.
  r.add({"solver/phases/lu", "kept", 3, ElementType::float64, Location::local, true});
  expect_error([&] { (void)r.layout("solver", device_lanes()); },
               {"'kept'", "'solver/phases/lu'", "persistent-flagged", "union 'solver/phases'"});
  r.update_enabled("solver/phases/lu", "kept", false);
  EXPECT_NO_THROW((void)r.layout("solver", device_lanes())) << "a disabled buffer is no phase's";
  // An owner with buffers cannot become a union.
  expect_error([&] { r.make_union("solver"); }, {"'solver'", "declares buffers", "'counters'"});
  EXPECT_FALSE(r.is_union("solver"));
}

TEST(TEST_CATEGORY, registry_run_time_sizes_outside_local_storage) {
  BufferRegistry r = phase_registry(6);
  expect_error([&] { r.update_location("solver/phases/krylov", "basis", Location::local); },
               {"'basis'", "run-time size", "cannot be local", "'shared', 'persistent'"});
  EXPECT_TRUE(r.update_location("solver/phases/krylov", "basis", Location::persistent));
  EXPECT_EQ(r.layout("solver", device_lanes()).get("solver/phases/krylov", "basis").region,
            Region::persistent);
  BufferDeclaration d{"solver", "restart", 0, ElementType::float64, Location::local};
  d.run_time_size = true;
  expect_error([&] { r.add(d); }, {"'restart'", "run-time size", "'shared' or 'persistent'"});
  // The all-local placement leaves a run-time-sized buffer where it was declared.
  BufferRegistry placed = phase_registry(6);
  kobie::apply_placement<kobie::AllLocal, kobie_test::PhaseRoot>(placed, "solver");
  EXPECT_EQ(placed.layout("solver", device_lanes()).get("solver/phases/krylov", "basis").region,
            Region::shared);
  EXPECT_EQ(placed.layout("solver", device_lanes()).get("solver/phases/lu", "seeds").region,
            Region::local);
}

TEST(TEST_CATEGORY, registry_every_element_type_has_a_name_size_and_alignment) {
  for (int i = 0; i < kobie::element_type_count; ++i) {
    const auto t = static_cast<ElementType>(i);
    EXPECT_EQ(kobie::parse_element_type(kobie::to_string(t)), t);
    EXPECT_EQ(kobie::size_of(t) % kobie::align_of(t), 0) << kobie::to_string(t);
  }
  static_assert(kobie::size_of(kobie::element_type_of<kobie::Dual<double>>::value) ==
                sizeof(kobie::Dual<double>));
  static_assert(kobie::size_of(kobie::element_type_of<Kokkos::complex<float>>::value) ==
                sizeof(Kokkos::complex<float>));
  static_assert(kobie::size_of(kobie::element_type_of<std::int64_t>::value) == 8);
  expect_error([] { (void)kobie::parse_element_type("quad", "type"); },
               {"'type'", "'quad'", "'dual64'", "'complex64'", "'int64'"});
}

TEST(TEST_CATEGORY, registry_refused_link_changes_nothing) {
  BufferRegistry r;
  r.add_child("a", "a/b");
  r.add_child("a/b", "a/b/c");
  const auto generation = r.generation();
  expect_error([&] { r.add_child("a/b/c", "a"); }, {"cycle"});
  expect_error([&] { r.add_child("x", "a/b"); }, {"already a child"});
  EXPECT_EQ(r.generation(), generation);
  EXPECT_TRUE(r.children("a/b/c").empty());
  EXPECT_TRUE(r.children("x").empty());
  r.add_child("a", "x");  // "x" was not left half-linked
  EXPECT_EQ(r.children("a").size(), 2u);
}

}  // namespace

// The thread-safety contract (BufferRegistry::layout): a layout is computed
// anew from the declarations on every call and fills no cache, so
// concurrent `const` calls on one registry are safe and agree.
TEST(TEST_CATEGORY, registry_layouts_from_many_threads_agree) {
  BufferRegistry r;
  r.add_child("step", "step/newton");
  r.add({"step", "stage", 6, ElementType::float64, Location::shared});
  r.add({"step", "k0", 3, ElementType::float64, Location::local, true});
  r.add({"step/newton", "jacobian", 9, ElementType::float64, Location::persistent});
  r.add({"step/newton", "pivots", 3, ElementType::int32, Location::local});
  const BufferRegistry& shared = r;
  const std::string expected = shared.layout("step").report();
  std::vector<std::string> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) seen[t] = shared.layout("step").report();
    });
  for (auto& t : threads) t.join();
  for (const auto& s : seen) EXPECT_EQ(s, expected);
}
