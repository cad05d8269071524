#pragma once

/// \file
/// The few places where Kokkos 3.4 and Kokkos 4.x / 5.x spell the same thing
/// differently. KoBIE's code uses these names only.

#include <Kokkos_Core.hpp>

namespace kobie::Impl {

// Mathematical functions moved from Kokkos::Experimental to Kokkos in 3.7 /
// 4.0; the Experimental spellings are gone in 5.x.
#if KOKKOS_VERSION >= 30700
using Kokkos::cos;
using Kokkos::exp;
using Kokkos::fabs;
using Kokkos::floor;
using Kokkos::fmax;
using Kokkos::fmin;
using Kokkos::isfinite;
using Kokkos::log;
using Kokkos::pow;
using Kokkos::sin;
using Kokkos::sqrt;
using Kokkos::tanh;
#else
using Kokkos::Experimental::cos;
using Kokkos::Experimental::exp;
using Kokkos::Experimental::fabs;
using Kokkos::Experimental::floor;
using Kokkos::Experimental::fmax;
using Kokkos::Experimental::fmin;
using Kokkos::Experimental::isfinite;
using Kokkos::Experimental::log;
using Kokkos::Experimental::pow;
using Kokkos::Experimental::sin;
using Kokkos::Experimental::sqrt;
using Kokkos::Experimental::tanh;
#endif

}  // namespace kobie::Impl

namespace kobie::math {
/// Mathematical functions for systems' right-hand sides, usable on every
/// backend and every supported Kokkos version (kobie/systems/dual.hpp adds their
/// dual-number overloads).
using kobie::Impl::cos;
using kobie::Impl::exp;
using kobie::Impl::fabs;
using kobie::Impl::log;
using kobie::Impl::pow;
using kobie::Impl::sin;
using kobie::Impl::sqrt;
using kobie::Impl::tanh;
}  // namespace kobie::math
