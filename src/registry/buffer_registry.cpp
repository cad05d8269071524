#include <kobie/api/settings.hpp>
#include <kobie/registry/buffer_registry.hpp>

#include <algorithm>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace kobie {

namespace {

std::string in_quotes(std::string_view s) {
  return "'" + std::string(s) + "'";
}

std::string buffer_id(std::string_view owner, std::string_view name) {
  return "buffer " + in_quotes(name) + " of owner " + in_quotes(owner);
}

[[noreturn]] void bad_buffer(std::string_view owner, std::string_view name,
                             const std::string& problem) {
  throw std::invalid_argument("kobie buffer registry: " + buffer_id(owner, name) + ": " + problem);
}

int region_index(Region r) {
  return static_cast<int>(r);
}

Region region_of(Location l) {
  switch (l) {
    case Location::shared:
      return Region::shared;
    case Location::local:
      return Region::local;
    case Location::persistent:
      return Region::persistent;
  }
  return Region::none;
}

}  // namespace

// ------------------------------------------------------------------ names

Location parse_location(std::string_view value, std::string_view setting) {
  if (value == "shared") return Location::shared;
  if (value == "local") return Location::local;
  if (value == "persistent") return Location::persistent;
  throw std::invalid_argument("kobie: setting " + in_quotes(setting) + " has value " +
                              in_quotes(value) + "; allowed: 'shared', 'local', 'persistent'");
}

ElementType parse_element_type(std::string_view value, std::string_view setting) {
  if (value == "float") return ElementType::float32;
  if (value == "double") return ElementType::float64;
  for (int i = 0; i < element_type_count; ++i)
    if (value == to_string(static_cast<ElementType>(i))) return static_cast<ElementType>(i);
  std::string allowed;
  for (int i = 0; i < element_type_count; ++i)
    allowed += (i ? ", " : "") + in_quotes(to_string(static_cast<ElementType>(i)));
  throw std::invalid_argument("kobie: setting " + in_quotes(setting) + " has value " +
                              in_quotes(value) + "; allowed: " + allowed +
                              " ('float' and 'double' name the first two)");
}

SharedSliceLayout parse_shared_slice_layout(std::string_view value, std::string_view setting) {
  if (value == "contiguous") return SharedSliceLayout::contiguous;
  if (value == "interleaved") return SharedSliceLayout::interleaved;
  throw std::invalid_argument("kobie: setting " + in_quotes(setting) + " has value " +
                              in_quotes(value) + "; allowed: 'contiguous', 'interleaved'");
}

const char* to_string(Location l) {
  switch (l) {
    case Location::shared:
      return "shared";
    case Location::local:
      return "local";
    case Location::persistent:
      return "persistent";
  }
  return "?";
}

const char* to_string(ElementType t) {
  switch (t) {
    case ElementType::float32:
      return "float32";
    case ElementType::float64:
      return "float64";
    case ElementType::int32:
      return "int32";
    case ElementType::int64:
      return "int64";
    case ElementType::dual32:
      return "dual32";
    case ElementType::dual64:
      return "dual64";
    case ElementType::complex32:
      return "complex32";
    case ElementType::complex64:
      return "complex64";
  }
  return "?";
}

const char* to_string(SharedSliceLayout l) {
  return l == SharedSliceLayout::contiguous ? "contiguous" : "interleaved";
}

const char* to_string(Region r) {
  switch (r) {
    case Region::none:
      return "-";
    case Region::shared:
      return "shared";
    case Region::local:
      return "local";
    case Region::persistent:
      return "persistent";
  }
  return "?";
}

// ------------------------------------------------------------------ registry

void BufferRegistry::changed() {
  ++m_generation;
}

const BufferDeclaration* BufferRegistry::find_ptr(std::string_view owner,
                                                  std::string_view name) const {
  auto it = m_owners.find(owner);
  if (it == m_owners.end()) return nullptr;
  for (const auto& b : it->second.buffers)
    if (b.name == name) return &b;
  return nullptr;
}

BufferDeclaration& BufferRegistry::find(std::string_view owner, std::string_view name) {
  auto* p = find_ptr(owner, name);
  if (!p) bad_buffer(owner, name, "is not registered");
  return const_cast<BufferDeclaration&>(*p);
}

