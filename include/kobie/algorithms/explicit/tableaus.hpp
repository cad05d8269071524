#pragma once

/// \file
/// Explicit Runge-Kutta tableaus as compile-time data, usable on host and
/// device.
///
/// Each tableau is a struct of static members:
///   - `name()`: kebab-case name (constexpr for `named` to select by it);
///   - `stages`, `order` (of the propagated solution, weights b),
///     `error_order` (of the embedded solution bhat = b - e; 0 = no error
///     estimate), `fsal`, `dual_error`;
///   - `a(i, j)`, `b(i)`, `c(i)`, `e(i)`, `e3(i)`: constexpr accessors that
///     return 0 for indices outside the tableau (and `a(i, j)` for j >= i).
///
/// The coefficients live in local constexpr arrays inside the accessors, not
/// in static constexpr member arrays: nvcc cannot use the latter in device
/// code.
///
/// FSAL ("first same as last") tableaus have c(s-1) = 1, b(s-1) = 0 and a last
/// row of A equal to b, so the last stage evaluates f(t + h, y_new), which is
/// the first stage of the next step.
///
/// Error estimate: err = h * sum_i e(i) k_i, compared against the tolerances
/// by the step-size controller, which uses the exponent of
/// `controller_order<Tab>()` = min(order, error_order); 7 for DOP853.
///
/// Sources (values as exact rationals where the source gives rationals, else
/// full-precision decimals; rationals whose numerator or denominator does not
/// fit in 53 bits are written as 25-digit decimals):
///   - ExplicitEuler: Euler (1768).
///   - Heun2: Heun, "Neue Methoden zur approximativen Integration der
///     Differentialgleichungen einer unabhaengigen Veraenderlichen",
///     Z. Math. Phys. 45 (1900); embedded: explicit Euler.
///   - Ralston3: Ralston, "Runge-Kutta methods with minimum error bounds",
///     Math. Comp. 16 (1962).
///   - BogackiShampine32: Bogacki and Shampine, "A 3(2) pair of Runge-Kutta
///     formulas", Appl. Math. Lett. 2 (1989).
///   - ClassicalRK4: Kutta, "Beitrag zur naeherungsweisen Integration totaler
///     Differentialgleichungen", Z. Math. Phys. 46 (1901).
///   - DormandPrince54: Dormand and Prince, "A family of embedded Runge-Kutta
///     formulae", J. Comput. Appl. Math. 6 (1980).
///   - CashKarp54: Cash and Karp, "A variable order Runge-Kutta method for
///     initial value problems with rapidly varying right-hand sides",
///     ACM Trans. Math. Softw. 16 (1990).
///   - Fehlberg45: Fehlberg, "Low-order classical Runge-Kutta formulas with
///     stepsize control and their application to some heat transfer
///     problems", NASA TR R-315 (1969).
///   - Tsitouras54: Tsitouras, "Runge-Kutta pairs of order 5(4) satisfying
///     only the first column simplifying assumption", Comput. Math. Appl. 62
///     (2011); the 80-digit values as tabulated by OrdinaryDiffEq.jl, rounded
///     to 25 digits.
///   - Verner76: Verner's "most efficient" 7(6) pair (RKV76.IIa), Verner,
///     "Numerically optimal Runge-Kutta pairs with interpolants", Numer.
///     Algorithms 53 (2010); rational coefficients from Verner's published
///     coefficient file.
///   - DormandPrince853: Prince and Dormand, "High order embedded Runge-Kutta
///     formulae", J. Comput. Appl. Math. 7 (1981), with the 5th- and
///     3rd-order error estimators of Hairer's DOP853 (Hairer, Norsett and
///     Wanner, "Solving Ordinary Differential Equations I", 2nd ed., Springer
///     1993, Sec. II.10); the 30-digit constants of Hairer's dop853 code.
///
/// All tableaus were checked against the rooted-tree order conditions in
/// 60-digit arithmetic (b up to `order`, bhat = b - e up to `error_order`).

#include <Kokkos_Macros.hpp>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>

namespace kobie::tableaus {

namespace Impl {

/// Entry (i, j) of a strictly lower-triangular matrix stored row by row (row
/// i holds i entries, starting at i * (i - 1) / 2; N = s (s - 1) / 2 entries
/// for s rows); zero outside it.
template <int N>
KOKKOS_INLINE_FUNCTION constexpr double lower_entry(const double (&lower)[N], int i, int j) {
  return (j >= 0 && j < i && i * (i - 1) / 2 + j < N) ? lower[i * (i - 1) / 2 + j] : 0.0;
}

/// Entry i of a vector; zero outside it.
template <int N>
KOKKOS_INLINE_FUNCTION constexpr double vector_entry(const double (&v)[N], int i) {
  return (i >= 0 && i < N) ? v[i] : 0.0;
}

}  // namespace Impl

/// Explicit (forward) Euler: 1 stage, order 1, no error estimate.
struct ExplicitEuler {
  static constexpr const char* name() { return "euler"; }
  static constexpr int stages = 1;
  static constexpr int order = 1;
  static constexpr int error_order = 0;
  static constexpr bool fsal = false;
  static constexpr bool dual_error = false;

