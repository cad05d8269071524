// Bitwise check of explicit results between two KoBIE trees (not built by
// CMake): writes every output value and the accepted, rejected, evaluation
// and status counters of Lorenz (Dormand-Prince and RK4 in float64 and
// float32, Tsitouras) and Lorenz-96 (Dormand-Prince and RK4 on SIMD packs)
// to a file; the two trees' files must be identical.
//
//   flags="-isystem .deps/kokkos-host/include -O3 -DNDEBUG -march=native -ffp-contract=off -fopenmp
//   -std=c++17" libs=".deps/kokkos-host/lib/libkokkoscontainers.a
//   .deps/kokkos-host/lib/libkokkoscore.a -ldl -lpthread"
//   c++ $flags -I OLD/include -I OLD/build/include docs/experiments/bitwise_explicit_results.cpp \
//       -o /tmp/old OLD/build/src/libkobie.a $libs          # likewise NEW -> /tmp/new
//   OMP_NUM_THREADS=2 /tmp/old old.bin; OMP_NUM_THREADS=2 /tmp/new new.bin; cmp old.bin new.bin
//
// 2026-12-07: e6212ce's loop against the Step concept (64-bit counters):
// identical at 1 and 2 threads (336576 bytes).
#include <kobie/kobie.hpp>

#include <Kokkos_Core.hpp>

#include <cstdio>
#include <tuple>
#include <vector>

namespace tab = kobie::tableaus;

template <class T, class Tab, class System>
void run(std::FILE* f, const kobie::Batch& batch, kobie::IntegrationSettings s) {
  s.algorithm = Tab::name();
  const auto r =
      kobie::solve_to_host<T, std::tuple<Tab>>(Kokkos::DefaultExecutionSpace(), System{}, batch, s);
  std::fwrite(r.outputs.data(), sizeof(T), r.outputs.size(), f);
  for (std::int64_t sys = 0; sys < batch.size(); ++sys)
    for (int row = 0; row < 4; ++row) {
      const long long v = static_cast<long long>(r.stats(row, sys));
      std::fwrite(&v, sizeof v, 1, f);
    }
}

int main(int argc, char* argv[]) {
  Kokkos::ScopeGuard guard(argc, argv);
  std::FILE* f = std::fopen(argv[1], "wb");
  using kobie::systems::Lorenz;
  std::vector<double> rho;
  for (int i = 0; i < 300; ++i) rho.push_back(0.07 * i);
  const auto lorenz = kobie::Batch::grid<Lorenz>({{"rho", rho}});
  kobie::IntegrationSettings a;
  a.duration = 2.0;
  a.save_interval = 0.25;
  a.atol = a.rtol = 1e-8;
  kobie::IntegrationSettings fx = a;
  fx.controller = "fixed";
  fx.dt = 1e-3;
  run<double, tab::DormandPrince54, Lorenz>(f, lorenz, a);
  run<float, tab::DormandPrince54, Lorenz>(f, lorenz, a);
  run<double, tab::ClassicalRK4, Lorenz>(f, lorenz, fx);
  run<float, tab::ClassicalRK4, Lorenz>(f, lorenz, fx);
  run<double, tab::Tsitouras54, Lorenz>(f, lorenz, a);
  using L96 = kobie::systems::Lorenz96<40>;
  const auto l96 =
      kobie::Batch::grid<L96>({{"F", {7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0}}});
  kobie::IntegrationSettings b = a;
  b.duration = 0.5;
  b.save_interval = 0.125;
  kobie::IntegrationSettings bf = fx;
  bf.duration = 0.5;
  bf.save_interval = 0.125;
  run<double, tab::DormandPrince54, L96>(f, l96, b);
  run<double, tab::ClassicalRK4, L96>(f, l96, bf);
  std::fclose(f);
  return 0;
}
