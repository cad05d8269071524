// Test body (see backend_test.cpp.in): a property test of the registry's
// layout over many random declaration sets (sizes, every element type,
// locations, persistent flags, aliases, disabled buffers, nesting, unions of
// children, run-time sizes). For each set and both lane models it checks,
// against rules re-derived here from the declarations alone:
//   * every buffer lies within its region, aligned to 8 bytes and to its
//     element type;
//   * no two buffers with storage of their own overlap, nor do save slots,
//     unless they lie in different phases (children) of one union;
//   * a union's children begin together;
//   * an alias shares storage only when the rules allow it, inside its
//     target, without overlapping another alias of the same target;
//   * each owner's range contains its buffers and its children's ranges;
//   * each region's total is the end of its last buffer, rounded up to the
//     region's largest alignment, and (without unions) no smaller than the
//     sum of its parts.
// The seed is printed; KOBIE_TEST_SEED reruns a failure. KOBIE_PROPERTY_SETS
// changes the number of sets (default 100000 on the first backend
// executable's run, see below).
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

using kobie::BufferDeclaration;
using kobie::BufferLayout;
using kobie::BufferRegistry;
using kobie::ElementType;
using kobie::Location;
using kobie::PlacedBuffer;
using kobie::Region;

struct RandomSet {
  BufferRegistry registry;
  std::vector<std::string> owners;            // depth-first order from the root
  std::map<std::string, std::string> parent;  // child -> parent
  std::map<std::string, bool> is_union;
  bool any_union = false;

  /// The (union, child of it) pairs above `owner`: its phases.
  std::map<std::string, std::string> phases_of(const std::string& owner) const {
    std::map<std::string, std::string> out;
    for (std::string o = owner; parent.count(o);) {
      const std::string& up = parent.at(o);
      if (is_union.count(up) && is_union.at(up)) out[up] = o;
      o = up;
    }
    return out;
  }
};

RandomSet random_set(std::mt19937_64& rng) {
  RandomSet set;
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const int n_owners = 1 + pick(4);
  std::vector<std::string> created = {"root"};
  for (int o = 1; o < n_owners; ++o) {
    const std::string parent = created[pick(static_cast<int>(created.size()))];
    const std::string child = parent + "/c" + std::to_string(o);
    set.parent[child] = parent;
    created.push_back(child);
  }
  for (const auto& owner : created) {
    // One owner in five with children-to-be is a union (no buffers of its own).
    set.is_union[owner] = pick(5) == 0;
    if (set.is_union[owner]) {
      set.registry.make_union(owner);
      set.any_union = true;
      continue;
    }
    const bool below_union = !set.phases_of(owner).empty();
    const int n_buffers = pick(7);
    std::vector<BufferDeclaration> mine;
    for (int b = 0; b < n_buffers; ++b) {
      BufferDeclaration d;
      d.owner = owner;
      d.name = std::string("b").append(
          std::to_string(b));  // (GCC 12 -Wrestrict false positive with "b" + ...)
      d.size = pick(5) == 0 ? 0 : pick(24);
      d.type = static_cast<ElementType>(pick(kobie::element_type_count));
      d.location = static_cast<Location>(pick(3));
      d.persistent = !below_union && pick(4) == 0;
      d.enabled = pick(8) != 0;
      if (!mine.empty() && pick(2) == 0) {
        const BufferDeclaration& t = mine[pick(static_cast<int>(mine.size()))];
        if (t.alias_of.empty() && !t.run_time_size) {
          d.alias_of = t.name;
          d.type = t.type;
        }
      }
      d.run_time_size =
          d.alias_of.empty() && !d.persistent && d.location != Location::local && pick(4) == 0;
      set.registry.add(d);
      mine.push_back(d);
    }
  }
  // Links after the buffers, in creation order: a parent's children keep
  // their creation order either way.
  for (std::size_t i = 1; i < created.size(); ++i)
    set.registry.add_child(set.parent[created[i]], created[i]);
  // Depth-first order, as the layout walks it.
  auto visit = [&](auto&& self, const std::string& o) -> void {
    set.owners.push_back(o);
    for (const auto& c : set.registry.children(o)) self(self, c);
  };
  visit(visit, "root");
  return set;
}

struct Interval {
  std::int64_t begin, end;
  std::string what;
  std::map<std::string, std::string> phases{};  // (union, child) pairs above its owner
};

// Two intervals may overlap only in different phases of one union.
bool may_overlap(const Interval& a, const Interval& b) {
  for (const auto& [u, child] : a.phases) {
    auto it = b.phases.find(u);
    if (it != b.phases.end() && it->second != child) return true;
  }
  return false;
}