bool BufferRegistry::contains(std::string_view owner, std::string_view name) const {
  return find_ptr(owner, name) != nullptr;
}

const BufferDeclaration& BufferRegistry::get(std::string_view owner, std::string_view name) const {
  auto* p = find_ptr(owner, name);
  if (!p) bad_buffer(owner, name, "is not registered");
  return *p;
}

void BufferRegistry::add(BufferDeclaration d) {
  if (d.owner.empty()) bad_buffer(d.owner, d.name, "the owner name is empty");
  if (d.name.empty()) bad_buffer(d.owner, d.name, "the buffer name is empty");
  if (d.size < 0)
    bad_buffer(d.owner, d.name, "size " + std::to_string(d.size) + " is negative; allowed: >= 0");
  if (find_ptr(d.owner, d.name))
    bad_buffer(d.owner, d.name, "is already registered (use update_size / update_location)");
  if (is_union(d.owner))
    bad_buffer(d.owner, d.name, "its owner is a union, which declares no buffers of its own");
  if (d.run_time_size && (d.location == Location::local || d.persistent || !d.alias_of.empty()))
    bad_buffer(d.owner, d.name,
               "has a run-time size; allowed: declared 'shared' or 'persistent', not "
               "persistent-flagged, no alias");
  if (!d.alias_of.empty()) {
    if (d.alias_of == d.name) bad_buffer(d.owner, d.name, "cannot alias itself");
    const BufferDeclaration* target = find_ptr(d.owner, d.alias_of);
    if (!target)
      bad_buffer(d.owner, d.name,
                 "alias target " + in_quotes(d.alias_of) +
                     " is not a buffer of the same owner registered before it");
    if (!target->alias_of.empty())
      bad_buffer(d.owner, d.name,
                 "alias target " + in_quotes(d.alias_of) + " is itself an alias (of " +
                     in_quotes(target->alias_of) + "); alias the original buffer instead");
    if (target->run_time_size)
      bad_buffer(d.owner, d.name,
                 "alias target " + in_quotes(d.alias_of) +
                     " has a run-time size; allowed targets: buffers of a compile-time size");
    if (target->type != d.type)
      bad_buffer(d.owner, d.name,
                 std::string("element type ") + to_string(d.type) + " differs from alias target " +
                     in_quotes(d.alias_of) + "'s " + to_string(target->type));
  }
  m_owners[d.owner].buffers.push_back(std::move(d));
  changed();
}

bool BufferRegistry::update_size(std::string_view owner, std::string_view name, std::int64_t size) {
  if (size < 0)
    bad_buffer(owner, name, "size " + std::to_string(size) + " is negative; allowed: >= 0");
  auto& b = find(owner, name);
  if (b.size == size) return false;
  b.size = size;
  changed();
  return true;
}

bool BufferRegistry::update_location(std::string_view owner, std::string_view name,
                                     Location location) {
  auto& b = find(owner, name);
  if (b.location == location) return false;
  if (b.run_time_size && location == Location::local)
    bad_buffer(owner, name,
               "has a run-time size, so it cannot be local (a register array's size is fixed "
               "at compile time); allowed: 'shared', 'persistent'");
  b.location = location;
  changed();
  return true;
}

bool BufferRegistry::update_enabled(std::string_view owner, std::string_view name, bool enabled) {
  auto& b = find(owner, name);
  if (b.enabled == enabled) return false;
  b.enabled = enabled;
  changed();
  return true;
}

void BufferRegistry::add_child(std::string_view parent, std::string_view child) {
  if (parent.empty() || child.empty())
    throw std::invalid_argument("kobie buffer registry: add_child(" + in_quotes(parent) + ", " +
                                in_quotes(child) + "): owner names must not be empty");
  if (parent == child)
    throw std::invalid_argument("kobie buffer registry: owner " + in_quotes(child) +
                                " cannot be its own child");
  // Every check before the first change: a refused link leaves the registry as it was.
  if (auto it = m_owners.find(child); it != m_owners.end() && !it->second.parent.empty()) {
    if (it->second.parent == parent) return;
    throw std::invalid_argument("kobie buffer registry: owner " + in_quotes(child) +
                                " is already a child of " + in_quotes(it->second.parent) +
                                "; a component has one parent");
  }
  for (std::string a(parent); !a.empty();) {
    if (a == child)
      throw std::invalid_argument("kobie buffer registry: making " + in_quotes(child) +
                                  " a child of " + in_quotes(parent) + " would make a cycle");
    auto it = m_owners.find(a);
    a = it == m_owners.end() ? std::string() : it->second.parent;
  }
  m_owners[std::string(child)].parent = std::string(parent);
  m_owners[std::string(parent)].children.emplace_back(child);
  changed();
}

