#pragma once
// The histogram-MSE threshold search of the mse observer (reference §2.5, symmetric
// per-tensor branch).
#include <cstdint>
#include <span>
#include <vector>

namespace qtune::calib {

// OBSERVER_MSE_HIST_BINS (reference Appendix A): B for every bit width.
inline constexpr std::int64_t kMseHistBins = 2048;

// Bins the mse observer uses for a grid of `levels` = qmax − qmin + 1 values. Faithful
// (fix_int16_bins = false): always 2048, so int16 (65 536 levels) has the single
// candidate end = 65 536 bins = 32·absmax (a scale ~32x too coarse, as esp-ppq does).
// fix_int16_bins = true: 2048·levels/256 when levels > 256 (524 288 for int16), which gives
// int16 the same nine candidates int8 has (a documented deviation from esp-ppq).
std::int64_t mse_bins(std::int64_t levels, bool fix_int16_bins);

// Loss of a grid starting at bin `start`, `step` bins per level, ending at bin `end`,
// values uniform inside each bin: Σ h_i·e_i² / C accumulated left to right in double in
// the reference's operation order, e_i per §2.5, C = Σ h.
double mse_loss(std::span<const std::int64_t> hist, std::int64_t start, std::int64_t step, std::int64_t end);

struct MseSearch {
  std::int64_t best_end = 0;              // bins; range = ±best_end·hist_scale
  std::vector<std::int64_t> steps;        // candidate order: step0 = B div N + 1, then 1 .. B div N
  std::vector<std::int64_t> ends;         // N·step (a step whose end > B + N stops the list)
  std::vector<double> losses;
};
// Minimum loss, first candidate on ties. An empty histogram (C = 0) keeps the first candidate.
MseSearch mse_search(std::span<const std::int64_t> hist, std::int64_t levels);

}  // namespace qtune::calib
