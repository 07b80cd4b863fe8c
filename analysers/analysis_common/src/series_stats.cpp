#include "qtune_analysis/series_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "qtune_analysis/snr.h"

namespace qtune::analysis {

std::vector<double> histc(std::span<const float> x, std::size_t bins, float lo, float hi) {
  std::vector<double> hist(bins, 0.0);
  if (bins == 0) return hist;
  // histc_select_outer_bin_edges works in double, then the edges are float32 again.
  double left = lo, right = hi;
  if (left == right) {
    left -= 1;
    right += 1;
  }
  const float l = static_cast<float>(left), r = static_cast<float>(right);
  const float width = r - l;
  const auto n = static_cast<std::int64_t>(bins);
  for (const float e : x) {
    if (!(e >= l && e <= r)) continue;
    // Same operation order and types as the torch kernel: (float - float) * int64 -> float.
    const float scaled = (e - l) * static_cast<float>(n);
    auto pos = static_cast<std::int64_t>(scaled / width);
    if (pos >= n) pos = n - 1;
    if (pos < 0) pos = 0;
    hist[static_cast<std::size_t>(pos)] += 1;
  }
  return hist;
}

SeriesStats series_stats(std::span<const float> x, std::size_t bins) {
  SeriesStats s;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (x.empty()) {
    s.mean = s.std = s.min = s.max = s.skewness = s.kurtosis = nan;
    s.hist.assign(bins, 0.0);
    return s;
  }
  const auto n = static_cast<double>(x.size());
  double sum = 0;
  float lo = x[0], hi = x[0];
  for (const float v : x) {
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  s.mean = sum / n;
  double ss = 0;
  for (const float v : x) ss += (v - s.mean) * (v - s.mean);
  s.std = x.size() > 1 ? std::sqrt(ss / (n - 1)) : nan;
  s.min = lo;
  s.max = hi;
  // torch evaluates (x - mean) / std with the .item() values of mean and std.
  double m3 = 0, m4 = 0;
  for (const float v : x) {
    const double z = (v - s.mean) / s.std;
    m3 += z * z * z;
    m4 += z * z * z * z;
  }
  s.skewness = m3 / n;
  s.kurtosis = m4 / n - 3.0;
  s.hist = histc(x, bins, lo, hi);
  return s;
}

double power_ratio(std::span<const float> quantized, std::span<const float> reference) {
  return snr_rows(quantized.data(), reference.data(), 1, static_cast<std::int64_t>(reference.size()));
}

}  // namespace qtune::analysis