void BufferRegistry::make_union(std::string_view owner) {
  if (owner.empty())
    throw std::invalid_argument("kobie buffer registry: make_union(''): the owner name is empty");
  auto& o = m_owners[std::string(owner)];
  if (o.is_union) return;
  if (!o.buffers.empty())
    throw std::invalid_argument(
        "kobie buffer registry: owner " + in_quotes(owner) +
        " cannot become a union: it declares buffers (first: " + in_quotes(o.buffers.front().name) +
        "); a union's buffers are its children's");
  o.is_union = true;
  changed();
}

bool BufferRegistry::is_union(std::string_view owner) const {
  auto it = m_owners.find(owner);
  return it != m_owners.end() && it->second.is_union;
}

void BufferRegistry::clear(std::string_view owner) {
  auto it = m_owners.find(owner);
  if (it == m_owners.end() || it->second.buffers.empty()) return;
  it->second.buffers.clear();
  changed();
}

void BufferRegistry::clear_tree(std::string_view owner) {
  auto it = m_owners.find(owner);
  if (it == m_owners.end()) return;
  const std::vector<std::string> kids = it->second.children;
  for (const auto& k : kids) clear_tree(k);
  it = m_owners.find(owner);
  const std::string parent = it->second.parent;
  if (!parent.empty()) {
    auto& siblings = m_owners[parent].children;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), owner), siblings.end());
  }
  m_owners.erase(it);
  changed();
}

std::vector<std::string> BufferRegistry::children(std::string_view owner) const {
  auto it = m_owners.find(owner);
  return it == m_owners.end() ? std::vector<std::string>{} : it->second.children;
}

std::vector<BufferDeclaration> BufferRegistry::buffers(std::string_view owner) const {
  auto it = m_owners.find(owner);
  return it == m_owners.end() ? std::vector<BufferDeclaration>{} : it->second.buffers;
}

