#pragma once
// One built-in system's run: batch, drivers, solve, report, CSV.

#include <kobie/kobie.hpp>

#include <Kokkos_Core.hpp>

#include <unistd.h>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "cli.hpp"

namespace kobie_cli {

template <class S, class = void>
struct has_default_drivers : std::false_type {};
template <class S>
struct has_default_drivers<S, std::void_t<decltype(S::default_drivers())>> : std::true_type {};

/// The forcing of systems with drivers when no --driver-file is given: the
/// system's own default_drivers(), else 0.1 sin(2 pi t) for every driver.
template <class System>
kobie::DriverSamples default_drivers() {
  if constexpr (has_default_drivers<System>::value) {
    return System::default_drivers();
  } else {
    kobie::DriverSamples d;
    const int n = 128;  // samples over one period of 1 time unit
    d.dt = 1.0 / n;
    d.ends = kobie::DriverEnds::periodic;
    d.values.assign(System::n_drivers, std::vector<double>(n));
    for (auto& row : d.values)
      for (int i = 0; i < n; ++i) row[i] = 0.1 * std::sin(2 * 3.141592653589793 * i * d.dt);
    return d;
  }
}

/// Reads driver samples: a CSV with a header, a first column t (uniformly
/// spaced) and one column per driver.
inline kobie::DriverSamples read_drivers(const std::string& path, int n_drivers,
                                         kobie::DriverEnds ends) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("--driver-file: cannot open '" + path + "'");
  std::string line;
  std::getline(in, line);  // header
  std::vector<double> t;
  kobie::DriverSamples d;
  d.values.assign(n_drivers, {});
  int row = 1;
  while (std::getline(in, line)) {
    ++row;
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string cell;
    std::vector<double> cells;
    while (std::getline(ss, cell, ',')) {
      try {
        std::size_t used = 0;
        cells.push_back(std::stod(cell, &used));
        if (used != cell.size() && cell.find_first_not_of(" \r", used) != std::string::npos)
          throw std::invalid_argument("");
      } catch (const std::exception&) {
        throw std::invalid_argument("--driver-file: '" + path + "' row " + std::to_string(row) +
                                    ": '" + cell + "' is not a number");
      }
    }
    if (static_cast<int>(cells.size()) != 1 + n_drivers)
      throw std::invalid_argument("--driver-file: '" + path + "' row " + std::to_string(row) +
                                  " has " + std::to_string(cells.size()) + " columns; allowed: " +
                                  std::to_string(1 + n_drivers) + " (t and one per driver)");
    t.push_back(cells[0]);
    for (int k = 0; k < n_drivers; ++k) d.values[k].push_back(cells[1 + k]);
  }
  if (t.size() < 2) throw std::invalid_argument("--driver-file: '" + path + "' needs >= 2 rows");
  d.t0 = t[0];
  d.dt = t[1] - t[0];
  for (std::size_t i = 1; i < t.size(); ++i)
    if (std::abs((t[i] - t[i - 1]) - d.dt) > 1e-9 * std::abs(d.dt))
      throw std::invalid_argument("--driver-file: '" + path + "': t is not uniformly spaced (row " +
                                  std::to_string(i + 2) + "); allowed: uniform samples");
  d.ends = ends;
  return d;
}

template <class System>
kobie::Batch make_batch(const Options& o) {
  auto state = System::default_state();
  auto params = System::default_parameters();
  const auto sn = kobie::names_of<System>::states();
  const auto pn = kobie::names_of<System>::parameters();
  for (const auto& [name, value] : o.sets) {
    bool found = false;
    for (std::size_t i = 0; i < sn.size(); ++i)
      if (sn[i] == name) state[i] = value, found = true;
    for (std::size_t i = 0; i < pn.size(); ++i)
      if (pn[i] == name) params[i] = value, found = true;
    if (!found) {
      std::string all;
      for (const auto& n : sn) all += " " + n;
      for (const auto& n : pn) all += " " + n;
      throw std::invalid_argument("--set: '" + name + "' is not a state or parameter of '" +
                                  System::name() + "'; allowed:" + all);
    }
  }
  std::vector<std::pair<std::string, std::vector<double>>> grid;
  long total = 1;
  for (const auto& s : o.sweeps) {
    const long count = s.count > 0 ? s.count : o.batch;
    if (s.count == 0 && o.sweeps.size() > 1)
      throw std::invalid_argument("--sweep " + s.name +
                                  ": with several sweeps each needs a count (name=lo:hi:count)");
    std::vector<double> v(count);
    for (long i = 0; i < count; ++i)
      v[i] = count == 1 ? s.lo : s.lo + (s.hi - s.lo) * double(i) / double(count - 1);
    grid.emplace_back(s.name, v);
    total *= count;
  }
  if (grid.empty()) {
    // No sweep: the batch repeats the defaults (useful for timing).
    return kobie::Batch::verbatim<System>(std::vector<std::vector<double>>(o.batch, state),
                                          std::vector<std::vector<double>>(o.batch, params));
  }
  (void)total;
  return kobie::Batch::grid<System>(grid, state, params);
}

