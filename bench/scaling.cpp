// KoBIE's throughput as the work grows, alone (no peers), on Kokkos' default
// execution space in float64: fixed-step classical RK4 throughout (dt = 1e-3),
// device-resident outputs, the time is the fenced launches (`kernel_seconds`),
// the whole call beside it as end_to_end_ms.
//
//  * scaling/batch:       the Lorenz ensemble of anchor A (lorenz_problem.hpp's
//                         rho sweep), 100 steps over [0, 0.1], end states only,
//                         2^10, 2^12, ... 2^20 systems (KOBIE_BENCH_MAX_SYSTEMS
//                         sets another upper bound, itself run too, e.g.
//                         8388608 for 2^23 on a GPU); smoke mode: 2^10 and
//                         2^12 systems, 10 steps.
//  * scaling/system_size: Lorenz-96 with 8, 16, 32, 64 and 128 states (F in
//                         [6, 10]), 2^12 systems, 100 steps, end states only;
//                         state_steps_per_s = states x system steps. Smoke
//                         mode: 2^6 systems, 10 steps.
//  * scaling/save_every:  the Lorenz ensemble, 2^14 systems, 1000 steps over
//                         [0, 1], saving every 1, 10, 100 and 1000 steps (save
//                         interval k dt). Smoke mode: 2^8 systems.
//
// Every run reports the memory one system takes: persistent_bytes_per_system
// and device_bytes_per_system (from the Results), and output_bytes_per_system
// (saves x saved variables x sizeof(double)).
#include <kobie/kobie.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "bench_context.hpp"
#include "lorenz_problem.hpp"

namespace {

using Exec = Kokkos::DefaultExecutionSpace;

/// The batch of `systems` systems: Lorenz's rho sweep of anchor A, or
/// Lorenz-96 with F = linspace(6, 10, systems) from its default state.
template <class System>
kobie::Batch make_batch(long systems) {
  if constexpr (std::is_same<System, kobie::systems::Lorenz>::value) {
    return kobie::Batch::grid<System>({{"rho", kobie_bench::lorenz_rho(systems)}});
  } else {
    std::vector<double> f(systems);
    for (long i = 0; i < systems; ++i)
      f[i] = 6.0 + 4.0 * double(i) / double(systems > 1 ? systems - 1 : 1);
    return kobie::Batch::grid<System>({{"F", f}});
  }
}

enum class Group { batch, system_size, save_every };

/// RK4 steps of dt = 1e-3; `value` is the group's parameter (batch: systems;
/// system_size: states, as System has; save_every: steps between saves). The
/// other sizes are settled here, where smoke_mode() is known.
template <class System>
void BM_scaling(benchmark::State& state, Group group, long value) {
  const bool smoke = kobie_bench::smoke_mode();
  long systems = value;
  int steps = smoke ? 10 : 100, save_every = steps;
  if (group == Group::system_size) systems = smoke ? 1 << 6 : 1 << 12;
  if (group == Group::save_every) {
    systems = smoke ? 1 << 8 : 1 << 14;
    steps = 1000;
    save_every = static_cast<int>(value);
  }
  const auto batch = make_batch<System>(systems);
  kobie::IntegrationSettings s;
  s.algorithm = "rk4";
  s.controller = "fixed";
  s.dt = 1e-3;
  s.duration = steps * s.dt;
  s.save_interval = save_every * s.dt;
  double taken = 0, end_to_end = 0, saves = 0, output_bytes = 0;
  std::int64_t persistent_bytes = 0, device_bytes = 0;
  for (auto _ : state) {
    Exec().fence();
    const auto r =
        kobie::solve<double, std::tuple<kobie::tableaus::ClassicalRK4>>(Exec(), System{}, batch, s);
    state.SetIterationTime(r.kernel_seconds);
    end_to_end += r.wall_seconds;
    taken = double(r.total(kobie::stat_accepted) + r.total(kobie::stat_rejected));
    persistent_bytes = r.persistent_bytes_per_system;
    device_bytes = r.device_bytes_per_system;
    saves = double(r.save_times.size());
    output_bytes = saves * double(r.variables.size()) * sizeof(double);
    if (r.failures()) {
      state.SkipWithError(r.failure_summary().c_str());
      break;
    }
  }
  const double iterations = double(state.iterations());
  state.counters["end_to_end_ms"] = 1e3 * end_to_end / iterations;
  state.counters["system_steps_per_s"] =
      benchmark::Counter(taken * iterations, benchmark::Counter::kIsRate);
  state.counters["state_steps_per_s"] =
      benchmark::Counter(taken * System::n_states * iterations, benchmark::Counter::kIsRate);
  state.counters["systems"] = double(systems);
  state.counters["states"] = System::n_states;
  state.counters["steps_per_system"] = taken / double(systems);
  state.counters["saves"] = saves;
  state.counters["persistent_bytes_per_system"] = double(persistent_bytes);
  state.counters["device_bytes_per_system"] = double(device_bytes);
  state.counters["output_bytes_per_system"] = output_bytes;
}

template <class System>
void add(const char* format, Group group, long value) {
  char name[128];
  std::snprintf(name, sizeof name, format, value);
  benchmark::RegisterBenchmark(name, BM_scaling<System>, group, value)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

template <int N>
void add_system_size() {
  add<kobie::systems::Lorenz96<N>>("scaling/system_size/lorenz96_rk4/states:%ld",
                                   Group::system_size, N);
}

const bool registered = kobie_bench::at_start([] {
  // Throughput against batch size: 2^10, 2^12, ... up to the bound (and the
  // bound itself); smoke mode: 2^10 and 2^12.
  long max_systems = 1 << 20;
  if (const char* env = std::getenv("KOBIE_BENCH_MAX_SYSTEMS"))
    if (std::atol(env) > 0) max_systems = std::atol(env);
  if (kobie_bench::smoke_mode()) max_systems = 1 << 12;
  long n = 1 << 10;
  for (; n <= max_systems; n *= 4)
    add<kobie::systems::Lorenz>("scaling/batch/lorenz_rk4/systems:%ld", Group::batch, n);
  if (n / 4 != max_systems && max_systems > 1 << 10)
    add<kobie::systems::Lorenz>("scaling/batch/lorenz_rk4/systems:%ld", Group::batch, max_systems);

  // Throughput against system size.
  add_system_size<8>();
  add_system_size<16>();
  add_system_size<32>();
  add_system_size<64>();
  add_system_size<128>();

  // Throughput against save frequency.
  for (long every : {1, 10, 100, 1000})
    add<kobie::systems::Lorenz>("scaling/save_every/lorenz_rk4/steps:%ld", Group::save_every,
                                every);
});

}  // namespace