  /// Strictly lower-triangular A: one stage, so every entry is zero.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int, int) { return 0.0; }
  /// Weights b(i) of the propagated solution.
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double table[] = {1.0};
    return Impl::vector_entry(table, i);
  }
  /// Nodes c(i) = sum_j A(i, j).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double table[] = {0.0};
    return Impl::vector_entry(table, i);
  }
  /// Error weights e(i) = b(i) - bhat(i): no embedded solution, so all zero.
  KOKKOS_INLINE_FUNCTION static constexpr double e(int) { return 0.0; }
  /// Second (3rd-order) error weights: DOP853 only, zero here.
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int) { return 0.0; }
};

/// Heun's method (explicit trapezoidal rule), order 2, with explicit Euler
/// embedded for a 1st-order error estimate: Heun-Euler 2(1).
struct Heun2 {
  static constexpr const char* name() { return "heun-2"; }
  static constexpr int stages = 2;
  static constexpr int order = 2;
  static constexpr int error_order = 1;
  static constexpr bool fsal = false;
  static constexpr bool dual_error = false;

  /// A(i, j) for 0 <= j < i < stages; zero otherwise.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    // clang-format off
    constexpr double lower[] = {
        // row 1
        1.0
    };
    // clang-format on
    return Impl::lower_entry(lower, i, j);
  }
  /// Weights b(i) of the propagated solution.
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double table[] = {1.0 / 2.0, 1.0 / 2.0};
    return Impl::vector_entry(table, i);
  }
  /// Nodes c(i) = sum_j A(i, j).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double table[] = {0.0, 1.0};
    return Impl::vector_entry(table, i);
  }
  /// Error weights e(i) = b(i) - bhat(i).
  KOKKOS_INLINE_FUNCTION static constexpr double e(int i) {
    constexpr double table[] = {-1.0 / 2.0, 1.0 / 2.0};
    return Impl::vector_entry(table, i);
  }
  /// Second (3rd-order) error weights: DOP853 only, zero here.
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int) { return 0.0; }
};

/// Ralston's 3-stage 3rd-order method (minimum error bound), no error
/// estimate.
struct Ralston3 {
  static constexpr const char* name() { return "ralston-3"; }
  static constexpr int stages = 3;
  static constexpr int order = 3;
  static constexpr int error_order = 0;
  static constexpr bool fsal = false;
  static constexpr bool dual_error = false;

  /// A(i, j) for 0 <= j < i < stages; zero otherwise.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    // clang-format off
    constexpr double lower[] = {
        // row 1
        1.0 / 2.0,
        // row 2
        0.0, 3.0 / 4.0
    };
    // clang-format on
    return Impl::lower_entry(lower, i, j);
  }
  /// Weights b(i) of the propagated solution.
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double table[] = {2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0};
    return Impl::vector_entry(table, i);
  }
  /// Nodes c(i) = sum_j A(i, j).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double table[] = {0.0, 1.0 / 2.0, 3.0 / 4.0};
    return Impl::vector_entry(table, i);
  }
  /// Error weights e(i) = b(i) - bhat(i): no embedded solution, so all zero.
  KOKKOS_INLINE_FUNCTION static constexpr double e(int) { return 0.0; }
  /// Second (3rd-order) error weights: DOP853 only, zero here.
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int) { return 0.0; }
};

/// Bogacki-Shampine 3(2): Ralston3 plus an FSAL 4th stage for a 2nd-order
/// embedded solution (MATLAB's ode23).
struct BogackiShampine32 {
  static constexpr const char* name() { return "bogacki-shampine-32"; }
  static constexpr int stages = 4;
  static constexpr int order = 3;
  static constexpr int error_order = 2;
  static constexpr bool fsal = true;
  static constexpr bool dual_error = false;

  /// A(i, j) for 0 <= j < i < stages; zero otherwise.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    // clang-format off
    constexpr double lower[] = {
        // row 1
        1.0 / 2.0,
        // row 2
        0.0, 3.0 / 4.0,
        // row 3
        2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0
    };
    // clang-format on
    return Impl::lower_entry(lower, i, j);
  }
  /// Weights b(i) of the propagated solution.
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double table[] = {2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0};
    return Impl::vector_entry(table, i);
  }
  /// Nodes c(i) = sum_j A(i, j).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double table[] = {0.0, 1.0 / 2.0, 3.0 / 4.0, 1.0};
    return Impl::vector_entry(table, i);
  }
  /// Error weights e(i) = b(i) - bhat(i).
  KOKKOS_INLINE_FUNCTION static constexpr double e(int i) {
    constexpr double table[] = {-5.0 / 72.0, 1.0 / 12.0, 1.0 / 9.0, -1.0 / 8.0};
    return Impl::vector_entry(table, i);
  }
  /// Second (3rd-order) error weights: DOP853 only, zero here.
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int) { return 0.0; }
};

