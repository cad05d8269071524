// The main of every KoBIE benchmark binary: initialises Kokkos, records the
// context (KoBIE and Kokkos configuration, backend, threads, compiler, git
// hash) in Google Benchmark's output, and knows the smoke mode.
#include "bench_context.hpp"

#include <kobie/kobie.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "kobie_git_hash.h"  // generated at build time: KOBIE_GIT_HASH
#ifndef KOBIE_GIT_HASH
#define KOBIE_GIT_HASH "unknown"
#endif

namespace kobie_bench {
namespace {
bool g_smoke = false;
std::vector<void (*)()>& registrars() {
  static std::vector<void (*)()> r;
  return r;
}
}  // namespace
bool smoke_mode() {
  return g_smoke;
}
bool at_start(void (*registrar)()) {
  registrars().push_back(registrar);
  return true;
}
}  // namespace kobie_bench

int main(int argc, char* argv[]) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--kobie-smoke") == 0) {
      kobie_bench::g_smoke = true;
    } else {
      rest.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(rest.size());
  Kokkos::ScopeGuard guard(n, rest.data());
  benchmark::Initialize(&n, rest.data());
  benchmark::AddCustomContext("kobie_version", kobie::version());
  benchmark::AddCustomContext("kokkos_execution_space", Kokkos::DefaultExecutionSpace::name());
  benchmark::AddCustomContext("kokkos_concurrency",
                              std::to_string(Kokkos::DefaultExecutionSpace().concurrency()));
  benchmark::AddCustomContext("kokkos_version", std::to_string(KOKKOS_VERSION));
  benchmark::AddCustomContext("compiler", KOBIE_BENCH_COMPILER);
  benchmark::AddCustomContext("extra_flags", KOBIE_BENCH_FLAGS);
  benchmark::AddCustomContext("git_hash", KOBIE_GIT_HASH);
  benchmark::AddCustomContext("smoke_mode", kobie_bench::g_smoke ? "yes" : "no");
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 1;
  for (auto registrar : kobie_bench::registrars()) registrar();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
