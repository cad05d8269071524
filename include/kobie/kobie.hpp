#pragma once

/// \file
/// Everything of KoBIE's public API in one include. The folders are the
/// architecture's rooms (docs/ARCHITECTURE.md): registry/, launch/,
/// systems/, algorithms/{explicit,implicit}/, solvers/{linear,newton}/,
/// control/, loop/, outputs/, api/; impl/ holds internals.

#include <kobie/algorithms/explicit/erk_step.hpp>
#include <kobie/algorithms/explicit/tableaus.hpp>
#include <kobie/algorithms/implicit/backward_euler.hpp>
#include <kobie/algorithms/step_concept.hpp>
#include <kobie/algorithms/step_outcome.hpp>
#include <kobie/api/settings.hpp>
#include <kobie/api/solve.hpp>
#include <kobie/config.hpp>
#include <kobie/control/controllers.hpp>
#include <kobie/launch/runtime_info.hpp>
#include <kobie/launch/simd_pack.hpp>
#include <kobie/launch/team_launch.hpp>
#include <kobie/loop/integration_loop.hpp>
#include <kobie/outputs/summaries.hpp>
#include <kobie/registry/buffer_allocator.hpp>
#include <kobie/registry/buffer_registry.hpp>
#include <kobie/registry/buffer_types.hpp>
#include <kobie/solvers/linear/dense_lu.hpp>
#include <kobie/solvers/newton/jacobian.hpp>
#include <kobie/solvers/newton/newton.hpp>
#include <kobie/systems/builtin.hpp>
#include <kobie/systems/driver_csv.hpp>
#include <kobie/systems/drivers.hpp>
#include <kobie/systems/dual.hpp>
#include <kobie/systems/system.hpp>
