#pragma once
// Shared by KoBIE's benchmark binaries.

/// An OpenMP pragma for the hand-written peers (nothing without OpenMP).
#ifdef _OPENMP
#define KOBIE_OMP(x) _Pragma(x)
#else
#define KOBIE_OMP(x)
#endif

namespace kobie_bench {

/// True under --kobie-smoke (the ctest registration): benchmarks shrink their
/// problem sizes so the whole binary runs in seconds.
bool smoke_mode();

/// Has main call `registrar` once the command line is read, so that
/// registrations whose list depends on smoke_mode() see it (static
/// initialisers run before main):
///   const bool registered = kobie_bench::at_start([] { ... });
bool at_start(void (*registrar)());

}  // namespace kobie_bench
