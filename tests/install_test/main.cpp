// The install test's consumer: an application that initialises Kokkos itself
// and uses KoBIE through the installed package.
#include <kobie/kobie.hpp>

#include <Kokkos_Core.hpp>

#include <iostream>

int main(int argc, char* argv[]) {
  Kokkos::ScopeGuard guard(argc, argv);
  std::cout << kobie::configuration_report();
  if (kobie::version() != KOBIE_VERSION_STRING) {
    std::cout << "consumer: version mismatch\n";
    return 1;
  }
  std::cout << "consumer: ok\n";
  return 0;
}
