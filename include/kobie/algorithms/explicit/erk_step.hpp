#pragma once

/// \file
/// The explicit Runge-Kutta step, written once for every tableau (explicit
/// Euler is the one-stage tableau) and every placement. It is a registry
/// component: its working memory is declared, never sliced by hand.
///
/// One attempt from (t, y) with step h:
///   k_0 = f(t, y)               (or the saved last stage of the previous
///                                accepted step, for FSAL tableaus)
///   Y_s = y + h sum_{j<s} a_sj k_j,   k_s = f(t + c_s h, Y_s)
///   y_new = y + h sum_s b_s k_s  (copied from the last Y_s when b equals
///                                 the last row of A)
///   err_i = h sum_s e_s k_s,i     (DOP853: its 5th / 3rd-order combination)
///   norm  = sqrt(mean_i (err_i / (atol_i + rtol_i max(|y_i|, |y_new_i|)))^2),
///           given squared to the controller
/// Tableau coefficients are compile-time constants at every use (the stage
/// loops are unrolled through `static_for`), so no coefficient table is ever
/// materialised in device memory.

#include <kobie/algorithms/explicit/tableaus.hpp>
#include <kobie/impl/fast_math.hpp>
#include <kobie/impl/kokkos_compat.hpp>
#include <kobie/launch/simd_pack.hpp>
#include <kobie/registry/buffer_allocator.hpp>
#include <kobie/registry/buffer_types.hpp>

#include <cstdint>
#include <type_traits>
#include <utility>

