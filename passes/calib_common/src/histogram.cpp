#include "qtune/calib/histogram.h"

#include <cmath>
#include <string>

#include "qtune/error.h"

namespace qtune::calib {

std::int64_t abs_histogram_bin(float a, std::int64_t bins, float hi) {
  if (!(a >= 0.0f && a <= hi) || !(hi > 0.0f)) return -1;
  const float scaled = a * static_cast<float>(bins);  // float32, as torch computes it
  const float q = scaled / hi;
  if (!(q < static_cast<float>(bins))) return bins - 1;  // a == hi (or an overflowed product)
  return static_cast<std::int64_t>(q);
}

AbsHistogram::AbsHistogram(std::int64_t bins, double hist_scale)
    : hist_scale_(hist_scale),
      hi_(static_cast<float>(hist_scale * static_cast<double>(bins))),
      counts_() {
  if (bins <= 0) throw Error("histogram: bin count " + std::to_string(bins) + " must be positive");
  if (!(hist_scale >= 0.0) || !std::isfinite(hist_scale))
    throw Error("histogram: bin width " + std::to_string(hist_scale) + " must be finite and >= 0");
  counts_.assign(static_cast<std::size_t>(bins), 0);
}

void AbsHistogram::add(std::span<const float> values) {
  if (!(hi_ > 0.0f)) return;
  const std::int64_t b = bins();
  std::int64_t* counts = counts_.data();
  for (const float v : values) {
    const std::int64_t bin = abs_histogram_bin(std::fabs(v), b, hi_);
    if (bin >= 0) ++counts[bin];
  }
}

}  // namespace qtune::calib
