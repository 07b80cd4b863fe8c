// §2.1 minmax -> scale and the two power-of-two roundings, values worked by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "qtune/calib/scale.h"
#include "qtune/error.h"

namespace qtune::calib {
namespace {

TEST(CalibScale, MinmaxToScaleUsesTwoAbsmaxOverRange) {
  // absmax 1.0, int8: 2·1/255 = 0.00784313725...
  EXPECT_DOUBLE_EQ(minmax_to_scale(-0.5, 1.0, -128, 127), 2.0 / 255.0);
  // min > 0 is clamped to 0, max < 0 clamped to 0: [0.3, 0.6] -> absmax 0.6; [-0.7, -0.2] -> 0.7.
  EXPECT_DOUBLE_EQ(minmax_to_scale(0.3, 0.6, -128, 127), 1.2 / 255.0);
  EXPECT_DOUBLE_EQ(minmax_to_scale(-0.7, -0.2, -128, 127), 1.4 / 255.0);
  // All zero: 0 -> floored at 1e-8.
  EXPECT_EQ(minmax_to_scale(0.0, 0.0, -128, 127), 1e-8);
  // int16: 2/65535.
  EXPECT_DOUBLE_EQ(minmax_to_scale(-1.0, 0.25, -32768, 32767), 2.0 / 65535.0);
}

TEST(CalibScale, Pow2CeilHandWorked) {
  // absmax 1.0 int8: log2(2/255) = 1 − 7.994 = −6.994 -> ceil −6 (range ±1.98, not 2^-7).
  EXPECT_EQ(pow2_ceil_exponent(minmax_to_scale(-1.0, 1.0, -128, 127)), -6);
  // absmax 0.9: log2(1.8/255) = log2(0.0070588) = −7.146 -> −7.
  EXPECT_EQ(pow2_ceil_exponent(minmax_to_scale(0.0, 0.9, -128, 127)), -7);
  // absmax 255/256 = 0.99609375: 2·(255/256)/255 = 2/256 = 2^-7 exactly; an exact power stays: −7.
  EXPECT_EQ(minmax_to_scale(0.0, 0.99609375, -128, 127), 0.0078125);
  EXPECT_EQ(pow2_ceil_exponent(minmax_to_scale(0.0, 0.99609375, -128, 127)), -7);
  // 1e-8 floor: log2(1e-8) = −26.575 -> −26.
  EXPECT_EQ(pow2_ceil_exponent(minmax_to_scale(0.0, 0.0, -128, 127)), -26);
  // int16 absmax 1: log2(2/65535) = −14.99998 -> −14.
  EXPECT_EQ(pow2_ceil_exponent(minmax_to_scale(-1.0, 1.0, -32768, 32767)), -14);
  // Exact powers: 2^k -> k for both roundings.
  for (int k = -30; k <= 10; ++k) {
    EXPECT_EQ(pow2_ceil_exponent(std::ldexp(1.0, k)), k);
    EXPECT_EQ(pow2_nearest_exponent(std::ldexp(1.0, k)), k);
  }
  // Clearly above a power rounds up under ceil. One ulp above does not: log2(2^-7·(1 + 2^-52))
  // = −7 + 3.2e-16 rounds to −7 in double, as Python's math.log2 in esp-ppq does too.
  EXPECT_EQ(pow2_ceil_exponent(0.0078125 * (1.0 + 1e-12)), -6);
  EXPECT_EQ(pow2_ceil_exponent(std::nextafter(0.0078125, 1.0)), -7);
}

TEST(CalibScale, Pow2NearestTiesTowardPlusInfinity) {
  // 3·2^-9: log2 = −9 + log2 3 = −7.415 -> nearest −7 (ceil would be −7 too);
  // 1.2/128: log2 = −7 + 0.263 -> −7 (ceil −6); 1.5/128: −7 + 0.585 -> −6.
  EXPECT_EQ(pow2_nearest_exponent(3.0 * std::ldexp(1.0, -9)), -7);
  EXPECT_EQ(pow2_nearest_exponent(1.2 / 128.0), -7);
  EXPECT_EQ(pow2_ceil_exponent(1.2 / 128.0), -6);
  EXPECT_EQ(pow2_nearest_exponent(1.5 / 128.0), -6);
  // A scale whose double log2 is exactly −6.5: sqrt(2)·2^-7 (log2 = −6.5 + ~1e-16, below half an
  // ulp of 6.5, so the double log2 is exactly −6.5). Tie -> toward +inf -> −6.
  const double s_tie = std::sqrt(2.0) * std::ldexp(1.0, -7);
  ASSERT_EQ(std::log2(s_tie), -6.5);
  EXPECT_EQ(pow2_nearest_exponent(s_tie), -6);
  // Positive tie: sqrt(2)·2^3 has log2 exactly 3.5 -> 4.
  const double s_pos = std::sqrt(2.0) * 8.0;
  ASSERT_EQ(std::log2(s_pos), 3.5);
  EXPECT_EQ(pow2_nearest_exponent(s_pos), 4);
  // Below the tie: log2 = −6.5 − 2^-20 -> −7.
  EXPECT_EQ(pow2_nearest_exponent(std::exp2(-6.5 - std::ldexp(1.0, -20))), -7);
}

TEST(CalibScale, NonFiniteScaleIsAnError) {
  EXPECT_THROW(pow2_ceil_exponent(std::numeric_limits<double>::infinity()), Error);
  EXPECT_THROW(pow2_nearest_exponent(std::numeric_limits<double>::quiet_NaN()), Error);
  EXPECT_THROW(pow2_ceil_exponent(0.0), Error);
}

}  // namespace
}  // namespace qtune::calib
