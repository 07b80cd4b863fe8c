// Helpers of the calibration plugins.
#include <gtest/gtest.h>

#include "qtune/calib/plugin_support.h"
#include "qtune/error.h"

namespace qtune::calib {
namespace {

TEST(CalibPluginSupport, RunIsRefusedWithTheAlgorithmName) {
  try {
    throw_driver_only("kl");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "calibration algorithm 'kl' runs through the calibration driver");
  }
}

TEST(CalibPluginSupport, OptionsFallBackToDefaults) {
  OptionValues o;
  EXPECT_EQ(float_option(o, "percentile", 0.9999), 0.9999);
  o.set("percentile", 0.99);
  EXPECT_EQ(float_option(o, "percentile", 0.9999), 0.99);
  o.set("bins", std::int64_t{8192});
  EXPECT_EQ(int_option(o, "bins", 0), 8192);
  EXPECT_TRUE(bool_option(o, "fix_int16_bins", true));
}

}  // namespace
}  // namespace qtune::calib
