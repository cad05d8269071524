// Test body (see backend_test.cpp.in): on-device summary metrics. The
// device's one-pass metrics are compared with a plain two-pass host
// computation over the saved samples, with exact solutions sampled more
// finely than they are saved, across launch chunking, for failed systems,
// and every bad summary setting.
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "explicit_test_support.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using kobie::Batch;
using kobie::IntegrationSettings;
namespace tab = kobie::tableaus;
using Dopri = std::tuple<tab::DormandPrince54>;

/// A damped oscillator with its energy as an observable: peaks, negative
/// peaks and derivatives all have something to find, on states and
/// observables.
struct Oscillator {
  static constexpr int n_states = 2, n_parameters = 2, n_observables = 1, n_drivers = 0;
  static const char* name() { return "oscillator"; }
  static std::vector<std::string> state_names() { return {"x", "v"}; }
  static std::vector<std::string> parameter_names() { return {"w", "c"}; }
  static std::vector<std::string> observable_names() { return {"energy"}; }
  static std::vector<double> default_state() { return {1.0, 0.0}; }
  static std::vector<double> default_parameters() { return {3.0, 0.1}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P& p, const D&, DY& dydt) const {
    dydt[0] = y[1];
    dydt[1] = -p[0] * p[0] * y[0] - p[1] * y[1];
  }
  template <class Y, class P, class D, class O>
  KOKKOS_INLINE_FUNCTION void observables(double, const Y& y, const P& p, const D&, O& o) const {
    using T = std::decay_t<decltype(o[0])>;
    o[0] = T(0.5) * y[1] * y[1] + T(0.5) * p[0] * p[0] * y[0] * y[0];
  }
};

/// The metrics of one window from its samples x[first .. first + m - 1]
/// (and the two before it, for differences), written plainly: two passes,
/// no running updates. Column order as documented.
std::vector<double> host_metrics(const std::vector<double>& x, const std::vector<double>& t,
                                 int first, int m, double dt, int n_peaks) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double sum = 0, sum_sq = 0, mn = x[first], mx = x[first];
  for (int j = first; j < first + m; ++j) {
    sum += x[j];
    sum_sq += x[j] * x[j];
    mn = std::min(mn, x[j]);
    mx = std::max(mx, x[j]);
  }
  const double mean = sum / m;
  double var = 0;
  for (int j = first; j < first + m; ++j) var += (x[j] - mean) * (x[j] - mean);
  var /= m;
  std::vector<double> peaks, negative_peaks, d1, d2;
  for (int j = std::max(first, 1); j < first + m; ++j) d1.push_back((x[j] - x[j - 1]) / dt);
  for (int j = std::max(first, 2); j < first + m; ++j) {
    d2.push_back((x[j] - 2 * x[j - 1] + x[j - 2]) / (dt * dt));
    if (x[j - 2] < x[j - 1] && x[j - 1] > x[j]) peaks.push_back(t[j - 1]);
    if (x[j - 2] > x[j - 1] && x[j - 1] < x[j]) negative_peaks.push_back(t[j - 1]);
  }
  auto max_of = [&](const std::vector<double>& v) {
    return v.empty() ? nan : *std::max_element(v.begin(), v.end());
  };
  auto min_of = [&](const std::vector<double>& v) {
    return v.empty() ? nan : *std::min_element(v.begin(), v.end());
  };
  std::vector<double> out = {
      mean, mn, mx, std::sqrt(sum_sq / m), std::sqrt(var), std::max(std::abs(mn), std::abs(mx)),
      mx,   mn};
  for (const auto* list : {&peaks, &negative_peaks})
    for (int p = 0; p < n_peaks; ++p)
      out.push_back(p < static_cast<int>(list->size()) ? (*list)[p] : nan);
  out.insert(out.end(), {max_of(d1), min_of(d1), max_of(d2), min_of(d2)});
  return out;
}

const std::vector<std::string> all_metrics = {"mean",         "min",           "max",
                                              "rms",          "std",           "max_magnitude",
                                              "extrema",      "peaks",         "negative_peaks",
                                              "dxdt_extrema", "d2xdt2_extrema"};

template <class R>
auto host_summaries(const R& r) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.summaries);
}

