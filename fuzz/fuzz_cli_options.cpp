// Fuzzes the command line's option parsing (kobie_cli::parse, the generic
// part of `kobie` and of every kobie_add_cli program). The input's lines
// are the arguments (argv[0] is "kobie"). A refusal must be
// std::invalid_argument with a message; a success must hold options in
// their documented ranges, and its settings then go through
// kobie::validate as a run would (refusals allowed). --help must be
// recorded, never exit.
//
// The harness supplies the system table that a program defines: two fake
// systems, never run.
#include <kobie/api/settings.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli.hpp"
#include "fuzz_input.hpp"

namespace kobie_cli {

const std::map<std::string, SystemRunner>& systems() {
  static const std::map<std::string, SystemRunner> all = {
      {"lorenz", [](const Options&) -> int { throw std::logic_error("fake system run"); }},
      {"decay", [](const Options&) -> int { throw std::logic_error("fake system run"); }}};
  return all;
}

const std::string& default_system() {
  static const std::string name = "lorenz";
  return name;
}

}  // namespace kobie_cli

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kobie_fuzz::Input in(data, size);
  const std::string text = in.rest();
  std::vector<std::string> args = {"kobie"};
  for (std::size_t begin = 0; begin <= text.size();) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    if (end > begin || end < text.size()) args.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);  // (argv[argc] is null, as main's is)

  kobie_cli::Options o;
  try {
    o = kobie_cli::parse(static_cast<int>(args.size()), argv.data());
  } catch (const std::invalid_argument& e) {
    kobie_fuzz::check_message(e);
    return 0;
  }
  if (o.help_requested) {
    KOBIE_FUZZ_CHECK(!kobie_cli::help().empty(), "an empty help");
    return 0;
  }
  KOBIE_FUZZ_CHECK(kobie_cli::systems().count(o.system), "system '" + o.system + "'");
  KOBIE_FUZZ_CHECK(o.batch >= 1, "batch " + std::to_string(o.batch));
  KOBIE_FUZZ_CHECK(o.precision == "double" || o.precision == "float", o.precision);
  KOBIE_FUZZ_CHECK(o.output_systems >= -1, "output systems");
  for (const auto& sw : o.sweeps)
    KOBIE_FUZZ_CHECK(sw.count >= 0 && std::isfinite(sw.lo) && std::isfinite(sw.hi),
                     "sweep of '" + sw.name + "'");
  for (const auto& [name, value] : o.sets) KOBIE_FUZZ_CHECK(std::isfinite(value), "--set " + name);
  const auto& s = o.settings;
  KOBIE_FUZZ_CHECK(s.max_steps >= 0 && s.saves_per_chunk >= 0 && s.lanes_per_team >= 0 &&
                       s.device_memory_limit >= 0 && s.n_peaks >= 0,
                   "a negative count");
  try {
    kobie::validate(s, {{"x", "y", "z"}, {}});
  } catch (const std::invalid_argument& e) {
    kobie_fuzz::check_message(e, "setting");
  }
  return 0;
}
