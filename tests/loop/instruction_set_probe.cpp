// One small solve, compiled into the x86-64-v4 pack test binary twice: for
// x86-64-v4 (AVX-512, FMA) and for x86-64-v2 (SSE, no FMA), each copy
// naming its function with KOBIE_ISA_PROBE (tests/CMakeLists.txt). Both
// copies instantiate the same solve for the same types; each must run its
// own translation unit's body (tests/loop/test_instruction_sets.cpp).
#include <kobie/kobie.hpp>

#include <string>
#include <tuple>

std::string KOBIE_ISA_PROBE() {
  using System = kobie::systems::Decay;
  kobie::IntegrationSettings s;
  s.algorithm = "rk4";
  s.controller = "fixed";
  s.dt = 0.01;
  s.duration = 0.1;
  s.save_interval = 0.1;
  const auto r = kobie::solve<double, std::tuple<kobie::tableaus::ClassicalRK4>>(
      Kokkos::Serial(), System{}, kobie::Batch::grid<System>({{"k", {1.0, 2.0}}}), s);
  return r.launch_report;
}
