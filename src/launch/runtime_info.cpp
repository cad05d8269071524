#include <kobie/config.hpp>
#include <kobie/launch/runtime_info.hpp>

#include <Kokkos_Core.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace kobie {

std::string version() {
  return KOBIE_VERSION_STRING;
}

std::string configuration_report() {
  std::ostringstream out;
  out << "KoBIE " << version() << "\n";
  out << "Kokkos " << KOKKOS_VERSION / 10000 << "." << (KOKKOS_VERSION / 100) % 100 << "."
      << KOKKOS_VERSION % 100 << "\n";
  out << "default execution space: " << Kokkos::DefaultExecutionSpace::name() << " (concurrency "
      << Kokkos::DefaultExecutionSpace().concurrency() << ")\n";
  out << "default host execution space: " << Kokkos::DefaultHostExecutionSpace::name()
      << " (concurrency " << Kokkos::DefaultHostExecutionSpace().concurrency() << ")\n";
  out << "enabled backends:";
#ifdef KOKKOS_ENABLE_SERIAL
  out << " Serial";
#endif
#ifdef KOKKOS_ENABLE_OPENMP
  out << " OpenMP";
#endif
#ifdef KOKKOS_ENABLE_CUDA
  out << " Cuda";
#endif
  out << "\n";
  return out.str();
}

std::int64_t available_host_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::int64_t kib = 0;
  while (meminfo >> key >> kib) {
    if (key == "MemAvailable:") return kib * 1024;
    meminfo.ignore(256, '\n');
  }
#if defined(_SC_AVPHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) return std::int64_t(pages) * page;
#endif
  return 0;
}

}  // namespace kobie
