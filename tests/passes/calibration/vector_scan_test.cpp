// The vectorised per-batch scans of the kl / mse / minmax observers (nan_skipping_min_max in
// tensor_values.h, AbsHistogram::add in histogram.h) against plain scalar loops written
// here: the torch min/max rule and the histc edge rule, element by element. Results must be
// bit-identical (min/max compared by bits, so +0 / -0 count), counts equal.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "qtune/calib/histogram.h"
#include "qtune/calib/tensor_values.h"

namespace qtune::calib {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

std::uint32_t bits(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

// torch's value.min() / value.max() with NaNs skipped, the loop the observers always ran.
MinMax reference_min_max(const std::vector<float>& v) {
  float lo = v[0], hi = v[0];
  for (const float x : v) {
    if (x < lo || std::isnan(lo)) lo = x;
    if (x > hi || std::isnan(hi)) hi = x;
  }
  return {lo, hi};
}

// torch.histc(|x|, B, 0, hi) on CPU, one value at a time in float32 (histogram.h).
std::vector<std::int64_t> reference_histogram(const std::vector<float>& v, std::int64_t bins, float hi) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(bins), 0);
  if (!(hi > 0.0f)) return counts;
  for (const float x : v) {
    const float a = std::fabs(x);
    if (!(a >= 0.0f && a <= hi)) continue;
    const float q = (a * static_cast<float>(bins)) / hi;
    const std::int64_t bin = q < static_cast<float>(bins) ? static_cast<std::int64_t>(q) : bins - 1;
    ++counts[static_cast<std::size_t>(bin)];
  }
  return counts;
}

void expect_same_min_max(const std::vector<float>& v, const char* what) {
  const MinMax want = reference_min_max(v);
  const MinMax got = nan_skipping_min_max(v);
  EXPECT_EQ(bits(got.min), bits(want.min)) << what << " (n = " << v.size() << "): min " << got.min << " vs " << want.min;
  EXPECT_EQ(bits(got.max), bits(want.max)) << what << " (n = " << v.size() << "): max " << got.max << " vs " << want.max;
}

// Lengths around the vector block (32 values) and its tail, plus longer ones.
const std::size_t kLengths[] = {1, 2, 7, 8, 31, 32, 33, 63, 64, 65, 100, 257, 1000, 4099, 65537};

