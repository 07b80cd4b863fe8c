// kl (§2.4): the threshold search on synthetic histograms with an analytic answer, against a
// naive independent KL computation, and the observer end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "qtune/calib/kl_search.h"
#include "qtune/calib/observers.h"
#include "qtune/error.h"
#include "test_support.h"

namespace qtune::calib {
namespace {

using test::int16_config;
using test::int8_config;
using test::tensor;

TEST(CalibKl, DefaultBins) {
  EXPECT_EQ(kl_default_bins(8), 4096);
  EXPECT_EQ(kl_default_bins(16), 1048576);
  EXPECT_THROW(kl_default_bins(32), Error);
}

TEST(CalibKl, MassInTheFirstBinsPicksTheSmallestL) {
  // int8, B = 4096: after the edit bin 8 = 1; mass at bins 10 (1000) and 11 (500), all below
  // 128. L = 128: groups of one bin, Q == P exactly -> KL = 0. L = 256: bins 10 and 11 share a
  // group, Q gives both 750 -> KL > 0; and so on. So L = 128.
  std::vector<std::int64_t> h(4096, 0);
  h[3] = 77;  // zeroed by the edit
  h[10] = 1000;
  h[11] = 500;
  const KlSearch s = kl_search(h, 8);
  ASSERT_EQ(s.candidates.size(), 32u);
  EXPECT_EQ(s.candidates.front(), 128);
  EXPECT_EQ(s.candidates.back(), 4096);
  EXPECT_EQ(s.best_bins, 128);
  EXPECT_EQ(s.divergences[0], 0.0);
  for (std::size_t i = 1; i < s.divergences.size(); ++i) EXPECT_GT(s.divergences[i], 0.0);
  // T = 128·hist_scale, s = T/128 = hist_scale: R = 1 -> 2^-12 exactly.
  EXPECT_EQ(kl_scale(128, 4096, 1.0 / 4096.0, 8, 1e-8), 1.0 / 4096.0);
}

TEST(CalibKl, TiesKeepTheSmallestL) {
  // Mass only in bins 8 (the edit's 1) and 40 (9): 32 bins apart, so no group of any L (at most
  // 32 bins wide) holds both and nothing lies past 128. Q == P for every L, every KL is 0, and
  // the first candidate, L = 128, wins.
  std::vector<std::int64_t> h(4096, 0);
  h[40] = 9;
  const KlSearch s = kl_search(h, 8);
  for (double d : s.divergences) EXPECT_EQ(d, 0.0);
  EXPECT_EQ(s.best_bins, 128);
}

TEST(CalibKl, UniformHistogramPicksTheLargestL) {
  // Every bin 100: any L < B piles the whole tail into P[L−1] while Q[L−1] is a group mean of
  // 100s, so KL is large; at L = B only group 0 (bins 0..31: 0 ×8, 1, 100 ×23) differs. L = B.
  std::vector<std::int64_t> h(4096, 100);
  const KlSearch s = kl_search(h, 8);
  EXPECT_EQ(s.best_bins, 4096);
  // T = B·hist_scale = R; s = R/128: R = 1 -> 2^-7 exactly.
  EXPECT_EQ(kl_scale(4096, 4096, 1.0 / 4096.0, 8, 1e-8), 1.0 / 128.0);
}

// Naive KL, written independently: plain loops per candidate, P/Q elements in float32 like
// torch, sums in long double, the divergence in double over every bin.
std::vector<double> naive_kl(std::vector<std::int64_t> counts, int bits) {
  const std::size_t b = counts.size();
  const std::size_t qb = std::size_t{1} << (bits - 1);
  std::vector<float> hist(b);
  for (std::size_t i = 0; i < b; ++i) hist[i] = static_cast<float>(counts[i]);
  const std::size_t cut = static_cast<std::size_t>(0.002 * static_cast<double>(b));
  for (std::size_t i = 0; i < cut; ++i) hist[i] = 0.0f;
  hist[cut] = 1.0f;
  long double total_ld = 0;
  for (float x : hist) total_ld += x;
  const float total = static_cast<float>(total_ld);
  std::vector<double> out;
  for (std::size_t len = qb; len <= b; len += qb) {
    long double tail = 0;
    for (std::size_t i = len; i < b; ++i) tail += hist[i];
    std::vector<float> p(hist.begin(), hist.begin() + static_cast<std::ptrdiff_t>(len));
    p[len - 1] = p[len - 1] + static_cast<float>(tail);
    for (float& x : p) x = x / total;
    const std::size_t group = len / qb;
    std::vector<float> q(len, 0.0f);
    for (std::size_t g0 = 0; g0 < len; g0 += group) {
      long double sum = 0;
      int nz = 0;
      for (std::size_t j = g0; j < g0 + group; ++j) {
        sum += hist[j];
        if (hist[j] > 0.0f) ++nz;
      }
      const float mean = static_cast<float>(sum) / static_cast<float>(nz > 0 ? nz : 1);
      for (std::size_t j = g0; j < g0 + group; ++j) q[j] = hist[j] > 0.0f ? mean : 0.0f;
    }
    long double qsum = 0;
    for (float x : q) qsum += x;
    const float qs = static_cast<float>(qsum);
    double kl = 0;
    for (std::size_t i = 0; i < len; ++i) {
      const double pi = p[i], qi = q[i] / qs;
      kl += pi * (std::log10(pi + 1e-30) - std::log10(qi + 1e-30));
    }
    out.push_back(kl);
  }
  return out;
}

TEST(CalibKl, MatchesANaiveComputationOnRandomHistograms) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 4; ++trial) {
    // A decaying histogram with random noise and gaps (zero bins), int8 and a 5-bit width.
    const int bits = trial % 2 == 0 ? 8 : 5;
    const std::size_t b = bits == 8 ? 4096 : 512;
    std::vector<std::int64_t> h(b);
    std::uniform_int_distribution<int> noise(0, 40);
    for (std::size_t i = 0; i < b; ++i) {
      const double decay = 5000.0 * std::exp(-static_cast<double>(i) / (static_cast<double>(b) / (3.0 + trial)));
      h[i] = noise(rng) < 8 ? 0 : static_cast<std::int64_t>(decay) + noise(rng);
    }
    const std::vector<double> expected = naive_kl(h, bits);
    const KlSearch s = kl_search(h, bits);
    ASSERT_EQ(s.divergences.size(), expected.size());
    std::size_t best = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_NEAR(s.divergences[i], expected[i], 1e-12 * std::max(1.0, std::fabs(expected[i]))) << "candidate " << i;
      if (expected[i] < expected[best]) best = i;
    }
    EXPECT_EQ(s.best_bins, static_cast<std::int64_t>((best + 1) << (bits - 1))) << "trial " << trial;
  }
}

