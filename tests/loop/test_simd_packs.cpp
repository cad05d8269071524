// Test body (see backend_test.cpp.in): every host path of a step gives the
// same bits. SIMD packs of W systems compute what W scalar evaluations
// compute; fixed and adaptive steps on packs (interleaved slices) give the
// per-lane results (contiguous slices) bitwise; the uniform fixed passes
// give the per-lane passes' bits. These are the tests whose promise depends
// on how the compiler rounds for the instruction set: CI also builds them
// for x86-64-v4 (AVX-512) and runs them where the CPU has it
// (docs/ARCHITECTURE.md, *One rounding on every instruction set*).
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

namespace {

using Exec = TEST_EXECSPACE;
using kobie::Batch;
using kobie::IntegrationSettings;
namespace tab = kobie::tableaus;
// Each test compiles only the methods it runs (compile time).
using DopriRk4 = std::tuple<tab::DormandPrince54, tab::ClassicalRK4>;

#if KOBIE_SIMD_PACKS
// Host compilers: a pack of W systems computes what W scalar evaluations
// compute, bit for bit (arithmetic, kobie::math's functions, and the fused
// multiply-add, whose pack form is one FMA instruction per vector register
// and whose scalar form one per number), and a PackView reads and writes
// lanes j..j+W-1 of an interleaved buffer in place.
template <class X>
std::uint64_t bits(X x) {
  std::uint64_t u = 0;
  std::memcpy(&u, &x, sizeof x);
  return u;
}

template <class T, int W>
void check_pack_arithmetic() {
  using P = kobie::Pack<T, W>;
  T xs[W], ys[W];
  for (int w = 0; w < W; ++w) {
    xs[w] = T(0.3) + T(0.7) * T(w);
    ys[w] = T(-1.1) + T(0.45) * T(w * w);
  }
  const P x = P::load(xs), y = P::load(ys);
  const P r = (x - y) * x - y / T(3) + 2.0 * x - 1;
  const P m = kobie::math::sin(x) + kobie::math::cos(y) * kobie::math::exp(-x) +
              kobie::math::log(x) + kobie::math::tanh(y) + kobie::math::sqrt(x) +
              kobie::math::fabs(y) + kobie::math::pow(x, 2.5) + kobie::math::pow(x, x);
  const P f = kobie::math::fma(x, y, P(T(1)) - x);
  for (int w = 0; w < W; ++w) {
    const T a = xs[w], b = ys[w];
    const T expect_r = (a - b) * a - b / T(3) + T(2.0) * a - T(1);
    EXPECT_EQ(bits(r[w]), bits(expect_r)) << w;
    namespace km = kobie::math;
    const T expect_m = T(km::sin(a)) + T(km::cos(b)) * T(km::exp(-a)) + T(km::log(a)) +
                       T(km::tanh(b)) + T(km::sqrt(a)) + T(km::fabs(b)) + T(km::pow(a, T(2.5))) +
                       T(km::pow(a, a));
    EXPECT_EQ(bits(m[w]), bits(expect_m)) << w;
    EXPECT_EQ(bits(f[w]), bits(T(km::fma(a, b, T(1) - a)))) << w;
    EXPECT_EQ(bits(f[w]), bits(kobie::Impl::mul_add(a, b, T(1) - a))) << w;
  }
  // A view of lanes 4..4+W-1 of a buffer with 2W lanes interleaved.
  constexpr int lanes = 2 * W, n = 3;
  T buffer[n * lanes];
  for (int i = 0; i < n * lanes; ++i) buffer[i] = T(i);
  const kobie::PackView<T, W, n> view{buffer + W, lanes};
  for (int i = 0; i < n; ++i) {
    const P element = view[i];
    for (int w = 0; w < W; ++w) EXPECT_EQ(element[w], T(i * lanes + W + w)) << i << " " << w;
    view[i] = element * 2.0;
  }
  for (int i = 0; i < n * lanes; ++i) EXPECT_EQ(buffer[i], T(i % lanes >= W ? 2 * i : i)) << i;
}

// mul_add rounds once where the target has FMA instructions, twice where
// it has none, on numbers and on packs of every width: (1 + e)(1 - e) - 1
// is -e^2 fused and 0 unfused (1 - e^2 rounds to 1), e = 2^-27 in float64
// and 2^-13 in float32.
template <class T, int W>
void check_fused_once() {
  using P = kobie::Pack<T, W>;
  const T e = sizeof(T) == 8 ? T(1.0 / 134217728.0) : T(1.0 / 8192.0);
#if defined(__FMA__)
  const T expected = -(e * e);
#else
  const T expected = T(0);
#endif
  EXPECT_EQ(bits(kobie::Impl::mul_add(T(1) + e, T(1) - e, T(-1))), bits(expected));
  const P r = kobie::Impl::mul_add(P(T(1) + e), P(T(1) - e), P(T(-1)));
  for (int w = 0; w < W; ++w) EXPECT_EQ(bits(r[w]), bits(expected)) << W << " " << w;
}

// The per-system helpers adaptive steps on packs decide with (masks,
// comparisons, selects, fabs, isfinite, max_of, widen, conversions): each
// element must be the scalar helper's result, bit for bit, also for
// infinities, NaN and signed zeros.
template <class T, int W>
void check_pack_decisions() {
  namespace I = kobie::Impl;
  using P = kobie::Pack<T, W>;
  using D = kobie::Pack<double, W>;
  const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
  const T pool[] = {T(1.5), T(-2), inf, -inf, nan, T(0), T(-0.0), T(3e-30), T(-7.25)};
  constexpr int n_pool = sizeof(pool) / sizeof(pool[0]);
  for (int shift = 0; shift < n_pool; ++shift) {
    T xs[W], ys[W];
    std::int64_t flags[W];
    for (int w = 0; w < W; ++w) {
      xs[w] = pool[(w + shift) % n_pool];
      ys[w] = pool[(2 * w + 1) % n_pool];
      flags[w] = (w + shift) % 3 == 0 ? 6 : 1;
    }
    const P x = P::load(xs), y = P::load(ys);
    const kobie::PackMask<W> lt = I::lt(x, y), le = I::le(x, y), gt = I::gt(x, y);
    const kobie::PackMask<W> finite = I::isfinite(x);
    const kobie::PackMask<W> both = lt | finite, neither = !(lt & finite);
    const P chosen = I::select(lt, x, y), larger = I::max_of(x, y), magnitude = I::fabs(x);
    const D wide = I::widen(x);
    const kobie::Pack<float, W> narrow(wide);
    const kobie::PackMask<W> bit = kobie::PackMask<W>::bit_of(flags, 4);
    std::int64_t set[W] = {};
    lt.set_bit(set, 8);
    for (int w = 0; w < W; ++w) {
      const T a = xs[w], b = ys[w];
      const std::string at = std::to_string(shift) + " " + std::to_string(w);
      EXPECT_EQ(lt[w], I::lt(double(a), double(b))) << at;
      EXPECT_EQ(le[w], I::le(double(a), double(b))) << at;
      EXPECT_EQ(gt[w], I::gt(double(a), double(b))) << at;
      EXPECT_EQ(finite[w], bool(I::isfinite(a))) << at;
      EXPECT_EQ(both[w], I::lt(double(a), double(b)) || bool(I::isfinite(a))) << at;
      EXPECT_EQ(neither[w], !(I::lt(double(a), double(b)) && bool(I::isfinite(a)))) << at;
      EXPECT_EQ(bits(chosen[w]), bits(I::select(I::lt(double(a), double(b)), a, b))) << at;
      EXPECT_EQ(bits(double(larger[w])), bits(I::max_of(double(a), double(b)))) << at;
      EXPECT_EQ(bits(magnitude[w]), bits(T(I::fabs(a)))) << at;
      EXPECT_EQ(bits(wide[w]), bits(I::widen(a))) << at;
      EXPECT_EQ(bits(narrow[w]), bits(float(double(a)))) << at;
      EXPECT_EQ(bit[w], flags[w] == 6) << at;
      EXPECT_EQ(set[w], I::lt(double(a), double(b)) ? 8 : 0) << at;
    }
    EXPECT_TRUE(kobie::PackMask<W>(true)[W - 1]);
    EXPECT_FALSE(kobie::PackMask<W>(false)[0]);
    EXPECT_TRUE(I::lane_flag(x, true)[0]);
  }
}

TEST(TEST_CATEGORY, simd_packs_compute_each_system_as_scalar_code) {
  check_pack_arithmetic<double, kobie::Impl::pack_width<double>>();
  check_pack_arithmetic<float, kobie::Impl::pack_width<float>>();
  check_pack_arithmetic<double, 2>();
  check_pack_arithmetic<float, 2>();  // (narrower than a vector register)
  // (wider than one: float32 steps' float64 error norm)
  check_pack_arithmetic<double, kobie::Impl::pack_width<float>>();
  check_fused_once<double, kobie::Impl::pack_width<double>>();
  check_fused_once<float, kobie::Impl::pack_width<float>>();
  check_fused_once<double, 2>();
  check_fused_once<float, 2>();
  check_fused_once<double, kobie::Impl::pack_width<float>>();
  check_pack_decisions<double, kobie::Impl::pack_width<double>>();
  check_pack_decisions<float, kobie::Impl::pack_width<float>>();
}
#endif

TEST(TEST_CATEGORY, explicit_fixed_steps_give_the_same_bits_on_every_host_path) {
  // On host backends, fixed steps of lanes that stand together take the
  // uniform path (step times computed once per team, finiteness checked once
  // per chunk of passes, a chunk with a failure replayed checked);
  // contiguous slices take the per-lane passes. Failures (non-finite states
  // at different steps), landing steps and the step budget must come out
  // bitwise the same, also for an FSAL tableau (whose saved derivative a
  // replay restores). Save interval 0.3: segments of at most 5 passes, so a
  // replay starts at a segment's start; 3.5: segments of 50 passes, whole
  // chunks, replays from the middle of a segment.
  using System = kobie::systems::Decay;
  std::vector<double> k;
  for (int i = 0; i < 70; ++i) k.push_back(i % 7 == 3 ? -50.0 - i : 0.05 * i);
  const auto batch = Batch::grid<System>({{"k", k}});
  for (const char* algorithm : {"rk4", "dormand-prince-54"}) {
    for (double save_interval : {0.3, 3.5}) {
      IntegrationSettings s;
      s.algorithm = algorithm;
      s.controller = "fixed";
      s.duration = 14.0;
      s.save_interval = save_interval;
      s.dt = 0.07;  // does not divide 0.3: landing steps
      for (std::int64_t max_steps : {std::int64_t(10000000), std::int64_t(77)}) {
        s.max_steps = max_steps;
        s.shared_layout = "interleaved";
        const auto a = kobie::solve_to_host<double, DopriRk4>(Exec(), System{}, batch, s);
        s.shared_layout = "contiguous";
        const auto b = kobie::solve_to_host<double, DopriRk4>(Exec(), System{}, batch, s);
        EXPECT_GE(a.failures(), 9) << algorithm;
        auto same = [](const auto& x, const auto& y) {
          return x.size() == y.size() &&
                 std::memcmp(x.data(), y.data(), x.size() * sizeof(*x.data())) == 0;
        };
        const std::string what = std::string(algorithm) + " save_interval " +
                                 std::to_string(save_interval) + " max_steps " +
                                 std::to_string(max_steps);
        EXPECT_TRUE(same(a.outputs, b.outputs)) << what;
        EXPECT_TRUE(same(a.stats, b.stats)) << what;
        EXPECT_TRUE(same(a.end_state.states, b.end_state.states)) << what;
        EXPECT_TRUE(same(a.end_state.clocks, b.end_state.clocks)) << what;
      }
    }
  }
}

TEST(TEST_CATEGORY, explicit_large_systems_on_simd_packs_give_the_per_lane_bits) {
  // Host fixed steps of a large system that allows it (Lorenz-96, 40 states)
  // run its lanes as SIMD packs in interleaved slices; contiguous slices run
  // them one by one, each lane's full steps in the lean loop of a CUDA
  // thread (take_full_fixed_steps), its landing steps, failing attempts and
  // the step budget's last attempt through `advance`; with max_steps 100
  // (144 attempts wanted, 4 of them landings) the budget runs out inside a
  // segment. 302 systems: at every team size tested (16, 8, 32 and 256
  // lanes) the last team ends in packs and two tail lanes. Systems 1, 3,
  // 6 and 250 start with one state large enough to overflow, each at its own
  // step: their team replays the failed block of its pack chunk lane by lane
  // and stays per lane, while the other teams keep their pack results. With
  // 256 lanes the team's states outgrow the chunk's copy, so a chunk runs in
  // blocks of lanes (RK4: 204 and 52, Dormand-Prince: 100, 100 and 56), the
  // failures in some blocks and not in others. Outputs, counters and end
  // states must agree bitwise, also for an FSAL tableau (whose saved
  // derivative the pack path updates). CUDA runs both layouts per lane.
  using System = kobie::systems::Lorenz96<40>;
  std::vector<std::vector<double>> states, parameters;
  for (int i = 0; i < 302; ++i) {
    std::vector<double> y = System::default_state();
    y[5] += 0.01 * i;
    y[1] = i == 1 ? 500.0 : i == 3 ? 1000.0 : i == 6 ? 1e6 : i == 250 ? 1e5 : y[1];
    states.push_back(y);
    parameters.push_back({2.0 + 0.1 * i});
  }
  const auto batch = Batch::verbatim<System>(states, parameters);
  const bool host_space = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  // float64 (packs of 4 on AVX2) and float32 (packs of 8)
  auto check = [&](auto precision, const char* algorithm, int lanes,
                   std::int64_t max_steps = 10000000) {
    using T = decltype(precision);
    IntegrationSettings s;
    s.algorithm = algorithm;
    s.controller = "fixed";
    s.duration = 1.0;
    s.save_interval = 0.3;
    s.dt = 0.007;  // does not divide 0.3: landing steps
    s.lanes_per_team = lanes;
    s.max_steps = max_steps;
    s.shared_layout = "auto";  // interleaved for fixed steps on packs (and on CUDA)
    const auto a = kobie::solve_to_host<T, DopriRk4>(Exec(), System{}, batch, s);
    // (nvcc compiles no packs: its host backends run the lanes one by one)
    if (!host_space || KOBIE_SIMD_PACKS) {
      EXPECT_NE(a.launch_report.find("interleaved slices"), std::string::npos) << a.launch_report;
    }
    s.shared_layout = "contiguous";
    const auto b = kobie::solve_to_host<T, DopriRk4>(Exec(), System{}, batch, s);
    const std::string what = std::string(algorithm) + " lanes " + std::to_string(lanes) +
                             (sizeof(T) == 4 ? " float32" : " float64") + " max_steps " +
                             std::to_string(max_steps);
    const bool budget_runs_out = max_steps < 144;
    EXPECT_EQ(a.failures(), budget_runs_out ? 302 : 4) << what;
    if (budget_runs_out) {
      // (every system that does not overflow first stops on the budget)
      EXPECT_EQ(a.stats(kobie::stat_status, 0), int(kobie::status_max_steps)) << what;
      EXPECT_EQ(a.stats(kobie::stat_accepted, 0), max_steps) << what;
    }
    // (the overflowing systems fail at different steps)
    std::vector<int> failed_at;
    for (int i : {1, 3, 6}) failed_at.push_back(a.stats(kobie::stat_accepted, i));
    EXPECT_NE(*std::min_element(failed_at.begin(), failed_at.end()),
              *std::max_element(failed_at.begin(), failed_at.end()))
        << what;
    auto same = [](const auto& x, const auto& y) {
      return x.size() == y.size() &&
             std::memcmp(x.data(), y.data(), x.size() * sizeof(*x.data())) == 0;
    };
    EXPECT_TRUE(same(a.outputs, b.outputs)) << what;
    EXPECT_TRUE(same(a.stats, b.stats)) << what;
    EXPECT_TRUE(same(a.end_state.states, b.end_state.states)) << what;
    EXPECT_TRUE(same(a.end_state.clocks, b.end_state.clocks)) << what;
  };
  for (const char* algorithm : {"rk4", "dormand-prince-54"}) {
    for (int lanes : host_space ? std::vector<int>{0, 8, 32, 256} : std::vector<int>{0})
      check(double(), algorithm, lanes);
    check(double(), algorithm, 0, 100);
  }
  check(float(), "rk4", 0);
}

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

TEST(TEST_CATEGORY, explicit_adaptive_large_systems_on_simd_packs_give_the_per_lane_bits) {
  // Adaptive steps of a large system whose right-hand side takes a pack of
  // times run its lanes as SIMD packs in interleaved slices, every system
  // of a pack at its own time with its own step size; contiguous slices run
  // them one by one. The two must agree bitwise: outputs, counters and end
  // states (time, step and controller history). 302 systems, so that teams
  // end in packs and tail lanes; their step counts differ, so lanes of a
  // pack finish apart. Systems 1 and 250 start with a state so large that
  // every proposal overflows (each fails on a non-finite state once its
  // step falls to dt_min), system 6 (and with some controllers 3) so large
  // that its steps run out (max_steps) while the rest goes on. Every pass through the PI and
  // the predictive controller, Dormand-Prince (FSAL) and DOP853 (whose
  // error estimate combines two), float64 (packs of 4 on AVX2) and float32
  // (packs of 8); the driven system adds drivers and a term in time.
  const bool host_space = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;
  auto same = [](const auto& x, const auto& y) {
    return x.size() == y.size() &&
           std::memcmp(x.data(), y.data(), x.size() * sizeof(*x.data())) == 0;
  };
  auto check = [&](auto precision, auto system, auto tableaus, const char* algorithm,
                   const char* controller, int lanes, const kobie::DriverSamples& d) {
    using T = decltype(precision);
    using System = decltype(system);
    using Tabs = decltype(tableaus);
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
    EXPECT_TRUE(same(a.outputs, b.outputs)) << what;
    EXPECT_TRUE(same(a.stats, b.stats)) << what;
    EXPECT_TRUE(same(a.end_state.states, b.end_state.states)) << what;
    EXPECT_TRUE(same(a.end_state.clocks, b.end_state.clocks)) << what;
    return a.stats(kobie::stat_status, 1);
  };
  using L96 = kobie::systems::Lorenz96<40>;
  using Dopri = std::tuple<tab::DormandPrince54>;
  // (the overflowing system 1 fails on its non-finite state, through the
  // pack's masks, at least here)
  EXPECT_EQ(check(double(), L96{}, Dopri{}, "dormand-prince-54", "pi", 0, {}),
            kobie::status_nonfinite_state);
  for (const char* controller : {"pi", "gustafsson"}) {
    for (int lanes : host_space ? std::vector<int>{8, 32} : std::vector<int>{})
      check(double(), L96{}, Dopri{}, "dormand-prince-54", controller, lanes, {});
  }
  check(double(), L96{}, Dopri{}, "dormand-prince-54", "gustafsson", 0, {});
  check(float(), L96{}, Dopri{}, "dormand-prince-54", "pi", 0, {});
  check(double(), L96{}, std::tuple<tab::DormandPrince853>{}, "dop853", "pi", 0, {});
  kobie::DriverSamples d;
  d.dt = 0.05;
  d.values.assign(1, std::vector<double>(40));
  for (int i = 0; i < 40; ++i) d.values[0][i] = std::sin(0.3 * i);
  check(double(), DrivenRing<true>{}, Dopri{}, "dormand-prince-54", "pi", 0, d);
  check(float(), DrivenRing<true>{}, Dopri{}, "dormand-prince-54", "pi", 0, d);
  // A right-hand side that takes only a double time keeps adaptive steps
  // per lane, whose slices "auto" makes contiguous on host.
  IntegrationSettings s;
  s.algorithm = "dormand-prince-54";
  s.duration = s.save_interval = 0.1;
  const auto per_lane = kobie::solve<double, Dopri>(
      Exec(), DrivenRing<false>{}, Batch::grid<DrivenRing<false>>({{"p0", {8.0}}}), s, d);
  EXPECT_EQ(per_lane.failures(), 0);
  EXPECT_NE(per_lane.launch_report.find(host_space ? "contiguous slices" : "interleaved slices"),
            std::string::npos)
      << per_lane.launch_report;
}

}  // namespace
