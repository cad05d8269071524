#include <kobie/api/working_set.hpp>

#include <mutex>
#include <stdexcept>
#include <utility>

namespace kobie {
namespace Impl {

namespace {
std::int64_t align_up(std::int64_t bytes) {
  return (bytes + WorkingSet::alignment - 1) / WorkingSet::alignment * WorkingSet::alignment;
}

struct Releases {
  std::mutex mutex;
  std::vector<std::function<void()>> all;
};
Releases& releases() {
  static Releases r;
  return r;
}
}  // namespace

int WorkingSet::add(std::string name, std::int64_t bytes_per_system, bool result) {
  if (bytes_per_system < 0)
    throw std::logic_error("kobie: working-set array '" + name + "' has " +
                           std::to_string(bytes_per_system) + " bytes per system");
  m_arrays.push_back({std::move(name), bytes_per_system, result});
  return static_cast<int>(m_arrays.size()) - 1;
}

std::int64_t WorkingSet::bytes_per_system() const {
  std::int64_t total = 0;
  for (const auto& a : m_arrays) total += a.bytes_per_system;
  return total;
}

std::int64_t WorkingSet::arena_bytes(std::int64_t n_systems) const {
  std::int64_t total = 0;
  for (const auto& a : m_arrays)
    if (!a.result) total += align_up(a.bytes_per_system * n_systems);
  return total;
}

std::int64_t WorkingSet::offset(int index, std::int64_t n_systems) const {
  if (index < 0 || index >= static_cast<int>(m_arrays.size()) || m_arrays[index].result)
    throw std::logic_error("kobie: working-set array " + std::to_string(index) +
                           " is not in the arena");
  std::int64_t at = 0;
  for (int i = 0; i < index; ++i)
    if (!m_arrays[i].result) at += align_up(m_arrays[i].bytes_per_system * n_systems);
  return at;
}

void register_workspace_release(std::function<void()> release) {
  std::lock_guard<std::mutex> lock(releases().mutex);
  releases().all.push_back(std::move(release));
}

}  // namespace Impl

void release_workspaces() {
  std::vector<std::function<void()>> all;
  {
    std::lock_guard<std::mutex> lock(Impl::releases().mutex);
    all = Impl::releases().all;
  }
  for (const auto& release : all) release();
}

}  // namespace kobie