bool same_or_both_nan(double a, double b, double tol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= tol * (1 + std::abs(b));
}

template <class T>
void check_against_saved_samples(double tol) {
  IntegrationSettings s;
  s.duration = 10.0;
  s.save_interval = 0.05;  // samples default to the save interval
  s.summary_window = 2.5;  // 50 samples
  s.summary_metrics = all_metrics;
  s.n_peaks = 3;
  s.atol = s.rtol = 1e-9;
  const auto batch = Batch::grid<Oscillator>({{"w", {2.0, 3.0, 5.5}}, {"c", {0.0, 0.3}}});
  const auto r = kobie::solve<T, Dopri>(Exec(), Oscillator{}, batch, s);
  ASSERT_EQ(r.failures(), 0) << r.failure_summary();
  ASSERT_EQ(r.summary_window_starts.size(), 4u);
  EXPECT_DOUBLE_EQ(r.summary_window_starts[3], 7.5);
  const int per_variable = 8 + 2 * s.n_peaks + 4;
  ASSERT_EQ(r.summary_columns.size(), std::size_t(3 * per_variable));  // x, v, energy
  EXPECT_EQ(r.summary_columns[0], "x.mean");
  EXPECT_EQ(r.summary_columns[8], "x.peaks[0]");
  EXPECT_EQ(r.summary_columns[2 * per_variable + per_variable - 1], "energy.d2xdt2_min");
  const auto h = kobie_test::host_outputs(r);
  const auto sm = host_summaries(r);
  ASSERT_EQ(int(sm.extent(0)), 4);
  int peaks_seen = 0;
  for (std::int64_t sys = 0; sys < batch.size(); ++sys) {
    for (int var = 0; var < 3; ++var) {
      std::vector<double> x, t;
      for (std::size_t k = 0; k < r.save_times.size(); ++k) {
        x.push_back(double(h(k, var, sys)));
        t.push_back(r.save_times[k]);
      }
      for (int w = 0; w < 4; ++w) {
        const auto expected = host_metrics(x, t, 50 * w, 50, 0.05, s.n_peaks);
        for (int c = 0; c < per_variable; ++c) {
          const double got = double(sm(w, var * per_variable + c, sys));
          // Derivative columns divide differences by dt (and dt^2): scale.
          const double scale = c >= per_variable - 2 ? 400.0 : c >= per_variable - 4 ? 20.0 : 1.0;
          EXPECT_TRUE(same_or_both_nan(got, expected[c], tol * scale))
              << "system " << sys << " " << r.summary_columns[var * per_variable + c] << " window "
              << w << ": " << got << " vs " << expected[c];
        }
        peaks_seen += !std::isnan(expected[8]);
      }
    }
  }
  EXPECT_GT(peaks_seen, 20) << "the test must exercise peak detection";
}

TEST(TEST_CATEGORY, summaries_match_a_host_computation_over_the_saved_samples) {
  check_against_saved_samples<double>(1e-10);
  check_against_saved_samples<float>(2e-6);
}

TEST(TEST_CATEGORY, summaries_of_an_exact_solution_sampled_between_saves) {
  // Decay: x = exp(-k t). Samples every 0.01, saves every 0.5: the loop must
  // land on sample times it does not save at. Expected values from the exact
  // solution at the sample times.
  using System = kobie::systems::Decay;
  IntegrationSettings s;
  s.t0 = 0.5;
  s.settling_time = 0.25;
  s.duration = 3.0;
  s.save_interval = 0.5;
  s.sample_interval = 0.01;
  s.summary_window = 1.0;
  s.summary_metrics = {"mean", "extrema", "dxdt_extrema", "d2xdt2_extrema"};
  s.atol = s.rtol = 1e-12;
  s.dt_min = 1e-14;
  const auto batch = Batch::grid<System>({{"k", {0.5, 2.0}}});
  const auto r = kobie::solve<double, Dopri>(Exec(), System{}, batch, s);
  ASSERT_EQ(r.failures(), 0) << r.failure_summary();
  ASSERT_EQ(r.summary_window_starts.size(), 3u);
  const auto sm = host_summaries(r);
  for (int sys = 0; sys < 2; ++sys) {
    const double k = batch.parameter(0, sys);
    std::vector<double> x, t;
    for (int j = 0; j < 300; ++j) {
      t.push_back(0.75 + j * 0.01);
      x.push_back(std::exp(-k * (t.back() - 0.5)));
    }
    for (int w = 0; w < 3; ++w) {
      const auto e = host_metrics(x, t, 100 * w, 100, 0.01, 0);
      // mean; max, min; dxdt max, min; d2xdt2 max, min
      const std::vector<double> expected = {e[0], e[6], e[7], e[8], e[9], e[10], e[11]};
      const std::vector<double> scale = {1, 1, 1, 100, 100, 1e4, 1e4};
      for (int c = 0; c < 7; ++c)
        EXPECT_TRUE(same_or_both_nan(sm(w, c, sys), expected[c], 1e-9 * scale[c]))
            << "system " << sys << " window " << w << " " << r.summary_columns[c] << ": "
            << sm(w, c, sys) << " vs " << expected[c];
    }
  }
}

