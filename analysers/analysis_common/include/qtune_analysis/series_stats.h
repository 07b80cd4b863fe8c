#pragma once
// Statistics of one sample series, as esp-ppq's statistical_analyse reports them
// (analyse/graphwise.py, StatisticalErrorAnalyser.stat):
//   Mean; Std (unbiased, N-1); Min; Max; Skewness mean(((x-mu)/sigma)^3);
//   Kurtosis mean(((x-mu)/sigma)^4) - 3 (excess); Hist: 32 equal bins between the
//   series' min and max, binned like torch.histc (below).
// A constant series has sigma = 0: skewness and kurtosis are then NaN (0/0), as in torch.
#include <cstddef>
#include <span>
#include <vector>

namespace qtune::analysis {

inline constexpr std::size_t kHistBins = 32;   // statistical_analyse: torch.histc(bins=32)

struct SeriesStats {
  double mean = 0, std = 0, min = 0, max = 0, skewness = 0, kurtosis = 0;
  std::vector<double> hist;
};

SeriesStats series_stats(std::span<const float> x, std::size_t bins = kHistBins);

// torch.histc(x, bins, min=lo, max=hi) on CPU (torch 1.13, histogram_histc_cpu_out with
// linear interpolation, no local search): when lo == hi the range becomes [lo-1, hi+1];
// an element's bin is int64((x - lo) * bins / (hi - lo)) computed in float32, the last
// edge belongs to the last bin, and values outside [lo, hi] or NaN are not counted.
std::vector<double> histc(std::span<const float> x, std::size_t bins, float lo, float hi);

// Noise:Signal Power Ratio of a statistical record: sum(e^2) / (sum(x_fp^2) + 1e-7) over
// the whole series as one row (torch_snr_error on 1-D tensors), e = x_qt - x_fp in float32.
double power_ratio(std::span<const float> quantized, std::span<const float> reference);

}  // namespace qtune::analysis
