// Test body (see backend_test.cpp.in): the explicit Runge-Kutta tableaus of
// kobie/algorithms/explicit/tableaus.hpp, on the host only (plain C++, no kernels). Every tableau
// passes validate() and malformed ones are rejected by name; b, and the
// embedded solution bhat = b - e, satisfy the rooted-tree order conditions up
// to their declared order (checked up to order 5) and not the next one; and a
// fixed-step integration converges at the declared order. Also the
// controllers' pure-arithmetic log2 / exp2 (impl/fast_math.hpp) against libm.
#include <kobie/algorithms/explicit/tableaus.hpp>
#include <kobie/impl/fast_math.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace {

namespace tab = kobie::tableaus;

/// A type carried as a value, so that a generic lambda can receive a tableau.
template <class T>
struct type_tag {
  using type = T;
};

/// Calls f(type_tag<Tab>{}) for every tableau Tab of the tuple, in order.
template <class F, class... Tabs>
void for_each_tableau(std::tuple<Tabs...>*, F&& f) {
  (f(type_tag<Tabs>{}), ...);
}
template <class F>
void for_each_explicit(F&& f) {
  for_each_tableau(static_cast<tab::all_explicit*>(nullptr), f);
}

// ---------------------------------------------------------------- compile time

static_assert(std::tuple_size<tab::all_explicit>::value == 11);
static_assert(tab::controller_order<tab::ExplicitEuler>() == 0);
static_assert(tab::controller_order<tab::Heun2>() == 1);
static_assert(tab::controller_order<tab::ClassicalRK4>() == 0);
static_assert(tab::controller_order<tab::DormandPrince54>() == 4);
static_assert(tab::controller_order<tab::Fehlberg45>() == 4);
static_assert(tab::controller_order<tab::Verner76>() == 6);
static_assert(tab::controller_order<tab::DormandPrince853>() == 7);  // h^8 combined estimate
// The accessors are constant expressions, and zero outside the tableau.
static_assert(tab::DormandPrince54::a(1, 0) == 1.0 / 5.0);
static_assert(tab::DormandPrince54::a(6, 5) == 11.0 / 84.0);
static_assert(tab::DormandPrince54::a(2, 2) == 0.0 && tab::DormandPrince54::a(7, 0) == 0.0);
static_assert(tab::DormandPrince54::a(3, -1) == 0.0 && tab::DormandPrince54::b(-1) == 0.0);
static_assert(tab::DormandPrince54::b(7) == 0.0 && tab::DormandPrince54::c(7) == 0.0);
static_assert(tab::DormandPrince54::e(6) == -1.0 / 40.0);
// tableaus::named: a program's own selection, by --algorithm name, in
// all_explicit's order; an empty list (or one of separators only) is all.
struct TwoNames {
  static constexpr const char* value = "dormand-prince-54, rk4";
};
struct Separators {
  static constexpr const char* value = " ;,";
};
struct Prefixes {  // names that only start like, or extend, real ones
  static constexpr const char* value = "euler;dop853";
};
static_assert(
    std::is_same<tab::named<TwoNames>, std::tuple<tab::ClassicalRK4, tab::DormandPrince54>>::value);
static_assert(std::is_same<tab::named<Separators>, tab::all_explicit>::value);
static_assert(std::is_same<tab::named<Prefixes>,
                           std::tuple<tab::ExplicitEuler, tab::DormandPrince853>>::value);
static_assert(tab::Impl::list_holds("rk4", "rk4") && tab::Impl::list_holds("euler rk4", "rk4"));
static_assert(!tab::Impl::list_holds("rk", "rk4") && !tab::Impl::list_holds("rk45", "rk4") &&
              !tab::Impl::list_holds("", "rk4"));
// A list naming a method that is not among them does not compile (named's
// static_assert): names_known is its check.
constexpr const char* two_names[] = {"rk4", "dormand-prince-54", nullptr};
static_assert(tab::Impl::names_known("rk4 dormand-prince-54", two_names) &&
              tab::Impl::names_known("", two_names));
static_assert(!tab::Impl::names_known("rk4,dopri5", two_names) &&
              !tab::Impl::names_known("rk4,dormand-prince", two_names));