// Empty intervals (zero-size buffers) overlap nothing.
bool check_disjoint(std::vector<Interval> v, const char* region, std::string& failure) {
  v.erase(std::remove_if(v.begin(), v.end(), [](const Interval& i) { return i.begin == i.end; }),
          v.end());
  for (std::size_t i = 0; i < v.size(); ++i)
    for (std::size_t j = i + 1; j < v.size(); ++j)
      if (v[i].begin < v[j].end && v[j].begin < v[i].end && !may_overlap(v[i], v[j])) {
        failure = std::string(region) + ": " + v[i].what + " overlaps " + v[j].what;
        return false;
      }
  return true;
}

// Returns an empty string when the layout satisfies every property.
std::string check_layout(const RandomSet& set, const BufferLayout& layout, bool vector_passes) {
  std::map<std::pair<std::string, std::string>, const PlacedBuffer*> by_name;
  for (const auto& b : layout.buffers()) by_name[{b.declaration.owner, b.declaration.name}] = &b;
  std::vector<Interval> own[4];
  std::vector<Interval> saves;
  std::map<const PlacedBuffer*, std::vector<Interval>> inside;  // target -> aliases in it
  std::int64_t sum[4] = {0, 0, 0, 0};
  std::int64_t last_end[4] = {0, 0, 0, 0};
  std::int64_t alignment[4] = {8, 8, 8, 8};
  const std::int64_t total[4] = {0, layout.shared_bytes_per_lane(), layout.local_bytes_per_lane(),
                                 layout.persistent_bytes_per_system()};
  int expected_slot = 0;
  for (const auto& owner : set.owners) {
    for (const auto& d : set.registry.buffers(owner)) {
      const PlacedBuffer& p = *by_name.at({d.owner, d.name});
      const std::string id = d.owner + "/" + d.name;
      if (p.slot != expected_slot++) return id + ": slot out of depth-first order";
      const std::int64_t elem = kobie::size_of(d.type);
      const std::int64_t align = std::max<std::int64_t>(8, kobie::align_of(d.type));
      const auto phases = set.phases_of(owner);
      if (!d.enabled) {
        if (p.region != Region::none) return id + ": disabled but placed";
        continue;
      }
      // Re-derive the rules from the declarations.
      const PlacedBuffer* target = d.alias_of.empty() ? nullptr : by_name.at({d.owner, d.alias_of});
      bool may_share = target && target->region == Region::shared && !d.persistent &&
                       !target->declaration.persistent;
      if (may_share) {
        std::int64_t used = 0;
        for (const auto& a : inside[target]) used += (a.end - a.begin) / elem;
        may_share = target->declaration.size - used >= d.size;
      }
      if (p.inside_target != may_share) return id + ": inside_target contradicts the alias rules";
      if (p.inside_target) {
        const Interval iv{p.offset, p.offset + d.size * elem, id};
        if (iv.begin < target->offset || iv.end > target->offset + target->bytes)
          return id + ": alias outside its target";
        std::string failure;
        inside[target].push_back(iv);
        if (!check_disjoint(inside[target], "aliases", failure)) return failure;
        continue;
      }
      Region want = d.location == Location::shared  ? Region::shared
                    : d.location == Location::local ? Region::local
                                                    : Region::persistent;
      if (want == Region::local && d.persistent && vector_passes) want = Region::shared;
      if (p.region != want) return id + ": region contradicts the location rules";
      const std::int64_t n = want == Region::local ? std::max<std::int64_t>(d.size, 1) : d.size;
      if (p.bytes != n * elem) return id + ": wrong byte count";
      if (p.offset % align != 0) return id + ": misaligned";
      const int r = static_cast<int>(p.region);
      if (p.offset + p.bytes > total[r]) return id + ": beyond its region's total";
      own[r].push_back({p.offset, p.offset + p.bytes, id, phases});
      alignment[r] = std::max(alignment[r], align);
      sum[r] += p.bytes;
      last_end[r] = std::max(last_end[r], p.offset + p.bytes);
      const bool needs_save = d.persistent && p.region != Region::persistent;
      if (needs_save != (p.save_offset >= 0)) return id + ": save slot contradicts the flag";
      if (needs_save) {
        if (p.save_offset % align != 0) return id + ": misaligned save slot";
        alignment[static_cast<int>(Region::persistent)] =
            std::max(alignment[static_cast<int>(Region::persistent)], align);
        saves.push_back({p.save_offset, p.save_offset + d.size * elem, id + " (save)"});
        sum[static_cast<int>(Region::persistent)] += d.size * elem;
        last_end[static_cast<int>(Region::persistent)] =
            std::max(last_end[static_cast<int>(Region::persistent)], p.save_offset + d.size * elem);
        if (p.save_offset + d.size * elem > total[static_cast<int>(Region::persistent)])
          return id + ": save slot beyond the persistent total";
      }
    }
  }
  if (expected_slot != layout.slot_count()) return "slot count differs from the declarations";
  std::string failure;
  for (int r = 1; r < 4; ++r) {
    auto all = own[r];
    if (r == static_cast<int>(Region::persistent))
      all.insert(all.end(), saves.begin(), saves.end());
    if (!check_disjoint(all, kobie::to_string(static_cast<Region>(r)), failure)) return failure;
    if (total[r] != kobie::Impl::align_up(last_end[r], alignment[r]))
      return std::string("total of ") + kobie::to_string(static_cast<Region>(r)) +
             " is not its last end rounded up";
    if (!set.any_union && total[r] < sum[r]) return "total smaller than the sum of its parts";
  }
  // Owner ranges nest and contain their buffers.
  std::map<std::string, const kobie::OwnerRange*> ranges;
  for (const auto& o : layout.owners()) ranges[o.owner] = &o;
  for (const auto& owner : set.owners) {
    const auto& range = *ranges.at(owner);
    for (const auto& d : set.registry.buffers(owner)) {
      const PlacedBuffer& p = *by_name.at({d.owner, d.name});
      const int r = static_cast<int>(p.region);
      if (p.region == Region::none || p.inside_target) continue;
      if (p.offset < range.begin[r] || p.offset + p.bytes > range.end[r])
        return owner + "/" + d.name + ": outside its owner's range";
    }
    auto it = set.parent.find(owner);
    if (it != set.parent.end()) {
      const auto& up = *ranges.at(it->second);
      for (int r = 1; r < 4; ++r)
        if (range.begin[r] < up.begin[r] || range.end[r] > up.end[r])
          return owner + ": range outside its parent's";
    }
    if (set.is_union.at(owner)) {
      const auto kids = set.registry.children(owner);
      for (const auto& k : kids)
        for (int r = 1; r < 4; ++r)
          if (ranges.at(k)->begin[r] != range.begin[r])
            return k + ": a union's child does not begin where the union does";
    }
  }
  return "";
}

