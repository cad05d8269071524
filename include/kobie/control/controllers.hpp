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
/// The code works in the log domain on squared norms (no square root): the
/// history holds log2 err1^2 and log2 err2^2, so a step takes one logarithm
/// (of err^2; Gustafsson's predictive term one more, of h / h1) and one power
/// of two, where the products above would take five powers. `Impl::log2_approx` and
/// `Impl::exp2_approx` (gain within 1e-9 relative) are pure arithmetic, so a
/// host pass over many lanes stays one vectorised loop; every backend uses
/// the same formula.

#include <kobie/impl/fast_math.hpp>
#include <kobie/impl/kokkos_compat.hpp>
#include <kobie/launch/simd_pack.hpp>

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
  double deadband_high = 1.0;
  double dt_min = 1e-12;
  double dt_max = 1e300;
  /// Exponents on err, err1, err2 (f = safety err^-a err1^b err2^-c) and
  /// 1 / k, from the kind and order (`set_exponents`): precomputed so that
  /// the device code holds no int-to-float conversion.
  double a = 0.0, b = 0.0, c = 0.0, inv_k = 0.2;
  bool predictive = false;
  bool fixed = false;

  void set_exponents() {
    const double k = order + 1.0;
    a = b = c = 0.0;
    inv_k = 1.0 / k;
    predictive = false;
    fixed = kind == ControllerKind::fixed;
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

/// Per-system history (persistent across steps and launches), as log2 of the
/// squared norms (0: norm 1, the start).
struct ControllerHistory {
  double log2_err1_sq = 0.0;  ///< log2 of the squared error norm of the last accepted step
  double log2_err2_sq = 0.0;  ///< and of the one before
  double h1 = 0.0;            ///< the last accepted step size (0: none yet)
};

/// Whether a compiled controller may take Gustafsson's predictive branch:
/// `any` reads the run-time kind; `never` is compiled for the other kinds
/// and leaves the predictive term out entirely (a logarithm and a division
/// per step, about a third of the controller's arithmetic). The host lane
/// loop compiles both; CUDA uses `any`.
enum class Prediction : std::uint8_t { any, never };

/// Whether the controller accepts an attempt of size `h` with squared error
/// norm `err_sq`: the decision alone, a few comparisons. `eligible` false
/// (an inactive lane, or a proposal that is not finite) always rejects.
/// For one system (`D` double, `M` bool), or per system of a pack (`D` a
/// `Pack<double, W>`, `M` a `PackMask<W>`: kobie/launch/simd_pack.hpp).
template <class D, class M>
KOKKOS_FORCEINLINE_FUNCTION M accepts(const ControllerParams& c, const D& h, const D& err_sq,
                                      const M& eligible) {
  using namespace Impl;
  const M fixed = lane_flag(h, c.fixed);
  return ((M(Impl::isfinite(err_sq)) & le(err_sq, D(1.0))) | fixed) & eligible;
}

/// The step size after an attempt of size `h` with squared error norm
/// `err_sq` (whatever `accepts` decided), and the history update when it
/// was accepted and `eligible`. Branch-free: every term is computed and the
/// kind's choices are selects, so a host pass over many lanes stays one SIMD
/// loop (a conditional region holding a division or a conversion is not
/// if-converted by GCC under its default -ftrapping-math; plain scalars
/// rather than a returned struct keep everything in registers).
template <Prediction P = Prediction::any>
KOKKOS_FORCEINLINE_FUNCTION double propose_step(const ControllerParams& c, ControllerHistory& hist,
                                                double h, double err_sq, bool eligible) {
  using namespace Impl;  // lt / le, select, log2_approx and exp2_approx
  const bool fixed = lane_flag(h, c.fixed);
  const bool finite = Impl::isfinite(err_sq);
  const double log2_e2 = log2_approx(select(finite, max_of(err_sq, 1e-20), 1.0));
  const double log2_f =
      -0.5 * c.a * log2_e2 + 0.5 * c.b * hist.log2_err1_sq - 0.5 * c.c * hist.log2_err2_sq;
  const bool accept = finite & le(err_sq, 1.0);
  double log2_gain = log2_f;
  if constexpr (P == Prediction::any) {
    const bool predictive = lane_flag(h, c.predictive);
    const bool have_h1 = gt(hist.h1, 0.0);
    const double log2_g = log2_approx(h / select(have_h1, hist.h1, h)) +
                          0.5 * c.inv_k * hist.log2_err1_sq - c.inv_k * log2_e2;
    const bool use_g = predictive & have_h1 & accept & lt(log2_g, log2_f);
    log2_gain = select(use_g, log2_g, log2_f);
  }
  // Gains beyond 2^+-64 are clamped below anyway; the bound keeps 2^n normal.
  double f = c.safety * exp2_approx(clamp_to(log2_gain, -64.0, 64.0));
  f = clamp_to(f, c.min_gain, c.max_gain);
  f = select(finite, f, c.min_gain);
  f = select(!accept & gt(f, 1.0), 1.0, f);
  f = select(accept & ge(f, c.deadband_low) & le(f, c.deadband_high), 1.0, f);
  const double next = clamp_to(h * f, c.dt_min, c.dt_max);
  const bool record = accept & eligible & !fixed;
  hist.log2_err2_sq = select(record, hist.log2_err1_sq, hist.log2_err2_sq);
  hist.log2_err1_sq = select(record, log2_e2, hist.log2_err1_sq);
  hist.h1 = select(record, h, hist.h1);
  return select(fixed, h, next);
}

/// Both at once: whether to accept, and the next step size into `next_dt`.
template <Prediction P = Prediction::any>
KOKKOS_FORCEINLINE_FUNCTION bool control_step(const ControllerParams& c, ControllerHistory& hist,
                                              double h, double err_sq, bool eligible,
                                              double& next_dt) {
  next_dt = propose_step<P>(c, hist, h, err_sq, eligible);
  return accepts(c, h, err_sq, eligible);
}

}  // namespace kobie
