#pragma once

/// \file
/// Driver samples from a CSV file (the command line's --driver-file): a
/// header line, then one row per sample: t, then one column per driver. The
/// times must be finite and uniformly increasing, the values finite (a NaN
/// or infinite sample would spread through the whole spline).

#include <kobie/systems/drivers.hpp>

#include <istream>
#include <string>

namespace kobie {

/// Reads the CSV file at `path`. Throws std::invalid_argument naming
/// --driver-file, the file, the row and the problem: a file that cannot be
/// opened, a cell that is not a finite number, a row without 1 + n_drivers
/// columns, fewer than two rows, times not uniformly increasing, or
/// n_drivers < 1.
DriverSamples read_driver_csv(const std::string& path, int n_drivers, DriverEnds ends);

/// The same from a stream; `name` is the source's name in messages.
DriverSamples read_driver_csv(std::istream& in, const std::string& name, int n_drivers,
                              DriverEnds ends);

}  // namespace kobie
