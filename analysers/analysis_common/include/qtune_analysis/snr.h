#pragma once
// The noise:signal power ratio every analyser reports (esp-ppq torch_snr_error,
// esp_ppq/quantization/measure/norm.py) and esp-ppq's running mean over updates
// (MeasureRecorder, analyse/util): lower is better; printed x100 as % by esp-ppq.
#include <cstdint>
#include <span>

#include "qtune/tensor.h"

namespace qtune::analysis {

// Guard added to the signal power (norm.py).
inline constexpr double kSnrSignalGuard = 1e-7;

// Mean over `rows` rows of  sum((pred - real)^2) / (sum(real^2) + 1e-7)  (row-major,
// `cols` values per row). The difference is taken in float32, as torch does.
double snr_rows(const float* pred, const float* real, std::int64_t rows, std::int64_t cols);

// torch_snr_error(pred, real): tensors flattened to [dim0, -1]; a rank-1 tensor is one
// row. Shapes must match (error naming both otherwise).
double snr_tensor(const Tensor& pred, const Tensor& real);

// How much one update weighs in MeasureRecorder: the tensor's dim 0 (a rank-1 tensor's
// length, which is what torch's shape[0] gives even though it is one SNR row).
double snr_weight(const Tensor& t);

// MeasureRecorder(reduce='mean'): measure = (measure * n + result * w) / (n + w), updated
// in call order (the order changes the last bits, so callers keep esp-ppq's order).
class RunningMean {
 public:
  void add(double result, double weight) {
    measure_ = measure_ * count_ + result * weight;
    count_ += weight;
    measure_ /= count_;
  }
  double value() const { return measure_; }
  double weight() const { return count_; }

 private:
  double measure_ = 0;
  double count_ = 0;
};

}  // namespace qtune::analysis
