// The |x| histogram's edge rule (histogram.h), on values exactly on edges.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "qtune/calib/histogram.h"

namespace qtune::calib {
namespace {

TEST(CalibHistogram, EdgesGoToTheUpperBinAndHiToTheLast) {
  // B = 4 over [0, 1]: edges 0, 0.25, 0.5, 0.75, 1 (all exact in float32).
  AbsHistogram h(4, 0.25);
  EXPECT_EQ(h.upper_edge(), 1.0f);
  h.add(std::vector<float>{0.0f, 0.25f, 0.5f, 0.75f, 1.0f, -1.0f, -0.25f, std::nextafter(0.25f, 0.0f),
                           std::nextafter(1.0f, 2.0f), 7.0f, std::numeric_limits<float>::quiet_NaN()});
  // bin 0: 0, the float below 0.25 | bin 1: 0.25, |−0.25| | bin 2: 0.5 | bin 3: 0.75, 1 (== hi), |−1|.
  // The float above 1, 7 and NaN are outside [0, 1] and ignored.
  EXPECT_EQ(h.counts(), (std::vector<std::int64_t>{2, 2, 1, 3}));
}

TEST(CalibHistogram, NonPowerOfTwoRange) {
  // R = 3, B = 4: hist_scale 0.75, edges 0.75, 1.5, 2.25, 3. Each edge: a·4/3 is exactly k.
  EXPECT_EQ(abs_histogram_bin(0.75f, 4, 3.0f), 1);
  EXPECT_EQ(abs_histogram_bin(1.5f, 4, 3.0f), 2);
  EXPECT_EQ(abs_histogram_bin(2.25f, 4, 3.0f), 3);
  EXPECT_EQ(abs_histogram_bin(3.0f, 4, 3.0f), 3);
  EXPECT_EQ(abs_histogram_bin(std::nextafter(0.75f, 0.0f), 4, 3.0f), 0);
  EXPECT_EQ(abs_histogram_bin(-0.0f, 4, 3.0f), 0);
}

TEST(CalibHistogram, Float32QuotientDecidesNearNonRepresentableEdges) {
  // hi = 0.3f = 0.300000011920928955078125, B = 4096. Edge 5 lies at 5·hi/4096 =
  // 0.000366210952051915... The float x = 3·2^-13 = 0.0003662109375 is below it, but
  // x·4096 = 1.5 exactly and 1.5 / hi = 4.99999980… rounds (float32 spacing 4.8e-7 there)
  // to 5.0, so torch.histc (and we) put x in bin 5, not 4.
  const float hi = 0.3f;
  const float x = std::ldexp(3.0f, -13);
  ASSERT_LT(static_cast<double>(x), 5.0 * static_cast<double>(hi) / 4096.0);
  EXPECT_EQ(abs_histogram_bin(x, 4096, hi), 5);
  AbsHistogram h(4096, static_cast<double>(hi) / 4096.0);
  EXPECT_EQ(h.upper_edge(), hi);  // (R/B)·B gives R back for B = 2^12
  h.add(std::vector<float>{x, hi});
  EXPECT_EQ(h.counts()[5], 1);
  EXPECT_EQ(h.counts()[4095], 1);
}

TEST(CalibHistogram, ZeroRangeCountsNothing) {
  AbsHistogram h(8, 0.0);
  h.add(std::vector<float>{0.0f, 0.0f});
  for (auto c : h.counts()) EXPECT_EQ(c, 0);
}

}  // namespace
}  // namespace qtune::calib
