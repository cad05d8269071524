// Fuzzes the driver CSV reader (kobie::read_driver_csv, the command line's
// --driver-file). Input: one byte for the number of drivers (0 to 5, 0
// being an invalid call), one for the spline ends, then the file's text.
// A refusal must be std::invalid_argument naming --driver-file; a success
// must give n_drivers columns of equal length >= 2, finite values, a finite
// t0 and a finite positive dt.
#include <kobie/systems/driver_csv.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kobie_fuzz::Input in(data, size);
  const int n_drivers = static_cast<int>(in.below(6));
  const auto ends = in.boolean() ? kobie::DriverEnds::clamped : kobie::DriverEnds::periodic;
  std::istringstream text(in.rest());
  kobie::DriverSamples d;
  try {
    d = kobie::read_driver_csv(text, "fuzz.csv", n_drivers, ends);
  } catch (const std::invalid_argument& e) {
    kobie_fuzz::check_message(e, "--driver-file");
    return 0;
  }
  KOBIE_FUZZ_CHECK(n_drivers >= 1, "a read with no drivers succeeded");
  KOBIE_FUZZ_CHECK(static_cast<int>(d.values.size()) == n_drivers,
                   std::to_string(d.values.size()) + " columns");
  for (const auto& column : d.values) {
    KOBIE_FUZZ_CHECK(column.size() >= 2 && column.size() == d.values[0].size(),
                     "column of " + std::to_string(column.size()) + " samples");
    for (double x : column) KOBIE_FUZZ_CHECK(std::isfinite(x), "a sample " + std::to_string(x));
  }
  KOBIE_FUZZ_CHECK(std::isfinite(d.t0), "t0 " + std::to_string(d.t0));
  KOBIE_FUZZ_CHECK(std::isfinite(d.dt) && d.dt > 0, "dt " + std::to_string(d.dt));
  KOBIE_FUZZ_CHECK(d.ends == ends, "the ends changed");
  return 0;
}
