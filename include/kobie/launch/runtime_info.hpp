#pragma once

/// \file
/// What KoBIE and the Kokkos it runs on were built with, for logs, reports and
/// benchmark context.

#include <cstdint>
#include <string>

namespace kobie {

/// KoBIE's version, "major.minor.patch".
std::string version();

/// A multi-line, human-readable report: KoBIE's version, the Kokkos version,
/// the enabled backends and their concurrency. Kokkos must be initialised.
std::string configuration_report();

/// The host memory available to a new allocation now, in bytes: Linux's
/// MemAvailable (free memory plus what the kernel can reclaim), else the
/// free physical pages; 0 when the system does not say.
std::int64_t available_host_memory();

}  // namespace kobie
