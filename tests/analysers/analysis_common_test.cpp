// The analysers' shared math (analysers/analysis_common) against values worked by hand or
// by an independent computation (the LCG indices were computed with Python's integers).
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "qtune_analysis/lcg_sampler.h"
#include "qtune_analysis/memory_estimate.h"
#include "qtune_analysis/series_stats.h"
#include "qtune_analysis/snr.h"

namespace qtune::analysis {
namespace {

TEST(LcgSampler, MatchesEspPpqGenerateIndexer) {
  // python3: s = 10086; [s % n; s = (0x343FD * s + 0x269EC3) % (2 << 31)]
  EXPECT_EQ(lcg_indices(6, 1000), (std::vector<std::int64_t>{86, 129, 520, 923, 826, 69}));
  EXPECT_EQ(lcg_indices(5, 7), (std::vector<std::int64_t>{6, 5, 2, 5, 1}));
  EXPECT_THROW(lcg_indices(1, 0), Error);
}

TEST(LcgSampler, BatchFetchUsesTheSamePositionsInEverySample) {
  // Two samples of 7 values: row r holds 10*r + i. Positions 6, 5, 2, 5, 1 in each row.
  Tensor t({2, 7});
  for (int r = 0; r < 2; ++r)
    for (int i = 0; i < 7; ++i) t.data<float>()[r * 7 + i] = float(10 * r + i);
  EXPECT_EQ(batch_random_fetch(t, 5), (std::vector<float>{6, 5, 2, 5, 1, 16, 15, 12, 15, 11}));
  // The whole tensor flattened: 14 values, indices 10086 % 14 = 6, ...
  const std::vector<std::int64_t> idx = lcg_indices(3, 14);
  const std::vector<float> flat = tensor_random_fetch(t, 3);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(flat[k], t.data<float>()[idx[k]]);
}

TEST(Snr, RowsAreAveragedAndTheGuardIsInTheDenominator) {
  // Row 0: noise (1-0)^2 + (2-2)^2 = 1, signal 0 + 4 = 4 -> 0.25 (+1e-7 guard).
  // Row 1: noise 0, signal 1 -> 0.
  const Tensor pred = Tensor::from<float>({2, 2}, {1, 2, 1, 0});
  const Tensor real = Tensor::from<float>({2, 2}, {0, 2, 1, 0});
  EXPECT_DOUBLE_EQ(snr_tensor(pred, real), (1.0 / (4.0 + 1e-7) + 0.0) / 2.0);
  EXPECT_EQ(snr_weight(real), 2.0);
  // A rank-1 tensor is one row but weighs its length (torch's shape[0]).
  const Tensor p1 = Tensor::from<float>({3}, {1, 1, 1}), r1 = Tensor::from<float>({3}, {1, 1, 0});
  EXPECT_DOUBLE_EQ(snr_tensor(p1, r1), 1.0 / (2.0 + 1e-7));
  EXPECT_EQ(snr_weight(r1), 3.0);
  EXPECT_THROW(snr_tensor(pred, r1), Error);
}

TEST(Snr, RunningMeanIsEspPpqsMeasureRecorder) {
  RunningMean m;
  m.add(0.5, 4);   // (0 * 0 + 0.5 * 4) / 4
  m.add(0.1, 1);   // (0.5 * 4 + 0.1) / 5
  EXPECT_DOUBLE_EQ(m.value(), (0.5 * 4 + 0.1) / 5);
  EXPECT_EQ(m.weight(), 5.0);
}

TEST(SeriesStats, MomentsOfAKnownSeries) {
  // x = 1, 2, 3, 4, 10: mean 4, unbiased variance (9+4+1+0+36)/4 = 12.5.
  const std::vector<float> x = {1, 2, 3, 4, 10};
  const SeriesStats s = series_stats(x);
  const double sd = std::sqrt(12.5);
  EXPECT_DOUBLE_EQ(s.mean, 4.0);
  EXPECT_DOUBLE_EQ(s.std, sd);
  EXPECT_EQ(s.min, 1.0);
  EXPECT_EQ(s.max, 10.0);
  const double m3 = (-27.0 - 8.0 - 1.0 + 0.0 + 216.0) / 5.0, m4 = (81.0 + 16.0 + 1.0 + 0.0 + 1296.0) / 5.0;
  EXPECT_NEAR(s.skewness, m3 / (sd * sd * sd), 1e-12);
  EXPECT_NEAR(s.kurtosis, m4 / (sd * sd * sd * sd) - 3.0, 1e-12);
  ASSERT_EQ(s.hist.size(), 32u);
  double total = 0;
  for (double h : s.hist) total += h;
  EXPECT_EQ(total, 5.0);
}

TEST(SeriesStats, ConstantSeriesHasNanShapeAndOneCentredBin) {
  const std::vector<float> x(8, 0.0f);
  const SeriesStats s = series_stats(x);
  EXPECT_EQ(s.std, 0.0);
  EXPECT_TRUE(std::isnan(s.skewness));   // 0/0, as torch gives
  EXPECT_TRUE(std::isnan(s.kurtosis));
  // histc widens an empty range to [-1, 1]: 0 lands in bin int(1 * 32 / 2) = 16.
  EXPECT_EQ(s.hist[16], 8.0);
}

TEST(Histc, EdgesFollowTorchsFloat32Rule) {
  // [0, 4] in 4 bins: x -> int(x * 4 / 4); the max belongs to the last bin.
  const std::vector<float> x = {0.0f, 0.999f, 1.0f, 2.0f, 3.0f, 4.0f};
  EXPECT_EQ(histc(x, 4, 0.0f, 4.0f), (std::vector<double>{2, 1, 1, 2}));
  // Out of range and NaN are not counted.
  const std::vector<float> y = {-1.0f, 5.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f};
  EXPECT_EQ(histc(y, 4, 0.0f, 4.0f), (std::vector<double>{0, 0, 1, 0}));
  // A value near an edge: with lo = 0.1f, hi = 0.9f, (0.125 - lo) * 32 / (hi - lo) is
  // 0.99999997 with the float32 inputs in exact arithmetic (bin 0) but exactly 1.0 when
  // every step rounds to float32 as torch's kernel does (bin 1). Worked with Python's
  // struct-packed float32 emulation, not with this code.
  const std::vector<double> h = histc(std::vector<float>{0.125f, 0.1f, 0.9f}, 32, 0.1f, 0.9f);
  EXPECT_EQ(h[0], 1.0);   // 0.1 itself
  EXPECT_EQ(h[1], 1.0);   // 0.125
  EXPECT_EQ(h[31], 1.0);  // 0.9, the closed last edge
}

TEST(SeriesStats, PowerRatioIsOneRowOverTheWholeSeries) {
  const std::vector<float> q = {1, 2, 3}, r = {1, 1, 1};
  EXPECT_DOUBLE_EQ(power_ratio(q, r), (0.0 + 1.0 + 4.0) / (3.0 + 1e-7));
}

TEST(MemoryEstimate, PeakCountsValuesAliveTogether) {
  // x -> A -> a -> B -> b ; a and x also feed C -> c (graph output). 4 bytes per float.
  Graph g;
  g.add_variable("x", {1, 4});
  g.set_inputs({"x"});
  g.add_op("A", "Relu", {"x"}, {"a"});
  g.add_op("B", "Relu", {"a"}, {"b"});
  g.add_op("C", "Add", {"a", "x"}, {"c"});
  g.set_outputs({"b", "c"});
  TensorMap values;
  for (const char* n : {"x", "a", "b", "c"}) values.emplace(n, Tensor({1, 4}));
  // Step A: x + a = 32. Step B: x + a + b = 48. Step C: x + a + b + c = 64 (then a, x freed).
  EXPECT_EQ(peak_live_bytes(g, values), 64u);
  EXPECT_EQ(total_bytes(values), 64u);
  EXPECT_EQ(mib(3 * 1024 * 1024 / 2), "1.5 MiB");
}

}  // namespace
}  // namespace qtune::analysis
