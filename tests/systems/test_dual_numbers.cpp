// Test body (see backend_test.cpp.in): systems are generic in their scalar
// type. kobie::Dual follows the chain rule, and every built-in system (and
// the user example) evaluated on the device with dual states or dual
// parameters returns its plain value (to rounding) and a Jacobian-vector
// product that agrees with central differences on the host, and with the
// hand-written Jacobian where one is written here.
//
// Device lambdas live in free functions, never in a TEST body (nvcc).
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "../examples/user_system/damped_pendulum.hpp"
#include "test_support.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using kobie::Dual;

// ---------------------------------------------------------------------------
// The arithmetic itself, against derivatives written out by hand, on the
// host and in a device kernel (the same expressions: `dual_expressions`).

constexpr int n_expressions = 17;

/// Every operation and function of dual.hpp at x = x0 + eps.
template <class T>
KOKKOS_INLINE_FUNCTION void dual_expressions(T x0, Dual<T>* out) {
  namespace m = kobie::math;
  const Dual<T> x(x0, T(1));
  out[0] = x * x / (1 + x) - 3 + 2.0 * x;
  out[1] = 5 / x;
  out[2] = -x + (+x) * 3.0f;
  out[3] = m::sin(x);
  out[4] = m::cos(x);
  out[5] = m::exp(x);
  out[6] = m::log(x);
  out[7] = m::tanh(x);
  out[8] = m::sqrt(x);
  out[9] = m::fabs(-x);
  out[10] = m::pow(x, 2.5);
  out[11] = m::pow(x, x);
  out[12] = m::pow(2.0, x);
  Dual<T> y = x;
  y *= x;
  y += 1;
  y /= x;
  y -= x;  // x + 1/x - x = 1/x
  out[13] = y;
  // Constant exponents on a negative base and on zero: finite derivatives.
  const Dual<T> neg = -x;
  out[14] = m::pow(neg, Dual<T>(T(2)));                         // (-x)^2
  out[15] = m::pow(neg, 3);                                     // (-x)^3
  out[16] = m::pow(x - x0, 0) + m::pow(x - x0, Dual<T>(T(2)));  // at 0: 1 + 0
}

/// The value and derivative of each expression at x0, written out by hand.
void expected_expressions(double x0, double* value, double* derivative) {
  const double v[n_expressions] = {x0 * x0 / (1 + x0) - 3 + 2 * x0,
                                   5 / x0,
                                   2 * x0,
                                   std::sin(x0),
                                   std::cos(x0),
                                   std::exp(x0),
                                   std::log(x0),
                                   std::tanh(x0),
                                   std::sqrt(x0),
                                   x0,
                                   std::pow(x0, 2.5),
                                   std::pow(x0, x0),
                                   std::pow(2.0, x0),
                                   1 / x0,
                                   x0 * x0,
                                   -x0 * x0 * x0,
                                   1};
  const double d[n_expressions] = {(x0 * x0 + 2 * x0) / ((1 + x0) * (1 + x0)) + 2,
                                   -5 / (x0 * x0),
                                   2,
                                   std::cos(x0),
                                   -std::sin(x0),
                                   std::exp(x0),
                                   1 / x0,
                                   1 - std::tanh(x0) * std::tanh(x0),
                                   0.5 / std::sqrt(x0),
                                   1,
                                   2.5 * std::pow(x0, 1.5),
                                   std::pow(x0, x0) * (std::log(x0) + 1),
                                   std::pow(2.0, x0) * std::log(2.0),
                                   -1 / (x0 * x0),
                                   2 * x0,
                                   -3 * x0 * x0,
                                   0};
  for (int i = 0; i < n_expressions; ++i) value[i] = v[i], derivative[i] = d[i];
}

/// The expressions at each of `points`, computed in a kernel on the backend.
template <class T>
std::vector<Dual<T>> device_expressions(const std::vector<double>& points) {
  const int n = static_cast<int>(points.size());
  Kokkos::View<T**, Kokkos::LayoutRight, Exec::memory_space> out("kobie::test::dual_exprs", n,
                                                                 2 * n_expressions);
  Kokkos::View<double*, Exec::memory_space> x("kobie::test::dual_points", n);
  auto x_host = Kokkos::create_mirror_view(x);
  for (int i = 0; i < n; ++i) x_host(i) = points[i];
  Kokkos::deep_copy(x, x_host);
  Kokkos::parallel_for(
      "kobie::test::dual_expressions", Kokkos::RangePolicy<Exec>(Exec(), 0, n),
      KOKKOS_LAMBDA(int i) {
        Dual<T> e[n_expressions];
        dual_expressions(T(x(i)), e);
        for (int k = 0; k < n_expressions; ++k) {
          out(i, 2 * k) = e[k].value;
          out(i, 2 * k + 1) = e[k].derivative;
        }
      });
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out);
  std::vector<Dual<T>> result;
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n_expressions; ++k) result.emplace_back(host(i, 2 * k), host(i, 2 * k + 1));
  return result;
}

