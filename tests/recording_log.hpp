#pragma once
// A logging policy for tests: records every attempted step of every system
// (t, h, squared error norm, accepted, next dt; each stage's derivative k_s
// and the error estimate h sum_j e_j k_j) into device Views, through the
// same hooks production code compiles to nothing (kobie::NoLog).

#include <Kokkos_Core.hpp>

#include <cstdint>

namespace kobie_test {

template <class MemorySpace>
struct RecordingLog {
  static constexpr int fields = 5;
  Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace> records;  // (system, step * fields)
  Kokkos::View<int*, MemorySpace> counts;                            // attempts per system
  /// (system, step * values_per_step): k_s[i] at s * n_states + i, then the
  /// error estimate at max_stages * n_states + i.
  Kokkos::View<double**, Kokkos::LayoutRight, MemorySpace> stage_values;
  int capacity = 0;
  int n_states = 0;
  int max_stages = 0;

  int values_per_step() const { return (max_stages + 1) * n_states; }

  RecordingLog() = default;
  RecordingLog(std::int64_t systems, int steps, int states = 0, int stages = 0)
      : records("kobie::test::log", systems, std::int64_t(steps) * fields),
        counts("kobie::test::log_counts", systems),
        stage_values("kobie::test::log_stages", systems,
                     std::int64_t(steps) * (stages + 1) * states),
        capacity(steps),
        n_states(states),
        max_stages(stages) {}

  struct Lane {
    double* row;
    int* count;
    int capacity;
    double* stage_row;  // null when stages are not recorded
    int n_states;
    int max_stages;
    // (an inactive lane of a host pass writes into its next, unused slot,
    // which its next attempt overwrites)
    template <class YS, class K>
    KOKKOS_INLINE_FUNCTION void stage(int s, double, const YS&, const K& k) const {
      const int c = *count;
      if (stage_row == nullptr || c >= capacity || s >= max_stages) return;
      double* at = stage_row + std::int64_t(c) * (max_stages + 1) * n_states + s * n_states;
      for (int i = 0; i < n_states; ++i) at[i] = double(k[i]);
    }
    template <class E>
    KOKKOS_INLINE_FUNCTION void error(const E& e, double) const {
      const int c = *count;
      if (stage_row == nullptr || c >= capacity) return;
      double* at =
          stage_row + std::int64_t(c) * (max_stages + 1) * n_states + max_stages * n_states;
      for (int i = 0; i < n_states; ++i) at[i] = double(e[i]);
    }
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
    return {&records(system, 0),
            &counts(system),
            capacity,
            max_stages > 0 ? &stage_values(system, 0) : nullptr,
            n_states,
            max_stages};
  }
};

}  // namespace kobie_test
