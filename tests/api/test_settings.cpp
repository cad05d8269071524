// Test body (see backend_test.cpp.in): settings validation on its own,
// without a launch (the bad-settings tests that go through `solve` are in
// test_explicit_settings.cpp). Each case here was once accepted: a list
// naming a variable twice wrote past the kernels' fixed-size lists, and a
// count too large for an int was converted before its range check
// (undefined behaviour).
#include <kobie/kobie.hpp>

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

namespace {

const kobie::SystemShape shape{{"x", "y", "z"}, {"o"}};

/// The message of the error `validate` throws for s ("" if it throws none).
std::string refusal(const kobie::IntegrationSettings& s) {
  try {
    kobie::validate(s, shape);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(TEST_CATEGORY, settings_refuse_a_variable_named_twice) {
  kobie::IntegrationSettings s;
  s.saved_states = {"y", "x", "y"};
  EXPECT_EQ(refusal(s),
            "kobie: setting 'saved_states' has value 'y' (named twice); allowed: each of 'x', "
            "'y', 'z' at most once");
  s.saved_states = {"x", "y", "z"};
  EXPECT_EQ(refusal(s), "");
  s.saved_observables = {"o", "o"};
  EXPECT_NE(refusal(s).find("setting 'saved_observables' has value 'o' (named twice)"),
            std::string::npos);
  s.saved_observables = {};
  s.summary_metrics = {"mean"};
  s.summarised_states = {"z", "z"};
  EXPECT_NE(refusal(s).find("setting 'summarised_states' has value 'z' (named twice)"),
            std::string::npos);
  s.summarised_states = {"z"};
  s.summarised_observables = {"o", "o"};
  EXPECT_NE(refusal(s).find("setting 'summarised_observables' has value 'o' (named twice)"),
            std::string::npos);
  s.summarised_observables = {"o"};
  EXPECT_EQ(refusal(s), "");
}

TEST(TEST_CATEGORY, settings_refuse_counts_beyond_an_int_before_converting_them) {
  kobie::IntegrationSettings s;
  // Saves: 1e300 / 1e-290 is infinite.
  s.duration = 1e300;
  s.save_interval = 1e-290;
  s.dt_min = 1e-300;  // (steps in [dt_min, dt_max = save_interval])
  s.dt = 1e-295;
  EXPECT_EQ(refusal(s),
            "kobie: setting 'save_interval' has value 1e-290; allowed: at most 1e8 saves");
  s.save_interval = 1e300;
  EXPECT_EQ(refusal(s), "");
  // Summary samples: 1e16 in the run, in one window or in windows of 1e9.
  s.duration = s.save_interval = 1e10;
  s.summary_metrics = {"mean"};
  s.sample_interval = 1e-6;
  EXPECT_EQ(refusal(s),
            "kobie: setting 'sample_interval' has value 1e-06; allowed: at most 2e9 samples in "
            "the run");
  s.summary_window = 1e3;
  EXPECT_EQ(refusal(s),
            "kobie: setting 'sample_interval' has value 1e-06; allowed: at most 2e9 samples in "
            "the run");
  // 2e9 samples in all is allowed (1e9 per window, 2 windows).
  s.duration = s.save_interval = 2e3;
  s.summary_window = 1e3;
  EXPECT_EQ(refusal(s), "");
  s.summary_window = 0;  // (one window of 2e9)
  EXPECT_EQ(refusal(s), "");
}

TEST(TEST_CATEGORY, settings_refuse_newton_settings_outside_their_range) {
  kobie::IntegrationSettings s;
  s.newton_tolerance = 0;
  EXPECT_EQ(refusal(s),
            "kobie: setting 'newton_tolerance' has value 0; allowed: a number in (0, 1)");
  s.newton_tolerance = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(refusal(s).find("setting 'newton_tolerance' has value nan"), std::string::npos)
      << refusal(s);
  s.newton_tolerance = 0.1;
  s.newton_max_iterations = 0;
  EXPECT_EQ(
      refusal(s),
      "kobie: setting 'newton_max_iterations' has value 0; allowed: an integer from 1 to 100");
  s.newton_max_iterations = 101;
  EXPECT_NE(refusal(s).find("'newton_max_iterations' has value 101"), std::string::npos);
  s.newton_max_iterations = 3;
  EXPECT_EQ(refusal(s), "");
}

}  // namespace
