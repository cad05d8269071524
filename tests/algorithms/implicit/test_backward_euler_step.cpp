// Test body (see backend_test.cpp.in): the first implicit method's core on
// the backend, one system per lane. The Jacobian by duals against analytic
// Jacobians (and a system's own `jacobian` member, used where present); the
// backward Euler step against its exact value on linear decay, against an
// independent host implementation (analytic Jacobian, its own Gaussian
// elimination) step by step over Robertson's problem, with equal Newton
// iteration counts; its order; and Newton's failures, reported per lane
// without touching the other lanes.
//
// Device lambdas live in free functions, never in a TEST body (nvcc).
#include <kobie/algorithms/implicit/backward_euler.hpp>
#include <kobie/launch/team_launch.hpp>
#include <kobie/registry/buffer_allocator.hpp>
#include <kobie/registry/buffer_registry.hpp>
#include <kobie/systems/builtin.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using Memory = Exec::memory_space;
constexpr bool vector_passes = kobie::lanes_in_vector_passes<Exec>::value;
using HostArray = Kokkos::View<double**, Kokkos::LayoutRight, Kokkos::HostSpace>;
using DeviceArray = Kokkos::View<double**, Kokkos::LayoutRight, Memory>;

DeviceArray upload(const std::vector<std::vector<double>>& rows) {
  const std::size_t width = rows.empty() ? 1 : rows[0].size();
  DeviceArray out("kobie::test::be_input", rows.size(), width);
  auto h = Kokkos::create_mirror_view(out);
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < width; ++c) h(r, c) = rows[r][c];
  Kokkos::deep_copy(out, h);
  return out;
}

/// Robertson with its analytic Jacobian as a member (the member must be
/// found and used: one rhs evaluation for f, not three dual ones).
struct RobertsonWithJacobian : kobie::systems::Robertson {
  template <class Y, class P, class D, class J>
  KOKKOS_INLINE_FUNCTION void jacobian(double, const Y& y, const P& p, const D&, J& jac) const {
    jac[0] = -p[0], jac[1] = p[2] * y[2], jac[2] = p[2] * y[1];
    jac[3] = p[0], jac[4] = -p[2] * y[2] - 2 * p[1] * y[1], jac[5] = -p[2] * y[1];
    jac[6] = 0, jac[7] = 2 * p[1] * y[1], jac[8] = 0;
  }
};
static_assert(kobie::has_jacobian_v<RobertsonWithJacobian, double>, "member detected");
static_assert(!kobie::has_jacobian_v<kobie::systems::Robertson, double>, "no member");

void robertson_jacobian(const double* y, const double* p, double* jac) {
  RobertsonWithJacobian{}.jacobian(0.0, y, p, nullptr, jac);
}
void robertson_rhs(const double* y, const double* p, double* f) {
  kobie::systems::Robertson{}.rhs(0.0, y, p, nullptr, f);
}

// ---------------------------------------------------------------------------
// Jacobians

/// Per case: J (9), f (3), rhs evaluations, Jacobian evaluations.
template <class System>
HostArray device_jacobians(const DeviceArray& y, const DeviceArray& p) {
  const int cases = static_cast<int>(y.extent(0));
  DeviceArray out("kobie::test::jacobians", cases, 14);
  const System system{};
  Kokkos::parallel_for(
      "kobie::test::jacobian", Kokkos::RangePolicy<Exec>(Exec(), 0, cases), KOKKOS_LAMBDA(int c) {
        kobie::LocalArray<double, 3> yl, pl, f;
        kobie::LocalArray<double, 1> d;
        kobie::LocalArray<double, 9> jac;
        for (int i = 0; i < 3; ++i) yl[i] = y(c, i), pl[i] = p(c, i);
        d[0] = 0;
        const kobie::StepWork work = kobie::system_jacobian<double>(system, 0.0, yl, pl, d, jac, f);
        for (int k = 0; k < 9; ++k) out(c, k) = jac[k];
        for (int i = 0; i < 3; ++i) out(c, 9 + i) = f[i];
        out(c, 12) = double(work.rhs_evals);
        out(c, 13) = double(work.jacobian_evals);
      });
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), out);
}