BufferLayout BufferRegistry::layout(std::string_view root, const LayoutOptions& options) const {
  BufferLayout out;
  out.m_options = options;
  std::int64_t cursor[4] = {0, 0, 0, 0};
  std::int64_t region_alignment[4] = {Impl::buffer_alignment, Impl::buffer_alignment,
                                      Impl::buffer_alignment, Impl::buffer_alignment};
  // Bytes are checked against max_region_bytes before any sum or product
  // that could overflow (a declared size may be any int64).
  auto too_large = [&](const BufferDeclaration& d, Region r) {
    bad_buffer(d.owner, d.name,
               "size " + std::to_string(d.size) + " of " + to_string(d.type) + " takes the " +
                   to_string(r) + " region past " + std::to_string(max_region_bytes) +
                   " bytes; allowed: at most max_region_bytes (2^48) per region and lane");
  };
  auto bytes_of = [&](const BufferDeclaration& d, std::int64_t n, Region r) {
    if (n > max_region_bytes / size_of(d.type)) too_large(d, r);
    return n * size_of(d.type);
  };
  auto bump = [&](const BufferDeclaration& d, Region r, std::int64_t bytes,
                  std::int64_t alignment) {
    const int ri = region_index(r);
    alignment = std::max<std::int64_t>(alignment, Impl::buffer_alignment);
    region_alignment[ri] = std::max(region_alignment[ri], alignment);
    const std::int64_t at = Impl::align_up(cursor[ri], alignment);
    if (bytes > max_region_bytes - at) too_large(d, r);
    cursor[ri] = at + bytes;
    return at;
  };

  // Depth first: an owner's own buffers, then each child's block (a union's
  // children each from the union's start, the union ending at their furthest
  // end). `in_union` names the innermost union above, or is empty.
  auto visit = [&](auto&& self, const std::string& owner, int depth,
                   const std::string& in_union) -> void {
    const std::size_t range_index = out.m_owners.size();
    out.m_owners.push_back({});
    out.m_owners[range_index].owner = owner;
    out.m_owners[range_index].depth = depth;
    for (int r = 0; r < 4; ++r)
      out.m_owners[range_index].begin[r] = Impl::align_up(cursor[r], Impl::buffer_alignment);

    auto it = m_owners.find(owner);
    if (it != m_owners.end()) {
      const std::size_t first = out.m_buffers.size();
      std::map<std::string, std::int64_t> used;  // elements taken in a target by its aliases
      for (const auto& d : it->second.buffers) {
        if (d.persistent && d.enabled && !in_union.empty())
          bad_buffer(d.owner, d.name,
                     "is persistent-flagged inside union " + in_quotes(in_union) +
                         ", whose phases never live at once; allowed below a union: buffers "
                         "without the persistent flag");
        PlacedBuffer p;
        p.slot = static_cast<int>(out.m_buffers.size());
        p.declaration = d;
        p.depth = depth;
        const PlacedBuffer* target = nullptr;
        if (!d.alias_of.empty())
          for (std::size_t j = first; j < out.m_buffers.size(); ++j)
            if (out.m_buffers[j].declaration.name == d.alias_of) target = &out.m_buffers[j];
        if (d.enabled) {
          const bool has_target = target != nullptr;
          const Location target_location =
              has_target && target->region == Region::shared ? Location::shared : Location::local;
          const std::int64_t room =
              has_target ? target->declaration.size - used[target->declaration.name] : 0;
          const Impl::Resolution res = Impl::resolve_location(
              d.location, d.persistent, d.size, options.lanes_in_vector_passes, has_target,
              has_target && target->region != Region::none, target_location,
              has_target && target->declaration.persistent, room);
          const std::int64_t elem = size_of(d.type);
          const std::int64_t alignment = align_of(d.type);
          if (res.inside_target) {
            p.region = Region::shared;
            p.inside_target = true;
            p.offset = target->offset + used[target->declaration.name] * elem;
            used[target->declaration.name] += d.size;
          } else {
            p.region = region_of(res.location);
            const std::int64_t n =
                p.region == Region::local ? std::max<std::int64_t>(d.size, 1) : d.size;
            p.bytes = bytes_of(d, n, p.region);
            p.offset = bump(d, p.region, p.bytes, alignment);
          }
          if (d.persistent && p.region != Region::persistent)
            p.save_offset =
                bump(d, Region::persistent, bytes_of(d, d.size, Region::persistent), alignment);
        }
        out.m_buffers.push_back(std::move(p));
      }
      if (it->second.is_union) {
        std::int64_t start[4], furthest[4];
        for (int r = 0; r < 4; ++r) start[r] = furthest[r] = cursor[r];
        for (const auto& c : it->second.children) {
          for (int r = 0; r < 4; ++r) cursor[r] = start[r];
          self(self, c, depth + 1, owner);
          for (int r = 0; r < 4; ++r) furthest[r] = std::max(furthest[r], cursor[r]);
        }
        for (int r = 0; r < 4; ++r) cursor[r] = furthest[r];
      } else {
        for (const auto& c : it->second.children) self(self, c, depth + 1, in_union);
      }
    }
    for (int r = 0; r < 4; ++r)
      out.m_owners[range_index].end[r] = Impl::align_up(cursor[r], Impl::buffer_alignment);
  };
  visit(visit, std::string(root), 0, is_union(root) ? std::string(root) : std::string());

  auto total = [&](Region r) {
    return Impl::align_up(cursor[region_index(r)], region_alignment[region_index(r)]);
  };
  out.m_shared_bytes = total(Region::shared);
  out.m_local_bytes = total(Region::local);
  out.m_persistent_bytes = total(Region::persistent);
  return out;
}

