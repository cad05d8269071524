#pragma once

/// \file
/// On-device summary metrics (docs/ARCHITECTURE.md, "Summary metrics"): the
/// metric names and their output columns (one table, used by settings
/// validation, result column names and the device code), the registry
/// component holding the per-system accumulators, and the one-pass update
/// run at every sample.

#include <kobie/impl/kokkos_compat.hpp>
#include <kobie/registry/buffer_allocator.hpp>
#include <kobie/registry/buffer_types.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace kobie {

/// Summary metrics, as bits of `ValidatedSettings::summary_flags`. Output
/// columns follow this order for every summarised variable.
enum SummaryMetric : int {
  metric_mean = 1 << 0,
  metric_min = 1 << 1,
  metric_max = 1 << 2,
  metric_rms = 1 << 3,
  metric_std = 1 << 4,
  metric_max_magnitude = 1 << 5,
  metric_extrema = 1 << 6,         ///< max, min
  metric_peaks = 1 << 7,           ///< times of the first n_peaks local maxima
  metric_negative_peaks = 1 << 8,  ///< times of the first n_peaks local minima
  metric_dxdt_extrema = 1 << 9,    ///< max, min of the first difference
  metric_d2xdt2_extrema = 1 << 10  ///< max, min of the second difference
};
inline constexpr int summary_metric_count = 11;

/// A metric's setting name and its output columns (a peak metric has
/// `n_peaks` columns named `<prefix>[i]`).
struct SummaryMetricInfo {
  const char* name;
  int columns;  ///< -1: n_peaks
  const char* column_names[2];
};

inline const SummaryMetricInfo& summary_metric_info(int index) {
  static const SummaryMetricInfo table[summary_metric_count] = {
      {"mean", 1, {"mean", nullptr}},
      {"min", 1, {"min", nullptr}},
      {"max", 1, {"max", nullptr}},
      {"rms", 1, {"rms", nullptr}},
      {"std", 1, {"std", nullptr}},
      {"max_magnitude", 1, {"max_magnitude", nullptr}},
      {"extrema", 2, {"max", "min"}},
      {"peaks", -1, {"peaks", nullptr}},
      {"negative_peaks", -1, {"negative_peaks", nullptr}},
      {"dxdt_extrema", 2, {"dxdt_max", "dxdt_min"}},
      {"d2xdt2_extrema", 2, {"d2xdt2_max", "d2xdt2_min"}},
  };
  return table[index];
}

/// Column names of one variable's metrics ("mean", "peaks[0]", ...).
inline std::vector<std::string> summary_column_suffixes(int flags, int n_peaks) {
  std::vector<std::string> out;
  for (int m = 0; m < summary_metric_count; ++m) {
    if (!(flags & (1 << m))) continue;
    const SummaryMetricInfo& info = summary_metric_info(m);
    if (info.columns < 0) {
      for (int p = 0; p < n_peaks; ++p)
        out.push_back(std::string(info.column_names[0]) + "[" + std::to_string(p) + "]");
    } else {
      for (int c = 0; c < info.columns; ++c) out.emplace_back(info.column_names[c]);
    }
  }
  return out;
}

/// The summaries' working memory: one run-time sized buffer of float64
/// accumulators in persistent storage (zero-sized when no metric is asked).
struct Summaries {
  static const char* component_name() { return "summaries"; }
  enum : int { accumulators, buffer_count };
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int) {
    return {"accumulators", 0, ElementType::float64, Location::persistent, false, -1, true, true};
  }
  /// Accumulator slots per summarised variable.
  enum : int {
    a_mean,
    a_m2,
    a_min,
    a_max,
    a_d1_max,
    a_d1_min,
    a_d2_max,
    a_d2_min,
    a_prev1,
    a_prev2,
    a_peaks_found,
    a_negative_peaks_found,
    a_peak_times  ///< n_peaks peak times, then n_peaks negative peak times
  };
  static constexpr int slots_per_variable(int n_peaks) { return a_peak_times + 2 * n_peaks; }
};

/// What the kernel needs to know about the run's summaries; trivially
/// copyable. `N` bounds the number of summarised variables.
template <int N>
struct SummaryConfig {
  int flags = 0;  ///< 0: no summaries
  int n_peaks = 0;
  int n_variables = 0;
  int variables[N > 0 ? N : 1];  ///< index into (states, then observables)
  int columns_per_variable = 0;
  bool needs_observables = false;  ///< an observable is summarised
  int samples_per_window = 1;
  double sample_interval = 1.0;
  double time_epsilon = 0.0;
  std::int64_t sample_begin = 0;  ///< first sample of this launch
  std::int64_t sample_end = 0;    ///< one past its last
  std::int64_t window_begin = 0;  ///< the window of this launch's first output row

  KOKKOS_INLINE_FUNCTION int slots() const { return Summaries::slots_per_variable(n_peaks); }
};