/// The classical 4-stage 4th-order Runge-Kutta method, no error estimate.
struct ClassicalRK4 {
  static constexpr const char* name() { return "rk4"; }
  static constexpr int stages = 4;
  static constexpr int order = 4;
  static constexpr int error_order = 0;
  static constexpr bool fsal = false;
  static constexpr bool dual_error = false;

  /// A(i, j) for 0 <= j < i < stages; zero otherwise.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    // clang-format off
    constexpr double lower[] = {
        // row 1
        1.0 / 2.0,
        // row 2
        0.0, 1.0 / 2.0,
        // row 3
        0.0, 0.0, 1.0
    };
    // clang-format on
    return Impl::lower_entry(lower, i, j);
  }
  /// Weights b(i) of the propagated solution.
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double table[] = {1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0};
    return Impl::vector_entry(table, i);
  }
  /// Nodes c(i) = sum_j A(i, j).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double table[] = {0.0, 1.0 / 2.0, 1.0 / 2.0, 1.0};
    return Impl::vector_entry(table, i);
  }
  /// Error weights e(i) = b(i) - bhat(i): no embedded solution, so all zero.
  KOKKOS_INLINE_FUNCTION static constexpr double e(int) { return 0.0; }
  /// Second (3rd-order) error weights: DOP853 only, zero here.
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int) { return 0.0; }
};

/// Dormand-Prince 5(4), FSAL (MATLAB's ode45, DOPRI5).
struct DormandPrince54 {
  static constexpr const char* name() { return "dormand-prince-54"; }
  static constexpr int stages = 7;
  static constexpr int order = 5;
  static constexpr int error_order = 4;
  static constexpr bool fsal = true;
  static constexpr bool dual_error = false;

  /// A(i, j) for 0 <= j < i < stages; zero otherwise.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    // clang-format off
    constexpr double lower[] = {
        // row 1
        1.0 / 5.0,
        // row 2
        3.0 / 40.0, 9.0 / 40.0,
        // row 3
        44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0,
        // row 4
        19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0,
        // row 5
        9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0,
        // row 6
        35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
    };
    // clang-format on
    return Impl::lower_entry(lower, i, j);
  }
  /// Weights b(i) of the propagated solution.
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double table[] = {35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0,
                                11.0 / 84.0,  0.0};
    return Impl::vector_entry(table, i);
  }
  /// Nodes c(i) = sum_j A(i, j).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double table[] = {0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0};
    return Impl::vector_entry(table, i);
  }
  /// Error weights e(i) = b(i) - bhat(i).
  KOKKOS_INLINE_FUNCTION static constexpr double e(int i) {
    constexpr double table[] = {71.0 / 57600.0,      0.0,          -71.0 / 16695.0, 71.0 / 1920.0,
                                -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0};
    return Impl::vector_entry(table, i);
  }
  /// Second (3rd-order) error weights: DOP853 only, zero here.
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int) { return 0.0; }
};

/// Cash-Karp 5(4): 6 stages, 5th-order propagated solution, 4th-order
/// embedded.
struct CashKarp54 {
  static constexpr const char* name() { return "cash-karp-54"; }
  static constexpr int stages = 6;
  static constexpr int order = 5;
  static constexpr int error_order = 4;
  static constexpr bool fsal = false;
  static constexpr bool dual_error = false;

  /// A(i, j) for 0 <= j < i < stages; zero otherwise.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    // clang-format off
    constexpr double lower[] = {
        // row 1
        1.0 / 5.0,
        // row 2
        3.0 / 40.0, 9.0 / 40.0,
        // row 3
        3.0 / 10.0, -9.0 / 10.0, 6.0 / 5.0,
        // row 4
        -11.0 / 54.0, 5.0 / 2.0, -70.0 / 27.0, 35.0 / 27.0,
        // row 5
        1631.0 / 55296.0, 175.0 / 512.0, 575.0 / 13824.0, 44275.0 / 110592.0, 253.0 / 4096.0
    };
    // clang-format on
    return Impl::lower_entry(lower, i, j);
  }
  /// Weights b(i) of the propagated solution.
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double table[] = {37.0 / 378.0,  0.0, 250.0 / 621.0,
                                125.0 / 594.0, 0.0, 512.0 / 1771.0};
    return Impl::vector_entry(table, i);
  }
  /// Nodes c(i) = sum_j A(i, j).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double table[] = {0.0, 1.0 / 5.0, 3.0 / 10.0, 3.0 / 5.0, 1.0, 7.0 / 8.0};
    return Impl::vector_entry(table, i);
  }
  /// Error weights e(i) = b(i) - bhat(i).
  KOKKOS_INLINE_FUNCTION static constexpr double e(int i) {
    constexpr double table[] = {-277.0 / 64512.0,  0.0,
                                6925.0 / 370944.0, -6925.0 / 202752.0,
                                -277.0 / 14336.0,  277.0 / 7084.0};
    return Impl::vector_entry(table, i);
  }
  /// Second (3rd-order) error weights: DOP853 only, zero here.
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int) { return 0.0; }
};

