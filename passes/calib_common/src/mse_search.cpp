#include "qtune/calib/mse_search.h"

#include <algorithm>
#include <string>

#include "qtune/error.h"

namespace qtune::calib {

namespace {
// Level count of int8, the width OBSERVER_MSE_HIST_BINS was chosen for.
constexpr std::int64_t kInt8Levels = 256;
}  // namespace

std::int64_t mse_bins(std::int64_t levels, bool fix_int16_bins) {
  if (!fix_int16_bins || levels <= kInt8Levels) return kMseHistBins;
  return kMseHistBins * ((levels + kInt8Levels - 1) / kInt8Levels);
}

double mse_loss(std::span<const std::int64_t> hist, std::int64_t start, std::int64_t step, std::int64_t end) {
  if (step <= 0) throw Error("mse: grid step " + std::to_string(step) + " must be positive");
  std::int64_t total_count = 0;
  for (const std::int64_t h : hist) total_count += h;
  const double total = static_cast<double>(total_count);
  double loss = 0.0;
  const auto n = static_cast<std::int64_t>(hist.size());
  for (std::int64_t i = 0; i < n; ++i) {
    double error;
    if (i < start) {
      error = static_cast<double>(start - i - 1) + 0.5;
    } else if (i > end) {
      error = static_cast<double>(i - end) + 0.5;
    } else {
      const std::int64_t l = (i - start) % step;
      const std::int64_t r = step - l - 1;
      error = l == r ? static_cast<double>(l) + 0.25 : std::min(static_cast<double>(l) + 0.5, static_cast<double>(r) + 0.5);
    }
    // (bin · error · error) / C, evaluated left to right like the Python loop.
    loss += (static_cast<double>(hist[i]) * error * error) / total;
  }
  return loss;
}

MseSearch mse_search(std::span<const std::int64_t> hist, std::int64_t levels) {
  if (levels < 2) throw Error("mse: " + std::to_string(levels) + " quantization levels (need >= 2)");
  const auto b = static_cast<std::int64_t>(hist.size());
  MseSearch out;
  const std::int64_t per_level = b / levels;
  out.steps.push_back(per_level + 1);
  out.ends.push_back(levels * (per_level + 1));
  for (std::int64_t step = 1; step <= per_level; ++step) {
    const std::int64_t end = levels * step;
    if (end > b + levels) break;
    out.steps.push_back(step);
    out.ends.push_back(end);
  }
  std::int64_t total = 0;
  for (const std::int64_t h : hist) total += h;
  out.best_end = out.ends.front();
  if (total == 0) {  // the reference would divide 0 by 0; every range is 0 then anyway
    out.losses.assign(out.ends.size(), 0.0);
    return out;
  }
  double best = 0.0;
  for (std::size_t c = 0; c < out.ends.size(); ++c) {
    const double loss = mse_loss(hist, 0, out.steps[c], out.ends[c]);
    out.losses.push_back(loss);
    if (c == 0 || loss < best) {
      best = loss;
      out.best_end = out.ends[c];
    }
  }
  return out;
}

}  // namespace qtune::calib