TEST(TEST_CATEGORY, registry_property_random_declaration_sets) {
  const std::uint64_t seed = kobie_test::random_seed("registry_property_random_declaration_sets");
  long sets = 100000;
  if (const char* env = std::getenv("KOBIE_PROPERTY_SETS")) sets = std::atol(env);
  std::mt19937_64 rng(seed);
  long aliases_inside = 0, aliases_own = 0, promoted = 0, saved = 0, unions = 0, run_time = 0,
       wide = 0;
  for (long i = 0; i < sets; ++i) {
    const RandomSet set = random_set(rng);
    for (const auto& [owner, u] : set.is_union)
      unions += u && !set.registry.children(owner).empty();
    for (bool vector_passes : {false, true}) {
      const BufferLayout layout = set.registry.layout("root", kobie::LayoutOptions{vector_passes});
      const std::string failure = check_layout(set, layout, vector_passes);
      if (!failure.empty()) {
        FAIL() << "set " << i << " (seed " << seed << ", lanes in vector passes: " << vector_passes
               << "): " << failure << "\n"
               << layout.report();
      }
      for (const auto& b : layout.buffers()) {
        if (!b.declaration.alias_of.empty() && b.region != Region::none)
          ++(b.inside_target ? aliases_inside : aliases_own);
        if (b.save_offset >= 0) ++saved;
        if (b.declaration.run_time_size && b.region != Region::none) ++run_time;
        if (b.region != Region::none && kobie::align_of(b.declaration.type) > 8) ++wide;
        if (b.declaration.location == Location::local && b.region == Region::shared &&
            !b.inside_target)
          ++promoted;
      }
    }
  }
  // The generator must reach every case, or the property proves little.
  EXPECT_GT(aliases_inside, 0);
  EXPECT_GT(aliases_own, 0);
  EXPECT_GT(saved, 0);
  EXPECT_GT(promoted, 0);
  EXPECT_GT(unions, 0);
  EXPECT_GT(run_time, 0);
  EXPECT_GT(wide, 0);
  std::cout << "[ property ] " << sets << " sets x 2 lane models: " << aliases_inside
            << " aliases inside targets, " << aliases_own << " with own storage, " << saved
            << " save slots, " << promoted << " promotions, " << unions << " unions with children, "
            << run_time << " run-time sizes, " << wide << " 16-byte-aligned buffers\n";
}

}  // namespace
