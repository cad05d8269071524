#pragma once

/// \file
/// The host half of the buffer registry: declarations, validation, the
/// layout (offsets and totals per region), the launch plan and the layout
/// report. Host-only; the device half is kobie/registry/buffer_allocator.hpp.

#include <kobie/registry/buffer_types.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kobie {

/// "shared", "local" or "persistent"; anything else throws
/// std::invalid_argument naming `setting`, the value and the allowed values.
Location parse_location(std::string_view value, std::string_view setting = "location");
/// "float32" / "float", "float64" / "double", "int32", "int64", "dual32",
/// "dual64", "complex32", "complex64"; anything else throws.
ElementType parse_element_type(std::string_view value, std::string_view setting = "element type");
/// "contiguous" or "interleaved"; anything else throws.
SharedSliceLayout parse_shared_slice_layout(std::string_view value,
                                            std::string_view setting = "shared layout");
const char* to_string(Location location);
const char* to_string(ElementType type);
const char* to_string(SharedSliceLayout layout);

/// One buffer as registered on the host.
struct BufferDeclaration {
  std::string owner{};
  std::string name{};
  std::int64_t size = 0;  ///< elements, >= 0
  ElementType type = ElementType::float64;
  Location location = Location::local;
  bool persistent = false;  ///< contents survive step calls and chunk relaunches
  std::string alias_of{};   ///< another buffer of the same owner, or empty
  bool enabled = true;
  /// The size comes from the run's settings: never local storage (see
  /// BufferInfo), never persistent-flagged, no alias.
  bool run_time_size = false;
};

/// The most bytes a layout's region may take per lane (per system for the
/// persistent region): 256 TiB, beyond any device's memory for one system.
/// The layout refuses a buffer that would take its region past it, so that
/// no offset, total or team size computed from a layout can overflow.
inline constexpr std::int64_t max_region_bytes = std::int64_t(1) << 48;

/// The region a placed buffer's storage is in.
enum class Region : std::uint8_t { none, shared, local, persistent };
const char* to_string(Region region);

/// A buffer after layout.
struct PlacedBuffer {
  int slot = 0;  ///< depth-first index from the layout's root (device code uses it)
  BufferDeclaration declaration;
  Region region = Region::none;   ///< none: disabled
  std::int64_t offset = 0;        ///< per-lane (per-system) byte offset in its region
  std::int64_t bytes = 0;         ///< per-lane bytes it occupies (0 inside a target)
  bool inside_target = false;     ///< shares its alias target's storage
  std::int64_t save_offset = -1;  ///< persistent save slot (flagged shared/local), or -1
  int depth = 0;                  ///< nesting depth of its owner below the root
};

/// What a layout is computed for.
struct LayoutOptions {
  /// Host backends: lanes advance one vectorised pass at a time, so a
  /// persistent-flagged local buffer is promoted to shared.
  bool lanes_in_vector_passes = false;
};

/// A region's extent within one owner's block (descendants included).
struct OwnerRange {
  std::string owner{};
  int depth = 0;
  std::int64_t begin[4] = {0, 0, 0, 0};  ///< indexed by Region
  std::int64_t end[4] = {0, 0, 0, 0};
};

/// Offsets and totals of every buffer under one root owner. A value: it does
/// not change when the registry does (ask the registry for a new one).
class BufferLayout {
 public:
  const std::vector<PlacedBuffer>& buffers() const { return m_buffers; }
  const std::vector<OwnerRange>& owners() const { return m_owners; }
  const PlacedBuffer& get(std::string_view owner, std::string_view name) const;
  const OwnerRange& owner_range(std::string_view owner) const;

  /// Bytes of shared scratch per lane (aligned).
  std::int64_t shared_bytes_per_lane() const { return m_shared_bytes; }
  /// Bytes of per-lane private storage (zero-size local buffers count one element).
  std::int64_t local_bytes_per_lane() const { return m_local_bytes; }
  /// Bytes of persistent storage per system (live buffers plus save slots).
  std::int64_t persistent_bytes_per_system() const { return m_persistent_bytes; }
  /// Team scratch to request for `lanes` lanes (0 when nothing is shared);
  /// throws std::length_error when it exceeds any 64-bit size.
  std::int64_t shared_bytes_per_team(int lanes) const;
  /// Number of slots (every declared buffer, disabled ones included).
  int slot_count() const { return static_cast<int>(m_buffers.size()); }
  const LayoutOptions& options() const { return m_options; }

  /// The human-readable table: owner, name, size, type, location, region,
  /// offset, alias; then the totals.
  std::string report() const;

 private:
  friend class BufferRegistry;
  std::vector<PlacedBuffer> m_buffers;
  std::vector<OwnerRange> m_owners;
  std::int64_t m_shared_bytes = 0;
  std::int64_t m_local_bytes = 0;
  std::int64_t m_persistent_bytes = 0;
  LayoutOptions m_options;
};

