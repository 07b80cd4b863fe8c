#pragma once
// Fake quantization with a trainable log2-scale (TQT, reference §3.4), forward and backward.
// Forward as ESP-DL computes it (qtune/fake_quant.h) with the exponents given:
//   q = clamp(round(x / s), qmin, qmax) · s,  s = 2^e per tensor or per channel.
// Backward with the straight-through estimator esp-ppq's autograd produces for
// α̃ = α + stopgrad(round α − α), s = 2^α̃, round with identity gradient:
//   inside (qmin <= round(x/s) <= qmax): ∂q/∂x = 1, ∂q/∂α = (round(x/s) − x/s) · s · ln2;
//   clamped:                             ∂q/∂x = 0, ∂q/∂α = qmin or qmax · s · ln2.
#include <span>

#include "qtune/quant_config.h"
#include "qtune/tensor.h"

namespace qtune::grad {

// `exponents`: one, or one per channel along config.channel_axis (config's own are ignored).
Tensor fake_quant_forward(const Tensor& x, const TensorQuantConfig& config, std::span<const int> exponents);

// dy = dL/dq. Writes dL/dx into *dx when dx is non-null; adds dL/dα into dalpha[channel]
// when dalpha is non-null (one entry per exponent).
void fake_quant_backward(const Tensor& x, const TensorQuantConfig& config, std::span<const int> exponents,
                         const Tensor& dy, Tensor* dx, float* dalpha);

}  // namespace qtune::grad