template <class System>
void expect_robertson_jacobians(int expected_rhs_evals) {
  std::mt19937_64 rng(kobie_test::random_seed("backward_euler_jacobians"));
  std::uniform_real_distribution<double> state(0.0, 1.0), scale(0.5, 1.5);
  std::vector<std::vector<double>> ys, ps;
  for (int c = 0; c < 32; ++c) {
    ys.push_back({state(rng), 1e-4 * state(rng), state(rng)});
    ps.push_back({0.04 * scale(rng), 3e7 * scale(rng), 1e4 * scale(rng)});
  }
  const auto out = device_jacobians<System>(upload(ys), upload(ps));
  for (int c = 0; c < 32; ++c) {
    double jac[9], f[3];
    robertson_jacobian(ys[c].data(), ps[c].data(), jac);
    robertson_rhs(ys[c].data(), ps[c].data(), f);
    for (int k = 0; k < 9; ++k)
      EXPECT_NEAR(out(c, k), jac[k], 1e-14 * std::fabs(jac[k])) << "case " << c << " J " << k;
    for (int i = 0; i < 3; ++i)
      EXPECT_NEAR(out(c, 9 + i), f[i], 1e-13 * (std::fabs(f[i]) + 1e-3)) << "case " << c << " f";
    EXPECT_EQ(out(c, 12), expected_rhs_evals);
    EXPECT_EQ(out(c, 13), 1.0);
  }
}

TEST(TEST_CATEGORY, jacobian_by_duals_is_robertsons_analytic_jacobian) {
  expect_robertson_jacobians<kobie::systems::Robertson>(3);
}

TEST(TEST_CATEGORY, jacobian_uses_a_systems_own_jacobian_member) {
  expect_robertson_jacobians<RobertsonWithJacobian>(1);
}

// ---------------------------------------------------------------------------
// Backward Euler steps in a kernel.

/// Records, through the solver logging hooks, the Newton corrections of the
/// current step (counted per call of `newton_iteration`, whose k must count
/// up from 0) and the iterations `newton_result` reports.
struct IterationLog {
  int* iterations;
  int* reported;
  template <class D>
  KOKKOS_INLINE_FUNCTION void newton_iteration(int k, const D&, double) const {
    *iterations = k == *iterations ? *iterations + 1 : -1000;
  }
  KOKKOS_INLINE_FUNCTION void newton_result(int, int k) const { *reported = k; }
  template <class E>
  KOKKOS_INLINE_FUNCTION void error(const E&, double) const {}
};

/// Per lane and step: the state after the step, err_sq, status, Newton
/// iterations (counted by the log hook and as reported), and the attempt's
/// work.
struct StepRecords {
  Kokkos::View<double***, Kokkos::LayoutRight, Memory> y;
  Kokkos::View<double**, Kokkos::LayoutRight, Memory> err_sq;
  Kokkos::View<int***, Kokkos::LayoutRight, Memory> counts;         // status, logged, reported
  Kokkos::View<std::int64_t***, Kokkos::LayoutRight, Memory> work;  // rhs, jac, newton
  StepRecords(int lanes, int steps, int n)
      : y("kobie::test::be_y", lanes, steps, n),
        err_sq("kobie::test::be_err", lanes, steps),
        counts("kobie::test::be_counts", lanes, steps, 3),
        work("kobie::test::be_work", lanes, steps, 3) {}
};

/// Where a lane's buffers come from: every buffer local (a table with no
/// offsets, never read), or the registry's layout of the step's tree with
/// every buffer in persistent storage.
template <class Step>
struct PersistentTree {
  using Placement = kobie::UniformPlacement<kobie::Location::persistent>;
  kobie::AllocatorTable<Step> table;
  kobie::PersistentStorage<Memory> storage;
  explicit PersistentTree(std::int64_t systems) {
    kobie::BufferRegistry registry;
    const std::string root = kobie::register_components<Step>(registry, "step");
    kobie::apply_placement<Placement, Step>(registry, root);
    const auto layout = registry.layout(root, kobie::layout_options<Exec>());
    table = kobie::make_allocator_table<Step>(layout, kobie::SharedSliceLayout::interleaved);
    storage = kobie::PersistentStorage<Memory>(layout, systems);
  }
};

