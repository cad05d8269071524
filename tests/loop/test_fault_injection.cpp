// Test body (see backend_test.cpp.in): fault injection on every backend
// (issue 23). One system of a batch is made to fail at a chosen point (a
// right-hand side that turns NaN, a step size that would have to fall below
// dt_min, a step budget that runs out, a Newton iteration that cannot
// converge, a singular iteration matrix), and the test checks that
//   * the failing system carries exactly the documented status bits,
//   * it keeps its outputs (and summary windows) bit for bit up to the
//     failure, has NaN after it, and its counters and end state show where
//     it stopped,
//   * every other system is bitwise the undisturbed run: outputs,
//     summaries, status and counters, and every saved buffer of the end
//     state.
// The faulted and the undisturbed batch run the same kernel: the fault is a
// switch in the system's parameters, on in one system only. On host
// backends the batch spans three teams of 4, 4 and 2 lanes (the faulty
// system in the middle one), so its failure happens inside a team's
// vectorised passes (and, for fixed explicit steps, inside the uniform
// passes, which undo a chunk that ends non-finite and replay it lane by
// lane).
//
// (Related, not repeated here: test_explicit_integration's
// explicit_one_failing_system_never_touches_the_others and status-bit tests,
// test_implicit_integration's Newton failure of a stiff cubic.)

#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "explicit_test_support.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using kobie::Batch;
using kobie::IntegrationSettings;
using kobie_test::host_outputs;
// One precision and three methods, for every test of the file (each kernel
// is compiled once): fixed explicit, adaptive explicit, implicit.
using Methods = std::tuple<kobie::tableaus::ClassicalRK4, kobie::tableaus::DormandPrince54,
                           kobie::methods::BackwardEuler>;
using Res = kobie::Results<double, typename Exec::memory_space>;

/// A damped rotation, x' = -k x + w v, v' = -w x - k v, with a fault that
/// switches on at t >= fault_time when fault_kind says so:
///   nan_rhs:      dv/dt is NaN;
///   stiff:        k and w are multiplied by fault_value;
///   bad_jacobian: the system's Jacobian is fault_value * I (the right-hand
///                 side is unchanged).
/// The Jacobian is the system's own (exact, but for the injected fault):
/// backward Euler forms M = I - h J(t, y) at the step's start t, and solves
/// with f at t + h. A fault in f itself cannot make the M of step n + 1
/// singular without making step n unsolvable first (for a linear f, both
/// are 1 - h a = 0), so a singular matrix "at a chosen step" is injected
/// through the Jacobian.
struct FaultySystem {
  static constexpr int n_states = 2, n_parameters = 5, n_observables = 0, n_drivers = 0;
  enum Kind : int { none = 0, nan_rhs = 1, stiff = 2, bad_jacobian = 3 };
  static const char* name() { return "faulty"; }
  static std::vector<std::string> state_names() { return {"x", "v"}; }
  static std::vector<std::string> parameter_names() {
    return {"k", "w", "fault_time", "fault_kind", "fault_value"};
  }
  static std::vector<double> default_state() { return {1.0, 0.0}; }
  static std::vector<double> default_parameters() { return {1.0, 1.0, 0.0, 0.0, 0.0}; }

  template <class P>
  KOKKOS_INLINE_FUNCTION static bool fault_on(double t, const P& p, int kind) {
    return t >= double(p[2]) && double(p[3]) == double(kind);
  }
  template <class Y, class P, class D, class DY>
  KOKKOS_INLINE_FUNCTION void rhs(double t, const Y& y, const P& p, const D&, DY& dydt) const {
    using S = std::decay_t<decltype(dydt[0])>;
    const S scale = fault_on(t, p, stiff) ? S(p[4]) : S(1);
    const S k = S(p[0]) * scale, w = S(p[1]) * scale;
    const S x = y[0], v = y[1];
    dydt[0] = w * v - k * x;
    const S dv = -(w * x) - k * v;
    dydt[1] = fault_on(t, p, nan_rhs) ? S(std::numeric_limits<double>::quiet_NaN()) : dv;
  }
  template <class Y, class P, class D, class J>
  KOKKOS_INLINE_FUNCTION void jacobian(double t, const Y&, const P& p, const D&, J& jac) const {
    using S = std::decay_t<decltype(jac[0])>;
    const S scale = fault_on(t, p, stiff) ? S(p[4]) : S(1);
    const S k = S(p[0]) * scale, w = S(p[1]) * scale;
    const bool bad = fault_on(t, p, bad_jacobian);
    const S d = S(p[4]);
    jac[0] = bad ? d : -k;
    jac[1] = bad ? S(0) : w;
    jac[2] = bad ? S(0) : -w;
    jac[3] = bad ? d : -k;
  }
};
using System = FaultySystem;