std::vector<float> random_values(std::size_t n, std::mt19937& rng, float lo = -5.0f, float hi = 5.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(CalibVectorScan, MinMaxOfRandomValuesMatchesTheScalarLoop) {
  std::mt19937 rng(7);
  for (std::size_t n : kLengths) {
    for (int trial = 0; trial < 4; ++trial) expect_same_min_max(random_values(n, rng), "random");
    // Extremes in the scalar tail and at the very start.
    std::vector<float> v = random_values(n, rng);
    v.back() = -100.0f;
    v.front() = 100.0f;
    expect_same_min_max(v, "extremes at the ends");
    expect_same_min_max(random_values(n, rng, 1e-30f, 1e-29f), "tiny positive");
  }
}

TEST(CalibVectorScan, MinMaxKeepsTheFirstZeroLikeTheScalarLoop) {
  std::mt19937 rng(11);
  for (std::size_t n : kLengths) {
    // ReLU-like: non-negative with zeros of both signs; the min is a zero, its sign is the
    // first zero's.
    for (int first_negative = 0; first_negative < 2; ++first_negative) {
      std::vector<float> v = random_values(n, rng, 0.0f, 3.0f);
      for (std::size_t i = 0; i < n; i += 3) v[i] = (i / 3) % 2 == static_cast<std::size_t>(first_negative) ? 0.0f : -0.0f;
      expect_same_min_max(v, "relu-like zeros");
      // Non-positive: the max is a zero.
      for (float& x : v) x = -x;
      expect_same_min_max(v, "non-positive zeros");
    }
    // All zeros, alternating signs; all -0; all +0.
    std::vector<float> z(n);
    for (std::size_t i = 0; i < n; ++i) z[i] = i % 2 ? 0.0f : -0.0f;
    expect_same_min_max(z, "alternating zeros");
    expect_same_min_max(std::vector<float>(n, -0.0f), "all -0");
    expect_same_min_max(std::vector<float>(n, 0.0f), "all +0");
    // The only zero at the end of a long positive run.
    std::vector<float> late = random_values(n, rng, 1.0f, 2.0f);
    late.back() = -0.0f;
    expect_same_min_max(late, "late -0");
  }
}

TEST(CalibVectorScan, MinMaxOfAllEqualInfiniteAndNaNValuesMatchesTheScalarLoop) {
  std::mt19937 rng(3);
  for (std::size_t n : kLengths) {
    expect_same_min_max(std::vector<float>(n, 1.5f), "all equal");
    expect_same_min_max(std::vector<float>(n, -kInf), "all -inf");
    expect_same_min_max(std::vector<float>(n, kInf), "all +inf");
    expect_same_min_max(std::vector<float>(n, kNaN), "all NaN");
    std::vector<float> v = random_values(n, rng);
    v[n / 2] = kInf;
    v[0] = -kInf;
    expect_same_min_max(v, "infinite extremes");
    std::vector<float> w = random_values(n, rng);
    for (std::size_t i = 0; i < n; i += 5) w[i] = kNaN;  // NaN first, and spread
    expect_same_min_max(w, "NaNs skipped");
    std::vector<float> mostly_nan(n, kNaN);
    mostly_nan[n - 1] = 2.0f;
    expect_same_min_max(mostly_nan, "one number after NaNs");
  }
}

void expect_same_histogram(const std::vector<float>& v, std::int64_t bins, double hist_scale, const char* what) {
  AbsHistogram h(bins, hist_scale);
  h.add(v);
  const std::vector<std::int64_t> want = reference_histogram(v, bins, h.upper_edge());
  ASSERT_EQ(h.counts().size(), want.size());
  std::size_t differing = 0, first = 0;
  for (std::size_t k = 0; k < want.size(); ++k)
    if (h.counts()[k] != want[k] && differing++ == 0) first = k;
  EXPECT_EQ(differing, 0u) << what << " (n = " << v.size() << ", B = " << bins << "): first differing bin " << first
                           << ": " << h.counts()[first] << " vs " << want[first];
}

TEST(CalibVectorScan, HistogramOfRandomValuesMatchesTheScalarRule) {
  std::mt19937 rng(5);
  for (std::int64_t bins : {std::int64_t{4}, std::int64_t{128}, std::int64_t{1000}, std::int64_t{4096}}) {
    for (std::size_t n : {std::size_t{8}, std::size_t{2 * 4096 - 1}, std::size_t{2 * 4096 + 13}, std::size_t{100003}}) {
      std::vector<float> v = random_values(n, rng, -3.0f, 3.0f);
      float r = 0.0f;
      for (float x : v) r = std::max(r, std::fabs(x));
      expect_same_histogram(v, bins, static_cast<double>(r) / static_cast<double>(bins), "random");
      // Most values zero (ReLU outputs), with -0 among them.
      for (std::size_t i = 0; i < n; ++i)
        if (i % 4 != 3) v[i] = i % 8 == 1 ? -0.0f : 0.0f;
      expect_same_histogram(v, bins, static_cast<double>(r) / static_cast<double>(bins), "mostly zeros");
    }
  }
}

TEST(CalibVectorScan, HistogramOfValuesOnAndAroundBinEdgesMatchesTheScalarRule) {
  // Every internal edge k·hi/B as float, the floats either side of it, hi itself and just
  // above it, for a power-of-two range and two that are not (so the quotient rounds).
  for (float hi : {1.0f, 0.3f, 6.0f, 3.3e-3f}) {
    for (std::int64_t bins : {std::int64_t{4096}, std::int64_t{1000}}) {
      std::vector<float> v;
      for (std::int64_t k = 0; k <= bins; ++k) {
        const float e = static_cast<float>(static_cast<double>(k) * static_cast<double>(hi) / static_cast<double>(bins));
        for (float x : {e, std::nextafter(e, 0.0f), std::nextafter(e, kInf)}) {
          v.push_back(x);
          v.push_back(-x);
        }
      }
      v.push_back(hi);
      v.push_back(-hi);
      v.push_back(std::nextafter(hi, kInf));
      v.push_back(kNaN);
      v.push_back(kInf);
      v.push_back(-kInf);
      v.push_back(-0.0f);
      v.push_back(std::numeric_limits<float>::denorm_min());
      v.push_back(std::numeric_limits<float>::max());
      while (v.size() % 8 != 3) v.push_back(0.5f * hi);  // a scalar tail too
      const double hist_scale = static_cast<double>(hi) / static_cast<double>(bins);
      expect_same_histogram(v, bins, hist_scale, "edges");
      // Many index blocks, each copy shifted by one value so every edge value is counted in
      // both interleaved scratch histograms and at every position of a block.
      std::vector<float> tiled;
      while (tiled.size() < 16 * 8 * static_cast<std::size_t>(bins) + 5) {
        tiled.insert(tiled.end(), v.begin(), v.end());
        tiled.push_back(0.25f * hi);
      }
      expect_same_histogram(tiled, bins, hist_scale, "edges, tiled");
    }
  }
}

TEST(CalibVectorScan, HistogramOfAllEqualAndInfiniteRangesMatchesTheScalarRule) {
  const std::size_t n = 3 * 4096 + 5;
  expect_same_histogram(std::vector<float>(n, 2.5f), 4096, 2.5 / 4096.0, "all equal to hi");
  expect_same_histogram(std::vector<float>(n, -2.5f), 4096, 2.5 / 4096.0, "all equal to -hi");
  expect_same_histogram(std::vector<float>(n, 1.0f), 4096, 2.5 / 4096.0, "all equal inside");
  expect_same_histogram(std::vector<float>(n, 0.0f), 4096, 0.0, "zero range");
  // R = FLT_MAX: a·B overflows to inf for large a and lands in the last bin.
  std::vector<float> big(n, std::numeric_limits<float>::max());
  big[0] = 1.0f;
  big[1] = kInf;
  expect_same_histogram(big, 4096, static_cast<double>(std::numeric_limits<float>::max()) / 4096.0, "overflowing product");
}

TEST(CalibVectorScan, Int16SizedHistogramMatchesTheScalarRule) {
  // kl's int16 default: 2^20 bins, so a batch of 2^21 + 7 values takes the vector path.
  std::mt19937 rng(13);
  const std::int64_t bins = std::int64_t{1} << 20;
  std::vector<float> v = random_values((std::size_t{1} << 21) + 7, rng, -1.0f, 1.0f);
  expect_same_histogram(v, bins, 1.0 / static_cast<double>(bins), "int16 bins");
}

}  // namespace
}  // namespace qtune::calib