template <class T>
void expect_chain_rule(const std::vector<double>& points) {
  const double tol = std::is_same<T, float>::value ? 4e-6 : 1e-13;
  const auto device = device_expressions<T>(points);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const double x0 = double(T(points[i]));
    double value[n_expressions], derivative[n_expressions];
    expected_expressions(x0, value, derivative);
    Dual<T> host[n_expressions];
    dual_expressions(T(points[i]), host);
    for (int k = 0; k < n_expressions; ++k) {
      const Dual<T> computed[2] = {host[k], device[i * n_expressions + k]};
      for (int where = 0; where < 2; ++where) {
        const char* on = where == 0 ? " (host)" : " (device)";
        EXPECT_NEAR(computed[where].value, value[k], tol * (1 + std::fabs(value[k])))
            << "expression " << k << " at " << x0 << on;
        EXPECT_NEAR(computed[where].derivative, derivative[k], tol * (1 + std::fabs(derivative[k])))
            << "expression " << k << "' at " << x0 << on;
      }
    }
  }
  // Comparisons look at values only; constants carry no derivative.
  const T xv = T(points[0]);
  const Dual<T> x(xv, T(1));
  EXPECT_TRUE(x > xv - 1 && x >= Dual<T>(xv, T(-7)) && x == xv && !(x != xv) && 0 < x);
  EXPECT_EQ(Dual<T>(3).derivative, T(0));
}

TEST(TEST_CATEGORY, dual_numbers_follow_the_chain_rule) {
  const std::vector<double> points = {0.3, 1.0, 2.7};
  expect_chain_rule<double>(points);
  expect_chain_rule<float>(points);
}

// ---------------------------------------------------------------------------
// Systems evaluated with duals on the device.

/// Per system: the cases' states, parameters, drivers and directions (case,
/// index), and what the device computed from them.
struct DualEvaluation {
  std::vector<double> y, v, p, w, d;   // inputs, case-major
  std::vector<double> f;               // plain rhs
  std::vector<double> f_y, jv;         // rhs at y + v eps: value and J_y v
  std::vector<double> f_p, jw;         // rhs at p + w eps: value and J_p w
  std::vector<double> obs_jv, obs_jw;  // observables' derivatives along v and w
  int cases = 0;
};

/// Inputs of `cases` random cases: states in [low, high], parameters within
/// a factor 0.5 to 1.5 of the defaults, drivers in [0.1, 1], directions in
/// [-1, 1].
template <class System>
DualEvaluation random_inputs(int cases, std::mt19937_64& rng, double low, double high) {
  constexpr int Db = System::n_drivers > 0 ? System::n_drivers : 1;
  DualEvaluation e;
  e.cases = cases;
  std::uniform_real_distribution<double> state(low, high), unit(-1.0, 1.0);
  std::uniform_real_distribution<double> scale(0.5, 1.5), driver(0.1, 1.0);
  const auto defaults = System::default_parameters();
  for (int c = 0; c < cases; ++c) {
    for (int i = 0; i < System::n_states; ++i) e.y.push_back(state(rng)), e.v.push_back(unit(rng));
    for (int j = 0; j < System::n_parameters; ++j)
      e.p.push_back(defaults[j] * scale(rng)), e.w.push_back(unit(rng));
    for (int k = 0; k < Db; ++k) e.d.push_back(driver(rng));
  }
  return e;
}

using DeviceArray = Kokkos::View<double**, Kokkos::LayoutRight, Exec::memory_space>;

DeviceArray upload(const std::vector<double>& host, int cases, int width) {
  DeviceArray out("kobie::test::dual_input", cases, width);
  auto mirror = Kokkos::create_mirror_view(out);
  for (int c = 0; c < cases; ++c)
    for (int i = 0; i < width; ++i) {  // width 1 for an empty array (no parameters)
      const std::size_t at = std::size_t(c) * width + i;
      mirror(c, i) = at < host.size() ? host[at] : 0.0;
    }
  Kokkos::deep_copy(out, mirror);
  return out;
}