template <class T, class System>
int run_as(const Options& o) {
  using Exec = Kokkos::DefaultExecutionSpace;
  const kobie::Batch batch = make_batch<System>(o);
  kobie::DriverSamples drivers;
  if constexpr (System::n_drivers > 0) {
    drivers = o.driver_file.empty()
                  ? default_drivers<System>()
                  : read_drivers(o.driver_file, System::n_drivers, kobie::DriverEnds::periodic);
  }
  const bool progress = !o.quiet && isatty(2);
  kobie::IntegrationSettings settings = o.settings;
  if (progress && settings.saves_per_chunk == 0) {
    // Progress is reported after each launch: on a terminal, about 20 of
    // them unless --saves-per-launch says otherwise (results are the same
    // bits however a run is cut into launches).
    const double saves = std::floor(settings.duration / settings.save_interval) + 1;
    if (saves >= 20 && saves < 1e9) settings.saves_per_chunk = int(std::ceil(saves / 20));
  }
  const auto r = kobie::solve_to_host<T, Algorithms>(
      Exec(), System{}, batch, settings, drivers, [&](int done, int total) {
        if (progress) std::fprintf(stderr, "\rkobie: %d / %d saves", done, total);
      });
  if (progress) std::fprintf(stderr, "\n");

  const std::int64_t accepted = r.total(kobie::stat_accepted);
  const std::int64_t rejected = r.total(kobie::stat_rejected);
  std::ostringstream rep;
  rep << "kobie: " << System::name() << ", " << batch.size() << " systems, " << o.settings.algorithm
      << " / " << o.settings.controller << ", " << o.precision << ", " << Exec::name()
      << " (concurrency " << Exec().concurrency() << ")\n";
  rep << "  saves: " << r.save_times.size() << " (t = " << r.save_times.front() << " .. "
      << r.save_times.back() << "), variables:";
  for (const auto& v : r.variables) rep << " " << v;
  if (!r.summary_columns.empty())
    rep << "\n  summaries: " << r.summary_window_starts.size() << " windows x "
        << r.summary_columns.size() << " columns";
  rep << "\n  steps: " << accepted << " accepted (" << std::setprecision(4)
      << double(accepted) / batch.size() << " per system), " << rejected << " rejected, "
      << r.total(kobie::stat_rhs_evals) << " right-hand-side evaluations\n";
  if (r.total(kobie::stat_jacobian_evals) > 0)
    rep << "  implicit solvers: " << r.total(kobie::stat_jacobian_evals) << " Jacobians, "
        << r.total(kobie::stat_newton_iterations) << " Newton iterations, "
        << r.total(kobie::stat_linear_iterations) << " linear-solver iterations\n";
  rep << "  failures: " << r.failure_summary() << "\n";
  rep << "  wall time: " << r.wall_seconds << " s, " << std::setprecision(3)
      << double(accepted + rejected) / r.wall_seconds << " system-steps/s\n";
  rep << "  launch: " << r.launch_report << "\n";
  if (o.show_layout) rep << "  buffer layout (per system):\n" << r.layout_report;
  std::cout << rep.str();

  const auto sn = kobie::names_of<System>::states();
  const auto pn = kobie::names_of<System>::parameters();
  const std::int64_t n_out =
      o.output_systems < 0 ? batch.size() : std::min<std::int64_t>(o.output_systems, batch.size());
  // "system,status,<swept values>" of system s.
  auto prefix_of = [&](std::int64_t s) {
    std::ostringstream prefix;
    prefix << std::setprecision(17) << s << "," << r.status(s);
    for (const auto& sw : o.sweeps) {
      for (std::size_t i = 0; i < sn.size(); ++i)
        if (sn[i] == sw.name) prefix << "," << batch.state(static_cast<int>(i), s);
      for (std::size_t i = 0; i < pn.size(); ++i)
        if (pn[i] == sw.name) prefix << "," << batch.parameter(static_cast<int>(i), s);
    }
    return prefix.str();
  };
  auto open_csv = [&](const std::string& option, const std::string& path) {
    std::ofstream out(path);
    if (!out) throw std::invalid_argument(option + ": cannot write '" + path + "'");
    out << std::setprecision(std::is_same<T, float>::value ? 9 : 17);
    out << "system,status";
    for (const auto& sw : o.sweeps) out << "," << sw.name;
    return out;
  };
  if (!o.output.empty()) {
    auto out = open_csv("--output", o.output);
    out << ",t";
    for (const auto& v : r.variables) out << "," << v;
    out << "\n";
    for (std::int64_t s = 0; s < n_out; ++s) {
      const std::string p = prefix_of(s);
      for (std::size_t k = 0; k < r.save_times.size(); ++k) {
        out << p << "," << r.save_times[k];
        for (std::size_t v = 0; v < r.variables.size(); ++v) out << "," << r.outputs(k, v, s);
        out << "\n";
      }
    }
    std::cout << "  wrote " << n_out * r.save_times.size() << " rows to " << o.output << "\n";
  }
  if (!o.summary_output.empty()) {
    if (r.summary_columns.empty())
      throw std::invalid_argument(
          "--summary-output: no summaries to write; name them with "
          "--summaries (see --help)");
    auto out = open_csv("--summary-output", o.summary_output);
    out << ",window_start,variable,metric,value\n";
    std::vector<std::pair<std::string, std::string>> split;  // "x.peaks[0]" -> x, peaks[0]
    for (const auto& c : r.summary_columns) {
      const auto dot = c.rfind('.');
      split.emplace_back(c.substr(0, dot), c.substr(dot + 1));
    }
    for (std::int64_t s = 0; s < n_out; ++s) {
      const std::string p = prefix_of(s);
      for (std::size_t w = 0; w < r.summary_window_starts.size(); ++w)
        for (std::size_t c = 0; c < split.size(); ++c)
          out << p << "," << r.summary_window_starts[w] << "," << split[c].first << ","
              << split[c].second << "," << r.summaries(w, c, s) << "\n";
    }
    std::cout << "  wrote " << n_out * r.summary_window_starts.size() * split.size() << " rows to "
              << o.summary_output << "\n";
  }
  return r.failures() == 0 ? 0 : 3;
}

template <class System>
int run_system(const Options& o) {
  if (o.precision == "double") return run_as<double, System>(o);
  return run_as<float, System>(o);
}

}  // namespace kobie_cli