/// Runge-Kutta-Fehlberg 4(5) (RKF45) as Fehlberg intended it: the 4th-order
/// solution is propagated (order = 4) and the embedded solution bhat = b - e
/// is the 5th-order one (error_order = 5). The error estimate is then that
/// of the propagated solution; the controller uses
/// min(order, error_order) = 4.
struct Fehlberg45 {
  static constexpr const char* name() { return "fehlberg-45"; }
  static constexpr int stages = 6;
  static constexpr int order = 4;
  static constexpr int error_order = 5;
  static constexpr bool fsal = false;
  static constexpr bool dual_error = false;

  /// A(i, j) for 0 <= j < i < stages; zero otherwise.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    // clang-format off
    constexpr double lower[] = {
        // row 1
        1.0 / 4.0,
        // row 2
        3.0 / 32.0, 9.0 / 32.0,
        // row 3
        1932.0 / 2197.0, -7200.0 / 2197.0, 7296.0 / 2197.0,
        // row 4
        439.0 / 216.0, -8.0, 3680.0 / 513.0, -845.0 / 4104.0,
        // row 5
        -8.0 / 27.0, 2.0, -3544.0 / 2565.0, 1859.0 / 4104.0, -11.0 / 40.0
    };
    // clang-format on
    return Impl::lower_entry(lower, i, j);
  }
  /// Weights b(i) of the propagated solution.
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double table[] = {25.0 / 216.0,    0.0,        1408.0 / 2565.0,
                                2197.0 / 4104.0, -1.0 / 5.0, 0.0};
    return Impl::vector_entry(table, i);
  }
  /// Nodes c(i) = sum_j A(i, j).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double table[] = {0.0, 1.0 / 4.0, 3.0 / 8.0, 12.0 / 13.0, 1.0, 1.0 / 2.0};
    return Impl::vector_entry(table, i);
  }
  /// Error weights e(i) = b(i) - bhat(i).
  KOKKOS_INLINE_FUNCTION static constexpr double e(int i) {
    constexpr double table[] = {-1.0 / 360.0,     0.0,         128.0 / 4275.0,
                                2197.0 / 75240.0, -1.0 / 50.0, -2.0 / 55.0};
    return Impl::vector_entry(table, i);
  }
  /// Second (3rd-order) error weights: DOP853 only, zero here.
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int) { return 0.0; }
};

/// Tsitouras 5(4) (Tsit5), 7 stages, FSAL.
struct Tsitouras54 {
  static constexpr const char* name() { return "tsitouras-54"; }
  static constexpr int stages = 7;
  static constexpr int order = 5;
  static constexpr int error_order = 4;
  static constexpr bool fsal = true;
  static constexpr bool dual_error = false;

  /// A(i, j) for 0 <= j < i < stages; zero otherwise.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    // clang-format off
    constexpr double lower[] = {
        // row 1
        161.0 / 1000.0,
        // row 2
        -0.008480655492356988544426874, 0.3354806554923569885444269,
        // row 3
        2.897153057105493432130433, -6.35944848997507484314816, 4.362295432869581411017727,
        // row 4
        5.325864828439256604428878, -11.74888356406282787774717, 7.495539342889836208304605,
        -0.09249506636175524925650208,
        // row 5
        5.861455442946420028659251, -12.92096931784710929170612, 8.159367898576158643180401,
        -0.07158497328140099722453054, -0.02826905039406838290900306,
        // row 6
        0.09646076681806522951816731, 1.0 / 100.0, 0.4798896504144995747752495,
        1.379008574103741893192275, -3.290069515436080679901048, 2.324710524099773982415356
    };
    // clang-format on
    return Impl::lower_entry(lower, i, j);
  }
  /// Weights b(i) of the propagated solution.
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double table[] = {0.09646076681806522951816731,
                                1.0 / 100.0,
                                0.4798896504144995747752495,
                                1.379008574103741893192275,
                                -3.290069515436080679901048,
                                2.324710524099773982415356,
                                0.0};
    return Impl::vector_entry(table, i);
  }
  /// Nodes c(i) = sum_j A(i, j).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double table[] = {
        0.0, 161.0 / 1000.0, 327.0 / 1000.0, 9.0 / 10.0, 0.9800255409045096857298103, 1.0, 1.0};
    return Impl::vector_entry(table, i);
  }
  /// Error weights e(i) = b(i) - bhat(i).
  KOKKOS_INLINE_FUNCTION static constexpr double e(int i) {
    constexpr double table[] = {0.001780011052225771443378551,
                                8.164344596567469032236361e-4,
                                -0.007880878010261996010314728,
                                0.1447110071732629075371651,
                                -0.5823571654525552250199376,
                                0.4580821059291869466616365,
                                -1.0 / 66.0};
    return Impl::vector_entry(table, i);
  }
  /// Second (3rd-order) error weights: DOP853 only, zero here.
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int) { return 0.0; }
};

