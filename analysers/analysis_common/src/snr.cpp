#include "qtune_analysis/snr.h"

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune::analysis {

double snr_rows(const float* pred, const float* real, std::int64_t rows, std::int64_t cols) {
  if (rows <= 0) return 0;
  double total = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* p = pred + r * cols;
    const float* q = real + r * cols;
    double noise = 0, signal = 0;
    for (std::int64_t c = 0; c < cols; ++c) {
      const float d = p[c] - q[c];
      noise += double(d) * d;
      signal += double(q[c]) * q[c];
    }
    total += noise / (signal + kSnrSignalGuard);
  }
  return total / static_cast<double>(rows);
}

double snr_tensor(const Tensor& pred, const Tensor& real) {
  if (pred.shape() != real.shape())
    throw Error(fmt::format("snr: shapes differ ({} and {})", shape_str(pred.shape()), shape_str(real.shape())));
  const std::int64_t rows = pred.rank() <= 1 ? 1 : pred.dim(0);
  const std::int64_t cols = rows ? pred.numel() / rows : 0;
  return snr_rows(pred.data<float>(), real.data<float>(), rows, cols);
}

double snr_weight(const Tensor& t) { return t.rank() == 0 ? 1.0 : static_cast<double>(t.dim(0)); }

}  // namespace qtune::analysis
