#include "qtune/calib/order_statistics.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "qtune/error.h"

namespace qtune::calib {

PercentileRanks percentile_ranks(std::int64_t n, double p) {
  if (n <= 0) throw Error("percentile: observed an empty tensor");
  const double dn = static_cast<double>(n);
  const double low_fraction = 1.0 - p;  // 9.999999999998899e-05 for p = 0.9999
  std::int64_t kmin = static_cast<std::int64_t>(dn * low_fraction);
  std::int64_t kmax = static_cast<std::int64_t>(dn * p);
  PercentileRanks r;
  r.kmin = std::max<std::int64_t>(0, kmin) + 1;
  r.kmax = std::min<std::int64_t>(kmax, n - 1) + 1;
  return r;
}

namespace {
bool nan_last_less(float a, float b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}
void check_rank(std::int64_t k, std::size_t n) {
  if (k < 1 || k > static_cast<std::int64_t>(n))
    throw Error("kth_smallest: rank " + std::to_string(k) + " is outside [1, " + std::to_string(n) + "]");
}
}  // namespace

float kth_smallest(std::span<const float> values, std::int64_t k) {
  check_rank(k, values.size());
  std::vector<float> copy(values.begin(), values.end());
  auto nth = copy.begin() + (k - 1);
  std::nth_element(copy.begin(), nth, copy.end(), nan_last_less);
  return *nth;
}

PercentileBounds percentile_bounds(std::span<const float> values, double p) {
  const PercentileRanks r = percentile_ranks(static_cast<std::int64_t>(values.size()), p);
  check_rank(r.kmin, values.size());
  check_rank(r.kmax, values.size());
  std::vector<float> copy(values.begin(), values.end());
  auto hi_it = copy.begin() + (r.kmax - 1);
  std::nth_element(copy.begin(), hi_it, copy.end(), nan_last_less);
  PercentileBounds b;
  b.hi = *hi_it;
  if (r.kmin == r.kmax) {
    b.lo = b.hi;
  } else if (r.kmin < r.kmax) {
    // Everything left of hi_it is <= hi: select within that prefix.
    auto lo_it = copy.begin() + (r.kmin - 1);
    std::nth_element(copy.begin(), lo_it, hi_it, nan_last_less);
    b.lo = *lo_it;
  } else {  // p < 0.5: the low rank lies right of hi_it
    auto lo_it = copy.begin() + (r.kmin - 1);
    std::nth_element(hi_it + 1, lo_it, copy.end(), nan_last_less);
    b.lo = *lo_it;
  }
  return b;
}

namespace {
// ATen utils::CeilLog2 for the sizes used here.
std::int64_t ceil_log2(std::int64_t x) {
  if (x <= 2) return 1;
  return static_cast<std::int64_t>(std::bit_width(static_cast<std::uint64_t>(x - 1)));
}

// ATen multi_row_sum: NR interleaved columns, 4 cascade levels of 2^level_power rows.
template <int NR>
std::array<float, NR> multi_row_sum(const float* in, std::int64_t row_stride, std::int64_t col_stride,
                                    std::int64_t size) {
  constexpr std::int64_t kLevels = 4;
  const std::int64_t level_power = std::max<std::int64_t>(4, ceil_log2(size) / kLevels);
  const std::int64_t level_step = std::int64_t{1} << level_power;
  const std::int64_t level_mask = level_step - 1;
  std::array<std::array<float, NR>, kLevels> acc{};
  std::int64_t i = 0;
  while (i + level_step <= size) {
    for (std::int64_t j = 0; j < level_step; ++j, ++i)
      for (int k = 0; k < NR; ++k) acc[0][k] += in[i * row_stride + k * col_stride];
    for (std::int64_t j = 1; j < kLevels; ++j) {
      for (int k = 0; k < NR; ++k) {
        acc[j][k] += acc[j - 1][k];
        acc[j - 1][k] = 0.0f;
      }
      if ((i & (level_mask << (j * level_power))) != 0) break;
    }
  }
  for (; i < size; ++i)
    for (int k = 0; k < NR; ++k) acc[0][k] += in[i * row_stride + k * col_stride];
  for (std::int64_t j = 1; j < kLevels; ++j)
    for (int k = 0; k < NR; ++k) acc[0][k] += acc[j][k];
  return acc[0];
}
}  // namespace

float torch_column_sum(std::span<const float> values) {
  constexpr std::int64_t kIlp = 4;
  const auto size = static_cast<std::int64_t>(values.size());
  const std::int64_t size_ilp = size / kIlp;
  std::array<float, kIlp> partial = multi_row_sum<kIlp>(values.data(), kIlp, 1, size_ilp);
  for (std::int64_t i = size_ilp * kIlp; i < size; ++i) partial[0] += values[static_cast<std::size_t>(i)];
  for (std::int64_t k = 1; k < kIlp; ++k) partial[0] += partial[k];
  return partial[0];
}

float torch_column_mean(std::span<const float> values) {
  if (values.empty()) throw Error("torch_column_mean: no values");
  return torch_column_sum(values) / static_cast<float>(values.size());
}

}  // namespace qtune::calib