/// Verner's "most efficient" 7(6) pair (Vern7): 10 stages, 7th-order
/// propagated solution, 6th-order embedded, not FSAL.
struct Verner76 {
  static constexpr const char* name() { return "verner-76"; }
  static constexpr int stages = 10;
  static constexpr int order = 7;
  static constexpr int error_order = 6;
  static constexpr bool fsal = false;
  static constexpr bool dual_error = false;

  /// A(i, j) for 0 <= j < i < stages; zero otherwise.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    // clang-format off
    constexpr double lower[] = {
        // row 1
        1.0 / 200.0,
        // row 2
        -4361.0 / 4050.0, 2401.0 / 2025.0,
        // row 3
        49.0 / 1200.0, 0.0, 49.0 / 400.0,
        // row 4
        2454451729.0 / 3841600000.0, 0.0, -9433712007.0 / 3841600000.0, 4364554539.0 / 1920800000.0,
        // row 5
        -2.661577375018757131119259, 0.0, 10.80451388645613769565397, -8.353914657396199411968049,
        0.8204875949566569791420417,
        // row 6
        6.06774143469677099271836, 0.0, -24.71127363591108579734203, 20.42751793078889394045773,
        -1.906157978816647150624097, 1.00617224924206801479004,
        // row 7
        12.05467007625320299509109, 0.0, -1990261989751005.0 / 40001418792832.0,
        41.14288863860467663259698, -4.461760149974004185641912, 2.042334822239174959821717,
        -0.09834843665406107379530802,
        // row 8
        10.13814652288180787641845, 0.0, -42.64113603171750214622846, 35.76384003992257007135021,
        -4.34802284039290765334037, 2.009862268377035895441944, 0.3487490460338272405953823,
        -0.2714390051048312842371587,
        // row 9
        -45.03007203429867712435322, 0.0, 187.3272437654588840752418, -154.0288236935018690596729,
        18.56465306347536233859492, -7.14180967929507885492542, 1.308808578161378625114763, 0.0, 0.0
    };
    // clang-format on
    return Impl::lower_entry(lower, i, j);
  }
  /// Weights b(i) of the propagated solution.
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double table[] = {0.04715561848627222170431765,
                                0.0,
                                0.0,
                                0.2575056429843415189596436,
                                0.2621665397741262047713863,
                                0.1521609265673855740323133,
                                0.4939969170032484246907176,
                                -0.2943031171403250441557245,
                                0.08131747232495109999734599,
                                0.0};
    return Impl::vector_entry(table, i);
  }
  /// Nodes c(i) = sum_j A(i, j).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double table[] = {0.0,
                                1.0 / 200.0,
                                49.0 / 450.0,
                                49.0 / 300.0,
                                911.0 / 2000.0,
                                3480084980.0 / 5709648941.0,
                                221.0 / 250.0,
                                37.0 / 40.0,
                                1.0,
                                1.0};
    return Impl::vector_entry(table, i);
  }
  /// Error weights e(i) = b(i) - bhat(i).
  KOKKOS_INLINE_FUNCTION static constexpr double e(int i) {
    constexpr double table[] = {0.002547011879931045416999475,
                                0.0,
                                0.0,
                                -0.009658394872795749091266616,
                                0.04206470975639690277341473,
                                -0.06668224374693010906599876,
                                0.2650097464621281363529002,
                                -0.2943031171403250441557245,
                                0.08131747232495109999734599,
                                -0.02029518466335628222767055};
    return Impl::vector_entry(table, i);
  }
  /// Second (3rd-order) error weights: DOP853 only, zero here.
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int) { return 0.0; }
};

