#pragma once
// The histogram of |x| the kl and mse observers accumulate in their second pass
// (reference §2.4 phase 2: hist += histc(|x|, B, lo = 0, hi = hist_scale·B)).
//
// Edge rule (torch.histc on CPU, ATen HistogramKernel.cpp, LINEAR_INTERPOLATION without
// the local search that torch.histogramdd adds), evaluated in float32 like torch does:
//   a   = |x| (float32)
//   hi  = float32(hist_scale · B)          (the last linspace edge; the lower edge is 0)
//   a outside [0, hi] or NaN             -> ignored
//   bin = int64( (a · float(B)) / hi )   (two float32 operations, truncation)
//   bin == B (a == hi)                   -> B − 1 (the last bin is closed on the right)
// So a value exactly on an internal edge k·hi/B that the division reproduces exactly goes
// into the upper bin k (bins are [e_k, e_{k+1})). A value just below an edge that is not
// representable in float32 can land in the upper bin too, because the quotient rounds up
// to k: torch does the same, so we do not correct it.
// hi == 0 (the whole phase-1 range was 0): torch would widen the range; the rendered scale
// does not depend on the histogram then (every threshold is 0), so nothing is counted.
// Counts are int64 (torch counts per batch in float32 and sums in int32: identical below
// 2^24 values per bin and batch).
#include <cstdint>
#include <span>
#include <vector>

namespace qtune::calib {

// Bin of `a` (already |x|) in a histogram of `bins` bins over [0, hi]; -1 when ignored.
std::int64_t abs_histogram_bin(float a, std::int64_t bins, float hi);

class AbsHistogram {
 public:
  // hist_scale = R / bins from phase 1 (R = max(|min|, |max|)); hi = float32(hist_scale · bins).
  AbsHistogram(std::int64_t bins, double hist_scale);

  void add(std::span<const float> values);  // adds |v| of every value

  std::int64_t bins() const { return static_cast<std::int64_t>(counts_.size()); }
  double hist_scale() const { return hist_scale_; }
  float upper_edge() const { return hi_; }
  const std::vector<std::int64_t>& counts() const { return counts_; }

 private:
  double hist_scale_;
  float hi_;
  std::vector<std::int64_t> counts_;
};

}  // namespace qtune::calib