template <class View>
std::vector<double> download(const View& device) {
  auto mirror = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), device);
  std::vector<double> out(mirror.size());
  for (std::size_t c = 0; c < mirror.extent(0); ++c)
    for (std::size_t i = 0; i < mirror.extent(1); ++i) out[c * mirror.extent(1) + i] = mirror(c, i);
  return out;
}

/// The observables' derivatives along the state direction (dual y) and the
/// parameter direction (dual p), for a system that has observables. (A
/// function of its own: nvcc refuses a device lambda whose first capture of
/// a variable is inside `if constexpr`.)
template <class System, class YD, class YR, class PD, class PR, class DR>
KOKKOS_INLINE_FUNCTION void observables_along(
    [[maybe_unused]] const System& system, [[maybe_unused]] const YD& yd,
    [[maybe_unused]] const YR& yr, [[maybe_unused]] const PD& pd, [[maybe_unused]] const PR& pr,
    [[maybe_unused]] const DR& dr, [[maybe_unused]] const DeviceArray& along_y,
    [[maybe_unused]] const DeviceArray& along_p, [[maybe_unused]] int c) {
  if constexpr (System::n_observables > 0) {
    Dual<double> obs[System::n_observables];
    system.observables(0.5, yd, pr, dr, obs);
    for (int o = 0; o < System::n_observables; ++o) along_y(c, o) = obs[o].derivative;
    system.observables(0.5, yr, pd, dr, obs);
    for (int o = 0; o < System::n_observables; ++o) along_p(c, o) = obs[o].derivative;
  }
}

/// Evaluates the system at e's inputs in a kernel on the backend: plain,
/// with dual states (direction v) and with dual parameters (direction w).
template <class System>
DualEvaluation evaluate_on_device(const System& system, DualEvaluation e) {
  constexpr int N = System::n_states, P = System::n_parameters;
  constexpr int O = System::n_observables, D = System::n_drivers;
  constexpr int Pb = P > 0 ? P : 1, Ob = O > 0 ? O : 1, Db = D > 0 ? D : 1;
  const int cases = e.cases;
  auto y = upload(e.y, cases, N), v = upload(e.v, cases, N);
  auto p = upload(e.p, cases, Pb), w = upload(e.w, cases, Pb);
  auto d = upload(e.d, cases, Db);
  DeviceArray f("f", cases, N), f_y("f_y", cases, N), jv("jv", cases, N);
  DeviceArray f_p("f_p", cases, N), jw("jw", cases, N);
  DeviceArray obs_jv("obs_jv", cases, Ob), obs_jw("obs_jw", cases, Ob);
  Kokkos::parallel_for(
      "kobie::test::dual_rhs", Kokkos::RangePolicy<Exec>(Exec(), 0, cases), KOKKOS_LAMBDA(int c) {
        using DD = Dual<double>;
        double yr[N], pr[Pb], dr[Db], out[N];
        DD yd[N], pd[Pb], outd[N];
        for (int i = 0; i < N; ++i) yr[i] = y(c, i), yd[i] = DD(y(c, i), v(c, i));
        for (int j = 0; j < P; ++j) pr[j] = p(c, j), pd[j] = DD(p(c, j), w(c, j));
        for (int k = 0; k < Db; ++k) dr[k] = d(c, k);
        system.rhs(0.5, yr, pr, dr, out);
        for (int i = 0; i < N; ++i) f(c, i) = out[i];
        system.rhs(0.5, yd, pr, dr, outd);
        for (int i = 0; i < N; ++i) f_y(c, i) = outd[i].value, jv(c, i) = outd[i].derivative;
        system.rhs(0.5, yr, pd, dr, outd);
        for (int i = 0; i < N; ++i) f_p(c, i) = outd[i].value, jw(c, i) = outd[i].derivative;
        observables_along(system, yd, yr, pd, pr, dr, obs_jv, obs_jw, c);
      });
  Exec().fence();
  e.f = download(f), e.f_y = download(f_y), e.jv = download(jv);
  e.f_p = download(f_p), e.jw = download(jw);
  e.obs_jv = download(obs_jv), e.obs_jw = download(obs_jw);
  return e;
}

/// Differences of g along u at x (host, plain doubles).
template <int Out>
struct Differences {
  double central[Out], forward[Out], backward[Out];
};

