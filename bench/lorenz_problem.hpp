#pragma once
// The Lorenz ensemble of anchor A (../shared/ANCHORS.md), shared by every
// benchmark that compares KoBIE with its peers: u0 = (1, 0, 0), sigma = 10,
// beta = 8/3, rho = linspace(0, 21, N), t in [0, 1], dt = 1e-3 for fixed steps.

#include "bench_context.hpp"

#include <cstdlib>
#include <vector>

namespace kobie_bench {

struct LorenzProblem {
  long systems;
  int steps;  // fixed-step runs
  double t_end = 1.0;
};

/// 2^16 systems x 1000 steps (KOBIE_BENCH_SYSTEMS overrides the count, e.g.
/// 8388608 for anchor A's 2^23 on a GPU); smoke mode: 2^10 x 10.
inline LorenzProblem lorenz_problem() {
  if (smoke_mode()) return LorenzProblem{1 << 10, 10, 0.01};
  long systems = 1 << 16;
  if (const char* env = std::getenv("KOBIE_BENCH_SYSTEMS")) systems = std::atol(env);
  return LorenzProblem{systems > 0 ? systems : 1 << 16, 1000, 1.0};
}

inline std::vector<double> lorenz_rho(long n) {
  std::vector<double> rho(n);
  for (long i = 0; i < n; ++i) rho[i] = 21.0 * double(i) / double(n > 1 ? n - 1 : 1);
  return rho;
}

}  // namespace kobie_bench
