#pragma once

/// \file
/// What one attempted step reports to the integration loop, whatever the
/// method: the squared error norm for the controller, status bits for what
/// went wrong inside the step (a Newton iteration that did not converge, a
/// singular matrix, ...), and the work it did. The loop and the controllers
/// know a step only through this (docs/ARCHITECTURE.md, *The Step concept*).
///
/// Status bits are one word per system (`Results::status`). The loop sets the
/// first four; a step's solvers report the others in `StepOutcome::status`,
/// and the loop rejects the attempt, shrinks the step and records the bits in
/// the system's word only when the system fails (the step size fell below
/// `dt_min` while the solver kept failing), so that the word says why.

#include <Kokkos_Macros.hpp>

#include <cstdint>

namespace kobie {

/// Bits of the per-system status word.
enum StatusBits : int {
  status_ok = 0,
  status_step_too_small = 1 << 0,         ///< the controller's step fell below dt_min
  status_stagnation = 1 << 1,             ///< t + h == t: the step no longer advances time
  status_nonfinite_state = 1 << 2,        ///< a state became NaN or infinite
  status_max_steps = 1 << 3,              ///< the max_steps budget ran out
  status_newton_max_iterations = 1 << 4,  ///< Newton did not converge in its iteration limit
  status_newton_diverged = 1 << 5,        ///< Newton's corrections grew (contraction >= 1)
  status_linear_max_iterations = 1 << 6,  ///< an iterative linear solver hit its limit
  status_singular_matrix = 1 << 7,        ///< a factorisation met a zero pivot
};

/// Every status bit with its name, in bit order (failure summaries, the CLI).
struct StatusBitName {
  int bit;
  const char* name;
};
inline constexpr StatusBitName status_bit_names[] = {
    {status_step_too_small, "step too small"},
    {status_stagnation, "stagnation"},
    {status_nonfinite_state, "non-finite state"},
    {status_max_steps, "maximum steps reached"},
    {status_newton_max_iterations, "Newton did not converge"},
    {status_newton_diverged, "Newton diverged"},
    {status_linear_max_iterations, "linear solver iteration limit"},
    {status_singular_matrix, "singular matrix"},
};

/// The work of one attempt (or of a whole run, summed), 64-bit so that no
/// counter can wrap before the max_steps budget stops a system.
struct StepWork {
  std::int64_t rhs_evals = 0;          ///< right-hand-side evaluations (dual ones included)
  std::int64_t jacobian_evals = 0;     ///< Jacobians formed (system's own or by duals)
  std::int64_t newton_iterations = 0;  ///< Newton iterations (each one linear solve)
  std::int64_t linear_iterations = 0;  ///< iterations of an iterative linear solver
  KOKKOS_INLINE_FUNCTION StepWork& operator+=(const StepWork& o) {
    rhs_evals += o.rhs_evals;
    jacobian_evals += o.jacobian_evals;
    newton_iterations += o.newton_iterations;
    linear_iterations += o.linear_iterations;
    return *this;
  }
};

/// One attempt's outcome. `err_sq` is the squared scaled error norm the
/// controller reads (0 for a method without an estimate); a nonzero
/// `status` means the attempt failed inside the step and must be rejected
/// whatever `err_sq` says.
struct StepOutcome {
  double err_sq = 0.0;
  int status = status_ok;
  StepWork work{};
  KOKKOS_INLINE_FUNCTION bool solver_failed() const { return status != status_ok; }
};

}  // namespace kobie
