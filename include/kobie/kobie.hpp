#pragma once

/// \file
/// Everything of KoBIE's public API in one include.

#include <kobie/buffer_allocator.hpp>
#include <kobie/buffer_registry.hpp>
#include <kobie/buffer_types.hpp>
#include <kobie/config.hpp>
#include <kobie/controllers.hpp>
#include <kobie/drivers.hpp>
#include <kobie/dual.hpp>
#include <kobie/erk_step.hpp>
#include <kobie/integration_loop.hpp>
#include <kobie/runtime_info.hpp>
#include <kobie/settings.hpp>
#include <kobie/simd_pack.hpp>
#include <kobie/solve.hpp>
#include <kobie/summaries.hpp>
#include <kobie/system.hpp>
#include <kobie/systems/builtin.hpp>
#include <kobie/tableaus.hpp>
#include <kobie/team_launch.hpp>