// kl_search as it was written before log10(Q) was taken once per group: one log10 per
// non-zero bin. The current search must give bit-identical divergences (NaN included).
std::vector<double> per_bin_log_kl(const std::vector<std::int64_t>& counts, int bits) {
  const auto qb = std::int64_t{1} << (bits - 1);
  const auto b = static_cast<std::int64_t>(counts.size());
  std::vector<float> h(counts.size());
  for (std::int64_t i = 0; i < b; ++i) h[i] = static_cast<float>(counts[i]);
  const auto zeroed = static_cast<std::int64_t>(static_cast<double>(b) * 0.002);
  for (std::int64_t i = 0; i < zeroed; ++i) h[i] = 0.0f;
  h[zeroed] = 1.0f;
  std::vector<double> suffix(counts.size() + 1, 0.0);
  for (std::int64_t i = b - 1; i >= 0; --i) suffix[i] = suffix[i + 1] + static_cast<double>(h[i]);
  const float total = static_cast<float>(suffix[0]);
  std::vector<float> p(counts.size());
  std::vector<double> log_p(counts.size());
  for (std::int64_t i = 0; i < b; ++i) {
    p[i] = h[i] / total;
    log_p[i] = std::log10(static_cast<double>(p[i]) + 1e-30);
  }
  std::vector<double> out;
  for (std::int64_t l = qb; l <= b; l += qb) {
    const std::int64_t ratio = l / qb;
    std::vector<float> q(static_cast<std::size_t>(l), 0.0f);
    double q_sum = 0.0;
    for (std::int64_t g = 0; g < qb; ++g) {
      double group_sum = 0.0;
      std::int64_t nonzero = 0;
      for (std::int64_t j = g * ratio; j < (g + 1) * ratio; ++j) {
        group_sum += static_cast<double>(h[j]);
        nonzero += h[j] > 0.0f ? 1 : 0;
      }
      const float mean = static_cast<float>(group_sum) / static_cast<float>(nonzero == 0 ? 1 : nonzero);
      for (std::int64_t j = g * ratio; j < (g + 1) * ratio; ++j)
        if (h[j] > 0.0f) {
          q[j] = mean;
          q_sum += static_cast<double>(mean);
        }
    }
    const float q_total = static_cast<float>(q_sum);
    const float p_last = (h[l - 1] + static_cast<float>(suffix[l])) / total;
    double kl = 0.0;
    for (std::int64_t i = 0; i < l; ++i) {
      const float pi = i == l - 1 ? p_last : p[i];
      if (pi == 0.0f) continue;
      const double lp = i == l - 1 ? std::log10(static_cast<double>(pi) + 1e-30) : log_p[i];
      const float qi = q[i] / q_total;
      kl += static_cast<double>(pi) * (lp - std::log10(static_cast<double>(qi) + 1e-30));
    }
    out.push_back(kl);
  }
  return out;
}