static_assert(tab::ClassicalRK4::b(1) == 1.0 / 3.0 && tab::ClassicalRK4::e(1) == 0.0);
static_assert(tab::ExplicitEuler::a(0, 0) == 0.0 && tab::ExplicitEuler::b(0) == 1.0);
static_assert(tab::DormandPrince853::e3(0) == tab::DormandPrince853::b(0) - 31.0 / 127.0);
static_assert(tab::DormandPrince853::e3(12) == 0.0 && tab::Tsitouras54::e3(3) == 0.0);

// ---------------------------------------------------------------- validation

/// The message validate<Tab>() throws, or "" if it accepts Tab.
template <class Tab>
std::string rejection() {
  try {
    tab::validate<Tab>();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

TEST(TEST_CATEGORY, tableaus_validate_all) {
  std::set<std::string> names;
  for_each_explicit([&](auto tag) {
    using Tab = typename decltype(tag)::type;
    EXPECT_NO_THROW(tab::validate<Tab>()) << Tab::name();
    const std::string name = Tab::name();
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    EXPECT_FALSE(name.empty());
    for (char ch : name)
      EXPECT_TRUE(std::islower(static_cast<unsigned char>(ch)) ||
                  std::isdigit(static_cast<unsigned char>(ch)) || ch == '-')
          << name << " is not kebab-case";
    EXPECT_GE(Tab::stages, 1) << name;
    EXPECT_GE(Tab::order, 1) << name;
    EXPECT_GE(Tab::error_order, 0) << name;
  });
}

using Rk4 = tab::ClassicalRK4;
using Dp54 = tab::DormandPrince54;

/// RK4 with c(2) = 0.4 while row 2 of A sums to 1/2.
struct BadRowSum : Rk4 {
  static const char* name() { return "bad-row-sum"; }
  static constexpr double c(int i) { return i == 2 ? 0.4 : Rk4::c(i); }
};
/// RK4 with an entry on the diagonal (c adjusted so that the rows still sum).
struct BadDiagonal : Rk4 {
  static const char* name() { return "bad-diagonal"; }
  static constexpr double a(int i, int j) { return i == 1 && j == 1 ? 0.25 : Rk4::a(i, j); }
  static constexpr double c(int i) { return i == 1 ? 0.75 : Rk4::c(i); }
};
/// RK4 whose weights sum to 1.01.
struct BadWeights : Rk4 {
  static const char* name() { return "bad-weights"; }
  static constexpr double b(int i) { return i == 0 ? Rk4::b(0) + 0.01 : Rk4::b(i); }
};
/// DOPRI5 whose last row differs from b (two entries moved, the row sum kept).
struct BadFsalRow : Dp54 {
  static const char* name() { return "bad-fsal-row"; }
  static constexpr double a(int i, int j) {
    return Dp54::a(i, j) + (i == 6 && j == 2 ? 1e-3 : i == 6 && j == 3 ? -1e-3 : 0.0);
  }
};
/// DOPRI5 with b(s-1) = 0.1: the other weights scaled by 0.9, its last row
/// still equal to b and c(s-1) = 0.9, so only the FSAL weight is wrong.
struct BadFsalWeight : Dp54 {
  static const char* name() { return "bad-fsal-weight"; }
  static constexpr double b(int i) { return i == 6 ? 0.1 : 0.9 * Dp54::b(i); }
  static constexpr double a(int i, int j) { return i == 6 && j < 6 ? b(j) : Dp54::a(i, j); }
  static constexpr double c(int i) { return i == 6 ? 0.9 : Dp54::c(i); }
};
/// DOPRI5 with c(s-1) = 1 - 1e-13: within the row-sum tolerance, but FSAL
/// needs exactly 1.
struct BadFsalNode : Dp54 {
  static const char* name() { return "bad-fsal-node"; }
  static constexpr double c(int i) { return i == 6 ? 1.0 - 1e-13 : Dp54::c(i); }
};
/// DOPRI5 with its error weights dropped.
struct MissingError : Dp54 {
  static const char* name() { return "missing-error"; }
  static constexpr double e(int) { return 0.0; }
};
/// RK4 with error weights but error_order = 0.
struct StrayError : Rk4 {
  static const char* name() { return "stray-error"; }
  static constexpr double e(int i) { return i == 0 ? 0.5 : i == 3 ? -0.5 : 0.0; }
};
/// DOPRI5 whose error weights do not sum to 0.
struct BadErrorSum : Dp54 {
  static const char* name() { return "bad-error-sum"; }
  static constexpr double e(int i) { return i == 0 ? Dp54::e(0) + 1e-6 : Dp54::e(i); }
};
/// No stages.
struct NoStages : Rk4 {
  static const char* name() { return "no-stages"; }
  static constexpr int stages = 0;
};

/// Expects validate<Tab>() to throw a message naming Tab and containing what.
template <class Tab>
void expect_rejected(const std::string& what) {
  const std::string message = rejection<Tab>();
  ASSERT_FALSE(message.empty()) << Tab::name() << " was accepted";
  EXPECT_NE(message.find(std::string("'") + Tab::name() + "'"), std::string::npos) << message;
  EXPECT_NE(message.find(what), std::string::npos) << message;
  std::printf("  rejected: %s\n", message.c_str());
}

TEST(TEST_CATEGORY, tableaus_validate_rejects_malformed) {
  expect_rejected<BadRowSum>("row 2 of A sums to");
  expect_rejected<BadDiagonal>("not strictly lower triangular");
  expect_rejected<BadWeights>("weights b sum to");
  expect_rejected<BadFsalRow>("FSAL, but the last row of A differs from b");
  expect_rejected<BadFsalWeight>("FSAL, but b(s-1)");
  expect_rejected<BadFsalNode>("FSAL, but c(s-1)");
  expect_rejected<MissingError>("error weights e are all 0");
  expect_rejected<StrayError>("error_order == 0 but some error weight e is nonzero");
  expect_rejected<BadErrorSum>("error weights e sum to");
  expect_rejected<NoStages>("stages = 0");
}

// ---------------------------------------------------------------- order conditions

/// A tableau copied into plain arrays.
struct Dense {
  int s = 0;
  std::vector<std::vector<double>> a;
  std::vector<double> b, c, e, e3;
};

template <class Tab>
Dense dense() {
  Dense t;
  t.s = Tab::stages;
  t.a.assign(t.s, std::vector<double>(t.s, 0.0));
  for (int i = 0; i < t.s; ++i) {
    for (int j = 0; j < t.s; ++j) t.a[i][j] = Tab::a(i, j);
    t.b.push_back(Tab::b(i));
    t.c.push_back(Tab::c(i));
    t.e.push_back(Tab::e(i));
    t.e3.push_back(Tab::e3(i));
  }
  return t;
}

/// The worst-satisfied rooted-tree condition of one order.
struct Violation {
  double residual = 0.0;
  std::string condition;
};

/// The order conditions of order p (1 <= p <= 5) for weights w over the
/// tableau's A and c, in the usual notation (products elementwise, A acting on
/// the vector to its right): the 1, 1, 2, 4 and 9 rooted trees of orders 1..5.
Violation worst_condition(const Dense& t, const std::vector<double>& w, int p) {
  const int s = t.s;
  const auto& a = t.a;
  const auto& c = t.c;
  // Inner sums, each a loop over j (and k through the one it is built on).
  std::vector<double> ac(s, 0.0), ac2(s, 0.0), ac3(s, 0.0);
  for (int i = 0; i < s; ++i)
    for (int j = 0; j < s; ++j) {
      ac[i] += a[i][j] * c[j];
      ac2[i] += a[i][j] * c[j] * c[j];
      ac3[i] += a[i][j] * c[j] * c[j] * c[j];
    }
  std::vector<double> aac(s, 0.0), acac(s, 0.0), aac2(s, 0.0);
  for (int i = 0; i < s; ++i)
    for (int j = 0; j < s; ++j) {
      aac[i] += a[i][j] * ac[j];
      acac[i] += a[i][j] * c[j] * ac[j];
      aac2[i] += a[i][j] * ac2[j];
    }
  std::vector<double> aaac(s, 0.0);
  for (int i = 0; i < s; ++i)
    for (int j = 0; j < s; ++j) aaac[i] += a[i][j] * aac[j];

  Violation worst;
  const auto check = [&](const char* condition, double expected, auto term) {
    double sum = 0.0;
    for (int i = 0; i < s; ++i) sum += w[i] * term(i);
    const double residual = std::abs(sum - expected);
    if (residual >= worst.residual) worst = {residual, condition};
  };
  switch (p) {
    case 1:
      check("w.1 = 1", 1.0, [&](int) { return 1.0; });
      break;
    case 2:
      check("w.c = 1/2", 1.0 / 2.0, [&](int i) { return c[i]; });
      break;
    case 3:
      check("w.c^2 = 1/3", 1.0 / 3.0, [&](int i) { return c[i] * c[i]; });
      check("w.Ac = 1/6", 1.0 / 6.0, [&](int i) { return ac[i]; });
      break;
    case 4:
      check("w.c^3 = 1/4", 1.0 / 4.0, [&](int i) { return c[i] * c[i] * c[i]; });
      check("w.(c Ac) = 1/8", 1.0 / 8.0, [&](int i) { return c[i] * ac[i]; });
      check("w.Ac^2 = 1/12", 1.0 / 12.0, [&](int i) { return ac2[i]; });
      check("w.AAc = 1/24", 1.0 / 24.0, [&](int i) { return aac[i]; });
      break;
    case 5:
      check("w.c^4 = 1/5", 1.0 / 5.0, [&](int i) { return c[i] * c[i] * c[i] * c[i]; });
      check("w.(c^2 Ac) = 1/10", 1.0 / 10.0, [&](int i) { return c[i] * c[i] * ac[i]; });
      check("w.(c Ac^2) = 1/15", 1.0 / 15.0, [&](int i) { return c[i] * ac2[i]; });
      check("w.(c AAc) = 1/30", 1.0 / 30.0, [&](int i) { return c[i] * aac[i]; });
      check("w.(Ac)^2 = 1/20", 1.0 / 20.0, [&](int i) { return ac[i] * ac[i]; });
      check("w.Ac^3 = 1/20", 1.0 / 20.0, [&](int i) { return ac3[i]; });
      check("w.A(c Ac) = 1/40", 1.0 / 40.0, [&](int i) { return acac[i]; });
      check("w.AAc^2 = 1/60", 1.0 / 60.0, [&](int i) { return aac2[i]; });
      check("w.AAAc = 1/120", 1.0 / 120.0, [&](int i) { return aaac[i]; });
      break;
    default:
      ADD_FAILURE() << "no order conditions for order " << p;
  }
  return worst;
}

/// Residuals this small are round-off (the largest coefficients, Verner's and
/// DOP853's, are O(100)); a genuinely unmet condition is off by far more.
constexpr double satisfied = 1e-12;
constexpr double unmet = 1e-6;

/// Expects weights w to satisfy the conditions of orders 1..min(order, 5) and,
/// when order < 5, to miss some condition of order + 1.
void expect_order(const char* name, const char* which, const Dense& t, const std::vector<double>& w,
                  int order) {
  for (int p = 1; p <= std::min(order, 5); ++p) {
    const Violation v = worst_condition(t, w, p);
    EXPECT_LT(v.residual, satisfied)
        << name << ": " << which << " fails " << v.condition << " (order " << p << ")";
  }
  if (order < 5) {
    const Violation v = worst_condition(t, w, order + 1);
    EXPECT_GT(v.residual, unmet) << name << ": " << which << " is of order " << order + 1
                                 << ", not " << order;
  }
}

TEST(TEST_CATEGORY, tableaus_order_conditions) {
  for_each_explicit([&](auto tag) {
    using Tab = typename decltype(tag)::type;
    const Dense t = dense<Tab>();
    expect_order(Tab::name(), "b", t, t.b, Tab::order);
    if (Tab::error_order > 0) {
      std::vector<double> bhat(t.s);
      for (int i = 0; i < t.s; ++i) bhat[i] = t.b[i] - t.e[i];
      expect_order(Tab::name(), "bhat = b - e", t, bhat, Tab::error_order);
    }
    if (Tab::dual_error) {  // DOP853's 3rd-order weights bhh = b - e3
      std::vector<double> bhh(t.s);
      for (int i = 0; i < t.s; ++i) bhh[i] = t.b[i] - t.e3[i];
      expect_order(Tab::name(), "bhh = b - e3", t, bhh, 3);
    }
  });
}

// ---------------------------------------------------------------- convergence

/// A forced harmonic oscillator, non-autonomous so that the nodes c matter:
/// y1' = y2, y2' = -y1 + cos(2t), y(0) = (1, 0); exact solution
/// y1 = 4/3 cos t - 1/3 cos 2t, y2 = -4/3 sin t + 2/3 sin 2t.
std::array<double, 2> forced_oscillator(double t, const std::array<double, 2>& y) {
  return {y[1], -y[0] + std::cos(2.0 * t)};
}
std::array<double, 2> forced_oscillator_exact(double t) {
  return {4.0 / 3.0 * std::cos(t) - std::cos(2.0 * t) / 3.0,
          -4.0 / 3.0 * std::sin(t) + 2.0 / 3.0 * std::sin(2.0 * t)};
}

/// Max-norm error at t = 2 of n fixed steps of Tab from t = 0 (every stage
/// evaluated, FSAL or not).
template <class Tab>
double global_error(int n) {
  constexpr double t_end = 2.0;
  const double h = t_end / n;
  std::array<double, 2> y = forced_oscillator_exact(0.0);
  std::array<std::array<double, 2>, Tab::stages> k{};
  for (int step = 0; step < n; ++step) {
    const double t = step * h;
    for (int i = 0; i < Tab::stages; ++i) {
      std::array<double, 2> stage = y;
      for (int j = 0; j < i; ++j)
        for (int m = 0; m < 2; ++m) stage[m] += h * Tab::a(i, j) * k[j][m];
      k[i] = forced_oscillator(t + Tab::c(i) * h, stage);
    }
    for (int m = 0; m < 2; ++m) {
      double increment = 0.0;
      for (int i = 0; i < Tab::stages; ++i) increment += Tab::b(i) * k[i][m];
      y[m] += h * increment;
    }
  }
  const std::array<double, 2> exact = forced_oscillator_exact(t_end);
  return std::max(std::abs(y[0] - exact[0]), std::abs(y[1] - exact[1]));
}

/// Step counts in the asymptotic range on this problem (the error's next term
/// negligible) with errors far above round-off: the high-order pairs have
/// small leading error coefficients and leave the pre-asymptotic range only
/// a few decades above round-off, so they take few steps.
constexpr int base_steps(int order) {
  return order <= 2 ? 64 : order <= 4 ? 32 : order <= 6 ? 16 : 4;
}

TEST(TEST_CATEGORY, tableaus_convergence_order) {
  for_each_explicit([&](auto tag) {
    using Tab = typename decltype(tag)::type;
    const int n = base_steps(Tab::order);
    const double coarse = global_error<Tab>(n);
    const double fine = global_error<Tab>(2 * n);
    const double measured = std::log2(coarse / fine);
    std::printf("  %-20s order %d: N = %2d error %.3e, N = %3d error %.3e, measured order %.3f\n",
                Tab::name(), Tab::order, n, coarse, 2 * n, fine, measured);
    EXPECT_GT(fine, 1e-12) << Tab::name() << ": error near round-off, order not measurable";
    EXPECT_NEAR(measured, Tab::order, 0.2) << Tab::name();
  });
}

// ------------------------------------------------------- controller arithmetic

TEST(TEST_CATEGORY, controller_log2_and_exp2_meet_their_stated_accuracy) {
  // log2_approx within 2e-9 absolute over the normal range (dense near 1,
  // where the reduced argument is largest at sqrt(2)), exp2_approx within
  // 2e-11 relative over [-1000, 1000].
  double worst_log = 0, worst_exp = 0;
  for (int k = -3000; k <= 3000; ++k) {
    const double x = std::pow(10.0, k / 10.0) * (1 + 0.37 * std::sin(k));
    worst_log = std::max(worst_log, std::abs(kobie::Impl::log2_approx(x) - std::log2(x)));
  }
  for (int k = 0; k <= 100000; ++k) {
    const double m = 0.70710678 + 0.70710678 * k / 100000.0;  // [sqrt(1/2), sqrt(2)]
    worst_log = std::max(worst_log, std::abs(kobie::Impl::log2_approx(m) - std::log2(m)));
  }
  for (int k = -100000; k <= 100000; ++k) {
    const double y = k / 100.0;
    const double exact = std::exp2(y);
    worst_exp = std::max(worst_exp, std::abs(kobie::Impl::exp2_approx(y) - exact) / exact);
  }
  std::printf("[ accuracy ] log2_approx %.2e absolute, exp2_approx %.2e relative\n", worst_log,
              worst_exp);
  EXPECT_LT(worst_log, 2e-9);
  EXPECT_LT(worst_exp, 2e-11);
}

}  // namespace
