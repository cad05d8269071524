#pragma once
// The placement benchmark's workloads and sweeps (bench/placement.cpp has
// the whole description); its objects (placement.cpp, placement_moves.cpp)
// each register some workloads, so that no object compiles too many kernels.
#include <kobie/kobie.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "bench_context.hpp"
#include "lorenz_problem.hpp"

namespace kobie_bench {

using Exec = Kokkos::DefaultExecutionSpace;
using kobie::Location;
namespace tab = kobie::tableaus;

struct Workload {
  std::string name;
  kobie::Batch batch;
  kobie::IntegrationSettings settings;
};

/// Bytes per lane the layout report states ("per lane: X B shared, Y B local").
inline void layout_counters(benchmark::State& state, const std::string& report) {
  std::smatch m;
  if (std::regex_search(report, m, std::regex(R"(per lane: (\d+) B shared, (\d+) B local)"))) {
    state.counters["shared_bytes_per_lane"] = std::stod(m[1]);
    state.counters["local_bytes_per_lane"] = std::stod(m[2]);
  }
}

/// The lanes per team the launch used ("N lanes per team").
inline double lanes_used(const std::string& launch_report) {
  std::smatch m;
  return std::regex_search(launch_report, m, std::regex(R"((\d+) lanes per team)"))
             ? std::stod(m[1])
             : 0.0;
}

/// End states of a run, on the host.
template <class R>
std::vector<double> end_states(const R& r) {
  const auto out = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), r.outputs);
  const std::size_t last = out.extent(0) - 1;
  std::vector<double> v;
  for (std::size_t k = 0; k < out.extent(1); ++k)
    for (std::size_t s = 0; s < out.extent(2); ++s) v.push_back(out(last, k, s));
  return v;
}

template <class System, class Tab, class Placements>
void BM_variant(benchmark::State& state, std::shared_ptr<const Workload> w,
                kobie::IntegrationSettings s, std::shared_ptr<std::vector<double>> reference);

/// A choice the backend cannot run (say, more lanes per team than a CUDA
/// kernel's register use allows) is reported as an error, not a crash.
template <class System, class Tab, class Placements>
void BM_choice(benchmark::State& state, std::shared_ptr<const Workload> w,
               kobie::IntegrationSettings s, std::shared_ptr<std::vector<double>> reference) {
  try {
    BM_variant<System, Tab, Placements>(state, w, s, reference);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

template <class System, class Tab, class Placements>
void BM_variant(benchmark::State& state, std::shared_ptr<const Workload> w,
                kobie::IntegrationSettings s, std::shared_ptr<std::vector<double>> reference) {
  using Solve = std::tuple<Tab>;
  if (reference->empty()) {  // the default variant's end states, once per workload
    *reference = end_states(
        kobie::solve<double, Solve, Placements>(Exec(), System{}, w->batch, w->settings));
  }
  double steps = 0;
  std::string layout, launch;
  std::vector<double> ends;
  for (auto _ : state) {
    Exec().fence();
    const auto r = kobie::solve<double, Solve, Placements>(Exec(), System{}, w->batch, s);
    state.SetIterationTime(r.kernel_seconds);
    steps = double(r.total(kobie::stat_accepted) + r.total(kobie::stat_rejected));
    if (layout.empty()) {
      layout = r.layout_report;
      launch = r.launch_report;
      ends = end_states(r);
    }
  }
  for (std::size_t i = 0; i < ends.size(); ++i) {
    const double a = ends[i], b = (*reference)[i];
    if (!(std::abs(a - b) <= 1e-12 * (1 + std::abs(b)))) {
      state.SkipWithError("end states differ from the default placement's");
      return;
    }
  }
  state.counters["system_steps_per_s"] =
      benchmark::Counter(steps * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["lanes_per_team"] = lanes_used(launch);
  layout_counters(state, layout);
}

/// Registers the sweeps of one workload. `Placements` lists the compiled
/// placements: default, all-local and all-shared first, then the moved ones.
/// (`sweeps` false: the placements only, for a workload whose other sweeps
/// another call registers.)
template <class System, class Tab, class Placements>
void register_workload(const Workload& workload, const std::vector<std::string>& placements,
                       bool sweeps = true) {
  const auto w = std::make_shared<const Workload>(workload);
  const auto reference = std::make_shared<std::vector<double>>();
  auto add = [&](const std::string& choice, kobie::IntegrationSettings s) {
    const std::string name = "placement/" + w->name + "/" + choice;
    benchmark::RegisterBenchmark(name.c_str(), BM_choice<System, Tab, Placements>, w, s, reference)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  };
  for (const auto& p : placements) {
    auto s = w->settings;
    s.placement = p;
    std::string label = p;  // MoveOne names hold '/': benchmark filters split on it
    std::replace(label.begin(), label.end(), '/', '.');
    add("placement:" + label, s);
  }
  if (!sweeps) return;
  for (const char* slices : {"interleaved", "contiguous"}) {
    for (const char* p : {"default", "all-shared"}) {
      auto s = w->settings;
      s.shared_layout = slices;
      s.placement = p;
      add(std::string("layout:") + slices + "+" + p, s);
    }
  }
  const bool host = kobie::lanes_in_vector_passes<Exec>::value;
  const std::vector<int> lanes = host ? std::vector<int>{8, 16, 32, 64, 128, 256, 512}
                                      : std::vector<int>{32, 64, 128, 256, 512, 1024};
  for (int n : lanes) {
    auto s = w->settings;
    s.lanes_per_team = n;
    add("lanes:" + std::to_string(n), s);
  }
}

inline kobie::IntegrationSettings settings(const char* algorithm, double t_end, double dt,
                                           double tol) {
  kobie::IntegrationSettings s;
  s.algorithm = algorithm;
  s.controller = std::string(algorithm) == "rk4" ? "fixed" : "pi";
  s.duration = t_end;
  s.save_interval = t_end;  // end states only
  s.dt = dt;
  s.atol = s.rtol = tol;
  return s;
}

template <class Loop, int Buffer, Location L>
using Move = kobie::MoveOne<Loop, Buffer, L>;

}  // namespace kobie_bench
