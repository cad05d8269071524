#pragma once
// The check shared by the adaptive SIMD-pack tests (test_simd_pack_adaptive.cpp
// and test_simd_pack_adaptive_methods.cpp: Lorenz-96; test_simd_pack_driven.cpp:
// a driven ring): adaptive steps of a
// system larger than unroll_limit, whose right-hand side takes a pack of
// times, run its lanes as SIMD packs in interleaved slices, every system of
// a pack at its own time with its own step size; contiguous slices run them
// one by one. The two must agree bitwise: outputs, counters and end states
// (time, step and controller history). 302 systems, so that teams end in
// packs and tail lanes; their step counts differ, so lanes of a pack finish
// apart. Systems 1 and 250 start with a state so large that every proposal
// overflows (each fails on a non-finite state once its step falls to
// dt_min), system 6 (and with some controllers 3) so large that its steps
// run out (max_steps) while the rest goes on.
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace kobie_test::simd_pack_adaptive {

using kobie::Batch;
using kobie::IntegrationSettings;
namespace tab = kobie::tableaus;
using Dopri = std::tuple<tab::DormandPrince54>;

/// A Lorenz-96 ring of 20 states pushed by a driver and a term in time:
/// large enough for SIMD packs. With `TimePacks` its right-hand side is
/// generic in its time (so adaptive steps run on packs, each system at its
/// own time); without, it takes a double only (adaptive steps per lane).
template <bool TimePacks>
struct DrivenRing {
  static constexpr int n_states = 20, n_parameters = 1, n_observables = 0, n_drivers = 1;
  static constexpr bool simd_packs = true;
  static const char* name() { return "driven-ring"; }
  static std::vector<double> default_state() { return std::vector<double>(n_states, 8.0); }
  static std::vector<double> default_parameters() { return {8.0}; }
  template <class Time, class Y, class P, class D, class DY,
            std::enable_if_t<TimePacks || std::is_same<Time, double>::value, int> = 0>
  KOKKOS_INLINE_FUNCTION void rhs(const Time& t, const Y& y, const P& p, const D& d,
                                  DY& dydt) const {
    using S = std::decay_t<decltype(dydt[0])>;  // a number, or a pack of systems
    const S push = d[0] + S(0.5) * S(t);
    for (int i = 0; i < n_states; ++i) {
      const int ip1 = i + 1 < n_states ? i + 1 : 0;
      const int im1 = i >= 1 ? i - 1 : n_states - 1;
      const int im2 = i >= 2 ? i - 2 : i - 2 + n_states;
      dydt[i] = (y[ip1] - y[im2]) * y[im1] - y[i] + p[0] + push;
    }
  }
};

/// Solves the batch with interleaved ("auto") and contiguous slices and
/// compares them; returns system 1's status.
template <class Exec, class T, class System, class Tabs>
inline std::int64_t check(const char* algorithm, const char* controller, int lanes,
                          const kobie::DriverSamples& d = {}) {
  const bool host_space = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  const System system{};
  auto same_bits = [](const auto& x, const auto& y) {
    return x.size() == y.size() &&
           std::memcmp(x.data(), y.data(), x.size() * sizeof(*x.data())) == 0;
  };
  std::vector<std::vector<double>> states, parameters;
  for (int i = 0; i < 302; ++i) {
    std::vector<double> y(System::n_states, 8.0);
    y[0] += 0.01;
    y[5] += 0.01 * i;
    y[1] = i == 1 ? 1e200 : i == 250 ? 1e150 : i == 3 ? 1e3 : i == 6 ? 1e6 : y[1];
    states.push_back(y);
    parameters.push_back({2.0 + 0.1 * i});
  }
  const auto batch = Batch::verbatim<System>(states, parameters);
  IntegrationSettings s;
  s.algorithm = algorithm;
  s.controller = controller;
  s.duration = 1.0;
  s.save_interval = 0.3;  // landing steps
  s.atol = s.rtol = 1e-7;
  s.dt = 0.01;
  s.max_steps = 3000;
  s.lanes_per_team = lanes;
  s.shared_layout = "auto";  // interleaved for steps on packs (and on CUDA)
  const auto a = kobie::solve_to_host<T, Tabs>(Exec(), system, batch, s, d);
  if (!host_space || KOBIE_SIMD_PACKS) {
    EXPECT_NE(a.launch_report.find("interleaved slices"), std::string::npos) << a.launch_report;
  }
  s.shared_layout = "contiguous";
  const auto b = kobie::solve_to_host<T, Tabs>(Exec(), system, batch, s, d);
  const std::string what = std::string(System::name()) + " " + algorithm + " " + controller +
                           " lanes " + std::to_string(lanes) +
                           (sizeof(T) == 4 ? " float32" : " float64");
  EXPECT_GE(a.failures(), 3) << what << ": " << a.failure_summary();
  EXPECT_NE(a.stats(kobie::stat_status, 1), 0) << what;
  EXPECT_EQ(a.stats(kobie::stat_status, 6), kobie::status_max_steps) << what;
  // (the systems that go on need different step counts)
  EXPECT_NE(a.stats(kobie::stat_accepted, 0), a.stats(kobie::stat_accepted, 301)) << what;
  EXPECT_TRUE(same_bits(a.outputs, b.outputs)) << what;
  EXPECT_TRUE(same_bits(a.stats, b.stats)) << what;
  EXPECT_TRUE(same_bits(a.end_state.data, b.end_state.data)) << what;
  return a.stats(kobie::stat_status, 1);
}

}  // namespace kobie_test::simd_pack_adaptive