constexpr int n_systems = 10;
constexpr int faulty = 5;  // the middle team's second lane on host backends

/// One fault: of kind `kind`, on at t >= `time`, with `value`, in system
/// `faulty` (`none`: the undisturbed batch).
struct Fault {
  int kind = System::none;
  double time = 0.0;
  double value = 0.0;
};

/// Every system's rates and states differ; only the faulty system's fault
/// parameters differ between the undisturbed and the faulted batch.
Batch batch_with(const Fault& f) {
  std::vector<std::vector<double>> y0, p;
  for (int s = 0; s < n_systems; ++s) {
    y0.push_back({1.0, 0.5 - 0.1 * s});
    const bool on = s == faulty;
    p.push_back({0.5 + 0.1 * s, 1.0 + 0.25 * s, on ? f.time : 0.0, on ? double(f.kind) : 0.0,
                 on ? f.value : 0.0});
  }
  return Batch::verbatim<System>(y0, p);
}

constexpr bool on_host = std::is_same<typename Exec::memory_space, Kokkos::HostSpace>::value;

IntegrationSettings settings(const char* algorithm, const char* controller, double dt) {
  IntegrationSettings s;
  s.algorithm = algorithm;
  s.controller = controller;
  s.dt = dt;
  s.duration = 2.0;
  s.save_interval = 0.25;
  s.summary_metrics = {"mean", "max"};
  s.summary_window = 0.5;
  // Host: three teams (4, 4 and 2 lanes); CUDA: one (its minimum is a warp).
  s.lanes_per_team = on_host ? 4 : 0;
  return s;
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

/// Whether every saved buffer of the end states holds the same bytes for
/// system `s`.
bool same_end_state(const kobie::EndState<double>& a, const kobie::EndState<double>& b,
                    std::int64_t s, std::string& which) {
  if (a.buffers.size() != b.buffers.size()) {
    which = "the buffer lists";
    return false;
  }
  const std::int64_t n = a.n_systems;
  for (const kobie::SavedBuffer& buf : a.buffers) {
    const int bytes = kobie::size_of(buf.type);
    for (std::int64_t i = 0; i < buf.size; ++i) {
      const std::int64_t at = buf.offset * n + (i * n + s) * bytes;
      if (std::memcmp(a.data.data() + at, b.data.data() + at, bytes) != 0) {
        which = buf.path + "[" + std::to_string(i) + "]";
        return false;
      }
    }
  }
  return true;
}

/// Whether two runs of the same batch gave the same bits for every system:
/// outputs, summaries, status and counters, end state.
void expect_same_results(const Res& a, const Res& b, const std::string& what) {
  const auto ao = host_outputs(a), bo = host_outputs(b);
  ASSERT_EQ(ao.size(), bo.size()) << what;
  EXPECT_EQ(std::memcmp(ao.data(), bo.data(), ao.size() * sizeof(double)), 0)
      << what << ": outputs";
  const auto as = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), a.summaries);
  const auto bs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), b.summaries);
  ASSERT_EQ(as.size(), bs.size()) << what;
  EXPECT_EQ(std::memcmp(as.data(), bs.data(), as.size() * sizeof(double)), 0)
      << what << ": summaries";
  for (int row = 0; row < kobie::stat_rows; ++row)
    for (int sys = 0; sys < n_systems; ++sys)
      EXPECT_EQ(a.stats(row, sys), b.stats(row, sys)) << what << ": stat row " << row;
  ASSERT_EQ(a.end_state.data.size(), b.end_state.data.size()) << what;
  EXPECT_EQ(std::memcmp(a.end_state.data.data(), b.end_state.data.data(), a.end_state.data.size()),
            0)
      << what << ": end state";
}

