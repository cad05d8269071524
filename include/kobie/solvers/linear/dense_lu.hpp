#pragma once

/// \file
/// A dense LU factorisation with partial pivoting for one lane's small
/// linear systems (the Newton iteration matrices I - h gamma J of the
/// implicit methods). A registry component ("linear_solver"): its matrix and
/// pivots are declared buffers, and its routines are stateless device
/// functions on buffers the caller fetched once.
///
/// Factor, in place, row-major A (n x n): P A = L U with unit lower L below
/// the diagonal and U on and above it; pivots[k] is the row swapped with row
/// k at column k (LAPACK's convention, 0-based). Solve, in place on b:
/// b <- P b, then L c = b forward, then U x = c backward.
///
/// Every index is a compile-time constant after unrolling (`Impl::for_n`
/// unrolls up to `Impl::unroll_limit`): the row swap of a pivot found at run
/// time is written as a conditional exchange with every row below, not as an
/// indexed access, so a local matrix stays in registers on CUDA. That costs
/// O(n^2) selects per column, the same order as the elimination itself.

#include <kobie/algorithms/step_outcome.hpp>
#include <kobie/impl/fast_math.hpp>
#include <kobie/impl/kokkos_compat.hpp>
#include <kobie/registry/buffer_types.hpp>

#include <cstdint>

namespace kobie {

namespace Impl {
/// One lane's LU buffers, fetched once (`DenseLU::fetch`).
template <class A, class Piv>
struct DenseLUWorkspace {
  A matrix;    ///< n x n, row-major: the matrix, then its factors
  Piv pivots;  ///< n row indices (int32)
};
}  // namespace Impl

/// Dense LU with partial pivoting for n x n systems of scalar `T` (float or
/// double).
template <int N, class T>
struct DenseLU {
  static_assert(N >= 1, "DenseLU needs N >= 1");
  static constexpr int n = N;
  /// Matrices up to this many elements are local (registers on CUDA) by
  /// default (n <= 8), larger ones in team shared memory.
  static constexpr int local_matrix_limit = 64;

  static const char* component_name() { return "linear_solver"; }
  enum : int { matrix, pivots, buffer_count };
  KOKKOS_INLINE_FUNCTION static constexpr BufferInfo buffer(int i) {
    if (i == matrix)
      return {"matrix", N * N, element_type_of<T>::value,
              N * N <= local_matrix_limit ? Location::local : Location::shared};
    return {"pivots", N, element_type_of<std::int32_t>::value, Location::local};
  }

  /// The buffers of this component for one lane, as views (a later fetch
  /// in the same visit gives views of the same storage); the step fetches
  /// once per attempt and passes the workspace down.
  template <class Mem>
  KOKKOS_FORCEINLINE_FUNCTION static auto fetch(const Mem& mem) {
    using A = decltype(mem.template get<matrix>());
    using Piv = decltype(mem.template get<pivots>());
    return Impl::DenseLUWorkspace<A, Piv>{mem.template get<matrix>(), mem.template get<pivots>()};
  }

  /// Factors `a` (row-major n x n) in place with partial pivoting, the row
  /// swaps recorded in `piv`. Returns status_singular_matrix when a pivot is
  /// exactly zero or not finite (NaN or infinite entries reach some pivot),
  /// status_ok otherwise. After a failure the factors are meaningless (the
  /// elimination goes on with a unit pivot, so no division by zero happens).
  template <class A, class Piv>
  KOKKOS_INLINE_FUNCTION static int factor(A& a, Piv& piv) {
    int status = status_ok;
    Impl::for_n<N>([&](const int k) KOBIE_INLINE_LAMBDA {
      // The largest magnitude in column k on or below the diagonal (the
      // first such row on ties; NaNs never win a comparison, see above).
      int p = k;
      T best = Impl::fabs(T(a[k * N + k]));
      Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA {
        if (i > k) {
          const T v = Impl::fabs(T(a[i * N + k]));
          if (v > best) best = v, p = i;
        }
      });
      piv[k] = std::int32_t(p);
      Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA {
        if (i > k) {
          const bool exchange = i == p;
          Impl::for_n<N>([&](const int j) KOBIE_INLINE_LAMBDA {
            const T x = a[k * N + j], y = a[i * N + j];
            a[k * N + j] = exchange ? y : x;
            a[i * N + j] = exchange ? x : y;
          });
        }
      });
      const T pivot = a[k * N + k];
      const bool usable = pivot != T(0) && Impl::isfinite(pivot);
      if (!usable) status = status_singular_matrix;
      const T divisor = usable ? pivot : T(1);
      Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA {
        if (i > k) {
          const T l = T(a[i * N + k]) / divisor;
          a[i * N + k] = l;
          Impl::for_n<N>([&](const int j) KOBIE_INLINE_LAMBDA {
            if (j > k) a[i * N + j] = Impl::mul_add(-l, T(a[k * N + j]), T(a[i * N + j]));
          });
        }
      });
    });
    return status;
  }

  /// Solves A x = b in place on `b` with the factors `factor` left in `a`
  /// and `piv` (after a status_ok factorisation only).
  template <class A, class Piv, class B>
  KOKKOS_INLINE_FUNCTION static void solve(const A& a, const Piv& piv, B& b) {
    // b <- P b: the recorded swaps in order.
    Impl::for_n<N>([&](const int k) KOBIE_INLINE_LAMBDA {
      const int p = piv[k];
      Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA {
        if (i > k) {
          const bool exchange = i == p;
          const T x = b[k], y = b[i];
          b[k] = exchange ? y : x;
          b[i] = exchange ? x : y;
        }
      });
    });
    // L c = b (unit diagonal), forward.
    Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA {
      T acc = b[i];
      Impl::for_n<N>([&](const int j) KOBIE_INLINE_LAMBDA {
        if (j < i) acc = Impl::mul_add(-T(a[i * N + j]), T(b[j]), acc);
      });
      b[i] = acc;
    });
    // U x = c, backward.
    Impl::for_n<N>([&](const int r) KOBIE_INLINE_LAMBDA {
      const int i = N - 1 - r;
      T acc = b[i];
      Impl::for_n<N>([&](const int j) KOBIE_INLINE_LAMBDA {
        if (j > i) acc = Impl::mul_add(-T(a[i * N + j]), T(b[j]), acc);
      });
      b[i] = acc / T(a[i * N + i]);
    });
  }

  /// The same on a fetched workspace.
  template <class W>
  KOKKOS_INLINE_FUNCTION static int factor(W& ws) {
    return factor(ws.matrix, ws.pivots);
  }
  template <class W, class B>
  KOKKOS_INLINE_FUNCTION static void solve(const W& ws, B& b) {
    solve(ws.matrix, ws.pivots, b);
  }

  /// Turns the Jacobian J held in the workspace's matrix into the Newton
  /// iteration matrix M = I - h_gamma J and factors it (see `factor`).
  template <class W>
  KOKKOS_INLINE_FUNCTION static int factor_iteration_matrix(W& ws, T h_gamma) {
    Impl::for_n<N>([&](const int i) KOBIE_INLINE_LAMBDA {
      Impl::for_n<N>([&](const int j) KOBIE_INLINE_LAMBDA {
        const T identity = i == j ? T(1) : T(0);
        ws.matrix[i * N + j] = Impl::mul_add(-h_gamma, T(ws.matrix[i * N + j]), identity);
      });
    });
    return factor(ws.matrix, ws.pivots);
  }
};

}  // namespace kobie