TEST(CalibKl, GroupWiseLogOfQIsBitIdenticalToPerBinLog) {
  std::mt19937 rng(21);
  struct Case {
    int bits;
    std::size_t bins;
  };
  // int8 default, a 5-bit width, and 2-bit with 1000x bins: there the zeroed leading bins
  // cover the first candidates entirely, so ΣQ = 0 and the divergence is NaN.
  for (const Case c : {Case{8, 4096}, Case{5, 512}, Case{2, 2000}, Case{8, 128}}) {
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<std::int64_t> h(c.bins);
      std::uniform_int_distribution<int> noise(0, 40);
      for (std::size_t i = 0; i < c.bins; ++i) {
        const double decay =
            5000.0 * std::exp(-static_cast<double>(i) / (static_cast<double>(c.bins) / (2.0 + trial)));
        h[i] = noise(rng) < 10 ? 0 : static_cast<std::int64_t>(decay) + noise(rng);
      }
      if (trial == 2)
        for (std::size_t i = c.bins / 3; i < c.bins; ++i) h[i] = 0;  // an empty tail
      const std::vector<double> want = per_bin_log_kl(h, c.bits);
      const KlSearch s = kl_search(h, c.bits);
      ASSERT_EQ(s.divergences.size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i)
        EXPECT_EQ(std::memcmp(&s.divergences[i], &want[i], sizeof(double)), 0)
            << "bits " << c.bits << " bins " << c.bins << " trial " << trial << " candidate " << i << ": "
            << s.divergences[i] << " vs " << want[i];
    }
  }
}

// One batch {R, 1000 values at R/1000}: R/1000 falls in bin 4 (zeroed), R in bin 4095. After
// the edit the histogram is bin 8 = 1, bin 4095 = 1. For L = B: Q = P = {0.5, 0.5} -> KL = 0;
// for L < B: P[L−1] = 0.5 where Q[L−1] = 0 -> KL ≈ 0.5·30. So L = B, T = R, s = R/128.
Tensor spike_batch(float r) {
  std::vector<float> v(1001, r / 1000.0f);
  v[500] = -r;
  return tensor(v);
}

TEST(CalibKl, ObserverEndToEnd) {
  struct Case {
    float r;
    double exponent;
  };
  // R = 1: 2^-7 -> −7. R = 1.2: log2(1.2/128) = −6.737 -> nearest −7 (ceil would say −6).
  // R = 1.5: log2(1.5/128) = −6.415 -> −6.
  for (const Case c : {Case{1.0f, -7.0}, Case{1.2f, -7.0}, Case{1.5f, -6.0}}) {
    HistogramObserver obs(int8_config(), HistogramObserver::Search::Kl, 4096);
    EXPECT_TRUE(obs.needs_second_pass());
    obs.observe(spike_batch(c.r));
    obs.observe(spike_batch(c.r));
    obs.observe_second_pass(spike_batch(c.r));
    obs.observe_second_pass(spike_batch(c.r));
    ASSERT_NE(obs.histogram(), nullptr);
    EXPECT_EQ(obs.histogram()->counts()[4095], 2);
    EXPECT_EQ(obs.histogram()->counts()[4], 2000);
    EXPECT_EQ(obs.render(), std::vector<double>{c.exponent}) << "R = " << c.r;
  }
}

