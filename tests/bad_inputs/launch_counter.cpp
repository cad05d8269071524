// A Kokkos Tools library (loaded through KOKKOS_PROFILE_LIBRARY, Kokkos 3, or
// KOKKOS_TOOLS_LIBS, Kokkos 4) for ctest cli_bad_inputs: it appends a line to
// the file KOBIE_LAUNCH_COUNTER_FILE names for every launch of KoBIE's
// integration kernel, so that the test can tell that a refused command line
// launched nothing, and that its baseline, which runs, launched something.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" void kokkosp_begin_parallel_for(const char* name, std::uint32_t, std::uint64_t* id) {
  *id = 0;
  const char* path = std::getenv("KOBIE_LAUNCH_COUNTER_FILE");
  // (the label solve gives its kernel: include/kobie/api/solve.hpp)
  if (path == nullptr || std::strcmp(name, "kobie::loop::integrate") != 0) return;
  if (std::FILE* f = std::fopen(path, "a")) {
    std::fputs("launch\n", f);
    std::fclose(f);
  }
}

extern "C" void kokkosp_end_parallel_for(std::uint64_t) {}
