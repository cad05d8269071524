// Test body (see backend_test.cpp.in): kobie::DenseLU, the implicit methods'
// dense LU with partial pivoting, factors and solves one small system per
// lane in a kernel on the backend, in register arrays (LocalArray) and in
// strided storage (StridedView, lane index fastest), against Gaussian
// elimination in long double written here; a singular lane reports
// status_singular_matrix and leaves every other lane's result unchanged.
//
// Device lambdas live in free functions, never in a TEST body (nvcc).
#include <kobie/registry/buffer_allocator.hpp>
#include <kobie/solvers/linear/dense_lu.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "test_support.hpp"

namespace {

using Exec = TEST_EXECSPACE;
using Memory = Exec::memory_space;

/// What the device returned for a batch: solutions (lane * N + i), pivots
/// and statuses.
template <class T>
struct LuResult {
  std::vector<T> x;
  std::vector<std::int32_t> pivots;
  std::vector<int> status;
};

/// One lane of `device_solve` (a function of its own: nvcc refuses a device
/// lambda whose first capture of a variable is inside `if constexpr`).
template <int N, class T, bool Strided, class V, class P, class S>
KOKKOS_INLINE_FUNCTION void lu_lane(const V& a, const V& b, const P& piv, const S& status, int l,
                                    int lanes) {
  using LU = kobie::DenseLU<N, T>;
  if constexpr (Strided) {
    kobie::StridedView<T, N * N> am{a.data() + l, lanes};
    kobie::StridedView<T, N> bm{b.data() + l, lanes};
    kobie::StridedView<std::int32_t, N> pm{piv.data() + l, lanes};
    status(l) = LU::factor(am, pm);
    if (status(l) == kobie::status_ok) LU::solve(am, pm, bm);
  } else {
    kobie::LocalArray<T, N * N> am;
    kobie::LocalArray<T, N> bm;
    kobie::LocalArray<std::int32_t, N> pm;
    for (int k = 0; k < N * N; ++k) am[k] = a(std::size_t(k) * lanes + l);
    for (int k = 0; k < N; ++k) bm[k] = b(std::size_t(k) * lanes + l);
    status(l) = LU::factor(am, pm);
    if (status(l) == kobie::status_ok) LU::solve(am, pm, bm);
    for (int k = 0; k < N; ++k) b(std::size_t(k) * lanes + l) = bm[k], piv(k * lanes + l) = pm[k];
  }
}

/// Factors each lane's matrix (lane * N * N + row-major) and solves with its
/// right-hand side, in LocalArrays (Strided = false) or in StridedViews over
/// lane-fastest storage (Strided = true).
template <int N, class T, bool Strided>
LuResult<T> device_solve(const std::vector<T>& matrices, const std::vector<T>& rhs) {
  const int lanes = static_cast<int>(rhs.size()) / N;
  Kokkos::View<T*, Memory> a("kobie::test::lu_a", std::size_t(lanes) * N * N);
  Kokkos::View<T*, Memory> b("kobie::test::lu_b", std::size_t(lanes) * N);
  Kokkos::View<std::int32_t*, Memory> piv("kobie::test::lu_piv", std::size_t(lanes) * N);
  Kokkos::View<int*, Memory> status("kobie::test::lu_status", lanes);
  {
    // Lane-fastest storage: element k of lane l at k * lanes + l.
    auto ah = Kokkos::create_mirror_view(a);
    auto bh = Kokkos::create_mirror_view(b);
    for (int l = 0; l < lanes; ++l) {
      for (int k = 0; k < N * N; ++k) ah(std::size_t(k) * lanes + l) = matrices[l * N * N + k];
      for (int k = 0; k < N; ++k) bh(std::size_t(k) * lanes + l) = rhs[l * N + k];
    }
    Kokkos::deep_copy(a, ah);
    Kokkos::deep_copy(b, bh);
  }
  Kokkos::parallel_for(
      "kobie::test::dense_lu", Kokkos::RangePolicy<Exec>(Exec(), 0, lanes),
      KOKKOS_LAMBDA(int l) { lu_lane<N, T, Strided>(a, b, piv, status, l, lanes); });
  Exec().fence();
  auto bh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), b);
  auto ph = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), piv);
  auto sh = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), status);
  LuResult<T> out;
  for (int l = 0; l < lanes; ++l) {
    for (int k = 0; k < N; ++k) out.x.push_back(bh(std::size_t(k) * lanes + l));
    for (int k = 0; k < N; ++k) out.pivots.push_back(ph(std::size_t(k) * lanes + l));
    out.status.push_back(sh(l));
  }
  return out;
}

