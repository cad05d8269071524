#pragma once
// Shared by KoBIE's benchmark binaries.

namespace kobie_bench {

/// True under --kobie-smoke (the ctest registration): benchmarks shrink their
/// problem sizes so the whole binary runs in seconds.
bool smoke_mode();

}  // namespace kobie_bench
