#pragma once

/// \file
/// Everything of KoBIE's public API in one include.

#include <kobie/config.hpp>
#include <kobie/runtime_info.hpp>
