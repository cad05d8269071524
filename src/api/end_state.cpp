#include <kobie/api/end_state.hpp>

#include <cstring>
#include <stdexcept>

namespace kobie {

std::vector<SavedBuffer> saved_buffers(const BufferLayout& layout) {
  std::vector<SavedBuffer> out;
  std::int64_t offset = 0;
  for (const PlacedBuffer& p : layout.buffers()) {
    if (!Impl::is_saved(p)) continue;
    SavedBuffer b;
    b.path = p.declaration.owner + "/" + p.declaration.name;
    b.type = p.declaration.type;
    b.size = p.declaration.size;
    b.offset = offset;
    offset += b.bytes();
    out.push_back(std::move(b));
  }
  return out;
}

std::int64_t SavedState::bytes_per_system() const {
  std::int64_t total = 0;
  for (const SavedBuffer& b : buffers) total += b.bytes();
  return total;
}

const SavedBuffer& SavedState::find(std::string_view path) const {
  for (const SavedBuffer& b : buffers)
    if (b.path == path) return b;
  std::string paths;
  for (const SavedBuffer& b : buffers) paths += (paths.empty() ? "'" : ", '") + b.path + "'";
  throw std::invalid_argument("kobie: the end state holds no buffer '" + std::string(path) +
                              "'; it holds: " + (paths.empty() ? "none" : paths));
}

void SavedState::check_type(const SavedBuffer& b, ElementType wanted) {
  if (b.type != wanted)
    throw std::invalid_argument("kobie: end-state buffer '" + b.path + "' holds " +
                                to_string(b.type) + " elements, not " + to_string(wanted));
}

namespace Impl {

std::int64_t persistent_home(const PlacedBuffer& b) {
  return b.region == Region::persistent ? b.offset : b.save_offset;
}

void check_resumable(const SavedState& resume, const std::vector<SavedBuffer>& wanted,
                     std::int64_t n_systems) {
  if (resume.n_systems != n_systems)
    throw std::invalid_argument("kobie: setting 'resume' holds " +
                                std::to_string(resume.n_systems) +
                                " systems; allowed: the batch's " + std::to_string(n_systems));
  // (an end state assembled by hand must not make the copies read past it)
  const std::int64_t per_system = resume.bytes_per_system();
  if (static_cast<std::int64_t>(resume.data.size()) != per_system * n_systems)
    throw std::invalid_argument(
        "kobie: setting 'resume' holds " + std::to_string(resume.data.size()) +
        " bytes of data; allowed: " + std::to_string(per_system * n_systems) + " (" +
        std::to_string(per_system) + " per system, as its buffers say)");
  for (const SavedBuffer& b : resume.buffers)
    if (b.offset < 0 || b.size < 0 || b.offset + b.bytes() > per_system)
      throw std::invalid_argument("kobie: setting 'resume' places buffer '" + b.path +
                                  "' at byte " + std::to_string(b.offset) + " of " +
                                  std::to_string(per_system) +
                                  " per system; allowed: inside its record");
  for (const SavedBuffer& w : wanted) {
    const SavedBuffer* have = nullptr;
    for (const SavedBuffer& b : resume.buffers)
      if (b.path == w.path) have = &b;
    const auto describe = [](const SavedBuffer& b) {
      return std::to_string(b.size) + " " + to_string(b.type) + " per system";
    };
    if (!have)
      throw std::invalid_argument(
          "kobie: setting 'resume' holds no buffer '" + w.path + "' (" + describe(w) +
          "), which this solve's method carries from step to step; allowed: the end state of "
          "a solve whose method carries it too (the same system, precision and method family)");
    if (have->type != w.type || have->size != w.size)
      throw std::invalid_argument("kobie: setting 'resume' holds buffer '" + w.path + "' as " +
                                  describe(*have) + "; allowed: " + describe(w) +
                                  " (the same system and precision)");
  }
}

void rows_to_record(const SavedBuffer& b, const char* staging, std::int64_t count,
                    std::int64_t first, SavedState& record) {
  const std::int64_t eb = size_of(b.type), n = record.n_systems;
  char* base = record.data.data() + b.offset * n;
  for (std::int64_t i = 0; i < b.size; ++i)
    std::memcpy(base + (i * n + first) * eb, staging + i * count * eb, count * eb);
}

void rows_from_record(const SavedBuffer& b, const SavedState& record, std::int64_t count,
                      std::int64_t first, char* staging) {
  const std::int64_t eb = size_of(b.type), n = record.n_systems;
  const char* base = record.data.data() + b.offset * n;
  for (std::int64_t i = 0; i < b.size; ++i)
    std::memcpy(staging + i * count * eb, base + (i * n + first) * eb, count * eb);
}

}  // namespace Impl
}  // namespace kobie
