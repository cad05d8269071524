#include <kobie/config.hpp>
#include <kobie/launch/runtime_info.hpp>

#include <Kokkos_Core.hpp>

#include <sstream>

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

}  // namespace kobie