TEST(TEST_CATEGORY, summaries_do_not_depend_on_launch_chunking) {
  IntegrationSettings s;
  s.duration = 6.0;
  s.save_interval = 0.05;
  s.sample_interval = 0.02;  // coincides with every other... fifth save
  s.summary_window = 0.7;    // 35 samples: windows straddle launches
  s.summary_metrics = all_metrics;
  s.n_peaks = 2;
  s.summarised_states = {"v"};
  s.summarised_observables = {"energy"};
  const auto batch = Batch::grid<Oscillator>({{"w", {1.0, 4.0, 7.0}}, {"c", {0.0, 0.2}}});
  const auto whole = kobie::solve<double, Dopri>(Exec(), Oscillator{}, batch, s);
  for (int chunk : {1, 7, 13}) {
    s.saves_per_chunk = chunk;
    const auto parts = kobie::solve_to_host<double, Dopri>(Exec(), Oscillator{}, batch, s);
    const auto a = host_summaries(whole);
    ASSERT_EQ(a.extent(0), parts.summaries.extent(0));
    ASSERT_EQ(a.extent(1), parts.summaries.extent(1));
    EXPECT_EQ(a.extent(0), 8u);
    for (std::size_t w = 0; w < a.extent(0); ++w)
      for (std::size_t c = 0; c < a.extent(1); ++c)
        for (std::int64_t sys = 0; sys < batch.size(); ++sys) {
          const double x = a(w, c, sys), y = parts.summaries(w, c, sys);
          EXPECT_TRUE((std::isnan(x) && std::isnan(y)) || x == y)
              << "chunk " << chunk << " window " << w << " " << whole.summary_columns[c];
        }
  }
}

TEST(TEST_CATEGORY, summaries_of_a_failed_system_are_nan_after_it_fails) {
  // Riccati with y0 = -1 blows up at t = 1 (y0 / (1 + y0 t^2)); y0 = 1 is fine.
  IntegrationSettings s;
  s.duration = 2.0;
  s.save_interval = 0.1;
  s.summary_window = 0.5;
  s.summary_metrics = {"mean", "max"};
  s.dt_min = 1e-10;
  const auto batch = Batch::verbatim<kobie_test::Riccati>({{1.0}, {-1.0}, {0.5}});
  const auto r = kobie::solve<double, Dopri>(Exec(), kobie_test::Riccati{}, batch, s);
  EXPECT_EQ(r.failures(), 1);
  EXPECT_NE(r.status(1), 0);
  const auto sm = host_summaries(r);
  for (int w = 0; w < 4; ++w) {
    EXPECT_TRUE(std::isfinite(sm(w, 0, 0)) && std::isfinite(sm(w, 0, 2)));
    EXPECT_EQ(std::isnan(sm(w, 0, 1)), w >= 2) << "window " << w;
  }
  EXPECT_LT(sm(0, 0, 1), -1.0) << "window 0 of the failing system keeps its value";
}