/// Gaussian elimination with partial pivoting in long double (the
/// reference): x with A x = b, or false for an exactly singular A.
bool reference_solve(int n, std::vector<long double> a, std::vector<long double> b,
                     std::vector<long double>& x) {
  for (int k = 0; k < n; ++k) {
    int p = k;
    for (int i = k + 1; i < n; ++i)
      if (std::fabs(a[i * n + k]) > std::fabs(a[p * n + k])) p = i;
    if (a[p * n + k] == 0) return false;
    for (int j = 0; j < n; ++j) std::swap(a[k * n + j], a[p * n + j]);
    std::swap(b[k], b[p]);
    for (int i = k + 1; i < n; ++i) {
      const long double l = a[i * n + k] / a[k * n + k];
      for (int j = k; j < n; ++j) a[i * n + j] -= l * a[k * n + j];
      b[i] -= l * b[k];
    }
  }
  x.assign(n, 0);
  for (int i = n - 1; i >= 0; --i) {
    long double s = b[i];
    for (int j = i + 1; j < n; ++j) s -= a[i * n + j] * x[j];
    x[i] = s / a[i * n + i];
  }
  return true;
}

/// `count` random systems of size N that need pivoting: a diagonally
/// dominant matrix (well conditioned) with its rows shuffled, every other
/// one a plain random matrix (pivots where they fall).
template <int N, class T>
void random_systems(int count, std::mt19937_64& rng, std::vector<T>& a, std::vector<T>& b) {
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (int c = 0; c < count; ++c) {
    std::vector<double> m(N * N);
    for (auto& v : m) v = unit(rng);
    if (c % 2 == 0) {
      for (int i = 0; i < N; ++i) m[i * N + i] = (m[i * N + i] < 0 ? -1 : 1) * (N + 1.0);
      std::vector<int> order(N);
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      std::vector<double> shuffled(N * N);
      for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) shuffled[i * N + j] = m[order[i] * N + j];
      m = shuffled;
    }
    for (double v : m) a.push_back(T(v));
    for (int i = 0; i < N; ++i) b.push_back(T(unit(rng)));
  }
}

/// The device solutions against the long-double reference, relative to the
/// solution's size and the matrix's condition (estimated from the
/// reference inverse's columns).
template <int N, class T>
void expect_solutions(const std::vector<T>& a, const std::vector<T>& b, const LuResult<T>& r,
                      const char* where) {
  const int lanes = static_cast<int>(b.size()) / N;
  const double eps = std::numeric_limits<T>::epsilon();
  for (int l = 0; l < lanes; ++l) {
    ASSERT_EQ(r.status[l], kobie::status_ok) << where << " lane " << l;
    std::vector<long double> al(a.begin() + l * N * N, a.begin() + (l + 1) * N * N);
    std::vector<long double> bl(b.begin() + l * N, b.begin() + (l + 1) * N), x;
    ASSERT_TRUE(reference_solve(N, al, bl, x));
    // ||A^-1||_inf ||A||_inf, from the reference inverse.
    long double inv_norm = 0, a_norm = 0;
    std::vector<long double> rows(N, 0);
    for (int j = 0; j < N; ++j) {
      std::vector<long double> e(N, 0), col;
      e[j] = 1;
      reference_solve(N, al, e, col);
      for (int i = 0; i < N; ++i) rows[i] += std::fabs(col[i]);
    }
    for (int i = 0; i < N; ++i) {
      inv_norm = std::max(inv_norm, rows[i]);
      long double s = 0;
      for (int j = 0; j < N; ++j) s += std::fabs(al[i * N + j]);
      a_norm = std::max(a_norm, s);
    }
    long double x_norm = 0;
    for (int i = 0; i < N; ++i) x_norm = std::max(x_norm, std::fabs(x[i]));
    const double tol = 8.0 * N * eps * double(inv_norm * a_norm) * double(x_norm);
    for (int i = 0; i < N; ++i)
      EXPECT_NEAR(double(r.x[l * N + i]), double(x[i]), tol)
          << where << " N=" << N << " lane " << l << " component " << i;
    // Backward stable: a small residual, whatever the conditioning.
    for (int i = 0; i < N; ++i) {
      long double residual = -bl[i];
      for (int j = 0; j < N; ++j) residual += al[i * N + j] * (long double)r.x[l * N + j];
      EXPECT_LE(double(std::fabs(residual)),
                16.0 * N * eps * double(a_norm) * double(x_norm) + 1e-300)
          << where << " N=" << N << " lane " << l << " residual " << i;
    }
  }
}

