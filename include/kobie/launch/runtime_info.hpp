#pragma once

/// \file
/// What KoBIE and the Kokkos it runs on were built with, for logs, reports and
/// benchmark context.

#include <string>

namespace kobie {

/// KoBIE's version, "major.minor.patch".
std::string version();

/// A multi-line, human-readable report: KoBIE's version, the Kokkos version,
/// the enabled backends and their concurrency. Kokkos must be initialised.
std::string configuration_report();

}  // namespace kobie
