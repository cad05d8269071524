#pragma once

/// \file
/// Integration settings as users give them, and their validation: the one
/// place where every setting is checked. Bad input throws
/// std::invalid_argument naming the setting, the value and what is allowed,
/// before anything is launched.

#include <kobie/controllers.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace kobie {

/// What to integrate and how; defaults are sensible for non-stiff problems.
struct IntegrationSettings {
  std::string algorithm = "dormand-prince-54";  ///< see known_algorithms()
  std::string controller = "pi";                ///< fixed, i, pi, pid, gustafsson
  double t0 = 0.0;
  double settling_time = 0.0;  ///< integrated first, without output
  double duration = 1.0;       ///< of the saving window
  double save_interval = 0.1;  ///< saves at t0 + settling + k * interval, and at the end
  double dt = 1e-3;            ///< the fixed step, or the first step of adaptive runs
  double dt_min = 1e-12;
  double dt_max = std::numeric_limits<double>::infinity();  ///< inf: the save interval
  double atol = 1e-6;
  double rtol = 1e-6;
  std::vector<double> atol_per_state;  ///< when non-empty, replaces atol
  std::vector<double> rtol_per_state;  ///< when non-empty, replaces rtol
  double safety = 0.9;
  double min_gain = 0.2;
  double max_gain = 5.0;
  double deadband_low = 1.0;
  double deadband_high = 1.2;
  std::int64_t max_steps = 10000000;           ///< attempted steps per system
  std::vector<std::string> saved_states;       ///< names; empty: all
  std::vector<std::string> saved_observables;  ///< names; empty: all
  int saves_per_chunk = 0;                     ///< saves per launch; 0: all in one
  std::string shared_layout = "interleaved";   ///< interleaved or contiguous
};

/// The explicit algorithms KoBIE knows, by name.
std::vector<std::string> known_algorithms();
/// The controllers, by name.
std::vector<std::string> known_controllers();

/// What validation needs to know about the system.
struct SystemShape {
  std::vector<std::string> states;
  std::vector<std::string> observables;
};

/// Settings after validation, in the form the loop uses.
struct ValidatedSettings {
  IntegrationSettings raw;
  ControllerParams controller;
  int n_saves = 0;
  std::vector<double> save_times;
  std::vector<double> atol, rtol;  ///< per state
  std::vector<int> saved_states, saved_observables;
  int saves_per_chunk = 0;
};

/// Checks every setting against each other and the system; throws
/// std::invalid_argument naming the setting, the value and what is allowed.
ValidatedSettings validate(const IntegrationSettings& settings, const SystemShape& system);

}  // namespace kobie