template <int Width, int Out, class G>
Differences<Out> differences(const double* x, const double* u, G g) {
  double norm = 0;
  for (int i = 0; i < Width; ++i) norm = std::max(norm, std::fabs(x[i]));
  const double h = 1e-7 * (1 + norm);
  double xp[Width], xm[Width], g0[Out], gp[Out], gm[Out];
  for (int i = 0; i < Width; ++i) xp[i] = x[i] + h * u[i], xm[i] = x[i] - h * u[i];
  g(x, g0);
  g(xp, gp);
  g(xm, gm);
  Differences<Out> out;
  for (int i = 0; i < Out; ++i) {
    out.central[i] = (gp[i] - gm[i]) / (2 * h);
    out.forward[i] = (gp[i] - g0[i]) / h;
    out.backward[i] = (g0[i] - gm[i]) / h;
  }
  return out;
}

/// The dual derivative against the central difference (O(h^2) plus
/// rounding: 1e-6 of the vector's scale). Where a kink lies within h of x
/// (the three-chamber model's valves switch), the dual derivative is that
/// of the branch at x, which one of the one-sided differences sees (O(h):
/// 1e-5 of the scale). That fallback is open to every case, since a test
/// cannot tell where a system's kinks are; a wrong derivative formula is
/// off by O(1) and passes neither.
template <int Out>
void expect_close(const double* dual, const Differences<Out>& fd, const char* what,
                  const char* system, int c) {
  double scale = 1;
  for (int i = 0; i < Out; ++i) scale = std::max(scale, std::fabs(fd.central[i]));
  auto within = [&](const double* reference, double tolerance) {
    for (int i = 0; i < Out; ++i)
      if (!(std::fabs(dual[i] - reference[i]) <= tolerance * scale)) return false;
    return true;
  };
  if (within(fd.central, 1e-6) || within(fd.forward, 1e-5) || within(fd.backward, 1e-5)) return;
  for (int i = 0; i < Out; ++i)
    EXPECT_NEAR(dual[i], fd.central[i], 1e-6 * scale)
        << system << " case " << c << ": " << what << " component " << i;
}

/// Checks one system at the given inputs: the value, J_y v, J_p w and the
/// observables' derivatives against central differences.
template <class System>
DualEvaluation check_system(const System& system, const DualEvaluation& inputs) {
  constexpr int N = System::n_states, P = System::n_parameters;
  constexpr int O = System::n_observables, Db = System::n_drivers > 0 ? System::n_drivers : 1;
  const DualEvaluation e = evaluate_on_device(system, inputs);
  const int cases = e.cases;
  const char* name = System::name();
  for (int c = 0; c < cases; ++c) {
    const double* y = &e.y[std::size_t(c) * N];
    const double* p = &e.p[std::size_t(c) * P];
    const double* d = &e.d[std::size_t(c) * Db];
    // The value part is the plain evaluation, operation for operation, up to
    // the compiler's contraction of a * b + c into fused multiply-adds, which
    // may differ between the two (one rounding of the largest term).
    const double* f = &e.f[std::size_t(c) * N];
    double scale = 1;
    for (int i = 0; i < N; ++i) scale = std::max(scale, std::fabs(f[i]));
    for (int i = 0; i < N; ++i) {
      EXPECT_NEAR(e.f_y[std::size_t(c) * N + i], f[i], 1e-13 * scale) << name << " " << c;
      EXPECT_NEAR(e.f_p[std::size_t(c) * N + i], f[i], 1e-13 * scale) << name << " " << c;
    }
    const double* v = &e.v[std::size_t(c) * N];
    const double* w = &e.w[std::size_t(c) * P];
    expect_close<N>(&e.jv[std::size_t(c) * N],
                    differences<N, N>(
                        y, v, [&](const double* x, double* out) { system.rhs(0.5, x, p, d, out); }),
                    "J_y v", name, c);
    expect_close<N>(&e.jw[std::size_t(c) * N],
                    differences<P, N>(
                        p, w, [&](const double* q, double* out) { system.rhs(0.5, y, q, d, out); }),
                    "J_p w", name, c);
    if constexpr (O > 0) {
      expect_close<O>(
          &e.obs_jv[std::size_t(c) * O],
          differences<N, O>(
              y, v, [&](const double* x, double* out) { system.observables(0.5, x, p, d, out); }),
          "observables' J_y v", name, c);
      expect_close<O>(
          &e.obs_jw[std::size_t(c) * O],
          differences<P, O>(
              p, w, [&](const double* q, double* out) { system.observables(0.5, y, q, d, out); }),
          "observables' J_p w", name, c);
    }
  }
  return e;
}

