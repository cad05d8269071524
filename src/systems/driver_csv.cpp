#include <kobie/systems/driver_csv.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace kobie {

namespace {

/// The cell as a finite double, or why not. strtod, not std::stod: stod
/// throws on a denormal such as 1e-310 (ERANGE), a number a file may hold.
bool parse_cell(const std::string& cell, double& x, std::string& why) {
  const char* begin = cell.c_str();
  char* end = nullptr;
  errno = 0;
  x = std::strtod(begin, &end);
  const bool overflow = errno == ERANGE && std::abs(x) == HUGE_VAL;
  if (end == begin ||
      cell.find_first_not_of(" \r", static_cast<std::size_t>(end - begin)) != std::string::npos) {
    why = "is not a number; allowed: finite numbers";
    return false;
  }
  if (overflow || !std::isfinite(x)) {
    why = "is not a finite number; allowed: finite numbers";
    return false;
  }
  return true;
}

}  // namespace

DriverSamples read_driver_csv(std::istream& in, const std::string& name, int n_drivers,
                              DriverEnds ends) {
  const std::string source = "--driver-file: '" + name + "'";
  if (n_drivers < 1)
    throw std::invalid_argument(source + ": the system has " + std::to_string(n_drivers) +
                                " drivers; allowed: a system with >= 1 driver");
  std::string line;
  std::getline(in, line);  // header
  std::vector<double> t;
  std::vector<int> rows;  // each sample's row in the file (blank lines are skipped)
  DriverSamples d;
  d.values.assign(n_drivers, {});
  int row = 1;
  while (std::getline(in, line)) {
    ++row;
    if (line.find_first_not_of(" \r") == std::string::npos) continue;
    std::stringstream ss(line);
    std::string cell;
    std::vector<double> cells;
    while (std::getline(ss, cell, ',')) {
      double x = 0;
      std::string why;
      if (!parse_cell(cell, x, why))
        throw std::invalid_argument(source + " row " + std::to_string(row) + ": '" + cell + "' " +
                                    why);
      cells.push_back(x);
    }
    if (static_cast<int>(cells.size()) != 1 + n_drivers)
      throw std::invalid_argument(
          source + " row " + std::to_string(row) + " has " + std::to_string(cells.size()) +
          " columns; allowed: " + std::to_string(1 + n_drivers) + " (t and one per driver)");
    t.push_back(cells[0]);
    rows.push_back(row);
    for (int k = 0; k < n_drivers; ++k) d.values[k].push_back(cells[1 + k]);
  }
  if (t.size() < 2)
    throw std::invalid_argument(source + " has " + std::to_string(t.size()) +
                                " sample rows; allowed: >= 2 (after the header line)");
  d.t0 = t[0];
  d.dt = t[1] - t[0];
  // (t[1] - t[0] overflows to inf for finite times of opposite signs near
  // the largest double)
  if (!(d.dt > 0 && std::isfinite(d.dt)))
    throw std::invalid_argument(source + ": t does not increase (row " + std::to_string(rows[1]) +
                                "); allowed: uniformly increasing samples");
  for (std::size_t i = 1; i < t.size(); ++i)
    if (!(std::abs((t[i] - t[i - 1]) - d.dt) <= 1e-9 * d.dt))
      throw std::invalid_argument(source + ": t is not uniformly spaced (row " +
                                  std::to_string(rows[i]) + "); allowed: uniform samples");
  d.ends = ends;
  return d;
}

DriverSamples read_driver_csv(const std::string& path, int n_drivers, DriverEnds ends) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("--driver-file: cannot open '" + path + "'");
  return read_driver_csv(in, path, n_drivers, ends);
}

}  // namespace kobie
