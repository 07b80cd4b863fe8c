// minmax (§2.2) and percentile (§2.3) observers, exponents worked by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "qtune/calib/observers.h"
#include "qtune/calib/order_statistics.h"
#include "qtune/error.h"
#include "test_support.h"

namespace qtune::calib {
namespace {

using test::int16_config;
using test::int8_config;
using test::tensor;

TEST(CalibMinMax, PerTensorOverBatches) {
  // Batches [-0.3, 0.5] and [0.2, -1.0]: min −1.0, max 0.5 -> absmax 1.0 -> 2/255 -> −6.
  MinMaxObserver obs(int8_config());
  obs.observe(tensor({-0.3f, 0.5f}));
  obs.observe(tensor({0.2f, -1.0f}));
  EXPECT_EQ(obs.render(), std::vector<double>{-6.0});
}

TEST(CalibMinMax, AbsmaxPointNineAndInt16) {
  MinMaxObserver a(int8_config());
  a.observe(tensor({0.1f, 0.9f, -0.4f}));  // 1.8/255 = 0.00706 -> log2 −7.15 -> −7
  EXPECT_EQ(a.render(), std::vector<double>{-7.0});
  MinMaxObserver b(int16_config());
  b.observe(tensor({-1.0f, 0.5f}));  // 2/65535 -> log2 −14.99998 -> −14
  EXPECT_EQ(b.render(), std::vector<double>{-14.0});
}

TEST(CalibMinMax, PerChannelAlongAxisOne) {
  // Shape [2, 3, 2], channels on axis 1. Element (n, c, k) at index n·6 + c·2 + k.
  //   c0: {0.5, -1.0 | 0.25, 0.0}   -> absmax 1.0  -> 2/255    -> −6
  //   c1: {0.1, 0.25 | 0.2, 0.125}  -> min clamped to 0, absmax 0.25 -> 0.5/255 = 0.00196
  //                                    -> log2 −8.99 -> −8
  //   c2: all 0                     -> 1e-8 floor -> −26
  const std::vector<float> v = {0.5f, -1.0f, 0.1f, 0.25f, 0.0f, 0.0f,
                                0.25f, 0.0f, 0.2f, 0.125f, 0.0f, 0.0f};
  MinMaxObserver obs(int8_config(/*channel_axis=*/1));
  obs.observe(Tensor::from<float>({2, 3, 2}, v));
  // A second batch that widens c1 to absmax 0.3 -> 0.6/255 = 0.00235 -> log2 −8.73 -> −8 (same).
  std::vector<float> w(12, 0.0f);
  w[2] = -0.3f;
  obs.observe(Tensor::from<float>({2, 3, 2}, w));
  EXPECT_EQ(obs.render(), (std::vector<double>{-6.0, -8.0, -26.0}));
}

TEST(CalibMinMax, PerChannelCountMustNotChange) {
  MinMaxObserver obs(int8_config(0));
  obs.observe(Tensor::from<float>({2, 1}, {1.0f, 2.0f}));
  EXPECT_THROW(obs.observe(Tensor::from<float>({3, 1}, {1.0f, 2.0f, 3.0f})), Error);
  MinMaxObserver empty(int8_config());
  EXPECT_THROW(empty.render(), Error);
}

TEST(CalibPercentile, RanksAsSpecified) {
  // n <= 10000: the minmax ranks.
  EXPECT_EQ(percentile_ranks(10000, 0.9999).kmin, 1);
  EXPECT_EQ(percentile_ranks(10000, 0.9999).kmax, 10000);
  // n = 10001: 10001·9.999999999998899e-05 = 1.00009999... -> 1 -> kmin 2;
  // 10001·0.9999 = 9999.9999 -> 9999 -> kmax 10000.
  EXPECT_EQ(percentile_ranks(10001, 0.9999).kmin, 2);
  EXPECT_EQ(percentile_ranks(10001, 0.9999).kmax, 10000);
  // n = 10^6: 1e6·(1−p) = 99.99999999998899 -> 99 -> kmin 100 (not 101); kmax 999901.
  EXPECT_EQ(percentile_ranks(1000000, 0.9999).kmin, 100);
  EXPECT_EQ(percentile_ranks(1000000, 0.9999).kmax, 999901);
  // n = 1: both ranks 1.
  EXPECT_EQ(percentile_ranks(1, 0.9999).kmin, 1);
  EXPECT_EQ(percentile_ranks(1, 0.9999).kmax, 1);
}

TEST(CalibPercentile, KthSmallest) {
  const std::vector<float> v = {5.0f, -1.0f, 3.0f, 3.0f, 0.5f};
  EXPECT_EQ(kth_smallest(v, 1), -1.0f);
  EXPECT_EQ(kth_smallest(v, 3), 3.0f);
  EXPECT_EQ(kth_smallest(v, 4), 3.0f);
  EXPECT_EQ(kth_smallest(v, 5), 5.0f);
  EXPECT_THROW(kth_smallest(v, 6), Error);
}

// 20000 values whose sorted order is: −4 (outlier), −0.5, 19996 values in (−0.5, 0.6), 0.75, 8
// (outlier). n = 20000: kmin = int(1.99999999999978) + 1 = 2, kmax = int(19998.0) + 1 = 19999,
// so lo = −0.5 and hi = 0.75.
std::vector<float> percentile_batch(unsigned seed) {
  std::vector<float> v;
  v.reserve(20000);
  v.push_back(-4.0f);
  v.push_back(-0.5f);
  v.push_back(0.75f);
  v.push_back(8.0f);
  for (int i = 0; i < 19996; ++i) v.push_back(-0.49f + 1.08f * static_cast<float>(i) / 19996.0f);
  std::shuffle(v.begin(), v.end(), std::mt19937(seed));
  return v;
}

TEST(CalibPercentile, LargeTensorUsesOrderStatistics) {
  const PercentileBounds b = percentile_bounds(percentile_batch(1), 0.9999);
  EXPECT_EQ(b.lo, -0.5f);
  EXPECT_EQ(b.hi, 0.75f);
  // absmax 0.75: 1.5/255 = 0.005882 -> log2 −7.41 -> −7 (minmax would see 8: 16/255 -> −3).
  PercentileObserver obs(int8_config(), 0.9999);
  obs.observe(Tensor::from<float>({4, 5000}, percentile_batch(2)));
  EXPECT_EQ(obs.render(), std::vector<double>{-7.0});
}

TEST(CalibPercentile, MeanOverBatches) {
  // Batch 1 (n = 20000): hi 0.75, lo −0.5. Batch 2 (n = 4 <= 10000, minmax): hi 1.25, lo −0.25.
  // Means: hi 1.0, lo −0.375 -> absmax 1.0 -> −6.
  PercentileObserver obs(int8_config(), 0.9999);
  obs.observe(tensor(percentile_batch(3)));
  obs.observe(tensor({1.25f, -0.25f, 0.0f, 0.5f}));
  EXPECT_EQ(obs.render(), std::vector<double>{-6.0});
}

TEST(CalibPercentile, PerChannelIsRejected) {
  EXPECT_THROW(PercentileObserver(int8_config(0), 0.9999), Error);
}

TEST(CalibPercentile, TorchColumnSumOrder) {
  // Below four values: left to right.
  EXPECT_EQ(torch_column_sum(std::vector<float>{1.0f, 2.0f, 3.0f}), 6.0f);
  // [1, 1, 1, 1, 2^24]: partials p0..p3 = 1 each; the leftover 2^24 joins p0: 1 + 2^24 rounds
  // to 2^24 (tie to even); then + p1, + p2, + p3 each round back to 2^24. A left-to-right sum
  // would give 4 + 2^24 = 16777220.
  EXPECT_EQ(torch_column_sum(std::vector<float>{1.0f, 1.0f, 1.0f, 1.0f, 16777216.0f}), 16777216.0f);
  // Mean: (1 + 2 + 3 + 4 + 5) / 5 = 3.
  EXPECT_EQ(torch_column_mean(std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f, 5.0f}), 3.0f);
}

}  // namespace
}  // namespace qtune::calib