TEST(TEST_CATEGORY, summaries_cost_no_memory_unless_asked_and_stay_in_persistent_storage) {
  using Loop =
      kobie::IntegrationLoop<Oscillator, kobie::ErkStep<tab::DormandPrince54, Oscillator, double>,
                             double>;
  (void)sizeof(Loop);
  // No placement moves a run-time sized buffer.
  static_assert(kobie::Impl::resolve_buffer<kobie::AllLocal, kobie::Summaries, false>(0).location ==
                kobie::Location::persistent);
  static_assert(kobie::Impl::resolve_buffer<kobie::AllShared, kobie::Summaries, true>(0).location ==
                kobie::Location::persistent);
  IntegrationSettings s;
  s.duration = 1.0;
  const auto batch = Batch::grid<Oscillator>({{"w", {1.0}}});
  const auto plain = kobie::solve<double, Dopri>(Exec(), Oscillator{}, batch, s);
  EXPECT_NE(plain.layout_report.find("accumulators"), std::string::npos) << plain.layout_report;
  s.summary_metrics = {"peaks"};
  s.n_peaks = 4;
  const auto with = kobie::solve<double, Dopri>(Exec(), Oscillator{}, batch, s);
  // 3 variables x (12 + 2 x 4) float64 slots = 480 B more per system.
  auto persistent_bytes = [](const std::string& report) {
    const std::string key = "per system: ";
    const auto at = report.find(key);
    EXPECT_NE(at, std::string::npos) << report;
    return std::stol(report.substr(at + key.size()));
  };
  EXPECT_EQ(persistent_bytes(with.layout_report) - persistent_bytes(plain.layout_report), 480);
  EXPECT_EQ(plain.summaries.extent(0), 0u);
  EXPECT_TRUE(plain.summary_columns.empty());
}

/// A component that declares a run-time sized buffer where it cannot live.
struct MisdeclaredRunTimeSize {
  static const char* component_name() { return "misdeclared"; }
  static constexpr int buffer_count = 1;
  KOKKOS_INLINE_FUNCTION static constexpr kobie::BufferInfo buffer(int) {
    return {"scratch", 0,   kobie::ElementType::float64, kobie::Location::local, false, -1,
            true,      true};
  }
};

TEST(TEST_CATEGORY, run_time_sized_buffers_are_never_declared_local) {
  kobie::BufferRegistry registry;
  try {
    kobie::register_components<MisdeclaredRunTimeSize>(registry, "root");
    ADD_FAILURE() << "no error";
  } catch (const std::logic_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'scratch'"), std::string::npos) << m;
    EXPECT_NE(m.find("run-time size"), std::string::npos) << m;
  }
}

TEST(TEST_CATEGORY, summary_settings_are_validated) {
  const auto batch = Batch::grid<Oscillator>({{"w", {1.0}}});
  auto error_of = [&](auto change) -> std::string {
    IntegrationSettings s;
    s.duration = 2.0;
    s.save_interval = 0.1;
    s.summary_metrics = {"mean"};
    change(s);
    try {
      kobie::solve<double, Dopri>(Exec(), Oscillator{}, batch, s);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no error";
  };
  auto expect_error = [&](auto change, const std::vector<std::string>& parts) {
    const std::string e = error_of(change);
    for (const auto& p : parts) EXPECT_NE(e.find(p), std::string::npos) << e << " lacks " << p;
  };
  expect_error(
      [](auto& s) {
        s.summary_metrics = {"mean", "median"};
      },
      {"summary_metrics", "'median'", "'mean'", "'d2xdt2_extrema'"});
  expect_error([](auto& s) { s.summary_window = 0.25; },
               {"summary_window", "0.25", "whole multiple", "0.1"});
  expect_error([](auto& s) { s.summary_window = 3.0; }, {"summary_window", "duration"});
  expect_error([](auto& s) { s.sample_interval = 2.5; }, {"sample_interval", "duration"});
  expect_error([](auto& s) { s.sample_interval = -1; }, {"sample_interval", "-1"});
  expect_error([](auto& s) { s.summary_metrics = {"peaks"}, s.n_peaks = 0; },
               {"n_peaks", "0", "[1, 64]"});
  expect_error([](auto& s) { s.summarised_states = {"z"}; }, {"summarised_states", "'z'", "'x'"});
  expect_error([](auto& s) { s.summary_metrics = {}, s.summarised_observables = {"energy"}; },
               {"summarised_observables", "summary_metrics"});
  EXPECT_EQ(error_of([](auto& s) { s.summary_window = 0.3; }), "no error");
}

}  // namespace
