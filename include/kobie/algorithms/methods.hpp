#pragma once

/// \file
/// Every method KoBIE has, as types: the explicit Runge-Kutta tableaus
/// (kobie/algorithms/explicit/tableaus.hpp) and the tags of the implicit
/// families. The run-time setting `algorithm` names one of them; a program
/// compiles those its `Algorithms` tuple lists (`tableaus::named` selects
/// from `all_methods` by name). Which step implements each is
/// kobie/algorithms/step_concept.hpp's `step_t`.

#include <kobie/algorithms/explicit/tableaus.hpp>

#include <tuple>
#include <utility>

namespace kobie {

namespace methods {
/// Backward Euler (kobie/algorithms/implicit/backward_euler.hpp): order 1,
/// L-stable, with a filtered predictor-difference error estimate of order 1.
struct BackwardEuler {
  static constexpr const char* name() { return "backward-euler"; }
  static constexpr int order = 1;
  static constexpr int error_order = 1;
  static constexpr bool dual_error = false;
};
}  // namespace methods

/// Every method: the explicit tableaus in their order, then the implicit
/// families.
using all_methods = decltype(std::tuple_cat(std::declval<tableaus::all_explicit>(),
                                            std::declval<std::tuple<methods::BackwardEuler>>()));

}  // namespace kobie
