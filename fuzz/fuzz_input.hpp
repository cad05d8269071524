#pragma once
// Decodes a fuzzer's bytes into structured input. Written here rather than
// taken from clang's <fuzzer/FuzzedDataProvider.h> so that the harnesses
// also build with GCC (the replay programs of the normal build) and a
// corpus file decodes the same way under both compilers.
//
// Every read consumes bytes from the front; once they run out, reads give
// zeros and empty strings, so any byte string decodes to some input.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <string>
#include <vector>

namespace kobie_fuzz {

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}

  bool empty() const { return m_pos >= m_size; }
  std::size_t remaining() const { return empty() ? 0 : m_size - m_pos; }

  std::uint8_t byte() { return empty() ? 0 : m_data[m_pos++]; }
  bool boolean() { return byte() & 1; }

  /// An integer in [0, n) (n >= 1): one byte, or two where n > 256.
  std::size_t below(std::size_t n) {
    std::size_t x = byte();
    if (n > 256) x = x << 8 | byte();
    return n == 0 ? 0 : x % n;
  }
  template <class T>
  const T& pick(const std::vector<T>& options) {
    return options[below(options.size())];
  }

  /// The next sizeof(T) bytes as a T (zero-padded at the end).
  template <class T>
  T raw() {
    unsigned char bytes[sizeof(T)] = {};
    for (auto& b : bytes) b = byte();
    T x;
    std::memcpy(&x, bytes, sizeof(T));
    return x;
  }

  /// A double, mostly from the values that break numeric code (0, -0,
  /// NaN, infinities, denormals, the extremes, values near typical
  /// settings), else any 64-bit pattern.
  double number() {
    static const std::vector<double> special = {
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        0.1,
        2.0,
        3.0,
        10.0,
        1e-3,
        1e-6,
        1e-9,
        1e-12,
        1e-15,
        1e-300,
        1e300,
        -1e300,
        1e8,
        1e9,
        2e9,
        1e18,
        0.3,
        0.7,
        1.0 + 1e-12,
        1.0 - 1e-12,
        std::numeric_limits<double>::quiet_NaN(),
        std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::denorm_min(),
        std::numeric_limits<double>::min(),
        std::numeric_limits<double>::max(),
        -std::numeric_limits<double>::max(),
        std::numeric_limits<double>::epsilon(),
    };
    const std::uint8_t mode = byte();
    if (mode < 200) return special[mode % special.size()];
    if (mode < 230) return static_cast<double>(static_cast<std::int16_t>(raw<std::uint16_t>()));
    return raw<double>();
  }

  /// A 64-bit integer, mostly from the edges (0, +-1, powers of two, the
  /// int and int64 extremes), else any pattern.
  std::int64_t integer() {
    static const std::vector<std::int64_t> special = {
        0,
        1,
        -1,
        2,
        3,
        7,
        8,
        16,
        31,
        32,
        64,
        65,
        100,
        101,
        1000,
        1024,
        2048,
        1 << 20,
        std::int64_t(1) << 31,
        std::int64_t(1) << 40,
        std::int64_t(1) << 59,
        std::int64_t(1) << 62,
        std::numeric_limits<int>::max(),
        std::numeric_limits<int>::min(),
        std::numeric_limits<std::int64_t>::max(),
        std::numeric_limits<std::int64_t>::min(),
        std::numeric_limits<std::int64_t>::max() / 16,
    };
    const std::uint8_t mode = byte();
    if (mode < 200) return special[mode % special.size()];
    if (mode < 230) return byte();
    return raw<std::int64_t>();
  }
  /// The same, converted to int the way a caller would (values outside
  /// int's range wrap, as a careless cast does).
  int small_integer() { return static_cast<int>(static_cast<std::uint32_t>(integer())); }

  /// A string: mostly one of `dictionary`, else up to `most` raw bytes.
  std::string text(const std::vector<std::string>& dictionary, std::size_t most = 16) {
    const std::uint8_t mode = byte();
    if (!dictionary.empty() && mode < 224) return dictionary[mode % dictionary.size()];
    std::string out;
    const std::size_t n = below(most + 1);
    for (std::size_t i = 0; i < n && !empty(); ++i) out.push_back(static_cast<char>(byte()));
    return out;
  }

  /// The bytes not read yet, as a string.
  std::string rest() {
    std::string out;
    if (!empty()) out.assign(reinterpret_cast<const char*>(m_data + m_pos), m_size - m_pos);
    m_pos = m_size;
    return out;
  }

 private:
  const std::uint8_t* m_data;
  std::size_t m_size;
  std::size_t m_pos = 0;
};

}  // namespace kobie_fuzz

namespace kobie_fuzz {

/// Reports a failed invariant and aborts: libFuzzer keeps the input as a
/// crash, and the replay program fails.
[[noreturn]] inline void fail(const char* file, int line, const char* condition,
                              const std::string& what) {
  std::fprintf(stderr, "%s:%d: invariant failed: %s\n  %s\n", file, line, condition, what.c_str());
  std::abort();
}

}  // namespace kobie_fuzz

/// Checks an invariant in every build type (assert vanishes under NDEBUG).
#define KOBIE_FUZZ_CHECK(condition, what)                                         \
  do {                                                                            \
    if (!(condition)) ::kobie_fuzz::fail(__FILE__, __LINE__, #condition, (what)); \
  } while (false)

namespace kobie_fuzz {

/// Whether KOBIE_FUZZ_VERBOSE is set: the harnesses then print each
/// refusal's message (what an input exercises, when replaying it).
inline bool verbose() {
  static const bool on = std::getenv("KOBIE_FUZZ_VERBOSE") != nullptr;
  return on;
}

/// A refusal's message must say something, and name `name` where given.
inline void check_message(const std::exception& e, const std::string& name = {}) {
  const std::string message = e.what();
  if (verbose()) std::fprintf(stderr, "refused: %s\n", message.c_str());
  KOBIE_FUZZ_CHECK(!message.empty(), "an empty error message");
  KOBIE_FUZZ_CHECK(name.empty() || message.find(name) != std::string::npos,
                   "the message does not name '" + name + "': " + message);
}

}  // namespace kobie_fuzz
