// Fuzzes the run-time buffer registry (kobie::BufferRegistry): a program of
// operations decoded from the bytes on a few owner and buffer names, so
// that names collide: add (any size, element type, location, flags,
// alias), add_child (cycles, second parents, self links), make_union,
// update_size / _location / _enabled, clear, clear_tree, location settings,
// the name parsers, and layout() of any owner with either lane model, then
// plan_launch with any limits. Beyond tests/registry/
// test_buffer_registry_property.cpp (well-formed random trees), it feeds
// ill-formed programs and extreme sizes.
//
// A refusal must be std::invalid_argument (std::length_error from
// plan_launch) with a message, and must leave the registry's generation as
// it was. A layout must place every enabled buffer inside its region,
// aligned, with the bytes its declaration asks; buffers with storage of
// their own (and save slots) must not overlap unless they are in different
// phases of one union; an alias inside its target must lie within it.
#include <kobie/registry/buffer_registry.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_input.hpp"

namespace {

using kobie_fuzz::Input;
using namespace kobie;

const std::vector<std::string> owner_names = {"root", "a", "b", "c", "d", "e", "", "a/b"};
const std::vector<std::string> buffer_names = {"x", "y", "z", "w", "k", ""};

std::string owner(Input& in) {
  return in.text(owner_names, 4);
}
std::string buffer(Input& in) {
  return in.text(buffer_names, 4);
}
Location location(Input& in) {
  return static_cast<Location>(in.below(3));
}

std::int64_t size(Input& in) {
  // Mostly small (layouts worth checking), sometimes any integer.
  const std::uint8_t mode = in.byte();
  if (mode < 192) return mode % 20;
  return in.integer();
}

/// The (union, its child) pairs above each owner of the tree at `root`:
/// two buffers in different children of one union may share bytes.
struct Tree {
  std::map<std::string, std::map<std::string, std::string>> phases;  // owner -> union -> child
  std::size_t n_buffers = 0;
};
void walk(const BufferRegistry& r, const std::string& o,
          const std::map<std::string, std::string>& above, Tree& tree) {
  KOBIE_FUZZ_CHECK(!tree.phases.count(o), "owner '" + o + "' reached twice: a cycle");
  tree.phases[o] = above;
  tree.n_buffers += r.buffers(o).size();
  for (const auto& c : r.children(o)) {
    auto phases = above;
    if (r.is_union(o)) phases[o] = c;
    walk(r, c, phases, tree);
  }
}

bool may_share(const Tree& tree, const std::string& a, const std::string& b) {
  const auto& pa = tree.phases.at(a);
  const auto& pb = tree.phases.at(b);
  for (const auto& [u, child] : pa) {
    auto it = pb.find(u);
    if (it != pb.end() && it->second != child) return true;
  }
  return false;
}

struct Extent {
  std::string owner, what;
  std::int64_t begin, end;
};

void check_layout(const BufferRegistry& r, const std::string& root, const BufferLayout& l) {
  Tree tree;
  walk(r, root, {}, tree);
  const auto& buffers = l.buffers();
  KOBIE_FUZZ_CHECK(buffers.size() == tree.n_buffers,
                   std::to_string(buffers.size()) + " slots for " + std::to_string(tree.n_buffers) +
                       " declared buffers");
  const std::int64_t total[4] = {0, l.shared_bytes_per_lane(), l.local_bytes_per_lane(),
                                 l.persistent_bytes_per_system()};
  for (int region = 1; region < 4; ++region)
    KOBIE_FUZZ_CHECK(total[region] >= 0 && total[region] % Impl::buffer_alignment == 0,
                     "region total " + std::to_string(total[region]));
  std::vector<Extent> own[4];
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    const PlacedBuffer& p = buffers[i];
    const BufferDeclaration& d = p.declaration;
    const std::string id = d.owner + "/" + d.name;
    KOBIE_FUZZ_CHECK(p.slot == static_cast<int>(i), id + ": slot");
    KOBIE_FUZZ_CHECK(tree.phases.count(d.owner), id + ": an owner outside the tree");
    KOBIE_FUZZ_CHECK(r.contains(d.owner, d.name) && r.get(d.owner, d.name).size == d.size,
                     id + ": the placed declaration is not the registry's");
    if (!d.enabled) {
      KOBIE_FUZZ_CHECK(p.region == Region::none, id + ": disabled but placed");
      continue;
    }
    KOBIE_FUZZ_CHECK(p.region != Region::none, id + ": enabled but not placed");
    const int region = static_cast<int>(p.region);
    const std::int64_t elem = size_of(d.type);
    KOBIE_FUZZ_CHECK(
        p.offset >= 0 && p.offset % Impl::buffer_alignment == 0 && p.offset % align_of(d.type) == 0,
        id + ": offset " + std::to_string(p.offset));
    if (p.inside_target) {
      KOBIE_FUZZ_CHECK(p.region == Region::shared && p.bytes == 0 && !d.alias_of.empty(),
                       id + ": inside a target");
      const PlacedBuffer& t = l.get(d.owner, d.alias_of);
      KOBIE_FUZZ_CHECK(t.region == Region::shared && !t.inside_target && p.offset >= t.offset &&
                           p.offset + d.size * elem <= t.offset + t.bytes,
                       id + ": outside its target " + d.alias_of);
    } else {
      const std::int64_t n = p.region == Region::local ? std::max<std::int64_t>(d.size, 1) : d.size;
      // (exact arithmetic: a product that wrapped in the layout must not
      // pass here, in a build without UBSan either)
      KOBIE_FUZZ_CHECK(static_cast<__int128>(n) * elem == p.bytes &&
                           static_cast<__int128>(p.offset) + p.bytes <= total[region],
                       id + ": bytes " + std::to_string(p.bytes) + " at " +
                           std::to_string(p.offset) + " for " + std::to_string(d.size) +
                           " elements");
      KOBIE_FUZZ_CHECK(p.offset + p.bytes <= total[region],
                       id + ": ends at " + std::to_string(p.offset + p.bytes) + " beyond " +
                           std::to_string(total[region]));
      if (p.bytes > 0) own[region].push_back({d.owner, id, p.offset, p.offset + p.bytes});
    }
    if (d.persistent && p.region != Region::persistent) {
      KOBIE_FUZZ_CHECK(p.save_offset >= 0 && p.save_offset + d.size * elem <= total[3],
                       id + ": save slot " + std::to_string(p.save_offset));
      if (d.size > 0)
        own[3].push_back({d.owner, id + " (save)", p.save_offset, p.save_offset + d.size * elem});
    } else {
      KOBIE_FUZZ_CHECK(p.save_offset == -1, id + ": a save slot it does not need");
    }
  }
  for (auto& extents : own) {
    std::sort(extents.begin(), extents.end(),
              [](const Extent& a, const Extent& b) { return a.begin < b.begin; });
    // (quadratic only among overlapping neighbours: sorted by start)
    for (std::size_t i = 0; i < extents.size(); ++i)
      for (std::size_t j = i + 1; j < extents.size() && extents[j].begin < extents[i].end; ++j)
        KOBIE_FUZZ_CHECK(may_share(tree, extents[i].owner, extents[j].owner),
                         extents[i].what + " and " + extents[j].what + " overlap");
  }
  for (const auto& o : l.owners())
    for (int region = 0; region < 4; ++region)
      KOBIE_FUZZ_CHECK(o.begin[region] <= o.end[region], o.owner + ": range");
  KOBIE_FUZZ_CHECK(!l.report().empty(), "an empty report");
}