/// One lane's steps (a function of its own: nvcc, see test_dual_numbers).
template <class P, class Step, class T, class System>
KOKKOS_INLINE_FUNCTION void lane_steps(const System& system,
                                       const kobie::AllocatorTable<Step>& table, char* persistent,
                                       int lanes, int lane, const DeviceArray& y0,
                                       const DeviceArray& p, const DeviceArray& h,
                                       const Kokkos::View<int*, Memory>& max_iterations, int steps,
                                       const kobie::Tolerances<System::n_states>& tol,
                                       const StepRecords& rec) {
  constexpr int N = System::n_states;
  const kobie::LaneContext ctx{nullptr, persistent, lane, lanes, 0, 1};
  kobie::LaneLocals<P, Step, vector_passes> locals{};
  const auto mem = kobie::root_memory<P, vector_passes, Step>(table, ctx, locals);
  kobie::LocalArray<T, N> y, y_new;
  kobie::LocalArray<T, System::n_parameters> pl;
  kobie::LocalArray<T, 1> d;
  d[0] = T(0);
  for (int i = 0; i < N; ++i) y[i] = T(y0(lane, i));
  for (int j = 0; j < System::n_parameters; ++j) pl[j] = T(p(lane, j));
  const auto rhs = [&](double ts, const auto& ys, auto& dydt) { system.rhs(ts, ys, pl, d, dydt); };
  const auto jac = kobie::make_system_jacobian<T>(system, pl, d);
  kobie::NewtonSettings settings;
  settings.max_iterations = max_iterations(lane);
  double t = 0;
  for (int s = 0; s < steps; ++s) {
    const IterationLog log{&rec.counts(lane, s, 1), &rec.counts(lane, s, 2)};
    const kobie::StepOutcome out =
        Step::attempt(mem, t, h(lane, 0), y, y_new, rhs, jac, tol, settings, log);
    rec.err_sq(lane, s) = out.err_sq;
    rec.counts(lane, s, 0) = out.status;
    rec.work(lane, s, 0) = out.work.rhs_evals;
    rec.work(lane, s, 1) = out.work.jacobian_evals;
    rec.work(lane, s, 2) = out.work.newton_iterations;
    if (out.status == kobie::status_ok) {
      for (int i = 0; i < N; ++i) y[i] = y_new[i];
      t += h(lane, 0);
    }
    for (int i = 0; i < N; ++i) rec.y(lane, s, i) = double(y[i]);
  }
}

/// The kernel of `run_steps`: every lane's steps.
template <class P, class Step, class T, class System>
void launch_steps(const System& system, const kobie::AllocatorTable<Step>& table, char* persistent,
                  int lanes, const DeviceArray& y0, const DeviceArray& p, const DeviceArray& h,
                  const Kokkos::View<int*, Memory>& max_iterations, int steps,
                  const kobie::Tolerances<System::n_states>& tol, const StepRecords& rec) {
  Kokkos::parallel_for(
      "kobie::test::backward_euler_steps", Kokkos::RangePolicy<Exec>(Exec(), 0, lanes),
      KOKKOS_LAMBDA(int l) {
        lane_steps<P, Step, T>(system, table, persistent, lanes, l, y0, p, h, max_iterations, steps,
                               tol, rec);
      });
  Exec().fence();
}

/// Fixed steps of backward Euler, one lane per row of y0/p/h, in every lane
/// from t = 0 (`max_iterations` per lane; all buffers local or, with
/// Persistent, where the registry's layout puts them in persistent storage).
template <class System, class T, bool Persistent = false>
StepRecords run_steps(const std::vector<std::vector<double>>& y0,
                      const std::vector<std::vector<double>>& p, const std::vector<double>& h,
                      int steps, const kobie::Tolerances<System::n_states>& tol,
                      std::vector<int> max_iterations = {}) {
  using Step = kobie::BackwardEulerStep<System, T>;
  const int lanes = static_cast<int>(y0.size());
  max_iterations.resize(lanes, kobie::NewtonSettings{}.max_iterations);
  std::vector<std::vector<double>> hs;
  for (double v : h) hs.push_back({v});
  const auto y0d = upload(y0), pd = upload(p), hd = upload(hs);
  Kokkos::View<int*, Memory> maxit("kobie::test::be_maxit", lanes);
  {
    auto mh = Kokkos::create_mirror_view(maxit);
    for (int l = 0; l < lanes; ++l) mh(l) = max_iterations[l];
    Kokkos::deep_copy(maxit, mh);
  }
  StepRecords rec(lanes, steps, System::n_states);
  const System system{};
  if constexpr (Persistent) {
    PersistentTree<Step> tree(lanes);
    launch_steps<typename PersistentTree<Step>::Placement, Step, T>(
        system, tree.table, tree.storage.data(), lanes, y0d, pd, hd, maxit, steps, tol, rec);
  } else {
    // (a table with no offsets: local buffers never read it)
    launch_steps<kobie::AllLocal, Step, T>(system, kobie::AllocatorTable<Step>{}, nullptr, lanes,
                                           y0d, pd, hd, maxit, steps, tol, rec);
  }
  return rec;
}