template <int N, class T>
void check_random_systems(std::mt19937_64& rng) {
  std::vector<T> a, b;
  random_systems<N, T>(24, rng, a, b);
  expect_solutions<N, T>(a, b, device_solve<N, T, false>(a, b), "local");
  expect_solutions<N, T>(a, b, device_solve<N, T, true>(a, b), "strided");
}

TEST(TEST_CATEGORY, dense_lu_solves_random_systems_of_every_small_size) {
  std::mt19937_64 rng(kobie_test::random_seed("dense_lu_random_systems"));
  check_random_systems<1, double>(rng);
  check_random_systems<2, double>(rng);
  check_random_systems<3, double>(rng);
  check_random_systems<4, double>(rng);
  check_random_systems<5, double>(rng);
  check_random_systems<6, double>(rng);
  check_random_systems<17, double>(rng);  // above Impl::unroll_limit: plain loops
  check_random_systems<3, float>(rng);
  check_random_systems<6, float>(rng);
}

TEST(TEST_CATEGORY, dense_lu_pivots_where_the_diagonal_is_zero_or_tiny) {
  // A cyclic permutation (every diagonal element zero): x = P^T b exactly.
  const std::vector<double> perm = {0, 1, 0, 0, 0, 1, 1, 0, 0};
  const std::vector<double> b = {1, 2, 3};
  for (const auto& r :
       {device_solve<3, double, false>(perm, b), device_solve<3, double, true>(perm, b)}) {
    ASSERT_EQ(r.status[0], kobie::status_ok);
    EXPECT_EQ(r.x[0], 3.0);
    EXPECT_EQ(r.x[1], 1.0);
    EXPECT_EQ(r.x[2], 2.0);
    EXPECT_EQ(r.pivots[0], 2);  // row 2 holds column 0's only nonzero
  }
  // A tiny pivot that elimination without row swaps would divide by:
  // [[1e-20, 1], [1, 1]] x = [1, 2] has x = (1, 1) to double precision.
  const std::vector<double> tiny = {1e-20, 1, 1, 1};
  const auto r = device_solve<2, double, false>(tiny, {1, 2});
  ASSERT_EQ(r.status[0], kobie::status_ok);
  EXPECT_EQ(r.pivots[0], 1);
  EXPECT_NEAR(r.x[0], 1.0, 1e-15);
  EXPECT_NEAR(r.x[1], 1.0, 1e-15);
}

TEST(TEST_CATEGORY, dense_lu_reports_a_singular_matrix_in_its_lane_only) {
  std::mt19937_64 rng(kobie_test::random_seed("dense_lu_singular"));
  constexpr int N = 3;
  std::vector<double> a, b;
  random_systems<N, double>(6, rng, a, b);
  // Lane 1: rank 2 (row 1 = 2 row 0; exact in binary, so a pivot is exactly 0).
  const double rank2[9] = {1, 2, 3, 2, 4, 6, 1, 0, 1};
  // Lane 3: a NaN entry; lane 4: an infinite one; lane 5: all zero.
  std::copy(rank2, rank2 + 9, a.begin() + 1 * 9);
  a[3 * 9 + 4] = std::numeric_limits<double>::quiet_NaN();
  a[4 * 9 + 8] = std::numeric_limits<double>::infinity();
  std::fill(a.begin() + 5 * 9, a.begin() + 6 * 9, 0.0);
  // The healthy lanes alone, for a bitwise comparison.
  std::vector<double> a_ok, b_ok;
  for (int l : {0, 2}) {
    a_ok.insert(a_ok.end(), a.begin() + l * 9, a.begin() + (l + 1) * 9);
    b_ok.insert(b_ok.end(), b.begin() + l * N, b.begin() + (l + 1) * N);
  }
  for (bool strided : {false, true}) {
    const auto all =
        strided ? device_solve<N, double, true>(a, b) : device_solve<N, double, false>(a, b);
    const auto ok = strided ? device_solve<N, double, true>(a_ok, b_ok)
                            : device_solve<N, double, false>(a_ok, b_ok);
    const int expected[6] = {kobie::status_ok,
                             kobie::status_singular_matrix,
                             kobie::status_ok,
                             kobie::status_singular_matrix,
                             kobie::status_singular_matrix,
                             kobie::status_singular_matrix};
    for (int l = 0; l < 6; ++l) EXPECT_EQ(all.status[l], expected[l]) << "lane " << l;
    for (int i = 0; i < N; ++i) {
      EXPECT_EQ(all.x[0 * N + i], ok.x[0 * N + i]);
      EXPECT_EQ(all.x[2 * N + i], ok.x[1 * N + i]);
    }
    expect_solutions<N, double>(a_ok, b_ok, ok, strided ? "strided" : "local");
  }
}

}  // namespace