void apply_location_settings(BufferRegistry& registry, std::string_view root,
                             const std::map<std::string, std::string>& settings) {
  // Every (owner, buffer) of the tree, depth first.
  std::vector<std::pair<std::string, std::string>> all;
  auto visit = [&](auto&& self, const std::string& owner) -> void {
    for (const auto& b : registry.buffers(owner)) all.emplace_back(owner, b.name);
    for (const auto& c : registry.children(owner)) self(self, c);
  };
  visit(visit, std::string(root));

  std::vector<std::tuple<std::string, std::string, Location, std::string>> changes;  // and key
  for (const auto& [key, value] : settings) {
    const std::string suffix = "_location";
    if (key.size() <= suffix.size() ||
        key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0)
      throw std::invalid_argument("kobie: setting " + in_quotes(key) +
                                  " is not a buffer location setting; allowed: "
                                  "'<buffer>_location' or '<owner>/<buffer>_location'");
    const std::string target = key.substr(0, key.size() - suffix.size());
    const Location location = parse_location(value, key);
    bool matched = false;
    for (const auto& [owner, name] : all) {
      if (target == name || target == owner + "/" + name) {
        changes.emplace_back(owner, name, location, key);
        matched = true;
      }
    }
    if (!matched) {
      std::string known;
      for (const auto& [owner, name] : all)
        known += (known.empty() ? "" : ", ") + owner + "/" + name;
      throw std::invalid_argument("kobie: setting " + in_quotes(key) + " names no buffer of " +
                                  in_quotes(root) + " or its children; buffers: " + known);
    }
  }
  // Every refusal before the first change (update_location's own, too:
  // thrown midway, it would leave the earlier changes made).
  for (const auto& [owner, name, location, key] : changes)
    if (location == Location::local && registry.get(owner, name).run_time_size)
      throw std::invalid_argument("kobie: setting " + in_quotes(key) +
                                  " has value 'local'; allowed for " + buffer_id(owner, name) +
                                  ", whose size is set at run time: 'shared', 'persistent'");
  for (const auto& [owner, name, location, key] : changes)
    registry.update_location(owner, name, location);
}

// ------------------------------------------------------------------ layout

const PlacedBuffer& BufferLayout::get(std::string_view owner, std::string_view name) const {
  for (const auto& b : m_buffers)
    if (b.declaration.owner == owner && b.declaration.name == name) return b;
  bad_buffer(owner, name, "is not in this layout");
}

const OwnerRange& BufferLayout::owner_range(std::string_view owner) const {
  for (const auto& o : m_owners)
    if (o.owner == owner) return o;
  throw std::invalid_argument("kobie buffer registry: owner " + in_quotes(owner) +
                              " is not in this layout");
}

std::int64_t BufferLayout::shared_bytes_per_team(int lanes) const {
  if (m_shared_bytes == 0) return 0;
  // (m_shared_bytes <= max_region_bytes, 2^48, but lanes may be any int)
  if (lanes >
      (std::numeric_limits<std::int64_t>::max() - Impl::scratch_base_alignment) / m_shared_bytes)
    throw std::length_error("kobie: the shared buffers of " + std::to_string(lanes) + " lanes, " +
                            std::to_string(m_shared_bytes) +
                            " bytes each, exceed any team scratch size");
  return std::int64_t(lanes) * m_shared_bytes + Impl::scratch_base_alignment;
}

std::string BufferLayout::report() const {
  std::ostringstream out;
  out << std::left << std::setw(24) << "owner" << std::setw(20) << "buffer" << std::right
      << std::setw(7) << "size"
      << "  " << std::left << std::setw(8) << "type" << std::setw(11) << "location" << std::setw(11)
      << "region" << std::right << std::setw(7) << "offset" << std::setw(7) << "save"
      << "  " << std::left << "alias\n";
  for (const auto& b : m_buffers) {
    const auto& d = b.declaration;
    std::string alias =
        d.alias_of.empty() ? "" : d.alias_of + (b.inside_target ? " (inside)" : " (own storage)");
    if (!d.enabled) alias += (alias.empty() ? "" : ", ") + std::string("disabled");
    if (d.persistent) alias += (alias.empty() ? "" : ", ") + std::string("persistent flag");
    out << std::left << std::setw(24) << (std::string(2 * b.depth, ' ') + d.owner) << std::setw(20)
        << d.name << std::right << std::setw(7) << d.size << "  " << std::left << std::setw(8)
        << to_string(d.type) << std::setw(11) << to_string(d.location) << std::setw(11)
        << to_string(b.region) << std::right << std::setw(7)
        << (b.region == Region::none ? std::string("-") : std::to_string(b.offset)) << std::setw(7)
        << (b.save_offset < 0 ? std::string("-") : std::to_string(b.save_offset)) << "  "
        << std::left << alias << "\n";
  }
  out << "per lane: " << m_shared_bytes << " B shared, " << m_local_bytes
      << " B local; per system: " << m_persistent_bytes << " B persistent"
      << (m_options.lanes_in_vector_passes
              ? " (host lanes: flagged local buffers promoted to shared)"
              : "")
      << "\n";
  return out.str();
}