/// The undisturbed and the faulted run of one fault, with the checks every
/// fault shares: the undisturbed run has no failure; the faulted one fails
/// in system `faulty` alone, with status word `status`; every other system
/// is bitwise the undisturbed run; and the faulty system's saves and summary
/// windows are the undisturbed ones before the fault time, finite up to
/// where it stopped (its end state's time) and NaN after.
struct Runs {
  Res clean, faulted;
  double stop = 0.0;  ///< the faulty system's end time
};
Runs run_with_fault(const IntegrationSettings& s, const Fault& f, int status) {
  Runs r{kobie::solve<double, Methods>(Exec(), System{}, batch_with(Fault{}), s),
         kobie::solve<double, Methods>(Exec(), System{}, batch_with(f), s)};
  const std::string what = s.algorithm + ", " + s.controller + ", fault kind " +
                           std::to_string(f.kind) + " at t = " + std::to_string(f.time);
  EXPECT_EQ(r.clean.failures(), 0) << what << ": " << r.clean.failure_summary();
  EXPECT_EQ(r.faulted.failures(), 1) << what << ": " << r.faulted.failure_summary();
  EXPECT_EQ(r.faulted.status(faulty), status) << what << ": " << r.faulted.failure_summary();
  r.stop = r.faulted.end_state.time(faulty);

  const auto co = host_outputs(r.clean), fo = host_outputs(r.faulted);
  const auto cs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.clean.summaries);
  const auto fs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.faulted.summaries);
  EXPECT_EQ(co.size(), fo.size());
  EXPECT_EQ(cs.size(), fs.size());
  EXPECT_GT(cs.extent(0), 1u) << "several summary windows";
  for (int sys = 0; sys < n_systems; ++sys) {
    if (sys == faulty) continue;
    const std::string who = what + ", system " + std::to_string(sys);
    for (std::size_t k = 0; k < co.extent(0); ++k)
      for (std::size_t v = 0; v < co.extent(1); ++v)
        EXPECT_TRUE(std::isfinite(co(k, v, sys)) && same_bits(co(k, v, sys), fo(k, v, sys)))
            << who << ", save " << k;
    for (std::size_t w = 0; w < cs.extent(0); ++w)
      for (std::size_t c = 0; c < cs.extent(1); ++c)
        EXPECT_TRUE(same_bits(cs(w, c, sys), fs(w, c, sys)))
            << who << ", window " << w << ", column " << r.clean.summary_columns[c];
    for (int row = 0; row < kobie::stat_rows; ++row)
      EXPECT_EQ(r.clean.stats(row, sys), r.faulted.stats(row, sys)) << who << ", stat row " << row;
    std::string which;
    EXPECT_TRUE(same_end_state(r.clean.end_state, r.faulted.end_state, sys, which))
        << who << ", end state " << which;
  }

  // The faulty system: before the fault, the undisturbed bits; up to where
  // it stopped, finite; after, NaN (a save at exactly its stop time may be
  // either: the attempt that failed may have landed on it).
  const std::string who = what + ", faulty system";
  auto expect_partial = [&](double t, bool same, bool finite, const std::string& where) {
    if (t < f.time) {
      EXPECT_TRUE(same) << who << ", " << where << " at t = " << t << ", before the fault";
    } else if (t < r.stop) {
      EXPECT_TRUE(finite) << who << ", " << where << " at t = " << t << ", before it stopped at "
                          << r.stop;
    } else if (t > r.stop) {
      EXPECT_FALSE(finite) << who << ", " << where << " at t = " << t << ", after it stopped at "
                           << r.stop;
    }
  };
  for (std::size_t k = 0; k < co.extent(0); ++k)
    for (std::size_t v = 0; v < co.extent(1); ++v)
      expect_partial(r.faulted.save_times[k], same_bits(co(k, v, faulty), fo(k, v, faulty)),
                     std::isfinite(fo(k, v, faulty)), "save " + std::to_string(k));
  // A window's metrics are written at its last sample (here, a save time).
  const double last_sample = s.summary_window - s.save_interval;
  for (std::size_t w = 0; w < cs.extent(0); ++w)
    for (std::size_t c = 0; c < cs.extent(1); ++c)
      expect_partial(r.faulted.summary_window_starts[w] + last_sample,
                     same_bits(cs(w, c, faulty), fs(w, c, faulty)), std::isfinite(fs(w, c, faulty)),
                     "window " + std::to_string(w) + " " + r.faulted.summary_columns[c]);
  // The faulty system did fail after the fault time and before the end,
  // with a finite last accepted state.
  EXPECT_LT(r.stop, s.duration) << who;
  const auto y = r.faulted.end_state.states();
  for (int i = 0; i < System::n_states; ++i)
    EXPECT_TRUE(std::isfinite(y(i, faulty))) << who << ": its last accepted state";
  return r;
}

