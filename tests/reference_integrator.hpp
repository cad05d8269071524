#pragma once
// An independent reference implementation of KoBIE's explicit integration
// (step, controllers, loop), in plain C++ over std::vector: no Kokkos, no
// registry, std::pow and std::sqrt. Only the tableau coefficients are shared
// (they are data, validated separately). The device results are compared with
// it step by step.

#include <kobie/algorithms/explicit/tableaus.hpp>
#include <kobie/control/controllers.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>
#include <vector>

namespace kobie_ref {

using Vec = std::vector<double>;
using Rhs = std::function<void(double, const Vec&, Vec&)>;

struct Settings {
  double t0 = 0, settling = 0, duration = 1, save_interval = 0.1, dt = 1e-3;
  kobie::ControllerKind kind = kobie::ControllerKind::pi;
  double safety = 0.9, min_gain = 0.2, max_gain = 5, deadband_low = 1, deadband_high = 1;
  double dt_min = 1e-12, dt_max = 1e300, atol = 1e-6, rtol = 1e-6;
};

struct StepRecord {
  double t, h, err;
  bool accept;
  double next_dt;
};

struct Result {
  std::vector<Vec> saves;
  std::vector<StepRecord> steps;
  int accepted = 0, rejected = 0, evals = 0;
  double t = 0, dt = 0;
};

struct Attempt {
  Vec y_new, k_last;
  std::vector<Vec> K;  ///< every stage's derivative
  Vec error;           ///< h sum_j e_j K_j (zeros without an estimate)
  double err = 0;      ///< RMS error norm (0 without an estimate)
  int evals = 0;
};

/// One ERK attempt from (t, y) with step h; k0 = f(t, y) when given (FSAL).
template <class Tab>
Attempt attempt(const Rhs& f, double t, const Vec& y, double h, const Vec* k0, double atol,
                double rtol) {
  const int n = static_cast<int>(y.size());
  const int stages = Tab::stages;
  std::vector<Vec> K(stages, Vec(n));
  Vec ys(n);
  Attempt a;
  if (k0) {
    K[0] = *k0;
  } else {
    f(t, y, K[0]);
    ++a.evals;
  }
  for (int st = 1; st < stages; ++st) {
    for (int i = 0; i < n; ++i) {
      double acc = 0;
      for (int j = 0; j < st; ++j) acc += Tab::a(st, j) * K[j][i];
      ys[i] = y[i] + h * acc;
    }
    f(t + Tab::c(st) * h, ys, K[st]);
    ++a.evals;
  }
  a.y_new.resize(n);
  for (int i = 0; i < n; ++i) {
    double acc = 0;
    for (int j = 0; j < stages; ++j) acc += Tab::b(j) * K[j][i];
    a.y_new[i] = y[i] + h * acc;
  }
  a.error.assign(n, 0.0);
  if (Tab::error_order > 0) {
    double s5 = 0, s3 = 0;
    for (int i = 0; i < n; ++i) {
      double e = 0, e3 = 0;
      for (int j = 0; j < stages; ++j) {
        e += Tab::e(j) * K[j][i];
        e3 += Tab::e3(j) * K[j][i];
      }
      a.error[i] = h * e;
      const double scale = atol + rtol * std::max(std::abs(y[i]), std::abs(a.y_new[i]));
      s5 += (h * e / scale) * (h * e / scale);
      s3 += (h * e3 / scale) * (h * e3 / scale);
    }
    a.err = Tab::dual_error ? (s5 + 0.01 * s3 > 0 ? s5 / std::sqrt(n * (s5 + 0.01 * s3)) : 0.0)
                            : std::sqrt(s5 / n);
  }
  a.k_last = K[stages - 1];
  a.K = K;
  return a;
}

struct History {
  double err1 = 1, err2 = 1, h1 = 0;
};

/// The controllers as documented in kobie/control/controllers.hpp, with std::pow.
inline std::pair<bool, double> control(const Settings& s, int order, History& hist, double h,
                                       double err) {
  if (s.kind == kobie::ControllerKind::fixed) return {true, h};
  const double k = order + 1.0;
  if (!std::isfinite(err)) return {false, std::clamp(h * s.min_gain, s.dt_min, s.dt_max)};
  const double e = std::max(err, 1e-10);
  double fac;
  switch (s.kind) {
    case kobie::ControllerKind::i:
      fac = s.safety * std::pow(e, -1 / k);
      break;
    case kobie::ControllerKind::pi:
      fac = s.safety * std::pow(e, -0.7 / k) * std::pow(hist.err1, 0.4 / k);
      break;
    case kobie::ControllerKind::pid:
      fac = s.safety * std::pow(e, -0.58 / k) * std::pow(hist.err1, 0.21 / k) *
            std::pow(hist.err2, -0.10 / k);
      break;
    default:
      fac = s.safety * std::pow(e, -1 / k);
      if (hist.h1 > 0 && err <= 1) {
        const double g = s.safety * (h / hist.h1) * std::pow(hist.err1 / (e * e), 1 / k);
        fac = std::min(fac, g);
      }
  }
  fac = std::clamp(fac, s.min_gain, s.max_gain);
  const bool accept = err <= 1;
  if (!accept) fac = std::min(fac, 1.0);
  if (accept && fac >= s.deadband_low && fac <= s.deadband_high) fac = 1;
  if (accept) {
    hist.err2 = hist.err1;
    hist.err1 = e;
    hist.h1 = h;
  }
  return {accept, std::clamp(h * fac, s.dt_min, s.dt_max)};
}

/// The save times of a run.
inline std::vector<double> save_times(const Settings& s) {
  std::vector<double> times;
  const double kk = std::floor(s.duration / s.save_interval * (1 + 1e-12));
  int n_saves = static_cast<int>(kk) + 1;
  if (kk * s.save_interval < s.duration * (1 - 1e-12)) ++n_saves;
  for (int i = 0; i < n_saves; ++i)
    times.push_back(i == n_saves - 1 ? s.t0 + s.settling + s.duration
                                     : s.t0 + s.settling + i * s.save_interval);
  return times;
}

/// A whole run: steps towards each save time, the last one shortened to land
/// on it exactly; a landing step never shrinks the proposed dt.
template <class Tab>
Result integrate(const Rhs& f, Vec y, const Settings& s) {
  const int order = kobie::tableaus::controller_order<Tab>();
  Result r;
  double t = s.t0, dt = s.dt;
  History hist;
  Vec fsal;
  if (Tab::fsal) {
    fsal.resize(y.size());
    f(t, y, fsal);
    ++r.evals;
  }
  for (double target : save_times(s)) {
    while (t < target) {
      const double remaining = target - t;
      const bool land = dt >= remaining * (1 - 1e-12);
      const double h = land ? remaining : dt;
      const Attempt a = attempt<Tab>(f, t, y, h, Tab::fsal ? &fsal : nullptr, s.atol, s.rtol);
      r.evals += a.evals;
      const auto [accept, next] = control(s, order, hist, h, a.err);
      r.steps.push_back({t, h, a.err, accept, next});
      if (accept) {
        y = a.y_new;
        if (Tab::fsal) fsal = a.k_last;
        t = land ? target : t + h;
        dt = land && next < dt ? dt : next;
        ++r.accepted;
      } else {
        dt = next;
        ++r.rejected;
      }
    }
    r.saves.push_back(y);
  }
  r.t = t;
  r.dt = dt;
  return r;
}

}  // namespace kobie_ref
