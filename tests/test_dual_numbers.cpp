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
// The arithmetic itself, against derivatives written out by hand.

template <class T>
void expect_chain_rule(double x0) {
  namespace m = kobie::math;
  const Dual<T> x(T(x0), T(1));
  const T xv = T(x0);
  const double tol = std::is_same<T, float>::value ? 2e-6 : 1e-14;
  auto near = [&](const Dual<T>& got, double value, double derivative, const char* what) {
    EXPECT_NEAR(got.value, value, tol * (1 + std::fabs(value))) << what << " at " << x0;
    EXPECT_NEAR(got.derivative, derivative, tol * (1 + std::fabs(derivative)))
        << what << "' at " << x0;
  };
  // (x^2 / (1 + x) - 3 + 2x)' = (x^2 + 2x) / (1 + x)^2 + 2
  near(x * x / (1 + x) - 3 + 2.0 * x, x0 * x0 / (1 + x0) - 3 + 2 * x0,
       (x0 * x0 + 2 * x0) / ((1 + x0) * (1 + x0)) + 2, "rational");
  near(5 / x, 5 / x0, -5 / (x0 * x0), "5 / x");
  near(-x + (+x) * 3.0f, 2 * x0, 2, "-x + 3x");
  near(m::sin(x), std::sin(x0), std::cos(x0), "sin");
  near(m::cos(x), std::cos(x0), -std::sin(x0), "cos");
  near(m::exp(x), std::exp(x0), std::exp(x0), "exp");
  near(m::log(x), std::log(x0), 1 / x0, "log");
  near(m::tanh(x), std::tanh(x0), 1 - std::tanh(x0) * std::tanh(x0), "tanh");
  near(m::sqrt(x), std::sqrt(x0), 0.5 / std::sqrt(x0), "sqrt");
  near(m::fabs(-x), x0, 1, "fabs(-x)");
  near(m::pow(x, 2.5), std::pow(x0, 2.5), 2.5 * std::pow(x0, 1.5), "x^2.5");
  near(m::pow(x, x), std::pow(x0, x0), std::pow(x0, x0) * (std::log(x0) + 1), "x^x");
  near(m::pow(2.0, x), std::pow(2.0, x0), std::pow(2.0, x0) * std::log(2.0), "2^x");
  Dual<T> y = x;
  y *= x;
  y += 1;
  y /= x;
  y -= x;  // x + 1/x - x = 1/x
  near(y, 1 / x0, -1 / (x0 * x0), "compound assignments");
  // Comparisons look at values only; constants carry no derivative.
  EXPECT_TRUE(x > xv - 1 && x >= Dual<T>(xv, T(-7)) && x == xv && !(x != xv) && 0 < x);
  EXPECT_EQ(Dual<T>(3).derivative, T(0));
}

TEST(TEST_CATEGORY, dual_numbers_follow_the_chain_rule) {
  for (double x0 : {0.3, 1.0, 2.7}) {
    expect_chain_rule<double>(x0);
    expect_chain_rule<float>(x0);
  }
}

// ---------------------------------------------------------------------------
// Systems evaluated with duals on the device.

/// Per system: random states, parameters, drivers and directions (case,
/// index), and what the device computed from them.
struct DualEvaluation {
  std::vector<double> y, v, p, w, d;  // inputs, case-major
  std::vector<double> f;              // plain rhs
  std::vector<double> f_y, jv;        // rhs at y + v eps: value and J_y v
  std::vector<double> f_p, jw;        // rhs at p + w eps: value and J_p w
  std::vector<double> obs_jv;         // observables' derivative along v
  int cases = 0;
};

using DeviceArray = Kokkos::View<double**, Kokkos::LayoutRight, Exec::memory_space>;

