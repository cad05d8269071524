#pragma once

/// \file
/// Step-size controllers. One set of parameters, a run-time choice between
/// the kinds (the kind only selects exponents, so there is no branch and no
/// extra compiled kernel per kind), and per-system history in persistent
/// buffers.
///
/// With q = the method's controller order (min of its two orders), k = q + 1,
/// err the RMS error norm of the step just taken (accept when err <= 1), and
/// err1, err2 the norms of the two previous accepted steps:
///   fixed       always accept (unless the new state is not finite), keep dt
///   i           f = safety * err^(-1/k)
///   pi          f = safety * err^(-0.7/k) * err1^(0.4/k)              (Hairer & Wanner)
///   pid         f = safety * err^(-0.58/k) * err1^(0.21/k) * err2^(-0.10/k)  (Soederlind)
///   gustafsson  f = min(safety * err^(-1/k), safety * (h / h1) * (err1 / err^2)^(1/k))
///               (predictive; the second term once a previous accepted step exists)
/// f is clamped to [min_gain, max_gain]; an accepted step with f inside the
/// deadband [deadband_low, deadband_high] keeps dt; after a rejection f <= 1.
/// A non-finite err rejects the step with f = min_gain. The next dt is
/// clamped to [dt_min, dt_max].
///
/// The code works on squared norms (no square root) and computes powers with
/// `Impl::pow_approx` (relative error < 1e-12), so that a host pass over many
/// lanes stays one vectorised loop; every backend uses the same formula.

#include <kobie/impl/fast_math.hpp>
#include <kobie/impl/kokkos_compat.hpp>

#include <cstdint>

namespace kobie {

enum class ControllerKind : std::uint8_t { fixed, i, pi, pid, gustafsson };

/// Controller parameters; validated and completed on the host (settings.cpp).
struct ControllerParams {
  ControllerKind kind = ControllerKind::pi;
  int order = 4;  ///< q above
  double safety = 0.9;
  double min_gain = 0.2;
  double max_gain = 5.0;
  double deadband_low = 1.0;
  double deadband_high = 1.2;
  double dt_min = 1e-12;
  double dt_max = 1e300;
  /// Exponents on err, err1, err2 (f = safety err^-a err1^b err2^-c), from
  /// the kind and order (`set_exponents`).
  double a = 0.0, b = 0.0, c = 0.0;
  bool predictive = false;

  void set_exponents() {
    const double k = order + 1.0;
    a = b = c = 0.0;
    predictive = false;
    switch (kind) {
      case ControllerKind::fixed:
        break;
      case ControllerKind::i:
        a = 1.0 / k;
        break;
      case ControllerKind::pi:
        a = 0.7 / k, b = 0.4 / k;
        break;
      case ControllerKind::pid:
        a = 0.58 / k, b = 0.21 / k, c = 0.10 / k;
        break;
      case ControllerKind::gustafsson:
        a = 1.0 / k, predictive = true;
        break;
    }
  }
};

/// Per-system history (persistent across steps and launches), as squared norms.
struct ControllerHistory {
  double err1_sq = 1.0;  ///< squared error norm of the last accepted step
  double err2_sq = 1.0;  ///< and of the one before
  double h1 = 0.0;       ///< the last accepted step size (0: none yet)
};

struct ControllerDecision {
  bool accept;
  double next_dt;
};

/// Decides on a step of size `h` with squared error norm `err_sq`; updates
/// `hist` when it accepts. Branch-free apart from selects.
KOKKOS_FORCEINLINE_FUNCTION ControllerDecision control_step(const ControllerParams& c,
                                                            ControllerHistory& hist, double h,
                                                            double err_sq) {
  using namespace Impl;  // quiet comparisons and pow_approx
  // The kind is the same for every lane of a launch: these branches are
  // uniform (never divergent on CUDA, unswitched out of host lane loops).
  if (c.kind == ControllerKind::fixed) return {true, h};
  const bool finite = Impl::isfinite(err_sq);
  const double e2 = finite ? max_of(err_sq, 1e-20) : 1.0;
  double f = c.safety * pow_approx(e2, -0.5 * c.a);
  if (c.b != 0.0) f *= pow_approx(hist.err1_sq, 0.5 * c.b);
  if (c.c != 0.0) f *= pow_approx(hist.err2_sq, -0.5 * c.c);
  const bool accept = finite & le(err_sq, 1.0);
  if (c.predictive) {
    const bool have_h1 = gt(hist.h1, 0.0);
    const double g = c.safety * (h / (have_h1 ? hist.h1 : 1.0)) *
                     pow_approx(hist.err1_sq, 0.5 / (c.order + 1.0)) *
                     pow_approx(e2, -1.0 / (c.order + 1.0));
    f = have_h1 & accept & lt(g, f) ? g : f;
  }
  f = clamp_to(f, c.min_gain, c.max_gain);
  f = finite ? f : c.min_gain;
  f = !accept & gt(f, 1.0) ? 1.0 : f;
  f = accept & ge(f, c.deadband_low) & le(f, c.deadband_high) ? 1.0 : f;
  const double next = clamp_to(h * f, c.dt_min, c.dt_max);
  const bool record = accept;
  hist.err2_sq = record ? hist.err1_sq : hist.err2_sq;
  hist.err1_sq = record ? e2 : hist.err1_sq;
  hist.h1 = record ? h : hist.h1;
  return {accept, next};
}

}  // namespace kobie