namespace kobie {

namespace Impl {
/// Calls f(std::integral_constant<int, I>) for I in [Begin, End).
template <int Begin, int End, class F>
KOKKOS_FORCEINLINE_FUNCTION void static_for(const F& f) {
  if constexpr (Begin < End) {
    f(std::integral_constant<int, Begin>{});
    static_for<Begin + 1, End>(f);
  }
}

/// Stage s's derivative inside the stage_rhs buffer (element i at s * N + i).
template <class K, int N>
struct StageSlice {
  K& k;
  int s;
  KOKKOS_FORCEINLINE_FUNCTION auto& operator[](int i) const { return k[s * N + i]; }
};

/// True when the tableau's weights equal its last row of A (then y_new is
/// the last stage's input and is copied, not re-accumulated).
template <class Tab>
constexpr bool weights_are_last_row() {
  // (No early return: nvcc warns that the loop is unreachable for 1 stage.)
  bool same = Tab::stages >= 2;
  for (int j = 0; j < Tab::stages; ++j) {
    const double last = j < Tab::stages - 1 ? Tab::a(Tab::stages - 1, j) : 0.0;
    same = same && last == Tab::b(j);
  }
  return same;
}

/// The first j < count with a nonzero weight w(j), or -1. Weighted sums start
/// from that term rather than from zero: x + 0 is not x in IEEE arithmetic
/// (x = -0), so a compiler keeps every such addition, one per state and
/// stage in the hot loop.
template <class W>
constexpr int first_nonzero(W w, int count) {
  int first = -1;
  for (int j = count - 1; j >= 0; --j) first = w(j) != 0.0 ? j : first;
  return first;
}
template <class Tab>
struct FirstNonzero {
  static constexpr int a(int s) {
    return first_nonzero([s](int j) { return Tab::a(s, j); }, s);
  }
  /// How many of row s's coefficients are nonzero.
  static constexpr int a_count(int s) {
    int count = 0;
    for (int j = 0; j < s; ++j) count += Tab::a(s, j) != 0.0 ? 1 : 0;
    return count;
  }
  static constexpr int b() {
    return first_nonzero([](int j) { return Tab::b(j); }, Tab::stages);
  }
  static constexpr int e() {
    return first_nonzero([](int j) { return Tab::e(j); }, Tab::stages);
  }
  static constexpr int e3() {
    if constexpr (Tab::dual_error)
      return first_nonzero([](int j) { return Tab::e3(j); }, Tab::stages);
    else
      return -1;
  }
};

/// acc = w k (the first nonzero term) or acc += w k (the others); nothing
/// for a zero weight. `J` is the term's index, `First` the first nonzero's.
template <int J, int First, class T>
KOKKOS_FORCEINLINE_FUNCTION void add_term(T& acc, double w, T k) {
  if constexpr (J == First)
    acc = T(w) * k;
  else
    acc = Impl::mul_add(T(w), k, acc);
}
}  // namespace Impl

/// Absolute and relative tolerances per state (scalars are broadcast on the
/// host).
template <int N>
struct Tolerances {
  double atol[N];
  double rtol[N];
};

/// The no-op logging policy of production kernels: every hook is empty and
/// inlines to nothing. A logging policy's `lane(system)` returns the logger
/// of one system's lane; tests record stages, errors and step decisions
/// through it (tests/recording_log.hpp).
struct NoLog {
  KOKKOS_FORCEINLINE_FUNCTION NoLog lane(std::int64_t) const { return {}; }
  template <class Time, class YS, class K>
  KOKKOS_FORCEINLINE_FUNCTION void stage(int, const Time&, const YS&, const K&) const {}
  template <class E, class Norm>
  KOKKOS_FORCEINLINE_FUNCTION void error(const E&, const Norm&) const {}
  KOKKOS_FORCEINLINE_FUNCTION void step(double, double, double, bool, double) const {}
};

/// The ERK step for tableau `Tab`, system `System`, scalar `T`: a number
/// (one system), or a `Pack<T, W>` of W systems on the host's pack path
/// (kobie/launch/simd_pack.hpp), which then takes each system's own time and step
/// as `Pack<double, W>`s and decides per system (a `PackMask<W>`).
template <class Tab, class System, class T>
struct ErkStep {
  static constexpr int n = System::n_states;
  static constexpr int stages = Tab::stages;
  /// Register arrays up to this many stage values per lane, shared memory above.
  static constexpr int local_stage_limit = 64;
  /// Right-hand-side evaluations per attempt (FSAL tableaus reuse k_0).
  static constexpr int rhs_evals_per_attempt = Tab::fsal ? stages - 1 : stages;
  /// The Step concept (kobie/algorithms/step_concept.hpp): an explicit step,
  /// which carries its last stage derivative to the next step (`fsal_rhs`)
  /// for FSAL tableaus.
  static constexpr bool implicit = false;
  static constexpr bool fsal = Tab::fsal;
  /// Whether the tableau has an error estimate, which adaptive controllers
  /// need (without one, fixed steps only).
  static constexpr bool adaptive = tableaus::controller_order<Tab>() > 0;

  static const char* component_name() { return "step"; }
  enum : int { stage_rhs, stage_input, error_estimate, fsal_rhs, buffer_count };
  KOKKOS_FORCEINLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    constexpr ElementType et = element_type_of<T>::value;
    switch (i) {
      case stage_rhs:
        return {"stage_rhs", n * stages, et,
                n * stages <= local_stage_limit ? Location::local : Location::shared};
      case stage_input:
        return {"stage_input", n, et, Location::local};
      case error_estimate:
        return {"error_estimate", n, et, Location::local, false, -1, Tab::error_order > 0};
      default:
        return {"fsal_rhs", n, et, Location::local, true, -1, Tab::fsal};
    }
  }

  /// f(t, y) into the FSAL buffer, before the first step of a run (FSAL
  /// tableaus take k_0 from it on every attempt; it stays valid after a
  /// rejection because y does not change).
  template <class Y, class F, class Rhs>
  KOKKOS_FORCEINLINE_FUNCTION static void init_fsal(double t, const Y& y, F& fsal, const Rhs& rhs,
                                                    int& evals) {
    if constexpr (Tab::fsal) {
      rhs(t, y, fsal);
      ++evals;
    }
  }

