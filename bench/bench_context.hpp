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

}  // namespace kobie_bench
