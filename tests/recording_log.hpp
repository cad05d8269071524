#pragma once
// A logging policy for tests: records every attempted step of every system
// (t, h, squared error norm, accepted, next dt) into a device View, through
// the same hooks production code compiles to nothing (kobie::NoLog).

#include <Kokkos_Core.hpp>

#include <cstdint>

namespace kobie_test {

template <class MemorySpace>
struct RecordingLog {
  static constexpr int fields = 5;
  Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace> records;  // (system, step * fields)
  Kokkos::View<int*, MemorySpace> counts;                            // attempts per system
  int capacity = 0;

  RecordingLog() = default;
  RecordingLog(std::int64_t systems, int steps)
      : records("kobie::test::log", systems, std::int64_t(steps) * fields),
        counts("kobie::test::log_counts", systems),
        capacity(steps) {}

  struct Lane {
    double* row;
    int* count;
    int capacity;
    template <class YS, class K>
    KOKKOS_INLINE_FUNCTION void stage(int, double, const YS&, const K&) const {}
    template <class E>
    KOKKOS_INLINE_FUNCTION void error(const E&, double) const {}
    KOKKOS_INLINE_FUNCTION void step(double t, double h, double err_sq, bool accept,
                                     double next_dt) const {
      if (h == 0.0) return;  // an inactive lane's pass (host lanes run in lockstep)
      const int c = *count;
      if (c < capacity) {
        row[c * fields + 0] = t;
        row[c * fields + 1] = h;
        row[c * fields + 2] = err_sq;
        row[c * fields + 3] = accept ? 1.0 : 0.0;
        row[c * fields + 4] = next_dt;
      }
      *count = c + 1;
    }
  };
  KOKKOS_INLINE_FUNCTION Lane lane(std::int64_t system) const {
    return {&records(system, 0), &counts(system), capacity};
  }
};

}  // namespace kobie_test