template <int N>
kobie::Tolerances<N> tolerances(double atol, double rtol) {
  kobie::Tolerances<N> tol{};
  for (int i = 0; i < N; ++i) tol.atol[i] = atol, tol.rtol[i] = rtol;
  return tol;
}

template <class T>
void expect_exact_decay_steps() {
  using Decay = kobie::systems::Decay;
  const std::vector<double> ks = {0.5, 3.0, 1e3, 1e8}, hs = {0.1, 0.01, 1.0, 0.25};
  std::vector<std::vector<double>> y0, p;
  for (double k : ks) y0.push_back({2.0}), p.push_back({k});
  const auto tol = tolerances<1>(1e-9, 1e-6);
  const auto rec = run_steps<Decay, T>(y0, p, hs, 1, tol);
  auto y = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rec.y);
  auto err = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rec.err_sq);
  auto counts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rec.counts);
  auto work = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rec.work);
  const double eps = std::numeric_limits<T>::epsilon();
  for (std::size_t l = 0; l < ks.size(); ++l) {
    const double z = hs[l] * double(T(ks[l]));
    const double exact = 2.0 / (1 + z);
    EXPECT_EQ(counts(l, 0, 0), kobie::status_ok) << l;
    EXPECT_NEAR(y(l, 0, 0), exact, 4 * eps * exact) << "lane " << l;
    // A linear problem: the first correction lands on the solution, the
    // second is rounding, and the rate test accepts it.
    EXPECT_EQ(counts(l, 0, 1), 2) << l;
    EXPECT_EQ(counts(l, 0, 2), 2) << l;
    EXPECT_EQ(work(l, 0, 0), 1 + 2) << l;  // one dual evaluation, two iterations
    EXPECT_EQ(work(l, 0, 1), 1) << l;
    EXPECT_EQ(work(l, 0, 2), 2) << l;
    // err = M^{-1} (y_new - y - h f(y)) / 2 = y z^2 / (2 (1 + z)^2).
    const double e = 2.0 * z * z / (2 * (1 + z) * (1 + z));
    // (y_new - y - h f(y) cancels: relative rounding about eps ((1 + z) / z)^2.)
    const double r = e / (1e-9 + 1e-6 * 2.0);
    EXPECT_NEAR(err(l, 0), r * r, 16 * eps * ((1 + z) / z) * ((1 + z) / z) * r * r) << l;
  }
}

TEST(TEST_CATEGORY, backward_euler_step_is_exact_on_linear_decay) {
  expect_exact_decay_steps<double>();
  expect_exact_decay_steps<float>();
}

// ---------------------------------------------------------------------------
// An independent backward Euler for Robertson: the analytic Jacobian, and
// Gaussian elimination of M z = r from scratch for every solve.

std::array<double, 3> gauss(std::array<double, 9> m, std::array<double, 3> r) {
  for (int k = 0; k < 3; ++k) {
    int p = k;
    for (int i = k + 1; i < 3; ++i)
      if (std::fabs(m[i * 3 + k]) > std::fabs(m[p * 3 + k])) p = i;
    for (int j = 0; j < 3; ++j) std::swap(m[k * 3 + j], m[p * 3 + j]);
    std::swap(r[k], r[p]);
    for (int i = k + 1; i < 3; ++i) {
      const double l = m[i * 3 + k] / m[k * 3 + k];
      for (int j = k; j < 3; ++j) m[i * 3 + j] -= l * m[k * 3 + j];
      r[i] -= l * r[k];
    }
  }
  std::array<double, 3> x{};
  for (int i = 2; i >= 0; --i) {
    double s = r[i];
    for (int j = i + 1; j < 3; ++j) s -= m[i * 3 + j] * x[j];
    x[i] = s / m[i * 3 + i];
  }
  return x;
}

struct ReferenceStep {
  std::array<double, 3> y;
  double err_sq = 0;
  int status = 0, iterations = 0;
};