/// Hairer's DOP853: the 12-stage 8th-order Dormand-Prince method plus the FSAL
/// evaluation f(t + h, y_new) modelled as a 13th stage (A row 12 = b,
/// b(12) = 0, c(12) = 1; it is the first stage of the next step and enters
/// neither the solution nor the error estimate).
///
/// Two error estimates (dual_error): err5 = h * sum_i e(i) k_i (Hairer's
/// er1..er12: e = b - bhat for a 5th-order embedded bhat) and
/// err3 = h * sum_i e3(i) k_i (from his 3rd-order weights bhh). Hairer
/// combines their tolerance-scaled RMS norms as
///   err = |err5|^2 / sqrt(|err5|^2 + 0.01 * |err3|^2)
/// (the denominator taken as 1 where it is 0). This scales like h^8, so his
/// step-size exponent is 1/8: `controller_order` returns 7 for it.
struct DormandPrince853 {
  static constexpr const char* name() { return "dop853"; }
  static constexpr int stages = 13;
  static constexpr int order = 8;
  static constexpr int error_order = 5;
  static constexpr bool fsal = true;
  static constexpr bool dual_error = true;

  /// A(i, j) for 0 <= j < i < stages; zero otherwise.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    // clang-format off
    constexpr double lower[] = {
        // row 1
        0.0526001519587677318785587544488,
        // row 2
        0.0197250569845378994544595329183, 0.0591751709536136983633785987549,
        // row 3
        0.0295875854768068491816892993775, 0.0, 0.0887627564304205475450678981324,
        // row 4
        0.241365134159266685502369798665, 0.0, -0.884549479328286085344864962717,
        0.924834003261792003115737966543,
        // row 5
        0.037037037037037037037037037037, 0.0, 0.0, 0.170828608729473871279604482173,
        0.125467687566822425016691814123,
        // row 6
        0.037109375, 0.0, 0.0, 0.170252211019544039314978060272, 0.0602165389804559606850219397283,
        -0.017578125,
        // row 7
        0.0370920001185047927108779319836, 0.0, 0.0, 0.170383925712239993810214054705,
        0.107262030446373284651809199168, -0.0153194377486244017527936158236,
        0.00827378916381402288758473766002,
        // row 8
        0.624110958716075717114429577812, 0.0, 0.0, -3.36089262944694129406857109825,
        -0.868219346841726006818189891453, 27.5920996994467083049415600797,
        20.1540675504778934086186788979, -43.4898841810699588477366255144,
        // row 9
        0.477662536438264365890433908527, 0.0, 0.0, -2.48811461997166764192642586468,
        -0.590290826836842996371446475743, 21.2300514481811942347288949897,
        15.2792336328824235832596922938, -33.2882109689848629194453265587,
        -0.0203312017085086261358222928593,
        // row 10
        -0.93714243008598732571704021658, 0.0, 0.0, 5.18637242884406370830023853209,
        1.09143734899672957818500254654, -8.14978701074692612513997267357,
        -18.5200656599969598641566180701, 22.7394870993505042818970056734,
        2.49360555267965238987089396762, -3.0467644718982195003823669022,
        // row 11
        2.27331014751653820792359768449, 0.0, 0.0, -10.5344954667372501984066689879,
        -2.00087205822486249909675718444, -17.9589318631187989172765950534,
        27.9488845294199600508499808837, -2.85899827713502369474065508674,
        -8.87285693353062954433549289258, 12.3605671757943030647266201528,
        0.643392746015763530355970484046,
        // row 12
        0.0542937341165687622380535766363, 0.0, 0.0, 0.0, 0.0, 4.45031289275240888144113950566,
        1.89151789931450038304281599044, -5.8012039600105847814672114227,
        0.31116436695781989440891606237, -0.152160949662516078556178806805,
        0.201365400804030348374776537501, 0.0447106157277725905176885569043
    };
    // clang-format on
    return Impl::lower_entry(lower, i, j);
  }
  /// Weights b(i) of the propagated solution.
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double table[] = {0.0542937341165687622380535766363,
                                0.0,
                                0.0,
                                0.0,
                                0.0,
                                4.45031289275240888144113950566,
                                1.89151789931450038304281599044,
                                -5.8012039600105847814672114227,
                                0.31116436695781989440891606237,
                                -0.152160949662516078556178806805,
                                0.201365400804030348374776537501,
                                0.0447106157277725905176885569043,
                                0.0};
    return Impl::vector_entry(table, i);
  }
  /// Nodes c(i) = sum_j A(i, j).
  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double table[] = {0.0,
                                0.0526001519587677318785587544488,
                                0.0789002279381515978178381316732,
                                0.11835034190722739672675719751,
                                0.28164965809277260327324280249,
                                1.0 / 3.0,
                                1.0 / 4.0,
                                4.0 / 13.0,
                                127.0 / 195.0,
                                3.0 / 5.0,
                                6.0 / 7.0,
                                1.0,
                                1.0};
    return Impl::vector_entry(table, i);
  }
  /// Error weights e(i) = b(i) - bhat(i).
  KOKKOS_INLINE_FUNCTION static constexpr double e(int i) {
    constexpr double table[] = {0.01312004499419488073250102996,
                                0.0,
                                0.0,
                                0.0,
                                0.0,
                                -1.225156446376204440720569753,
                                -0.4957589496572501915214079952,
                                1.664377182454986536961530415,
                                -0.350328848749973681688648729,
                                0.3341791187130174790297318841,
                                0.08192320648511571246570742613,
                                -0.02235530786388629525884427845,
                                0.0};
    return Impl::vector_entry(table, i);
  }
  /// Second error weights e3(i) = b(i) - bhh(i), with bhh the 3rd-order
  /// weights of Hairer's DOP853 (31/127, 12675/17272, 3/136 on stages 1, 9 and
  /// 12; his bhh1..bhh3).
  KOKKOS_INLINE_FUNCTION static constexpr double e3(int i) {
    return b(i) - (i == 0    ? 31.0 / 127.0
                   : i == 8  ? 12675.0 / 17272.0
                   : i == 11 ? 3.0 / 136.0
                             : 0.0);
  }
};

