// The kobie command line's run of one built-in system (its own source file so
// that the kernels of the systems compile in parallel).
#include "run_system.hpp"

namespace kobie_cli {
int run_decay(const Options& o) {
  return run_system<kobie::systems::Decay>(o);
}
}  // namespace kobie_cli