ReferenceStep reference_step(const std::array<double, 3>& y, const double* p, double h,
                             const kobie::Tolerances<3>& tol, const kobie::NewtonSettings& s) {
  std::array<double, 9> jac{}, m{};
  robertson_jacobian(y.data(), p, jac.data());
  for (int k = 0; k < 9; ++k) m[k] = (k % 4 == 0 ? 1.0 : 0.0) - h * jac[k];
  double f0[3];
  robertson_rhs(y.data(), p, f0);
  auto norm = [&](const std::array<double, 3>& v) {
    double sum = 0;
    for (int i = 0; i < 3; ++i) {
      const double r = v[i] / (tol.atol[i] + tol.rtol[i] * std::fabs(y[i]));
      sum += r * r;
    }
    return std::sqrt(sum / 3);
  };
  ReferenceStep out;
  out.status = kobie::status_newton_max_iterations;
  std::array<double, 3> z = y;
  double previous = 0;
  for (int k = 1; k <= s.max_iterations; ++k) {
    double f[3];
    robertson_rhs(z.data(), p, f);
    std::array<double, 3> g;
    for (int i = 0; i < 3; ++i) g[i] = z[i] - y[i] - h * f[i];
    const auto delta = gauss(m, g);
    for (int i = 0; i < 3; ++i) z[i] -= delta[i];
    const double d = norm(delta);
    out.iterations = k;
    if (!std::isfinite(d)) {
      out.status = kobie::status_newton_diverged;
      break;
    }
    const double theta = k == 1 ? 0.0 : d / previous;
    if (k > 1 && theta >= s.divergence_ratio) {
      out.status = kobie::status_newton_diverged;
      break;
    }
    if (k == 1 ? d <= s.tolerance : theta / (1 - theta) * d <= s.tolerance) {
      out.status = kobie::status_ok;
      break;
    }
    previous = d;
  }
  out.y = z;
  std::array<double, 3> est;
  for (int i = 0; i < 3; ++i) est[i] = 0.5 * (z[i] - y[i] - h * f0[i]);
  const auto err = gauss(m, est);
  for (int i = 0; i < 3; ++i) {
    const double r =
        err[i] / (tol.atol[i] + tol.rtol[i] * std::max(std::fabs(y[i]), std::fabs(z[i])));
    out.err_sq += r * r / 3;
  }
  return out;
}

template <bool Persistent>
void expect_robertson_matches_reference() {
  // Lanes: the classic start with tiny steps (the Jacobian of y2 = 0 at
  // first), and starts near the slow manifold with steps up to 1e4 times
  // the fast time scale.
  const std::vector<std::vector<double>> y0 = {{1.0, 0.0, 0.0},
                                               {0.9664597, 3.074626e-5, 0.03350951},
                                               {0.9664597, 3.074626e-5, 0.03350951},
                                               {0.9, 2.2e-5, 0.1},
                                               {0.9, 2.2e-5, 0.1}};
  const std::vector<double> hs = {1e-5, 1e-3, 0.05, 0.5, 2.0};
  const std::vector<std::vector<double>> p(y0.size(), {0.04, 3e7, 1e4});
  kobie::Tolerances<3> tol{{1e-8, 1e-12, 1e-8}, {1e-6, 1e-6, 1e-6}};
  constexpr int steps = 50;
  const auto rec = run_steps<kobie::systems::Robertson, double, Persistent>(y0, p, hs, steps, tol);
  auto y = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rec.y);
  auto err = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rec.err_sq);
  auto counts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rec.counts);
  auto work = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rec.work);
  const char* where = Persistent ? "persistent" : "local";
  for (std::size_t l = 0; l < y0.size(); ++l) {
    std::array<double, 3> ref = {y0[l][0], y0[l][1], y0[l][2]};
    int total_iterations = 0;
    for (int s = 0; s < steps; ++s) {
      const ReferenceStep r = reference_step(ref, p[l].data(), hs[l], tol, kobie::NewtonSettings{});
      ASSERT_EQ(counts(l, s, 0), r.status) << where << " lane " << l << " step " << s;
      ASSERT_EQ(r.status, kobie::status_ok) << where << " lane " << l << " step " << s;
      ASSERT_EQ(counts(l, s, 1), r.iterations) << where << " lane " << l << " step " << s;
      EXPECT_EQ(counts(l, s, 2), r.iterations) << where << " lane " << l << " step " << s;
      EXPECT_EQ(work(l, s, 0), 3 + r.iterations);
      EXPECT_EQ(work(l, s, 1), 1);
      EXPECT_EQ(work(l, s, 2), r.iterations);
      for (int i = 0; i < 3; ++i)
        ASSERT_NEAR(y(l, s, i), r.y[i], 1e-11 * std::fabs(r.y[i]) + 1e-18)
            << where << " lane " << l << " step " << s << " component " << i;
      EXPECT_NEAR(err(l, s), r.err_sq, 1e-6 * r.err_sq + 1e-20)
          << where << " lane " << l << " step " << s;
      ref = r.y;
      total_iterations += r.iterations;
    }
    // Mass is conserved by every step (f sums to 0, and so does each
    // Newton correction up to rounding).
    EXPECT_NEAR(y(l, steps - 1, 0) + y(l, steps - 1, 1) + y(l, steps - 1, 2),
                y0[l][0] + y0[l][1] + y0[l][2], 1e-12);
    EXPECT_GE(total_iterations, steps);
  }
}