/// Every explicit tableau, in the order above.
using all_explicit =
    std::tuple<ExplicitEuler, Heun2, Ralston3, BogackiShampine32, ClassicalRK4, DormandPrince54,
               CashKarp54, Fehlberg45, Tsitouras54, Verner76, DormandPrince853>;

namespace Impl {
/// Names lists ("rk4,dormand-prince-54"): names separated by commas,
/// semicolons or spaces.
constexpr bool is_name_separator(char c) {
  return c == ',' || c == ';' || c == ' ';
}
/// The start of the name at or after `p` (its end of string if none).
constexpr const char* next_name(const char* p) {
  while (is_name_separator(*p)) ++p;
  return p;
}
/// Past the end of the name that starts at `p`.
constexpr const char* name_end(const char* p) {
  while (*p != '\0' && !is_name_separator(*p)) ++p;
  return p;
}
/// Whether the name starting at `p` is `name`.
constexpr bool name_is(const char* p, const char* name) {
  while (*p != '\0' && !is_name_separator(*p) && *p == *name) ++p, ++name;
  return *name == '\0' && (*p == '\0' || is_name_separator(*p));
}
/// Whether `list` holds `name`.
constexpr bool list_holds(const char* list, const char* name) {
  for (const char* p = next_name(list); *p != '\0'; p = next_name(name_end(p)))
    if (name_is(p, name)) return true;
  return false;
}
/// Whether every name in `list` is one of `names` (null-terminated).
constexpr bool names_known(const char* list, const char* const* names) {
  for (const char* p = next_name(list); *p != '\0'; p = next_name(name_end(p))) {
    bool known = false;
    for (const char* const* n = names; *n != nullptr; ++n) known = known || name_is(p, *n);
    if (!known) return false;
  }
  return true;
}
template <class List, class Selected, class... Rest>
struct select_named {
  using type = Selected;
};
template <class List, class... Selected, class Tab, class... Rest>
struct select_named<List, std::tuple<Selected...>, Tab, Rest...> {
  using type = typename select_named<
      List,
      std::conditional_t<list_holds(List::value, Tab::name()), std::tuple<Selected..., Tab>,
                         std::tuple<Selected...>>,
      Rest...>::type;
};
template <class List, class Algorithms>
struct named;
template <class List, class... Tabs>
struct named<List, std::tuple<Tabs...>> {
  static constexpr const char* names[] = {Tabs::name()..., nullptr};
  static_assert(names_known(List::value, names),
                "kobie: the algorithm list (KOBIE_CLI_ALGORITHMS, kobie_add_cli ALGORITHMS) "
                "names an algorithm that is not among the tableaus it selects from; allowed: "
                "the names `kobie --help` lists under --algorithm");
  using type = std::conditional_t<*next_name(List::value) == '\0', std::tuple<Tabs...>,
                                  typename select_named<List, std::tuple<>, Tabs...>::type>;
};
}  // namespace Impl

/// The tableaus of `Algorithms` (a std::tuple of tableau types, default
/// all_explicit) whose names are in `List::value`, a constexpr string of
/// names separated by commas, semicolons or spaces ("rk4,dormand-prince-54");
/// all of them when it is empty. A name that is not among them does not
/// compile. A program that needs a few methods compiles only those:
///   struct Mine { static constexpr const char* value = "rk4 tsitouras-54"; };
///   solve<double, tableaus::named<Mine>>(...);
template <class List, class Algorithms = all_explicit>
using named = typename Impl::named<List, Algorithms>::type;

