#pragma once
// One built-in system's run: batch, drivers, solve, report, CSV.

#include <kobie/kobie.hpp>

#include <Kokkos_Core.hpp>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "cli.hpp"
#include "output_file.hpp"

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

template <class System>
kobie::Batch make_batch(const Options& o) {
  auto state = System::default_state();
  auto params = System::default_parameters();
  const auto sn = kobie::names_of<System>::states();
  const auto pn = kobie::names_of<System>::parameters();
  // A name --set or --sweep gives that is no state or parameter, refused
  // in the option's own words (not the batch's "grid variable").
  auto refuse = [&](const std::string& option, const std::string& name) {
    std::string all;
    for (const auto& n : sn) all += " " + n;
    for (const auto& n : pn) all += " " + n;
    throw std::invalid_argument(option + ": '" + name + "' is not a state or parameter of '" +
                                System::name() + "'; allowed:" + all);
  };
  for (const auto& [name, value] : o.sets) {
    bool found = false;
    for (std::size_t i = 0; i < sn.size(); ++i)
      if (sn[i] == name) state[i] = value, found = true;
    for (std::size_t i = 0; i < pn.size(); ++i)
      if (pn[i] == name) params[i] = value, found = true;
    if (!found) refuse("--set", name);
  }
  for (const auto& s : o.sweeps)
    if (std::find(sn.begin(), sn.end(), s.name) == sn.end() &&
        std::find(pn.begin(), pn.end(), s.name) == pn.end())
      refuse("--sweep", s.name);
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
    return kobie::Batch::uniform<System>(o.batch, state, params);
  }
  (void)total;
  return kobie::Batch::grid<System>(grid, state, params);
}

/// The systems the options ask for: the product of the sweeps' counts (a
/// sweep without one takes --batch), or --batch.
inline std::int64_t batch_size(const Options& o) {
  if (o.sweeps.empty()) return o.batch;
  double total = 1;
  for (const auto& s : o.sweeps) total *= double(s.count > 0 ? s.count : o.batch);
  if (total > 9.0e18)
    throw std::invalid_argument("--sweep: the grid has " + std::to_string(total) +
                                " systems; allowed: at most 9e18");
  return static_cast<std::int64_t>(total);
}

/// Refuses outputs that the disk cannot hold, before anything is integrated:
/// an estimate of each CSV's size (its rows times the widest row's
/// characters) against the space free in its folder.
inline void require_disk_space(const std::string& option, const std::string& path, double rows,
                               int values_per_row, int digits) {
  if (path.empty() || rows <= 0) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path folder = fs::path(path).parent_path();
  if (folder.empty()) folder = ".";
  const auto space = fs::space(folder, ec);
  if (ec) return;  // (the folder was checked to be writable: no figure to go by)
  // Each value takes at most digits + 8 characters (sign, point, exponent, comma).
  const double bytes = rows * (values_per_row * double(digits + 8) + 24);
  if (bytes > double(space.available))
    throw std::invalid_argument(
        option + ": '" + path + "' would take up to " + kobie::Impl::readable_bytes(bytes) + " (" +
        std::to_string(static_cast<std::int64_t>(rows)) + " rows), more than the " +
        kobie::Impl::readable_bytes(double(space.available)) + " free in '" + folder.string() +
        "'; allowed: fewer systems (--output-systems), saves or "
        "variables, or another folder");
}