/// The counters of a fixed-step system that failed at its `step`-th
/// attempt: `step - 1` accepted steps of size dt, one rejected attempt.
void expect_failed_at_step(const Runs& r, int step, double dt, const std::string& what) {
  EXPECT_EQ(r.faulted.stats(kobie::stat_accepted, faulty), step - 1) << what;
  EXPECT_EQ(r.faulted.stats(kobie::stat_rejected, faulty), 1) << what;
  EXPECT_EQ(r.stop, (step - 1) * dt) << what << ": stopped at the start of the failing step";
}

/// What the faulty system's failure added to its counters (row `row`):
/// its count in the faulted run less the count of the undisturbed run cut
/// at `until`, a save time before the fault, which takes the same steps up
/// to it.
std::int64_t after(const Runs& r, IntegrationSettings s, double until, kobie::StatRow row) {
  s.duration = until;
  const auto prefix = kobie::solve<double, Methods>(Exec(), System{}, batch_with(Fault{}), s);
  return r.faulted.stats(row, faulty) - prefix.stats(row, faulty);
}

// ---------------------------------------------------------------- NaN

TEST(TEST_CATEGORY, fault_nan_rhs_stops_its_system_at_the_chosen_step) {
  // Fixed RK4, dt = 1/64 (exact times): the fault switches on half-way
  // through step 37, whose middle stages see it; steps 1 to 36 never do.
  const double dt = 1.0 / 64;
  const int step = 37;
  const Fault f{System::nan_rhs, (step - 0.5) * dt, 0.0};
  const auto rk4 = run_with_fault(settings("rk4", "fixed", dt), f, kobie::status_nonfinite_state);
  expect_failed_at_step(rk4, step, dt, "rk4");
  EXPECT_EQ(rk4.faulted.stats(kobie::stat_rhs_evals, faulty), 4 * step)
      << "four evaluations per attempt, the failing one included";
  // A failed system stays failed across launches (its status word is
  // saved and restored with its state): the run in launches of two saves,
  // and on host in one team of all ten lanes, gives the same bits, the
  // faulty system's included.
  auto chunked = settings("rk4", "fixed", dt);
  chunked.saves_per_chunk = 2;
  chunked.lanes_per_team = 0;
  expect_same_results(rk4.faulted,
                      kobie::solve<double, Methods>(Exec(), System{}, batch_with(f), chunked),
                      "rk4 in launches of two saves");

  // Adaptive Dormand-Prince: an attempt with a non-finite proposal is
  // rejected like one with too large an error (the step shrinks by
  // min_gain) until it is at dt_min; the system then fails as non-finite.
  // Every attempt that reaches the fault time is rejected, so it stops
  // within dt_min before it (DP54's last stage is at t + h).
  const auto dp = settings("dormand-prince-54", "pi", 1e-3);
  const auto dopri = run_with_fault(dp, f, kobie::status_nonfinite_state);
  EXPECT_LT(dopri.stop, f.time);
  EXPECT_GE(dopri.stop, f.time - dp.dt_min * (1 + 1e-9));
  EXPECT_GT(after(dopri, dp, 0.5, kobie::stat_rejected), 0) << "the NaN attempts were rejected";
  auto dp_chunked = dp;
  dp_chunked.saves_per_chunk = 2;
  dp_chunked.lanes_per_team = 0;
  expect_same_results(dopri.faulted,
                      kobie::solve<double, Methods>(Exec(), System{}, batch_with(f), dp_chunked),
                      "dormand-prince-54 in launches of two saves");

  // Backward Euler, fixed steps of 1/8: Newton evaluates f at the step's
  // end, and a NaN correction is divergence (status_newton_diverged), at
  // its first correction; a step that cannot shrink fails the system at
  // step 5.
  const double h = 1.0 / 8;
  const int be_step = 5;
  const auto be_settings = settings("backward-euler", "fixed", h);
  const Fault g{System::nan_rhs, (be_step - 0.5) * h, 0.0};
  const auto be = run_with_fault(be_settings, g, kobie::status_newton_diverged);
  expect_failed_at_step(be, be_step, h, "backward Euler");
  const double before = (be_step - 1) * h;
  EXPECT_EQ(after(be, be_settings, before, kobie::stat_jacobian_evals), 1);
  EXPECT_EQ(after(be, be_settings, before, kobie::stat_newton_iterations), 1);
  EXPECT_EQ(after(be, be_settings, before, kobie::stat_rhs_evals), 2)
      << "f(t, y) with the Jacobian, then Newton's one";
}

