#pragma once

/// \file
/// Everything of KoBIE's public API in one include.

#include <kobie/buffer_allocator.hpp>
#include <kobie/buffer_registry.hpp>
#include <kobie/buffer_types.hpp>
#include <kobie/config.hpp>
#include <kobie/runtime_info.hpp>
#include <kobie/team_launch.hpp>
