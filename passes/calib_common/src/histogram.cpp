#include "qtune/calib/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "qtune/error.h"

namespace qtune::calib {

namespace {

// Where AbsHistogram::add counts. Below kVectorMinValuesPerBin values per bin a call counts
// straight into the int64 histogram with the scalar rule (clearing and folding the 32-bit
// scratch would cost more than the vector bin computation saves); from there the vector
// path counts into one scratch histogram; from kLaneHistogramsMinValuesPerBin on into one
// per lane (8), which is fastest when most values fall into a few bins (zeros, a range set
// by outliers: one shared counter makes each increment wait for the previous one) but costs
// 8 histograms to clear and fold. Measured on Zen 3 with 2^20 values: ~0.6-1.0 ns a value
// against ~4.3 for the scalar rule.
constexpr std::size_t kVectorMinValuesPerBin = 1;
constexpr std::size_t kLaneHistogramsMinValuesPerBin = 16;
// Values per scratch round, so no 32-bit counter can overflow.
constexpr std::size_t kScratchChunk = std::size_t{1} << 30;
// Largest bin count the vector path takes: kl's int16 default (2^20 bins). B - 1 must be
// exact in float32 (up to 2^24), and the scratch, kept per thread between calls, stays
// at most 4 MiB (32 MiB with lane histograms, from 2^27 values a call).
constexpr std::int64_t kVectorMaxBins = std::int64_t{1} << 20;

typedef float Lanes8 __attribute__((vector_size(8 * sizeof(float))));
typedef std::int32_t Ints8 __attribute__((vector_size(8 * sizeof(std::int32_t))));
constexpr std::size_t kLanes = 8;

Lanes8 load8(const float* p) {
  Lanes8 x;
  std::memcpy(&x, p, sizeof x);
  return x;
}

}  // namespace

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
  const std::size_t n = values.size();
  const auto ub = static_cast<std::size_t>(b);
  if (b > kVectorMaxBins || n < kVectorMinValuesPerBin * ub || n < kLanes) {
    for (const float v : values) {
      const std::int64_t bin = abs_histogram_bin(std::fabs(v), b, hi_);
      if (bin >= 0) ++counts[bin];
    }
    return;
  }
  // Vector form of abs_histogram_bin, lane by lane the same float32 operations:
  //   a = |x| (sign bit cleared), kept when a <= hi (false for NaN; hi > 0 here, a >= 0),
  //   q = (a * B) / hi, bin = trunc(q < B - 1 ? q : B - 1): that also sends a NaN quotient
  //   (inf / inf) to B - 1 as `!(q < B)` does, and for B - 1 <= q < B trunc(q) is B - 1.
  // Scratch histograms have B + 8 slots; slot B + lane takes the lane's ignored values.
  const std::size_t histograms = n >= kLaneHistogramsMinValuesPerBin * kLanes * ub ? kLanes : 1;
  const std::size_t stride = ub + kLanes;
  const Lanes8 hi = Lanes8{} + hi_;
  const Lanes8 scale = Lanes8{} + static_cast<float>(b);
  const Lanes8 last = Lanes8{} + static_cast<float>(b - 1);
  const Ints8 lane = Ints8{0, 1, 2, 3, 4, 5, 6, 7};
  const Ints8 ignored = lane + static_cast<std::int32_t>(b);
  const Ints8 base = histograms == kLanes ? lane * static_cast<std::int32_t>(stride) : Ints8{};
  const Ints8 abs_mask = Ints8{} + 0x7fffffff;
  thread_local std::vector<std::uint32_t> scratch;
  const float* p = values.data();
  for (std::size_t start = 0; start < n; start += kScratchChunk) {
    const std::size_t end = std::min(n, start + kScratchChunk);
    scratch.assign(stride * histograms, 0);
    std::uint32_t* c = scratch.data();
    std::size_t i = start;
    for (; i + kLanes <= end; i += kLanes) {
      const Lanes8 x = load8(p + i);
      const Lanes8 a = reinterpret_cast<Lanes8>(reinterpret_cast<Ints8>(x) & abs_mask);
      const Lanes8 q0 = (a * scale) / hi;
      const Lanes8 q = q0 < last ? q0 : last;
      const Ints8 bin = __builtin_convertvector(q, Ints8);
      const Ints8 index = (a <= hi ? bin : ignored) + base;
      for (std::size_t l = 0; l < kLanes; ++l) ++c[index[l]];
    }
    for (std::size_t h = 0; h < histograms; ++h) {
      const std::uint32_t* part = c + h * stride;
      for (std::size_t k = 0; k < ub; ++k) counts[k] += part[k];
    }
    for (; i < end; ++i) {
      const std::int64_t bin = abs_histogram_bin(std::fabs(p[i]), b, hi_);
      if (bin >= 0) ++counts[bin];
    }
  }
}

}  // namespace qtune::calib