// ---------------------------------------------------------------- dt_min

TEST(TEST_CATEGORY, fault_step_size_below_dt_min_fails_its_system_alone) {
  // At the fault time the faulty system's rates grow 1e5-fold: explicit
  // stability then needs steps near 3e-5, below dt_min = 1e-3, which the
  // others never need. It stops where its steps reach the fault time.
  auto s = settings("dormand-prince-54", "pi", 1e-3);
  s.dt_min = 1e-3;
  const Fault f{System::stiff, 0.6, 1e5};
  const auto r = run_with_fault(s, f, kobie::status_step_too_small);
  EXPECT_GT(r.stop, f.time - s.dt_min);
  EXPECT_LT(r.stop, f.time + s.dt_min);
}

// ---------------------------------------------------------------- max_steps

TEST(TEST_CATEGORY, fault_max_steps_stops_its_system_with_its_partial_outputs) {
  // From t = 0.6 the faulty system's rates grow 300-fold: its steps shrink
  // to a few thousandths and it spends the budget before t = 2, after
  // passing several saves, while the others need a fraction of it.
  auto s = settings("dormand-prince-54", "pi", 1e-3);
  s.max_steps = 400;
  const Fault f{System::stiff, 0.6, 300.0};
  const auto r = run_with_fault(s, f, kobie::status_max_steps);
  EXPECT_EQ(
      r.faulted.stats(kobie::stat_accepted, faulty) + r.faulted.stats(kobie::stat_rejected, faulty),
      s.max_steps)
      << "every attempt of the budget was taken";
  std::int64_t most_others = 0;
  for (int sys = 0; sys < n_systems; ++sys)
    most_others = std::max(most_others, r.clean.stats(kobie::stat_accepted, sys) +
                                            r.clean.stats(kobie::stat_rejected, sys));
  EXPECT_LT(2 * most_others, s.max_steps) << "the others fit the budget easily";
  // Saves integrated under the fault before the budget ran out are kept
  // (run_with_fault checked them finite).
  EXPECT_GT(r.stop, 0.75) << "it passed the save at 0.75";
}

// ---------------------------------------------------------------- Newton

