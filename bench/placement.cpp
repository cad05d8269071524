// Where the working buffers live, and how teams are shaped: what each choice
// costs on the backend this binary is built for, through the public API
// (solve with a PlacementList, and the `placement`, `shared_layout` and
// `lanes_per_team` settings). bench/placement_report.py turns the JSON output
// into tables saying which choice wins per workload and by how much.
//
// Workloads (fixed, so that only the choice changes; device-resident outputs,
// end states only, time = the fenced integration launches):
//   lorenz_rk4       anchor A's ensemble (2^16 systems, t in [0, 1]), RK4, dt 1e-3
//   lorenz_dopri5    the same, Dormand-Prince 5(4), tolerance 1e-8
//   lorenz96_rk4     Lorenz-96, 40 states, F in [6, 10], 2^12 systems, t in
//                    [0, 0.5], RK4, dt 1e-3
//   lorenz96_dopri5  the same, Dormand-Prince 5(4), tolerance 1e-6
// Sweeps, each against the registry's default placement with interleaved
// slices and the backend's default team size:
//   placement:<name>  default, all-local, all-shared; for lorenz_dopri5 (the
//                     representative method) each buffer moved alone to shared
//                     memory; for lorenz96_dopri5 the stage derivatives moved
//                     to registers / per-thread memory and to persistent memory
//   layout:<slices>   interleaved and contiguous shared slices, with the
//                     default and the all-shared placement
//   lanes:<n>         lanes per team (host: the lanes of one SIMD pass, 8 to
//                     512; CUDA: threads per block, 32 to 1024)
// Every variant's end states are checked against the default's (within
// 1e-12 relative) outside the timed region: a wrong variant never looks fast.
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

namespace {

using Exec = Kokkos::DefaultExecutionSpace;
using kobie::Location;
namespace tab = kobie::tableaus;

struct Workload {
  std::string name;
  kobie::Batch batch;
  kobie::IntegrationSettings settings;
};

/// Bytes per lane the layout report states ("per lane: X B shared, Y B local").
void layout_counters(benchmark::State& state, const std::string& report) {
  std::smatch m;
  if (std::regex_search(report, m, std::regex(R"(per lane: (\d+) B shared, (\d+) B local)"))) {
    state.counters["shared_bytes_per_lane"] = std::stod(m[1]);
    state.counters["local_bytes_per_lane"] = std::stod(m[2]);
  }
}

/// The lanes per team the launch used ("N lanes per team").
double lanes_used(const std::string& launch_report) {
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
template <class System, class Tab, class Placements>
void register_workload(const Workload& workload, const std::vector<std::string>& placements) {
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

kobie::IntegrationSettings settings(const char* algorithm, double t_end, double dt, double tol) {
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

const bool registered = kobie_bench::at_start([] {
  const bool smoke = kobie_bench::smoke_mode();
  {
    using System = kobie::systems::Lorenz;
    const auto p = kobie_bench::lorenz_problem();
    const auto batch = kobie::Batch::grid<System>({{"rho", kobie_bench::lorenz_rho(p.systems)}});
    using Basic = kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared>;
    register_workload<System, tab::ClassicalRK4, Basic>(
        {"lorenz_rk4", batch, settings("rk4", p.t_end, p.t_end / p.steps, 1e-6)},
        {"default", "all-local", "all-shared"});

    // The representative method: each buffer of the loop and the step moved
    // alone to shared memory (zero-sized ones left out).
    using Tab = tab::DormandPrince54;
    using Step = kobie::ErkStep<Tab, System, double>;
    using Loop = kobie::IntegrationLoop<System, Step, double>;
    constexpr Location sh = Location::shared;
    using Moved =
        kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared,
                             Move<Loop, Loop::state, sh>, Move<Loop, Loop::proposal, sh>,
                             Move<Loop, Loop::parameters, sh>, Move<Loop, Loop::clock, sh>,
                             Move<Loop, Loop::history, sh>, Move<Loop, Loop::counters, sh>,
                             Move<Step, Step::stage_rhs, sh>, Move<Step, Step::stage_input, sh>,
                             Move<Step, Step::error_estimate, sh>, Move<Step, Step::fsal_rhs, sh>>;
    std::vector<std::string> names = {"default", "all-local", "all-shared"};
    for (int b : {int(Loop::state), int(Loop::proposal), int(Loop::parameters), int(Loop::clock),
                  int(Loop::history), int(Loop::counters)})
      names.push_back(std::string("default+loop/") + Loop::buffer(b).name + "=shared");
    for (int b : {int(Step::stage_rhs), int(Step::stage_input), int(Step::error_estimate),
                  int(Step::fsal_rhs)})
      names.push_back(std::string("default+step/") + Step::buffer(b).name + "=shared");
    register_workload<System, Tab, Moved>(
        {"lorenz_dopri5", batch, settings("dormand-prince-54", p.t_end, 1e-3, 1e-8)}, names);
  }
  {
    using System = kobie::systems::Lorenz96<40>;
    const long n = smoke ? 1 << 6 : 1 << 12;
    const double t_end = smoke ? 0.01 : 0.5;
    std::vector<double> forcing(n);
    for (long i = 0; i < n; ++i) forcing[i] = 6.0 + 4.0 * double(i) / double(n - 1);
    const auto batch = kobie::Batch::grid<System>({{"F", forcing}});
    using Basic = kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared>;
    register_workload<System, tab::ClassicalRK4, Basic>(
        {"lorenz96_rk4", batch, settings("rk4", t_end, 1e-3, 1e-6)},
        {"default", "all-local", "all-shared"});
    using Tab = tab::DormandPrince54;
    using Step = kobie::ErkStep<Tab, System, double>;
    using Large = kobie::PlacementList<kobie::DefaultPlacement, kobie::AllLocal, kobie::AllShared,
                                       Move<Step, Step::stage_rhs, Location::local>,
                                       Move<Step, Step::stage_rhs, Location::persistent>>;
    register_workload<System, Tab, Large>(
        {"lorenz96_dopri5", batch, settings("dormand-prince-54", t_end, 1e-3, 1e-6)},
        {"default", "all-local", "all-shared", "default+step/stage_rhs=local",
         "default+step/stage_rhs=persistent"});
  }
});

}  // namespace