TEST(CalibKl, Int16UsesAMillionBins) {
  // Same shape of data, int16: B = 2^20, R/1000 -> bin 1048 (< 2097, zeroed). L = B -> T = R,
  // s = R/32768: R = 1 -> −15.
  HistogramObserver obs(int16_config(), HistogramObserver::Search::Kl, kl_default_bins(16));
  obs.observe(spike_batch(1.0f));
  obs.observe_second_pass(spike_batch(1.0f));
  EXPECT_EQ(obs.render(), std::vector<double>{-15.0});
}

TEST(CalibKl, Misuse) {
  EXPECT_THROW(HistogramObserver(int8_config(0), HistogramObserver::Search::Kl, 4096), Error);
  EXPECT_THROW(HistogramObserver(int8_config(), HistogramObserver::Search::Kl, 4000), Error);
  HistogramObserver obs(int8_config(), HistogramObserver::Search::Kl, 4096);
  obs.observe(tensor({1.0f}));
  EXPECT_THROW(obs.render(), Error);  // no second pass yet
}

TEST(CalibKl, AllZeroTensorFloorsTheScale) {
  // R = 0: T = 0 -> 1e-8 -> log2 −26.575 -> nearest −27.
  HistogramObserver obs(int8_config(), HistogramObserver::Search::Kl, 4096);
  obs.observe(tensor({0.0f, 0.0f}));
  obs.observe_second_pass(tensor({0.0f, 0.0f}));
  EXPECT_EQ(obs.render(), std::vector<double>{-27.0});
}

// The driver may feed an order-free first pass in any batch order (calibration.h): every
// order of these batches must give the same histogram and exponent. Batch a sets the range
// with its minimum (|-1.5| > 1.25), b is ±0 only (min/max ties that order could flip), c
// holds NaNs beside numbers (skipped, as torch's min/max of a batch does).
TEST(CalibKl, FirstPassIsOrderFree) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<Tensor> batches = {tensor({-1.5f, 0.25f, 1.25f, 0.5f}), tensor({-0.0f, 0.0f, -0.0f}),
                                       tensor({nan, 0.75f, -0.125f, nan})};
  std::vector<int> order = {0, 1, 2};
  std::vector<std::int64_t> first_counts;
  std::vector<double> first_render;
  int permutations = 0;
  do {
    HistogramObserver obs(int8_config(), HistogramObserver::Search::Kl, 4096);
    EXPECT_TRUE(obs.first_pass_order_free());
    for (int k : order) obs.observe(batches[static_cast<std::size_t>(k)]);
    for (const Tensor& b : batches) obs.observe_second_pass(b);
    const std::vector<std::int64_t> counts = obs.histogram()->counts();
    // R = 1.5 whatever the order: 1.5 lands in the last bin, 0.25 in bin 4096·0.25/1.5 = 682.
    EXPECT_EQ(counts[4095], 1);
    EXPECT_EQ(counts[682], 1);
    const std::vector<double> rendered = obs.render();
    if (permutations++ == 0) {
      first_counts = counts;
      first_render = rendered;
    } else {
      EXPECT_EQ(counts, first_counts);
      EXPECT_EQ(rendered, first_render);
    }
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(permutations, 6);
}

// A batch with no number at all makes the range NaN in whichever position it comes (the
// merge must not depend on order), and the second pass says so instead of binning.
TEST(CalibKl, AllNanBatchIsAnErrorInAnyPosition) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int position = 0; position < 3; ++position) {
    HistogramObserver obs(int8_config(), HistogramObserver::Search::Kl, 4096);
    for (int k = 0; k < 3; ++k) obs.observe(k == position ? tensor({nan, nan}) : tensor({0.5f, -1.0f}));
    try {
      obs.observe_second_pass(tensor({0.5f}));
      ADD_FAILURE() << "no error with the all-NaN batch at position " << position;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("no finite range"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace qtune::calib
