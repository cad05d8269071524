#pragma once

/// \file
/// The memory a solve works in, planned before it is taken.
///
/// * `WorkingSet`: every array one group of systems needs in the execution
///   space's memory (persistent storage, inputs, counters, end state, the
///   resume arrays and the output chunks), each declared once with its bytes
///   per system. Both the number of systems a group may hold under the
///   memory limit (`bytes_per_system`) and the arena the scratch arrays are
///   carved from (`arena_bytes`, `offset`) come from these declarations.
/// * `WorkspaceCache<MemorySpace>`: arenas kept between solves, so that a
///   program that solves again and again neither faults in fresh pages on
///   the host (which dominated short solves on the development machine) nor
///   allocates and frees device memory each time (`cudaFree` synchronises
///   the device). At most `max_idle` arenas wait; `release_workspaces()`
///   frees them, and so does `Kokkos::finalize`.
///
/// Results (the output and summary chunks a solve may hand to its caller)
/// are never carved from an arena: the caller owns them.

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace kobie {

/// Frees the arenas that solves keep between calls, in every memory space
/// (`Kokkos::finalize` frees them too). Safe while no solve runs.
void release_workspaces();

namespace Impl {

/// The arrays of one group of systems, each by its bytes per system.
class WorkingSet {
 public:
  /// Every array starts at a multiple of this in its arena.
  static constexpr std::int64_t alignment = 64;

  /// Declares an array of `bytes_per_system` bytes per system; a `result`
  /// is allocated apart (its caller may keep it), the others in the arena.
  /// Returns its index.
  int add(std::string name, std::int64_t bytes_per_system, bool result = false);

  /// Device bytes per system of every array: what the memory limit divides.
  std::int64_t bytes_per_system() const;
  /// The arena for `n_systems`: every non-result array, each aligned.
  std::int64_t arena_bytes(std::int64_t n_systems) const;
  /// Where array `index` (not a result) starts in an arena for `n_systems`.
  std::int64_t offset(int index, std::int64_t n_systems) const;

 private:
  struct Array {
    std::string name;
    std::int64_t bytes_per_system;
    bool result;
  };
  std::vector<Array> m_arrays;
};

/// The release functions of every cache in use (`release_workspaces`).
void register_workspace_release(std::function<void()> release);

/// Arenas of `MemorySpace` kept between solves (thread-safe).
template <class MemorySpace>
class WorkspaceCache {
 public:
  using Arena = Kokkos::View<char*, MemorySpace>;
  /// Arenas that wait at most; a solve needs one.
  static constexpr int max_idle = 4;

  static WorkspaceCache& instance() {
    static WorkspaceCache cache;
    return cache;
  }

  /// An arena of at least `bytes`: the smallest idle one that holds them,
  /// else a new one (after freeing the idle ones if the first try fails).
  Arena take(std::int64_t bytes) {
    std::lock_guard<std::mutex> lock(m_mutex);
    hook_finalize();
    int best = -1;
    for (int i = 0; i < static_cast<int>(m_idle.size()); ++i)
      if (std::int64_t(m_idle[i].size()) >= bytes &&
          (best < 0 || m_idle[i].size() < m_idle[best].size()))
        best = i;
    if (best >= 0) {
      Arena a = m_idle[best];
      m_idle.erase(m_idle.begin() + best);
      ++m_reuses;
      return a;
    }
    ++m_allocations;
    const auto alloc = [&] {
      return Arena(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kobie::solve::workspace"),
                   static_cast<std::size_t>(bytes));
    };
    if (m_idle.empty()) return alloc();
    try {
      return alloc();
    } catch (...) {
      m_idle.clear();
      return alloc();
    }
  }

  /// Gives an arena back for the next solve (the largest `max_idle` wait).
  void give_back(Arena a) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_hooked) return;  // (Kokkos was finalised meanwhile: let it go)
    m_idle.push_back(std::move(a));
    std::sort(m_idle.begin(), m_idle.end(),
              [](const Arena& x, const Arena& y) { return x.size() > y.size(); });
    if (static_cast<int>(m_idle.size()) > max_idle) m_idle.resize(max_idle);
  }

  /// Frees every idle arena.
  void release() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_idle.clear();
  }

  /// Bytes of the idle arenas (free for a solve to take).
  std::int64_t idle_bytes() {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::int64_t total = 0;
    for (const auto& a : m_idle) total += std::int64_t(a.size());
    return total;
  }
  /// Arenas allocated and reused so far (tests).
  std::int64_t allocations() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_allocations;
  }
  std::int64_t reuses() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_reuses;
  }

 private:
  WorkspaceCache() {
    register_workspace_release([] { instance().release(); });
  }
  // Views must go before Kokkos does: free the idle arenas at finalize
  // (hooked again after a later initialize).
  void hook_finalize() {
    if (m_hooked) return;
    m_hooked = true;
    Kokkos::push_finalize_hook([] {
      WorkspaceCache& c = instance();
      std::lock_guard<std::mutex> lock(c.m_mutex);
      c.m_idle.clear();
      c.m_hooked = false;
    });
  }
  std::mutex m_mutex;
  std::vector<Arena> m_idle;
  bool m_hooked = false;
  std::int64_t m_allocations = 0, m_reuses = 0;
};

/// An arena taken from the cache for the length of one solve.
template <class MemorySpace>
class WorkspaceLease {
 public:
  explicit WorkspaceLease(std::int64_t bytes)
      : m_arena(WorkspaceCache<MemorySpace>::instance().take(bytes)) {}
  ~WorkspaceLease() { WorkspaceCache<MemorySpace>::instance().give_back(std::move(m_arena)); }
  WorkspaceLease(const WorkspaceLease&) = delete;
  WorkspaceLease& operator=(const WorkspaceLease&) = delete;
  char* data() const { return m_arena.data(); }

 private:
  typename WorkspaceCache<MemorySpace>::Arena m_arena;
};

}  // namespace Impl
}  // namespace kobie