/// 64 random cases (see random_inputs).
template <class System>
DualEvaluation check_system(const System& system, std::mt19937_64& rng, double low = 0.2,
                            double high = 1.5) {
  return check_system(system, random_inputs<System>(64, rng, low, high));
}

TEST(TEST_CATEGORY, dual_numbers_give_every_systems_jacobian_vector_products) {
  std::mt19937_64 rng(kobie_test::random_seed("dual_numbers_jacobian_vector_products"));
  namespace sys = kobie::systems;
  check_system(sys::Decay{}, rng);
  check_system(sys::Linear3{}, rng);
  check_system(sys::Nonlinear3{}, rng, -1.5, 1.5);
  {
    // Random volumes, and one case for each pair of valve states (inlet open
    // when P_v > P_h, outlet open when P_h > P_a; default parameters): P_h
    // = 0.52 V_h e, P_a = 0.0133 V_a, P_v = 0.0624 V_v.
    auto inputs = random_inputs<sys::ThreeChamber>(64, rng, 50.0, 150.0);
    const auto defaults = sys::ThreeChamber::default_parameters();
    std::uniform_real_distribution<double> unit(-1.0, 1.0);
    const double valve_cases[4][4] = {
        // V_h, V_a, V_v, e:    P_h,  P_a,  P_v
        {1.0, 100.0, 100.0, 0.1},    // 0.05, 1.33, 6.24: inlet open, outlet closed
        {100.0, 100.0, 100.0, 1.0},  // 52,   1.33, 6.24: inlet closed, outlet open
        {19.2, 1000.0, 100.0, 1.0},  // 10,   13.3, 6.24: both closed
        {5.77, 100.0, 100.0, 1.0},   // 3,    1.33, 6.24: both open
    };
    for (const auto& vc : valve_cases) {
      for (int i = 0; i < 3; ++i) inputs.y.push_back(vc[i]), inputs.v.push_back(unit(rng));
      for (double p : defaults) inputs.p.push_back(p), inputs.w.push_back(unit(rng));
      inputs.d.push_back(vc[3]);
      ++inputs.cases;
    }
    check_system(sys::ThreeChamber{}, inputs);
  }
  check_system(sys::Robertson{}, rng, 0.0, 1.0);
  check_system(DampedPendulum{}, rng, -2.0, 2.0);

  // Where the Jacobian is short to write, the product must match it to
  // rounding, not just to the differences' accuracy.
  const auto lorenz = check_system(sys::Lorenz{}, rng, -20.0, 20.0);
  for (int c = 0; c < lorenz.cases; ++c) {
    const double* y = &lorenz.y[3 * c];
    const double* v = &lorenz.v[3 * c];
    const double* p = &lorenz.p[3 * c];
    const double jv[3] = {p[0] * (v[1] - v[0]), (p[1] - y[2]) * v[0] - v[1] - y[0] * v[2],
                          y[1] * v[0] + y[0] * v[1] - p[2] * v[2]};
    for (int i = 0; i < 3; ++i)
      EXPECT_NEAR(lorenz.jv[3 * c + i], jv[i], 1e-13 * (1 + std::fabs(jv[i]))) << c << " " << i;
  }
  const auto vdp = check_system(sys::VanDerPol{}, rng, -2.5, 2.5);
  for (int c = 0; c < vdp.cases; ++c) {
    const double x = vdp.y[2 * c], y = vdp.y[2 * c + 1], mu = vdp.p[c];
    const double* v = &vdp.v[2 * c];
    const double jv1 = (-2 * mu * x * y - 1) * v[0] + mu * (1 - x * x) * v[1];
    EXPECT_EQ(vdp.jv[2 * c], v[1]);
    EXPECT_NEAR(vdp.jv[2 * c + 1], jv1, 1e-13 * (1 + std::fabs(jv1))) << c;
  }
  constexpr int N = 40;
  const auto l96 = check_system(sys::Lorenz96<N>{}, rng, -5.0, 10.0);
  for (int c = 0; c < l96.cases; ++c) {
    const double* y = &l96.y[N * c];
    const double* v = &l96.v[N * c];
    for (int i = 0; i < N; ++i) {
      const int ip1 = (i + 1) % N, im1 = (i + N - 1) % N, im2 = (i + N - 2) % N;
      const double jv = (v[ip1] - v[im2]) * y[im1] + (y[ip1] - y[im2]) * v[im1] - v[i];
      EXPECT_NEAR(l96.jv[N * c + i], jv, 1e-13 * (1 + std::fabs(jv))) << c << " " << i;
    }
  }
}

}  // namespace