TEST(TEST_CATEGORY, backward_euler_matches_an_independent_newton_on_robertson) {
  expect_robertson_matches_reference<false>();
}

TEST(TEST_CATEGORY, backward_euler_matches_it_with_buffers_in_persistent_storage) {
  expect_robertson_matches_reference<true>();
}

TEST(TEST_CATEGORY, backward_euler_declares_its_buffer_tree) {
  using Step = kobie::BackwardEulerStep<kobie::systems::Robertson, float>;
  kobie::BufferRegistry registry;
  kobie::register_components<Step>(registry, "step");
  const std::vector<std::string> newton = {"step/newton"};
  EXPECT_EQ(registry.children("step"), newton);
  const auto& f = registry.get("step", "start_rhs");
  EXPECT_EQ(f.size, 3);
  EXPECT_EQ(f.type, kobie::ElementType::float32);
  EXPECT_EQ(registry.get("step", "error_estimate").alias_of, "start_rhs");
  EXPECT_EQ(registry.get("step/newton", "delta").alias_of, "residual");
  const auto& m = registry.get("step/newton/linear_solver", "matrix");
  EXPECT_EQ(m.size, 9);
  EXPECT_EQ(m.location, kobie::Location::local);
  const auto& piv = registry.get("step/newton/linear_solver", "pivots");
  EXPECT_EQ(piv.size, 3);
  EXPECT_EQ(piv.type, kobie::ElementType::int32);
  // Large systems keep their matrix out of registers.
  EXPECT_EQ((kobie::DenseLU<9, double>::buffer(kobie::DenseLU<9, double>::matrix).location),
            kobie::Location::shared);
}

// ---------------------------------------------------------------------------
// Order

/// y0' = -y0^2 and y1' = -2 y1: y0 = 1 / (1 + t), y1 = exp(-2 t) from (1, 1).
struct SmoothPair {
  static constexpr int n_states = 2, n_parameters = 1, n_observables = 0, n_drivers = 0;
  static const char* name() { return "smooth_pair"; }
  static std::vector<double> default_state() { return {1.0, 1.0}; }
  static std::vector<double> default_parameters() { return {2.0}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P& p, const D&, DY& dydt) const {
    dydt[0] = -y[0] * y[0];
    dydt[1] = -p[0] * y[1];
  }
};

TEST(TEST_CATEGORY, backward_euler_converges_with_order_one) {
  const std::vector<double> hs = {0.05, 0.025, 0.0125, 0.00625};
  std::vector<std::vector<double>> y0(hs.size(), {1.0, 1.0}), p(hs.size(), {2.0});
  const auto tol = tolerances<2>(1e-12, 1e-10);
  // Every lane takes the steps of the smallest h; each reads its state at
  // t = 1 after 1 / h of them.
  const int steps = 160;
  const auto rec = run_steps<SmoothPair, double>(y0, p, hs, steps, tol);
  auto y = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rec.y);
  auto counts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), rec.counts);
  std::vector<std::array<double, 2>> errors;
  for (std::size_t l = 0; l < hs.size(); ++l) {
    const int at = static_cast<int>(std::lround(1.0 / hs[l])) - 1;
    for (int s = 0; s <= at; ++s) ASSERT_EQ(counts(l, s, 0), kobie::status_ok) << l << " " << s;
    errors.push_back({std::fabs(y(l, at, 0) - 0.5), std::fabs(y(l, at, 1) - std::exp(-2.0))});
  }
  for (std::size_t l = 1; l < hs.size(); ++l)
    for (int i = 0; i < 2; ++i) {
      const double order = std::log2(errors[l - 1][i] / errors[l][i]);
      EXPECT_GE(order, 0.9) << "h = " << hs[l] << " component " << i;
      EXPECT_LE(order, 1.1) << "h = " << hs[l] << " component " << i;
    }
}

