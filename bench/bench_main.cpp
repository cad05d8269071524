// The main of every KoBIE benchmark binary: initialises Kokkos, records the
// context (KoBIE and Kokkos configuration, backend, threads, compiler, git
// hash, the instruction set compiled for) in Google Benchmark's output,
// and knows the smoke mode.
#include "bench_context.hpp"

#include <kobie/kobie.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>

#include <cstring>
#include <fstream>
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
/// A field of /proc/cpuinfo's first processor (Linux), or "unknown".
std::string cpuinfo(const std::string& field) {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (line.rfind(field, 0) != 0 || colon == std::string::npos) continue;
    const auto value = line.find_first_not_of(" \t", colon + 1);
    if (value != std::string::npos) return line.substr(value);
  }
  return "unknown";
}
/// The processor's model and its widest vector extensions: Google Benchmark
/// records clock and caches, but ratios against scalar peers move with the
/// vector width (AVX2 or AVX-512).
std::string cpu_description() {
  const std::string flags = " " + cpuinfo("flags") + " ";
  std::string out = cpuinfo("model name");
  for (const char* isa : {"avx512f", "avx2", "fma", "neon", "asimd", "sve"})
    if (flags.find(std::string(" ") + isa + " ") != std::string::npos)
      out += std::string(" ") + isa;
  return out;
}
/// The instruction set this binary's code was compiled for, which its host
/// kernels vectorise with (their SIMD packs are a vector register wide):
/// what the figures came from, where `cpu` says what the machine has.
std::string compiled_instruction_set() {
  std::string out;
#if defined(__AVX512F__)
  out += " avx512f";
#endif
#if defined(__AVX2__)
  out += " avx2";
#endif
#if defined(__FMA__)
  out += " fma";
#endif
#if defined(__ARM_NEON)
  out += " neon";
#endif
  return (out.empty() ? std::string("baseline") : out.substr(1)) + ", vector registers of " +
         std::to_string(kobie::Impl::native_vector_bytes) + " bytes";
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
  benchmark::AddCustomContext("cpu", kobie_bench::cpu_description());
  benchmark::AddCustomContext("instruction_set", kobie_bench::compiled_instruction_set());
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
