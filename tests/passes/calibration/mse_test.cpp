// mse (§2.5): the loss model on a tiny histogram worked by hand, the candidate lists, the
// int16 quirk and its documented fix, and the observer end to end.
#include <gtest/gtest.h>

#include <vector>

#include "qtune/calib/mse_search.h"
#include "qtune/calib/observers.h"
#include "qtune/error.h"
#include "test_support.h"

namespace qtune::calib {
namespace {

using test::int16_config;
using test::int8_config;
using test::tensor;

const std::vector<std::int64_t> kTiny = {1, 2, 3, 4, 5, 6};  // C = 21

TEST(CalibMse, LossByHand) {
  // step 2, end 4: bins 0..4 lie on the grid, l = i mod 2, r = 1 − l -> min(l, r) + 0.5 = 0.5;
  // bin 5 > end: (5 − 4) + 0.5 = 1.5. Loss = (1+2+3+4+5)·0.25/21 + 6·2.25/21 = 17.25/21.
  EXPECT_NEAR(mse_loss(kTiny, 0, 2, 4), 17.25 / 21.0, 1e-12);
  // step 1, end 4: l = r = 0 -> 0.25 on 0..4; bin 5 -> 1.5. (15·0.0625 + 6·2.25)/21 = 14.4375/21.
  EXPECT_NEAR(mse_loss(kTiny, 0, 1, 4), 14.4375 / 21.0, 1e-12);
  // step 3, end 4: l = 0,1,2 -> errors 0.5, 1.25 (l == r == 1), 0.5; bins 3, 4 -> 0.5, 1.25;
  // bin 5 -> 1.5. (0.25 + 2·1.5625 + 3·0.25 + 4·0.25 + 5·1.5625 + 6·2.25)/21 = 26.4375/21.
  EXPECT_NEAR(mse_loss(kTiny, 0, 3, 4), 26.4375 / 21.0, 1e-12);
  // start 2 (asymmetric form): bins 0, 1 < start -> (2 − i − 1) + 0.5 = 1.5, 0.5; then step 1 up
  // to end 5 -> 0.25. (1·2.25 + 2·0.25 + (3+4+5+6)·0.0625)/21 = 3.875/21.
  EXPECT_NEAR(mse_loss(kTiny, 2, 1, 5), 3.875 / 21.0, 1e-12);
}

TEST(CalibMse, SearchByHand) {
  // levels N = 2, B = 6: B div N = 3 -> candidates step 4 (end 8), then steps 1, 2, 3 (ends 2,
  // 4, 6; none > B + N = 8). Losses: step 4: errors 0.5,1.5,1.5,0.5,0.5,1.5 -> 27.25/21;
  // step 1 end 2: 0.25 ×3, then 1.5, 2.5, 3.5 -> 114.125/21; step 2 end 4 -> 17.25/21;
  // step 3 end 6: 0.5,1.25,0.5,0.5,1.25,0.5 -> 14.4375/21 (the minimum).
  const MseSearch s = mse_search(kTiny, 2);
  EXPECT_EQ(s.steps, (std::vector<std::int64_t>{4, 1, 2, 3}));
  EXPECT_EQ(s.ends, (std::vector<std::int64_t>{8, 2, 4, 6}));
  ASSERT_EQ(s.losses.size(), 4u);
  EXPECT_NEAR(s.losses[0], 27.25 / 21.0, 1e-12);
  EXPECT_NEAR(s.losses[1], 114.125 / 21.0, 1e-12);
  EXPECT_NEAR(s.losses[2], 17.25 / 21.0, 1e-12);
  EXPECT_NEAR(s.losses[3], 14.4375 / 21.0, 1e-12);
  EXPECT_EQ(s.best_end, 6);
}

TEST(CalibMse, CandidateLists) {
  // int8: B div N = 8 -> step0 9 (end 2304), then steps 1..8 (ends 256..2048).
  const MseSearch s8 = mse_search(std::vector<std::int64_t>(2048, 1), 256);
  EXPECT_EQ(s8.steps, (std::vector<std::int64_t>{9, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(s8.ends.front(), 2304);
  EXPECT_EQ(s8.ends.back(), 2048);
  // Uniform data: step 8 (end = B, mean e² = 5.25) beats step 9 (6.67) and step 7 (tail).
  EXPECT_EQ(s8.best_end, 2048);
  // int16, faithful: B div N = 0 -> the single candidate step 1, end 65536.
  const MseSearch s16 = mse_search(std::vector<std::int64_t>(2048, 1), 65536);
  EXPECT_EQ(s16.ends, std::vector<std::int64_t>{65536});
  // Bin counts.
  EXPECT_EQ(mse_bins(256, false), 2048);
  EXPECT_EQ(mse_bins(65536, false), 2048);
  EXPECT_EQ(mse_bins(256, true), 2048);
  EXPECT_EQ(mse_bins(65536, true), 524288);
}

// k/2048 for k = 0..2048: with R = 1, hist_scale = 1/2048, value k/2048 falls exactly on edge k
// (upper bin), 1.0 in the last bin: a near-uniform histogram.
Tensor ramp(int n) {
  std::vector<float> v;
  for (int k = 0; k <= n; ++k) v.push_back(static_cast<float>(k) / static_cast<float>(n));
  return tensor(v);
}

TEST(CalibMse, ObserverInt8Uniform) {
  // best end = 2048 = B -> range ±R = ±1 -> 2/255 -> −6.
  HistogramObserver obs(int8_config(), HistogramObserver::Search::Mse, mse_bins(256, false));
  obs.observe(ramp(2048));
  obs.observe_second_pass(ramp(2048));
  EXPECT_EQ(obs.render(), std::vector<double>{-6.0});
}

TEST(CalibMse, Int16QuirkAndFix) {
  // Faithful: end 65536 bins of 1/2048 -> range 32 -> 64/65535 -> log2 −9.99998 -> −9
  // (absmax 1 deserves −14).
  HistogramObserver faithful(int16_config(), HistogramObserver::Search::Mse, mse_bins(65536, false));
  faithful.observe(ramp(2048));
  faithful.observe_second_pass(ramp(2048));
  EXPECT_EQ(faithful.render(), std::vector<double>{-9.0});
  // fix_int16_bins: B = 524288, uniform data over it -> end = B -> range 1 -> 2/65535 -> −14.
  HistogramObserver fixed(int16_config(), HistogramObserver::Search::Mse, mse_bins(65536, true));
  fixed.observe(ramp(524288));
  fixed.observe_second_pass(ramp(524288));
  EXPECT_EQ(fixed.render(), std::vector<double>{-14.0});
}

TEST(CalibMse, PerChannelIsRejected) {
  EXPECT_THROW(HistogramObserver(int8_config(1), HistogramObserver::Search::Mse, 2048), Error);
}

}  // namespace
}  // namespace qtune::calib