  /// One attempt from (t, y) with step h into y_new. `rhs(t, y, dydt)`
  /// evaluates the system (drivers included); `decide(err_sq)` is the
  /// controller, given the squared error norm (0 for tableaus without an
  /// estimate): whether it accepts is returned, and the FSAL derivative is
  /// kept only then. `Time` is double, or for packs a `Pack<double, W>` of
  /// each system's own (or a double shared by all, for fixed steps).
  ///
  /// `FixedStep` picks how weighted sums of several stages meet h. Adaptive
  /// steps (false): y + h (sum_j w_j k_j), one product by h per state, since
  /// h differs from lane to lane. Fixed steps (true): y + sum_j (h w_j) k_j,
  /// accumulated onto y, the products h w_j made once per step: h is the same
  /// for every lane of a host pass, so they leave the lane loop and each
  /// state saves one operation per such sum (Lorenz RK4: 3 of about 48 per
  /// step, down to the hand-written loop's count). The two round differently; each path
  /// uses one form everywhere (every backend, placement and lane path), so
  /// results stay bitwise the same across them.
  template <bool FixedStep = false, class Mem, class Time, class Y, class YN, class F, class Rhs,
            class Decide, class Log>
  KOKKOS_FORCEINLINE_FUNCTION static auto attempt(const Mem& mem, Time t, Time h, const Y& y,
                                                  YN& y_new, F& fsal, const Rhs& rhs,
                                                  const Tolerances<n>& tol, const Decide& decide,
                                                  int& evals, const Log& log) {
    auto k = mem.template get<stage_rhs>();
    auto ys = mem.template get<stage_input>();
    const T th = T(h);
    {
      auto k0 = Impl::StageSlice<decltype(k), n>{k, 0};
      if constexpr (Tab::fsal) {
        Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA { k0[i] = fsal[i]; });
      } else {
        (void)fsal;
        rhs(t, y, k0);
        ++evals;
      }
      log.stage(0, t, y, k0);
    }
    Impl::static_for<1, stages>([&](auto S) KOBIE_INLINE_LAMBDA {
      constexpr int s = decltype(S)::value;
      constexpr int first = Impl::FirstNonzero<Tab>::a(s);
      if constexpr (Impl::FirstNonzero<Tab>::a_count(s) == 1) {
        // One term: y + (h a) k, the product h a made once per attempt (once
        // per pass where h is the same for every lane) rather than per state.
        const T ha = th * T(Tab::a(s, first));
        Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
          ys[i] = Impl::mul_add(ha, T(k[first * n + i]), T(y[i]));
        });
      } else if constexpr (FixedStep) {
        Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
          T acc = T(y[i]);
          Impl::static_for<0, s>([&](auto J) KOBIE_INLINE_LAMBDA {
            constexpr int j = decltype(J)::value;
            constexpr double a = Tab::a(s, j);
            if constexpr (a != 0.0) acc = Impl::mul_add(T(h * a), T(k[j * n + i]), acc);
          });
          ys[i] = acc;
        });
      } else {
        Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
          T acc = T(0);
          Impl::static_for<0, s>([&](auto J) KOBIE_INLINE_LAMBDA {
            constexpr int j = decltype(J)::value;
            constexpr double a = Tab::a(s, j);
            if constexpr (a != 0.0) Impl::add_term<j, first>(acc, a, T(k[j * n + i]));
          });
          ys[i] = Impl::mul_add(th, acc, T(y[i]));
        });
      }
      auto ks = Impl::StageSlice<decltype(k), n>{k, s};
      rhs(t + Tab::c(s) * h, ys, ks);
      ++evals;
      log.stage(s, t + Tab::c(s) * h, ys, ks);
    });
    if constexpr (Impl::weights_are_last_row<Tab>()) {
      Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA { y_new[i] = ys[i]; });
    } else if constexpr (FixedStep) {
      Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
        T acc = T(y[i]);
        Impl::static_for<0, stages>([&](auto J) KOBIE_INLINE_LAMBDA {
          constexpr int j = decltype(J)::value;
          constexpr double b = Tab::b(j);
          if constexpr (b != 0.0) acc = Impl::mul_add(T(h * b), T(k[j * n + i]), acc);
        });
        y_new[i] = acc;
      });
    } else {
      constexpr int first = Impl::FirstNonzero<Tab>::b();
      Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
        T acc = T(0);
        Impl::static_for<0, stages>([&](auto J) KOBIE_INLINE_LAMBDA {
          constexpr int j = decltype(J)::value;
          constexpr double b = Tab::b(j);
          if constexpr (b != 0.0) Impl::add_term<j, first>(acc, b, T(k[j * n + i]));
        });
        y_new[i] = Impl::mul_add(th, acc, T(y[i]));
      });
    }
    const auto err_sq = error_norm_sq<FixedStep>(mem, y, y_new, k, th, tol, log);
    const auto accept = decide(err_sq);
    if constexpr (Tab::fsal) {
      Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
        fsal[i] = Impl::select(accept, T(k[(stages - 1) * n + i]), T(fsal[i]));
      });
    }
    return accept;
  }

 private:
  /// The squared RMS error norm (squared so no square root is needed), in
  /// float64: a double, or a `Pack<double, W>` for packs of W systems.
  template <bool FixedStep, class Mem, class Y, class YN, class K, class Log>
  KOKKOS_FORCEINLINE_FUNCTION static Impl::wide_t<T> error_norm_sq(const Mem& mem, const Y& y,
                                                                   const YN& y_new, const K& k,
                                                                   T th, const Tolerances<n>& tol,
                                                                   const Log& log) {
    using Wide = Impl::wide_t<T>;
    if constexpr (Tab::error_order == 0 || (Impl::is_pack<T>::value && FixedStep)) {
      // (fixed steps on packs: no controller reads it)
      (void)mem, (void)y, (void)y_new, (void)k, (void)th, (void)tol, (void)log;
      return Wide(0.0);
    } else {
      auto err = mem.template get<error_estimate>();
      Wide sum = Wide(0.0), sum3 = Wide(0.0);
      constexpr int first = Impl::FirstNonzero<Tab>::e();
      constexpr int first3 = Impl::FirstNonzero<Tab>::e3();
      Impl::for_n<n>([&](const int i) KOBIE_INLINE_LAMBDA {
        T acc = T(0), acc3 = T(0);
        Impl::static_for<0, stages>([&](auto J) KOBIE_INLINE_LAMBDA {
          constexpr int j = decltype(J)::value;
          constexpr double e = Tab::e(j);
          if constexpr (e != 0.0) Impl::add_term<j, first>(acc, e, T(k[j * n + i]));
          if constexpr (Tab::dual_error) {
            constexpr double e3 = Tab::e3(j);
            if constexpr (e3 != 0.0) Impl::add_term<j, first3>(acc3, e3, T(k[j * n + i]));
          }
        });
        err[i] = th * acc;
        const Wide yi = Impl::fabs(Impl::widen(y[i])), yn = Impl::fabs(Impl::widen(y_new[i]));
        const Wide scale =
            Impl::mul_add(Wide(tol.rtol[i]), Impl::max_of(yi, yn), Wide(tol.atol[i]));
        const Wide r = Impl::widen(err[i]) / scale;
        sum = Impl::mul_add(r, r, sum);
        if constexpr (Tab::dual_error) {
          const Wide r3 = Impl::widen(th * acc3) / scale;
          sum3 = Impl::mul_add(r3, r3, sum3);
        }
      });
      Wide norm_sq;
      if constexpr (Tab::dual_error) {
        // Hairer's DOP853 estimate err5^2 / sqrt(err5^2 + 0.01 err3^2) as an
        // RMS norm, squared: sum^2 / (n (sum + 0.01 sum3)).
        const Wide den = Impl::mul_add(Wide(0.01), sum3, sum);
        const auto positive = Impl::gt(den, Wide(0.0));
        norm_sq = Impl::select(positive, sum * sum / Impl::select(positive, den * n, Wide(1.0)),
                               Wide(0.0));
      } else {
        norm_sq = sum / n;
      }
      log.error(err, norm_sq);
      return norm_sq;
    }
  }
};

}  // namespace kobie
