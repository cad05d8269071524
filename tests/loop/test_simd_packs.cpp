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
        EXPECT_TRUE(same(a.end_state.data, b.end_state.data)) << what;
      }
    }
  }
}

}  // namespace