/// Declarations of every component's buffers, and their parent/child links.
class BufferRegistry {
 public:
  /// Registers a buffer. Throws std::invalid_argument (naming owner, buffer
  /// and problem) for an empty owner or name, a duplicate name, a negative
  /// size, or a bad alias (unknown or later buffer, itself, an alias, another
  /// element type).
  void add(BufferDeclaration declaration);
  /// Changes a buffer's size; returns whether anything changed.
  bool update_size(std::string_view owner, std::string_view name, std::int64_t size);
  /// Changes a buffer's location; returns whether anything changed.
  bool update_location(std::string_view owner, std::string_view name, Location location);
  /// Enables or disables a buffer; returns whether anything changed.
  bool update_enabled(std::string_view owner, std::string_view name, bool enabled);
  const BufferDeclaration& get(std::string_view owner, std::string_view name) const;
  bool contains(std::string_view owner, std::string_view name) const;

  /// Makes `child` a component of `parent`: the parent's block reserves the
  /// child's, in every region. A child has one parent; cycles are refused
  /// (and a refused link changes nothing).
  void add_child(std::string_view parent, std::string_view child);
  /// Makes `owner` a union: its children are phases that never live at once
  /// (a Newton solver's Jacobian-and-LU phase and its Krylov phase), so each
  /// child's block starts where the union's does, in every region, and the
  /// union reserves their maximum, not their sum. A union declares no
  /// buffers of its own, and no buffer below it may be persistent-flagged
  /// (its contents would have to outlive its phase); the layout throws
  /// std::invalid_argument naming the buffer otherwise.
  void make_union(std::string_view owner);
  bool is_union(std::string_view owner) const;
  /// Removes an owner's buffers (its links stay).
  void clear(std::string_view owner);
  /// Removes an owner, all its descendants, their buffers and their links.
  void clear_tree(std::string_view owner);
  /// The owner's children in registration order.
  std::vector<std::string> children(std::string_view owner) const;
  /// Every buffer of an owner, in registration order.
  std::vector<BufferDeclaration> buffers(std::string_view owner) const;

  /// The layout of `root` and its descendants, computed from the current
  /// declarations; throws std::invalid_argument naming the buffer that takes
  /// a region past max_region_bytes. Computed anew on every call: a registry is an ordinary
  /// value, safe for concurrent `const` calls and not for a change during
  /// one (callers keep the layout they got; it is a value).
  BufferLayout layout(std::string_view root, const LayoutOptions& options = {}) const;

  /// Incremented by every change; a layout made at another generation is stale.
  std::uint64_t generation() const { return m_generation; }

 private:
  struct Owner {
    std::vector<BufferDeclaration> buffers;
    std::vector<std::string> children;
    std::string parent;
    bool is_union = false;
  };
  BufferDeclaration& find(std::string_view owner, std::string_view name);
  const BufferDeclaration* find_ptr(std::string_view owner, std::string_view name) const;
  void changed();

  std::map<std::string, Owner, std::less<>> m_owners;
  std::uint64_t m_generation = 0;
};

/// Applies run-time location settings to `root` and its descendants: each key
/// is `<buffer>_location` (every buffer of that name in the tree) or
/// `<owner>/<buffer>_location` (one buffer), each value a location name. An
/// unknown key or value throws std::invalid_argument naming the setting, the
/// value and what is allowed; nothing is changed then.
void apply_location_settings(BufferRegistry& registry, std::string_view root,
                             const std::map<std::string, std::string>& settings);

/// A backend's limits for one launch, as KoBIE plans it.
struct LaunchLimits {
  std::int64_t level0_bytes = 0;  ///< team scratch level 0 capacity (scratch_size_max(0))
  std::int64_t level1_bytes = 0;  ///< team scratch level 1 capacity
  int preferred_lanes = 64;       ///< lanes per team to start from
  int min_lanes = 8;              ///< fewest lanes per team before spilling to level 1
  int level1_lanes = 0;           ///< lanes per team after a spill (0: preferred_lanes)
  int lanes_per_thread = 0;       ///< lanes one team thread walks (CUDA: 32; 0: all of the team's)
  int policy_vector_length = 1;   ///< the TeamPolicy's vector length (CUDA: 32, host: 1)
  bool lanes_in_vector_passes = true;
};

/// How one launch is shaped.
struct LaunchPlan {
  int lanes_per_team = 0;
  int team_size = 1;         ///< Kokkos team size (threads)
  int vector_length = 1;     ///< Kokkos vector length of the policy
  int lanes_per_thread = 0;  ///< lanes each team thread walks with ThreadVectorRange
  int scratch_level = 0;     ///< where the shared region lives: 0, or 1 after a spill
  std::int64_t team_scratch_bytes = 0;
  SharedSliceLayout shared_layout = SharedSliceLayout::interleaved;
};

/// Chooses lanes per team so that the layout's shared region fits level 0,
/// halving from the preferred count down to the minimum; then spills it to
/// level 1 at `level1_lanes` (or the preferred count); then throws
/// std::length_error naming the largest shared buffers. Lane counts above
/// max_lanes_per_team (kobie/api/settings.hpp) are refused.
LaunchPlan plan_launch(const BufferLayout& layout, const LaunchLimits& limits,
                       SharedSliceLayout shared_layout = SharedSliceLayout::interleaved);

}  // namespace kobie
