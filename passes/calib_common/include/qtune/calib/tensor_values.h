#pragma once
// Read-only float32 views of observed tensors and the per-batch reductions the observers
// need (min/max per channel, top-2 per row along an axis).
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "qtune/tensor.h"

namespace qtune::calib {

// The tensor's values as float32: a view when it already is Float32, else a converted copy.
// Throws qtune::Error for an empty tensor (esp-ppq asserts numel > 0), naming `who`.
class FloatValues {
 public:
  FloatValues(const Tensor& t, const char* who);
  std::span<const float> span() const { return span_; }

 private:
  std::vector<float> owned_;
  std::span<const float> span_;
};

// torch's value.min() / value.max() of one batch with NaNs skipped, exactly as the scalar
// loop `lo = v[0]; for x: if (x < lo || isnan(lo)) lo = x` (and the same for hi) gives them:
// the smallest (largest) non-NaN value, and among values that compare equal (+0 and -0) the
// first one in memory order; all NaN: the last NaN. Vectorised (AVX2 lanes when compiled
// for x86-64-v3, SSE2 otherwise); `v` must not be empty.
struct MinMax {
  float min = 0.0f;
  float max = 0.0f;
};
MinMax nan_skipping_min_max(std::span<const float> v);

// Min and max of every channel along `axis` (whole tensor otherwise): torch's
// transpose(0, axis) + flatten(1) + min/max(dim=1). NaNs are skipped.
struct ChannelRange {
  std::vector<float> min;
  std::vector<float> max;
};
ChannelRange channel_min_max(const Tensor& t, int axis);

// (largest, second largest) of every row along `axis` once that axis is moved last, as
// torch.topk(k=2, largest=True, sorted=True) gives them (a repeated maximum fills both).
// Rows come out in an unspecified but fixed order (the isotone sweep does not depend on it).
// Throws when the axis has fewer than two elements.
std::vector<std::pair<float, float>> top2_rows(const Tensor& t, int axis);

}  // namespace qtune::calib
