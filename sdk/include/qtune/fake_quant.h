#pragma once
// Fake quantization as ESP-DL computes it (reference §6.2, §1.2, Errata 1):
//   q = clamp(round(x / s), qmin, qmax) * s,  s = 2^exponent  (per tensor, or per channel
//   along channel_axis), all in float32 like esp-ppq's torch executor. A Linear config
//   (TensorQuantConfig::linear(), not an ESP-DL form) uses its float32 scales the same way.
// Rounding: HalfEven = banker's rounding (torch.round); HalfUp = float32 floor(x + 0.5f)
// (ties toward +inf: -2.5 -> -2; odd integers in [2^23, 2^24) become x + 1).
#include <cstdint>
#include <vector>

#include "qtune/quant_config.h"
#include "qtune/tensor.h"

namespace qtune {

// One float32 value rounded as the config's rounding does it.
float round_as(float x, Rounding rounding);

// Float32 tensor -> fake-quantized copy / in place. Throws qtune::Error naming the
// mismatch when the config has no exponent (scale) or the per-channel count is wrong, or a
// linear scale is not finite and positive.
Tensor fake_quantize(const Tensor& x, const TensorQuantConfig& config);
void fake_quantize_inplace(Tensor& x, const TensorQuantConfig& config);

// Integer values clamp(round(x / s), qmin, qmax), row-major like x (for export).
std::vector<std::int64_t> quantize_to_int(const Tensor& x, const TensorQuantConfig& config);

}  // namespace qtune