namespace Impl {

/// Folds sample j (value x at time t_j) of one variable into its accumulators
/// `a` (any indexable view; slots as in `Summaries`). Returns nothing; the
/// window's metrics are read by `write_summary` when j completes it.
template <class A>
KOKKOS_INLINE_FUNCTION void accumulate_sample(const A& a, int base, std::int64_t j,
                                              int index_in_window, double x, double t_j,
                                              double dt_sample, int n_peaks) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (index_in_window == 0) {
    a[base + Summaries::a_mean] = 0.0;
    a[base + Summaries::a_m2] = 0.0;
    a[base + Summaries::a_min] = inf;
    a[base + Summaries::a_max] = -inf;
    a[base + Summaries::a_d1_max] = -inf;
    a[base + Summaries::a_d1_min] = inf;
    a[base + Summaries::a_d2_max] = -inf;
    a[base + Summaries::a_d2_min] = inf;
    a[base + Summaries::a_peaks_found] = 0.0;
    a[base + Summaries::a_negative_peaks_found] = 0.0;
  }
  // Welford: mean and M2 in one pass.
  const double count = double(index_in_window + 1);
  const double mean = a[base + Summaries::a_mean];
  const double delta = x - mean;
  const double new_mean = mean + delta / count;
  a[base + Summaries::a_mean] = new_mean;
  a[base + Summaries::a_m2] = a[base + Summaries::a_m2] + delta * (x - new_mean);
  if (x < a[base + Summaries::a_min]) a[base + Summaries::a_min] = x;
  if (x > a[base + Summaries::a_max]) a[base + Summaries::a_max] = x;
  const double p1 = a[base + Summaries::a_prev1];
  const double p2 = a[base + Summaries::a_prev2];
  if (j >= 1) {
    const double d1 = (x - p1) / dt_sample;
    if (d1 > a[base + Summaries::a_d1_max]) a[base + Summaries::a_d1_max] = d1;
    if (d1 < a[base + Summaries::a_d1_min]) a[base + Summaries::a_d1_min] = d1;
  }
  if (j >= 2) {
    const double d2 = (x - 2.0 * p1 + p2) / (dt_sample * dt_sample);
    if (d2 > a[base + Summaries::a_d2_max]) a[base + Summaries::a_d2_max] = d2;
    if (d2 < a[base + Summaries::a_d2_min]) a[base + Summaries::a_d2_min] = d2;
    const double t_prev = t_j - dt_sample;
    const int found = int(a[base + Summaries::a_peaks_found]);
    if (p2 < p1 && p1 > x && found < n_peaks) {
      a[base + Summaries::a_peak_times + found] = t_prev;
      a[base + Summaries::a_peaks_found] = double(found + 1);
    }
    const int found_negative = int(a[base + Summaries::a_negative_peaks_found]);
    if (p2 > p1 && p1 < x && found_negative < n_peaks) {
      a[base + Summaries::a_peak_times + n_peaks + found_negative] = t_prev;
      a[base + Summaries::a_negative_peaks_found] = double(found_negative + 1);
    }
  }
  a[base + Summaries::a_prev2] = p1;
  a[base + Summaries::a_prev1] = x;
}

/// Writes one variable's metrics for the window just completed (`count`
/// samples) through `out(column, value)`, in `SummaryMetric` order; NaN
/// where a metric has no value, or for every column when `failed`.
template <class A, class Out>
KOKKOS_INLINE_FUNCTION void write_summary(const A& a, int base, int flags, int n_peaks, int count,
                                          bool failed, const Out& out) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto finite_or_nan = [&](double v) { return failed || !(v - v == 0.0) ? nan : v; };
  const double mean = a[base + Summaries::a_mean];
  const double variance = a[base + Summaries::a_m2] / double(count);
  const double mn = a[base + Summaries::a_min];
  const double mx = a[base + Summaries::a_max];
  int column = 0;
  if (flags & metric_mean) out(column++, finite_or_nan(mean));
  if (flags & metric_min) out(column++, finite_or_nan(mn));
  if (flags & metric_max) out(column++, finite_or_nan(mx));
  if (flags & metric_rms) out(column++, finite_or_nan(Impl::sqrt(variance + mean * mean)));
  if (flags & metric_std) out(column++, finite_or_nan(Impl::sqrt(variance)));
  if (flags & metric_max_magnitude)
    out(column++, finite_or_nan(Impl::fabs(mx) > Impl::fabs(mn) ? Impl::fabs(mx) : Impl::fabs(mn)));
  if (flags & metric_extrema) {
    out(column++, finite_or_nan(mx));
    out(column++, finite_or_nan(mn));
  }
  for (int which = 0; which < 2; ++which) {
    if (!(flags & (which == 0 ? metric_peaks : metric_negative_peaks))) continue;
    const int found =
        int(a[base + (which == 0 ? Summaries::a_peaks_found : Summaries::a_negative_peaks_found)]);
    for (int p = 0; p < n_peaks; ++p)
      out(column++,
          failed || p >= found ? nan : a[base + Summaries::a_peak_times + which * n_peaks + p]);
  }
  if (flags & metric_dxdt_extrema) {
    out(column++, finite_or_nan(a[base + Summaries::a_d1_max]));
    out(column++, finite_or_nan(a[base + Summaries::a_d1_min]));
  }
  if (flags & metric_d2xdt2_extrema) {
    out(column++, finite_or_nan(a[base + Summaries::a_d2_max]));
    out(column++, finite_or_nan(a[base + Summaries::a_d2_min]));
  }
}

}  // namespace Impl
}  // namespace kobie
