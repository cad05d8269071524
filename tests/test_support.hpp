#pragma once
// Helpers shared by KoBIE's test bodies.

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

namespace kobie_test {

/// The seed of a randomised test: KOBIE_TEST_SEED when set (to rerun a
/// failure), a fresh random one otherwise. Printed either way.
inline std::uint64_t random_seed(const char* test_name) {
  std::uint64_t seed;
  if (const char* env = std::getenv("KOBIE_TEST_SEED")) {
    seed = std::strtoull(env, nullptr, 10);
  } else {
    seed = (std::uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
  }
  std::cout << "[ seed     ] " << test_name << ": " << seed
            << " (rerun with KOBIE_TEST_SEED=" << seed << ")\n";
  return seed;
}

}  // namespace kobie_test
