#pragma once

/// \file
/// Where every system of a solve stopped, and how a later solve continues
/// from it. An end state holds every enabled persistent-flagged buffer of
/// the kernel's component tree (the state, its clock, the controller's
/// history, the counters, a first-same-as-last derivative, an implicit
/// step's work counters), as the registry declares them: nothing is listed
/// by hand. After a group of systems' last launch the host copies the
/// buffers' save slots (`Memory::save_flagged` wrote them) into the end
/// state; a resumed solve writes them back into the slots, and its first
/// launch restores them as any later launch does (`restore_flagged`). So a
/// resumed run continues bitwise as if it had never stopped.

#include <kobie/registry/buffer_registry.hpp>
#include <kobie/registry/buffer_types.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kobie {

/// One buffer an end state holds.
struct SavedBuffer {
  std::string path;  ///< owner/name in the component tree: "loop/state", "loop/step/fsal_rhs"
  ElementType type = ElementType::float64;
  std::int64_t size = 0;    ///< elements per system
  std::int64_t offset = 0;  ///< bytes per system of the buffers before it in the record
  std::int64_t bytes() const { return size * size_of(type); }
};

/// The enabled persistent-flagged buffers of `layout`, in slot order, with
/// their offsets in a record.
std::vector<SavedBuffer> saved_buffers(const BufferLayout& layout);

/// Every saved buffer's values for `n_systems` systems, in host memory:
/// element i of buffer b for system s at byte
/// `b.offset * n_systems + (i * n_systems + s) * size_of(b.type)` of `data`
/// (system index fastest, as on the device).
struct SavedState {
  std::vector<SavedBuffer> buffers;
  Kokkos::View<char*, Kokkos::HostSpace> data;
  std::int64_t n_systems = 0;

  std::int64_t size() const { return n_systems; }
  std::int64_t bytes_per_system() const;
  /// The buffer at `path`; throws std::invalid_argument listing the paths.
  const SavedBuffer& find(std::string_view path) const;
  /// Buffer `path` as (element, system), in its element type `E`; throws
  /// std::invalid_argument when `E` is not its type.
  template <class E>
  Kokkos::View<E**, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryUnmanaged> buffer(
      std::string_view path) const {
    const SavedBuffer& b = find(path);
    check_type(b, element_type_of<E>::value);
    using V = Kokkos::View<E**, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;
    return V(reinterpret_cast<E*>(data.data() + b.offset * n_systems),
             static_cast<std::size_t>(b.size), static_cast<std::size_t>(n_systems));
  }

 private:
  static void check_type(const SavedBuffer& b, ElementType wanted);
};

/// What a solve returns as `Results::end_state` and takes as `resume`.
template <class T>
struct EndState : SavedState {
  /// (state, system)
  auto states() const { return buffer<T>("loop/state"); }
  /// (t, dt; system)
  auto clock() const { return buffer<double>("loop/clock"); }
  /// The controller's history (log2 err1^2, log2 err2^2, h1; system).
  auto history() const { return buffer<double>("loop/history"); }
  double time(std::int64_t s) const { return clock()(0, s); }
};

namespace Impl {

/// Where placed buffer `b` keeps its values between launches, in bytes per
/// system of the persistent storage: its own storage when it lives there,
/// its save slot otherwise.
std::int64_t persistent_home(const PlacedBuffer& b);

/// Refuses a `resume` that lacks a buffer this kernel carries, or holds it
/// with another type or size, or holds another number of systems. The
/// message names the setting, the buffer and what is allowed.
void check_resumable(const SavedState& resume, const std::vector<SavedBuffer>& wanted,
                     std::int64_t n_systems);

/// Rows of one buffer between a record and a staging array of `count`
/// systems (the group's, contiguous as on the device): systems
/// [first, first + count) of the record.
void rows_to_record(const SavedBuffer& b, const char* staging, std::int64_t count,
                    std::int64_t first, SavedState& record);
void rows_from_record(const SavedBuffer& b, const SavedState& record, std::int64_t count,
                      std::int64_t first, char* staging);

/// Whether placed buffer `b` is saved: enabled and persistent-flagged.
inline bool is_saved(const PlacedBuffer& b) {
  return b.region != Region::none && b.declaration.persistent;
}

/// Which way `copy_saved` copies.
enum class SavedCopy { to_record, from_record };

/// Copies the saved buffers of a group of `count` systems (batch indices
/// [first, first + count)) between the group's persistent storage and
/// `record`: `to_record` after the group's last launch (the end state),
/// `from_record` before its first (a resumed solve, whose first launch
/// restores them).
template <SavedCopy Direction, class ExecSpace, class Record>
void copy_saved(const ExecSpace& space, const BufferLayout& layout, char* persistent,
                std::int64_t count, std::int64_t first, Record& record) {
  using Bytes = Kokkos::View<char*, typename ExecSpace::memory_space, Kokkos::MemoryUnmanaged>;
  for (const PlacedBuffer& p : layout.buffers()) {
    if (!is_saved(p)) continue;
    const SavedBuffer& b = record.find(p.declaration.owner + "/" + p.declaration.name);
    const std::int64_t bytes = b.bytes() * count;
    const Bytes device(persistent + persistent_home(p) * count, bytes);
    Kokkos::View<char*, Kokkos::HostSpace> staging(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "kobie::end_state::staging"), bytes);
    if constexpr (Direction == SavedCopy::to_record) {
      static_assert(!std::is_const<Record>::value, "the end state is written");
      Kokkos::deep_copy(space, staging, device);
      space.fence();
      rows_to_record(b, staging.data(), count, first, record);
    } else {
      rows_from_record(b, record, count, first, staging.data());
      Kokkos::deep_copy(space, device, staging);
      space.fence();
    }
  }
}

}  // namespace Impl
}  // namespace kobie
