// Test body (see backend_test.cpp.in): the harness itself works on this backend.
//
// Device lambdas live in free functions, never in a TEST body: nvcc refuses
// extended lambdas inside the private TestBody() members GoogleTest generates.
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

namespace {

template <class ExecSpace>
double fill_and_sum(int n) {
  Kokkos::View<double*, typename ExecSpace::memory_space> v("v", n);
  Kokkos::parallel_for(
      "kobie::test::fill", Kokkos::RangePolicy<ExecSpace>(ExecSpace(), 0, n),
      KOKKOS_LAMBDA(int i) { v(i) = 2.0 * i; });
  double sum = 0;
  Kokkos::parallel_reduce(
      "kobie::test::sum", Kokkos::RangePolicy<ExecSpace>(ExecSpace(), 0, n),
      KOKKOS_LAMBDA(int i, double& s) { s += v(i); }, sum);
  return sum;
}

TEST(TEST_CATEGORY, harness_runs_a_kernel_on_the_backend) {
  const int n = 1000;
  EXPECT_DOUBLE_EQ(fill_and_sum<TEST_EXECSPACE>(n), double(n) * (n - 1));
}

TEST(TEST_CATEGORY, configuration_report_names_the_backend) {
  const std::string report = kobie::configuration_report();
  EXPECT_NE(report.find(kobie::version()), std::string::npos);
  EXPECT_NE(report.find(TEST_EXECSPACE::name()), std::string::npos) << report;
}

}  // namespace