DeviceArray upload(const std::vector<double>& host, int cases, int width) {
  DeviceArray out("kobie::test::dual_input", cases, width);
  auto mirror = Kokkos::create_mirror_view(out);
  for (int c = 0; c < cases; ++c)
    for (int i = 0; i < width; ++i) mirror(c, i) = host[std::size_t(c) * width + i];
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

template <class System>
DualEvaluation evaluate_on_device(const System& system, int cases, std::mt19937_64& rng, double low,
                                  double high) {
  constexpr int N = System::n_states, P = System::n_parameters;
  constexpr int O = System::n_observables, D = System::n_drivers;
  constexpr int Ob = O > 0 ? O : 1, Db = D > 0 ? D : 1;
  DualEvaluation e;
  e.cases = cases;
  std::uniform_real_distribution<double> state(low, high), unit(-1.0, 1.0);
  std::uniform_real_distribution<double> scale(0.5, 1.5), driver(0.1, 1.0);
  const auto defaults = System::default_parameters();
  for (int c = 0; c < cases; ++c) {
    for (int i = 0; i < N; ++i) e.y.push_back(state(rng)), e.v.push_back(unit(rng));
    for (int j = 0; j < P; ++j) e.p.push_back(defaults[j] * scale(rng)), e.w.push_back(unit(rng));
    for (int k = 0; k < Db; ++k) e.d.push_back(driver(rng));
  }
  auto y = upload(e.y, cases, N), v = upload(e.v, cases, N);
  auto p = upload(e.p, cases, P), w = upload(e.w, cases, P);
  auto d = upload(e.d, cases, Db);
  DeviceArray f("f", cases, N), f_y("f_y", cases, N), jv("jv", cases, N);
  DeviceArray f_p("f_p", cases, N), jw("jw", cases, N), obs_jv("obs_jv", cases, Ob);
  Kokkos::parallel_for(
      "kobie::test::dual_rhs", Kokkos::RangePolicy<Exec>(Exec(), 0, cases), KOKKOS_LAMBDA(int c) {
        using DD = Dual<double>;
        double yr[N], pr[P], dr[Db], out[N];
        DD yd[N], pd[P], outd[N];
        for (int i = 0; i < N; ++i) yr[i] = y(c, i), yd[i] = DD(y(c, i), v(c, i));
        for (int j = 0; j < P; ++j) pr[j] = p(c, j), pd[j] = DD(p(c, j), w(c, j));
        for (int k = 0; k < Db; ++k) dr[k] = d(c, k);
        system.rhs(0.5, yr, pr, dr, out);
        for (int i = 0; i < N; ++i) f(c, i) = out[i];
        system.rhs(0.5, yd, pr, dr, outd);
        for (int i = 0; i < N; ++i) f_y(c, i) = outd[i].value, jv(c, i) = outd[i].derivative;
        system.rhs(0.5, yr, pd, dr, outd);
        for (int i = 0; i < N; ++i) f_p(c, i) = outd[i].value, jw(c, i) = outd[i].derivative;
        if constexpr (O > 0) {
          DD obs[O];
          system.observables(0.5, yd, pr, dr, obs);
          for (int o = 0; o < O; ++o) obs_jv(c, o) = obs[o].derivative;
        }
      });
  Exec().fence();
  e.f = download(f), e.f_y = download(f_y), e.jv = download(jv);
  e.f_p = download(f_p), e.jw = download(jw), e.obs_jv = download(obs_jv);
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
/// 1e-5 of the scale).
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

/// Checks one system: value bits, J_y v, J_p w and the observables'
/// derivative against central differences.
template <class System>
DualEvaluation check_system(const System& system, std::mt19937_64& rng, double low = 0.2,
                            double high = 1.5) {
  constexpr int N = System::n_states, P = System::n_parameters;
  constexpr int O = System::n_observables, Db = System::n_drivers > 0 ? System::n_drivers : 1;
  const int cases = 64;
  DualEvaluation e = evaluate_on_device(system, cases, rng, low, high);
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
    }
  }
  return e;
}

TEST(TEST_CATEGORY, dual_numbers_give_every_systems_jacobian_vector_products) {
  std::mt19937_64 rng(kobie_test::random_seed("dual_numbers_jacobian_vector_products"));
  namespace sys = kobie::systems;
  check_system(sys::Decay{}, rng);
  check_system(sys::Linear3{}, rng);
  check_system(sys::Nonlinear3{}, rng, -1.5, 1.5);
  check_system(sys::ThreeChamber{}, rng, 50.0, 150.0);
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