TEST(TEST_CATEGORY, fault_newton_failure_with_backward_euler_fails_its_system_at_its_step) {
  // Fixed steps of h = 1/8. From step 5 on (its start, t = 0.5, is past the
  // fault time 0.4375; step 4 starts before it) the faulty system's
  // Jacobian is (1 - m) / h I, so M = m I, while the true one is M_true =
  // (1 + h k) I - h w R (R the quarter turn), of size about 1 + h k.
  // Simplified Newton multiplies its error by I - M_true / m at each
  // correction:
  //   m = 10 (1 + h k): a contraction near 0.9, too slow for the
  //     corrections allowed: status_newton_max_iterations after all of them;
  //   m = (1 + h k) / 4: an expansion near 3: status_newton_diverged at the
  //     second correction (the first one larger than its predecessor).
  const double h = 1.0 / 8;
  const int step = 5;
  const double before = (step - 1) * h;
  const double k = batch_with(Fault{}).parameter(0, faulty);
  const double fault_time = (step - 1.5) * h;
  struct Case {
    double m;
    int max_iterations, status, corrections;
  };
  for (const Case c : {Case{10 * (1 + h * k), 7, kobie::status_newton_max_iterations, 7},
                       Case{10 * (1 + h * k), 3, kobie::status_newton_max_iterations, 3},
                       Case{(1 + h * k) / 4, 7, kobie::status_newton_diverged, 2}}) {
    auto s = settings("backward-euler", "fixed", h);
    s.newton_max_iterations = c.max_iterations;
    const Fault f{System::bad_jacobian, fault_time, (1 - c.m) / h};
    const auto r = run_with_fault(s, f, c.status);
    const std::string what = "m = " + std::to_string(c.m) + ", at most " +
                             std::to_string(c.max_iterations) + " corrections";
    expect_failed_at_step(r, step, h, what);
    EXPECT_EQ(after(r, s, before, kobie::stat_jacobian_evals), 1) << what;
    EXPECT_EQ(after(r, s, before, kobie::stat_newton_iterations), c.corrections) << what;
    EXPECT_EQ(after(r, s, before, kobie::stat_rhs_evals), 1 + c.corrections) << what;
  }
}

// ---------------------------------------------------------------- singular

TEST(TEST_CATEGORY, fault_singular_matrix_with_backward_euler_fails_its_system_alone) {
  // Fixed steps of h = 1/8: from step 5 on the faulty system's Jacobian is
  // (1/h) I, so M = I - h J is exactly zero (h a power of two) and the LU
  // meets a zero pivot at once: status_singular_matrix, and no Newton
  // correction in the failing attempt.
  const double h = 1.0 / 8;
  const int step = 5;
  const double before = (step - 1) * h;
  const auto fs = settings("backward-euler", "fixed", h);
  const Fault f{System::bad_jacobian, (step - 1.5) * h, 1 / h};
  const auto fixed = run_with_fault(fs, f, kobie::status_singular_matrix);
  expect_failed_at_step(fixed, step, h, "backward Euler, fixed steps");
  EXPECT_EQ(after(fixed, fs, before, kobie::stat_jacobian_evals), 1);
  EXPECT_EQ(after(fixed, fs, before, kobie::stat_newton_iterations), 0);
  EXPECT_EQ(after(fixed, fs, before, kobie::stat_rhs_evals), 1) << "f(t, y) with the Jacobian";
  // The implicit step's work counters and the status word cross launches
  // too: the run in launches of two saves gives the same bits.
  auto chunked = fs;
  chunked.saves_per_chunk = 2;
  expect_same_results(fixed.faulted,
                      kobie::solve<double, Methods>(Exec(), System{}, batch_with(f), chunked),
                      "backward Euler in launches of two saves");

  // Adaptive steps: a NaN Jacobian makes every M singular (a NaN pivot),
  // whatever the step size, from the first step that starts at or after
  // the fault time. The step shrinks by min_gain to dt_min, where the
  // system fails: step too small, with the solver's bit saying why.
  auto s = settings("backward-euler", "pi", 1e-3);
  s.atol = s.rtol = 1e-4;
  const Fault g{System::bad_jacobian, 0.6, std::numeric_limits<double>::quiet_NaN()};
  const auto adaptive =
      run_with_fault(s, g, kobie::status_step_too_small | kobie::status_singular_matrix);
  EXPECT_GE(adaptive.stop, g.time) << "it failed at the first step that started past the fault";
  EXPECT_LT(adaptive.stop, g.time + 0.1);
  // From a step of some 1e-3 or more to dt_min = 1e-12 by factors of
  // min_gain = 0.2: at least 12 rejected attempts, each forming its
  // Jacobian.
  const std::int64_t rejected = after(adaptive, s, 0.5, kobie::stat_rejected);
  EXPECT_GE(rejected, 12);
  EXPECT_EQ(after(adaptive, s, 0.5, kobie::stat_jacobian_evals),
            after(adaptive, s, 0.5, kobie::stat_accepted) + rejected);
}

}  // namespace