void check_plan(Input& in, const BufferLayout& l) {
  LaunchLimits limits;
  limits.level0_bytes = in.integer();
  limits.level1_bytes = in.integer();
  limits.preferred_lanes = in.small_integer();
  limits.min_lanes = in.small_integer();
  limits.level1_lanes = in.small_integer();
  limits.lanes_per_thread = in.boolean() ? static_cast<int>(in.below(65)) : in.small_integer();
  limits.policy_vector_length = static_cast<int>(in.below(65));
  const auto layout = in.boolean() ? SharedSliceLayout::contiguous : SharedSliceLayout::interleaved;
  try {
    const LaunchPlan p = plan_launch(l, limits, layout);
    KOBIE_FUZZ_CHECK(p.lanes_per_team >= 1 && p.team_size >= 1 &&
                         p.team_size * p.lanes_per_thread == p.lanes_per_team,
                     "a plan of " + std::to_string(p.lanes_per_team) + " lanes");
    KOBIE_FUZZ_CHECK(p.team_scratch_bytes == l.shared_bytes_per_team(p.lanes_per_team) &&
                         p.team_scratch_bytes <=
                             (p.scratch_level == 0 ? limits.level0_bytes : limits.level1_bytes),
                     "team scratch " + std::to_string(p.team_scratch_bytes));
  } catch (const std::invalid_argument& e) {
    kobie_fuzz::check_message(e, "lanes");
  } catch (const std::length_error& e) {
    kobie_fuzz::check_message(e, "shared buffers");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size_in_bytes) {
  Input in(data, size_in_bytes);
  BufferRegistry r;
  for (int op = 0; op < 64 && !in.empty(); ++op) {
    const std::uint64_t generation = r.generation();
    const std::size_t code = in.below(12);
    try {
      switch (code) {
        case 0:
        case 1: {  // (twice as likely: most programs declare)
          BufferDeclaration d;
          d.owner = owner(in);
          d.name = buffer(in);
          d.size = size(in);
          d.type = static_cast<ElementType>(in.below(element_type_count));
          d.location = location(in);
          const std::uint8_t flags = in.byte();
          d.persistent = flags & 1;
          d.enabled = !(flags & 2);
          d.run_time_size = flags & 4;
          if (flags & 8) d.alias_of = buffer(in);
          r.add(d);
          break;
        }
        case 2: {
          // (reads in named steps: the order in which a call's arguments are
          // evaluated differs between GCC and clang, and an input must
          // decode the same under both)
          const std::string parent = owner(in);
          const std::string child = owner(in);
          r.add_child(parent, child);
          break;
        }
        case 3:
          r.make_union(owner(in));
          break;
        case 4: {
          const std::string o = owner(in), b = buffer(in);
          r.update_size(o, b, size(in));
          break;
        }
        case 5: {
          const std::string o = owner(in), b = buffer(in);
          r.update_location(o, b, location(in));
          break;
        }
        case 6: {
          const std::string o = owner(in), b = buffer(in);
          r.update_enabled(o, b, in.boolean());
          break;
        }
        case 7:
          if (in.boolean())
            r.clear(owner(in));
          else
            r.clear_tree(owner(in));
          break;
        case 8: {
          std::map<std::string, std::string> settings;
          for (std::size_t k = in.below(3); k > 0; --k) {
            std::string key = in.boolean() ? owner(in) + "/" : std::string();
            key += buffer(in);
            key += in.text({"_location", "", "location", "_Location"});
            settings[key] = in.text({"shared", "local", "persistent", "", "Shared"});
          }
          apply_location_settings(r, owner(in), settings);
          break;
        }
        case 9: {
          const std::string value =
              in.text({"shared", "local", "persistent", "float", "double", "float32", "int64",
                       "dual64", "complex32", "contiguous", "interleaved", "", "complex128"});
          switch (in.below(3)) {
            case 0:
              KOBIE_FUZZ_CHECK(value == to_string(parse_location(value)), value);
              break;
            case 1:
              parse_element_type(value);
              break;
            default:
              KOBIE_FUZZ_CHECK(value == to_string(parse_shared_slice_layout(value)), value);
          }
          break;
        }
        default: {
          const std::string root = owner(in);
          LayoutOptions options;
          options.lanes_in_vector_passes = in.boolean();
          const BufferLayout l = r.layout(root, options);
          KOBIE_FUZZ_CHECK(r.generation() == generation, "layout() changed the registry");
          check_layout(r, root, l);
          check_plan(in, l);
        }
      }
    } catch (const std::invalid_argument& e) {
      kobie_fuzz::check_message(e);
      KOBIE_FUZZ_CHECK(r.generation() == generation,
                       std::string("a refused operation changed the registry: ") + e.what());
    }
  }
  return 0;
}