// ---------------------------------------------------------------------------
// Failures

/// y' = a y + b y^2 - c sqrt(y) (the root only where c != 0), parameters
/// (a, b, c): each failure is exact arithmetic on one lane.
struct FailureProbe {
  static constexpr int n_states = 1, n_parameters = 3, n_observables = 0, n_drivers = 0;
  static const char* name() { return "failure_probe"; }
  static std::vector<double> default_state() { return {1.0}; }
  static std::vector<double> default_parameters() { return {-1.0, 0.0, 0.0}; }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double, const Y& y, const P& p, const D&, DY& dydt) const {
    dydt[0] = p[0] * y[0] + p[1] * y[0] * y[0];
    if (p[2] != 0) dydt[0] -= p[2] * kobie::math::sqrt(y[0]);
  }
};

TEST(TEST_CATEGORY, backward_euler_reports_newton_failures_in_their_lanes_only) {
  // lane 0, 5: healthy; 1: y' = y, h = 1: M = 1 - h = 0, singular;
  // 2: y' = y^2, y = h = 1: M = -1, z = 1, 0, then the same correction
  // again (theta = 1), diverged; 3: y' = -sqrt(y), h = 100: z_1 < 0, the
  // root is NaN, diverged; 4: decay with one iteration allowed.
  const std::vector<std::vector<double>> y0 = {{1.0}, {1.0}, {1.0}, {1.0}, {1.0}, {0.7}};
  const std::vector<std::vector<double>> p = {{-1.0, -0.5, 0.0}, {1.0, 0.0, 0.0},
                                              {0.0, 1.0, 0.0},   {0.0, 0.0, 1.0},
                                              {-1.0, 0.0, 0.0},  {-2.0, 0.0, 0.1}};
  const std::vector<double> hs = {0.1, 1.0, 1.0, 100.0, 10.0, 0.05};
  const std::vector<int> maxit = {7, 7, 7, 7, 1, 7};
  const auto tol = tolerances<1>(1e-8, 1e-6);
  const auto all = run_steps<FailureProbe, double>(y0, p, hs, 1, tol, maxit);
  const auto healthy =
      run_steps<FailureProbe, double>({y0[0], y0[5]}, {p[0], p[5]}, {hs[0], hs[5]}, 1, tol);
  auto counts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), all.counts);
  const int expected[6] = {kobie::status_ok,
                           kobie::status_singular_matrix,
                           kobie::status_newton_diverged,
                           kobie::status_newton_diverged,
                           kobie::status_newton_max_iterations,
                           kobie::status_ok};
  for (int l = 0; l < 6; ++l) EXPECT_EQ(counts(l, 0, 0), expected[l]) << "lane " << l;
  EXPECT_EQ(counts(1, 0, 1), 0);  // no iteration with a singular matrix
  EXPECT_EQ(counts(2, 0, 1), 2);
  EXPECT_EQ(counts(3, 0, 1), 2);
  EXPECT_EQ(counts(4, 0, 1), 1);
  auto y = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), all.y);
  auto err = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), all.err_sq);
  auto work = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), all.work);
  auto hy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), healthy.y);
  auto herr = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), healthy.err_sq);
  auto hcounts = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), healthy.counts);
  auto hwork = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), healthy.work);
  const int pairs[2][2] = {{0, 0}, {5, 1}};
  for (const auto& pair : pairs) {
    const int a = pair[0], b = pair[1];
    EXPECT_EQ(hcounts(b, 0, 0), kobie::status_ok);
    // Bitwise: (double)== on the stored values, and the same work.
    EXPECT_EQ(y(a, 0, 0), hy(b, 0, 0)) << "lane " << a;
    EXPECT_EQ(err(a, 0), herr(b, 0)) << "lane " << a;
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(counts(a, 0, k), hcounts(b, 0, k)) << "lane " << a;
      EXPECT_EQ(work(a, 0, k), hwork(b, 0, k)) << "lane " << a;
    }
  }
  // A failed step leaves the lane's state where it was.
  for (int l = 1; l <= 4; ++l) EXPECT_EQ(y(l, 0, 0), 1.0) << l;
}

}  // namespace