// ------------------------------------------------------------------ launch plan

LaunchPlan plan_launch(const BufferLayout& layout, const LaunchLimits& limits,
                       SharedSliceLayout shared_layout) {
  // (bounded by the lanes_per_team setting's bound: a team of more lanes
  // is no launch, and its scratch bytes could overflow)
  if (limits.preferred_lanes < 1 || limits.min_lanes < 1 ||
      limits.min_lanes > limits.preferred_lanes || limits.preferred_lanes > max_lanes_per_team ||
      limits.level1_lanes < 0 || limits.level1_lanes > max_lanes_per_team)
    throw std::invalid_argument(
        "kobie: launch limits have min_lanes " + std::to_string(limits.min_lanes) +
        ", preferred_lanes " + std::to_string(limits.preferred_lanes) + " and level1_lanes " +
        std::to_string(limits.level1_lanes) +
        "; allowed: 1 <= min_lanes <= preferred_lanes <= " + std::to_string(max_lanes_per_team) +
        " and 0 <= level1_lanes <= " + std::to_string(max_lanes_per_team));
  if (limits.lanes_per_thread < 0)
    throw std::invalid_argument("kobie: launch limit lanes_per_thread has value " +
                                std::to_string(limits.lanes_per_thread) +
                                "; allowed: 0 (a team's lanes all on one thread) or a number > 0");
  const int level1_lanes = limits.level1_lanes > 0 ? limits.level1_lanes : limits.preferred_lanes;
  auto make = [&](int lanes, int level) {
    LaunchPlan p;
    p.lanes_per_team = lanes;
    p.lanes_per_thread =
        limits.lanes_per_thread > 0 ? std::min(limits.lanes_per_thread, lanes) : lanes;
    // (threads that each walk lanes_per_thread lanes must cover the team's
    // lanes exactly: a remainder would be lanes, systems, that no thread runs)
    if (lanes % p.lanes_per_thread != 0)
      throw std::invalid_argument("kobie: launch limit lanes_per_thread has value " +
                                  std::to_string(limits.lanes_per_thread) +
                                  ", which does not divide a team of " + std::to_string(lanes) +
                                  " lanes; allowed: 0 or a divisor of every lane count tried");
    p.team_size = lanes / p.lanes_per_thread;
    p.vector_length = limits.policy_vector_length;
    p.scratch_level = level;
    p.team_scratch_bytes = layout.shared_bytes_per_team(lanes);
    p.shared_layout = shared_layout;
    return p;
  };
  for (int lanes = limits.preferred_lanes; lanes >= limits.min_lanes; lanes /= 2)
    if (layout.shared_bytes_per_team(lanes) <= limits.level0_bytes) return make(lanes, 0);
  if (layout.shared_bytes_per_team(level1_lanes) <= limits.level1_bytes)
    return make(level1_lanes, 1);

  std::vector<const PlacedBuffer*> shared;
  for (const auto& b : layout.buffers())
    if (b.region == Region::shared && !b.inside_target) shared.push_back(&b);
  std::sort(shared.begin(), shared.end(),
            [](const PlacedBuffer* a, const PlacedBuffer* b) { return a->bytes > b->bytes; });
  std::ostringstream msg;
  msg << "kobie: the shared buffers need " << layout.shared_bytes_per_lane() << " bytes per lane; "
      << limits.min_lanes << " lanes per team (" << layout.shared_bytes_per_team(limits.min_lanes)
      << " bytes) exceed team scratch level 0 (" << limits.level0_bytes << " bytes) and "
      << level1_lanes << " lanes (" << layout.shared_bytes_per_team(level1_lanes)
      << " bytes) exceed level 1 (" << limits.level1_bytes << " bytes). Largest shared buffers:";
  for (std::size_t i = 0; i < shared.size() && i < 5; ++i)
    msg << (i ? "," : "") << " " << shared[i]->declaration.owner << "/"
        << shared[i]->declaration.name << " (" << shared[i]->bytes << " B)";
  msg << ". Move some to 'local' or 'persistent'.";
  throw std::length_error(msg.str());
}

}  // namespace kobie