/// The order the step-size controller uses: min(order, error_order) (order - 1
/// for DOP853's dual estimate), or 0 if the tableau has no error estimate.
template <class Tab>
KOKKOS_INLINE_FUNCTION constexpr int controller_order() {
  // DOP853's combined 5th/3rd-order estimate behaves like h^8 (Hairer's
  // exponent 1/8), so its controller order is 7.
  return Tab::error_order == 0 ? 0
         : Tab::dual_error     ? Tab::order - 1
                               : (Tab::order < Tab::error_order ? Tab::order : Tab::error_order);
}

namespace Impl {

/// A double with all its digits, for error messages.
inline std::string format_double(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  return buffer;
}

[[noreturn]] inline void invalid_tableau(const char* tableau, const std::string& what) {
  throw std::invalid_argument(std::string("kobie::tableaus::validate: tableau '") + tableau +
                              "': " + what);
}

}  // namespace Impl

/// Checks the consistency of a tableau on the host; throws
/// std::invalid_argument naming the tableau and the failed property:
/// stages >= 1; A strictly lower triangular; row sums of A equal c (1e-12,
/// relative to max(1, |c|)); b sums to 1 (1e-12); e sums to 0 (1e-12) and is
/// not all zero when error_order > 0, all zero when error_order == 0; e3 the
/// same when dual_error, all zero otherwise; for FSAL, last row of A equal to
/// b (1e-14), b(s-1) == 0 and c(s-1) == 1.
template <class Tab>
void validate() {
  const char* name = Tab::name();
  constexpr int s = Tab::stages;
  const auto num = Impl::format_double;
  if (s < 1) Impl::invalid_tableau(name, "stages = " + std::to_string(s) + " < 1");
  for (int i = 0; i < s; ++i)
    for (int j = i; j < s; ++j)
      if (Tab::a(i, j) != 0.0)
        Impl::invalid_tableau(name, "A is not strictly lower triangular: a(" + std::to_string(i) +
                                        ", " + std::to_string(j) + ") = " + num(Tab::a(i, j)));
  for (int i = 0; i < s; ++i) {
    double row = 0.0;
    for (int j = 0; j < i; ++j) row += Tab::a(i, j);
    const double c = Tab::c(i);
    if (std::abs(row - c) > 1e-12 * std::fmax(1.0, std::abs(c)))
      Impl::invalid_tableau(name, "row " + std::to_string(i) + " of A sums to " + num(row) +
                                      ", not c(" + std::to_string(i) + ") = " + num(c));
  }
  double b_sum = 0.0, e_sum = 0.0, e3_sum = 0.0;
  bool e_zero = true, e3_zero = true;
  for (int i = 0; i < s; ++i) {
    b_sum += Tab::b(i);
    e_sum += Tab::e(i);
    e3_sum += Tab::e3(i);
    e_zero = e_zero && Tab::e(i) == 0.0;
    e3_zero = e3_zero && Tab::e3(i) == 0.0;
  }
  if (std::abs(b_sum - 1.0) > 1e-12)
    Impl::invalid_tableau(name, "weights b sum to " + num(b_sum) + ", not 1");
  if (Tab::error_order > 0) {
    if (e_zero) Impl::invalid_tableau(name, "error_order > 0 but the error weights e are all 0");
    if (std::abs(e_sum) > 1e-12)
      Impl::invalid_tableau(name, "error weights e sum to " + num(e_sum) + ", not 0");
  } else if (!e_zero) {
    Impl::invalid_tableau(name, "error_order == 0 but some error weight e is nonzero");
  }
  if (Tab::dual_error) {
    if (Tab::error_order == 0)
      Impl::invalid_tableau(name, "dual_error without an error estimate (error_order == 0)");
    if (e3_zero) Impl::invalid_tableau(name, "dual_error but the weights e3 are all 0");
    if (std::abs(e3_sum) > 1e-12)
      Impl::invalid_tableau(name, "error weights e3 sum to " + num(e3_sum) + ", not 0");
  } else if (!e3_zero) {
    Impl::invalid_tableau(name, "dual_error is false but some weight e3 is nonzero");
  }
  if (Tab::fsal) {
    for (int j = 0; j < s - 1; ++j)
      if (std::abs(Tab::a(s - 1, j) - Tab::b(j)) > 1e-14)
        Impl::invalid_tableau(name, "FSAL, but the last row of A differs from b at column " +
                                        std::to_string(j) + ": " + num(Tab::a(s - 1, j)) + " vs " +
                                        num(Tab::b(j)));
    if (Tab::b(s - 1) != 0.0)
      Impl::invalid_tableau(name, "FSAL, but b(s-1) = " + num(Tab::b(s - 1)) + ", not 0");
    if (Tab::c(s - 1) != 1.0)
      Impl::invalid_tableau(name, "FSAL, but c(s-1) = " + num(Tab::c(s - 1)) + ", not 1");
  }
}

}  // namespace kobie::tableaus