template <class T, class System>
int run_as(const Options& o) {
  using Exec = Kokkos::DefaultExecutionSpace;
  const bool progress = !o.quiet && isatty(2);
  kobie::IntegrationSettings settings = o.settings;
  if (progress && settings.saves_per_chunk == 0) {
    // Progress is reported after each launch: on a terminal, about 20 of
    // them unless --saves-per-launch says otherwise (results are the same
    // bits however a run is cut into launches).
    const double saves = std::floor(settings.duration / settings.save_interval) + 1;
    if (saves >= 20 && saves < 1e9) settings.saves_per_chunk = int(std::ceil(saves / 20));
  }
  // Memory and disk are planned before anything is taken: the batch, the
  // results and the working storage against the host's memory
  // (`plan_memory` refuses a run that cannot fit, naming the bytes), and
  // the CSV files against the disk.
  if (!o.summary_output.empty() && o.settings.summary_metrics.empty())
    throw std::invalid_argument("--summary-output: '" + o.summary_output +
                                "' but no summaries are asked; allowed: with --summaries "
                                "(see --help)");
  const std::int64_t n_systems = batch_size(o);
  kobie::plan_memory<T, Algorithms>(Exec(), System{}, n_systems, settings, /*to_host=*/true,
                                    kobie::Batch::bytes<System>(n_systems));
  {
    const kobie::ValidatedSettings vs = kobie::validate(settings, kobie::Impl::shape_of<System>(),
                                                        kobie::Impl::algorithm_infos<Algorithms>());
    const double shown = double(
        o.output_systems < 0 ? n_systems : std::min<std::int64_t>(o.output_systems, n_systems));
    const int digits = std::is_same<T, float>::value ? 9 : 17;
    const int prefix = 2 + int(o.sweeps.size());
    require_disk_space("--output", o.output, shown * vs.n_saves,
                       prefix + 1 + vs.n_saved_variables(), digits);
    require_disk_space("--summary-output", o.summary_output,
                       shown * vs.n_windows * double(vs.summary_columns.size()), prefix + 2,
                       digits);
  }
  const kobie::Batch batch = make_batch<System>(o);
  kobie::DriverSamples drivers;
  // (a driver file for a system without drivers was once silently ignored)
  if (System::n_drivers == 0 && !o.driver_file.empty())
    throw std::invalid_argument("--driver-file: '" + o.driver_file + "' given, but '" +
                                System::name() +
                                "' has no drivers; allowed: only with a system that has drivers");
  if constexpr (System::n_drivers > 0) {
    drivers = o.driver_file.empty() ? default_drivers<System>()
                                    : kobie::read_driver_csv(o.driver_file, System::n_drivers,
                                                             kobie::DriverEnds::periodic);
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
  // "system,status,<swept values>" begins every row's header.
  auto header = [&](OutputFile& f) {
    auto& out = f.stream();
    out << std::setprecision(std::is_same<T, float>::value ? 9 : 17);
    out << "system,status";
    for (const auto& sw : o.sweeps) out << "," << sw.name;
  };
  if (!o.output.empty()) {
    OutputFile f("--output", o.output);
    header(f);
    auto& out = f.stream();
    out << ",t";
    for (const auto& v : r.variables) out << "," << v;
    out << "\n";
    for (std::int64_t s = 0; s < n_out; ++s) {
      const std::string p = prefix_of(s);
      for (std::size_t k = 0; k < r.save_times.size(); ++k) {
        out << p << "," << r.save_times[k];
        for (std::size_t v = 0; v < r.variables.size(); ++v) out << "," << r.outputs(k, v, s);
        out << "\n";
        f.end_row();
      }
    }
    f.commit();
    std::cout << "  wrote " << n_out * r.save_times.size() << " rows to " << o.output << "\n";
  }
  if (!o.summary_output.empty()) {
    OutputFile f("--summary-output", o.summary_output);
    header(f);
    auto& out = f.stream();
    out << ",window_start,variable,metric,value\n";
    std::vector<std::pair<std::string, std::string>> split;  // "x.peaks[0]" -> x, peaks[0]
    for (const auto& c : r.summary_columns) {
      const auto dot = c.rfind('.');
      split.emplace_back(c.substr(0, dot), c.substr(dot + 1));
    }
    for (std::int64_t s = 0; s < n_out; ++s) {
      const std::string p = prefix_of(s);
      for (std::size_t w = 0; w < r.summary_window_starts.size(); ++w)
        for (std::size_t c = 0; c < split.size(); ++c) {
          out << p << "," << r.summary_window_starts[w] << "," << split[c].first << ","
              << split[c].second << "," << r.summaries(w, c, s) << "\n";
          f.end_row();
        }
    }
    f.commit();
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
