#pragma once
// Percentile bounds as the percentile observer takes them (reference §2.3, Errata 8) and
// the float32 batch mean it renders with.
#include <cstdint>
#include <span>

namespace qtune::calib {

// OBSERVER_PERCENTILE (reference Appendix A).
inline constexpr double kDefaultPercentile = 0.9999;

// 1-based ranks: kmin = max(0, int(n·(1−p))) + 1 and kmax = min(int(n·p), n−1) + 1, both
// products in double with 1−p evaluated first. With p = 0.9999, n <= 10000 gives
// kmin = 1 and kmax = n (the minmax bounds); n = 10001 gives kmin = 2.
struct PercentileRanks {
  std::int64_t kmin = 1;
  std::int64_t kmax = 1;
};
PercentileRanks percentile_ranks(std::int64_t n, double p);

// The k-th smallest value (1-based, torch.kthvalue), by std::nth_element on a copy.
// NaNs order after every number.
float kth_smallest(std::span<const float> values, std::int64_t k);

// (lo, hi) = (kmin-th, kmax-th smallest) of `values` for percentile p (one copy, two selections).
struct PercentileBounds {
  float lo = 0.0f;
  float hi = 0.0f;
};
PercentileBounds percentile_bounds(std::span<const float> values, double p);

// float32 sum in the order ATen's CPU sum reduces a strided column (SumKernel.cpp row_sum:
// four interleaved cascade accumulators of 16-element blocks, then p0+p1+p2+p3). This is
// how torch.cat(collector).float().mean(dim=0) sums each of the percentile observer's two
// columns: element i goes to partial i mod 4 (leftovers past a multiple of 4 to partial 0),
// so below 4 batches it is a plain left-to-right float32 sum.
float torch_column_sum(std::span<const float> values);
// torch_column_sum(values) / float32(n), as torch's mean = sum.div_(n).
float torch_column_mean(std::span<const float> values);

}  // namespace qtune::calib
