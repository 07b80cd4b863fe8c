#pragma once
// Fake quantization with a trainable scale, forward and backward.
//
// TQT (reference §3.4), power-of-two configs: forward as ESP-DL computes it
// (qtune/fake_quant.h) with the exponents given:
//   q = clamp(round(x / s), qmin, qmax) · s,  s = 2^e per tensor or per channel.
// Backward with the straight-through estimator esp-ppq's autograd produces for
// α̃ = α + stopgrad(round α − α), s = 2^α̃, round with identity gradient:
//   inside (qmin <= round(x/s) <= qmax): ∂q/∂x = 1, ∂q/∂α = (round(x/s) − x/s) · s · ln2;
//   clamped:                             ∂q/∂x = 0, ∂q/∂α = qmin or qmax · s · ln2.
//
// LSQ (reference §3.5), linear configs: the same forward with float32 scales s (x / s is a
// float32 division, as esp-ppq's torch executor computes it), and
//   inside: ∂q/∂x = 1, ∂q/∂s = round(x/s) − x/s;   clamped: ∂q/∂x = 0, ∂q/∂s = qmin or qmax.
// LSQ's gradient scale 1/√(numel·qmax) and the |s| of its parameterisation are applied by
// the caller (grad/block_program.cpp), which knows the trainable.
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

// Linear scales (> 0, finite; else Error naming the config), one or one per channel.
Tensor fake_quant_forward_linear(const Tensor& x, const TensorQuantConfig& config, std::span<const float> scales);

// dy = dL/dq. Writes dL/dx into *dx when non-null; adds Σ dy·∂q/∂s into dscale[channel] when
// non-null (unscaled).
void fake_quant_backward_linear(const Tensor& x, const TensorQuantConfig& config, std::span<const float> scales,
                                const Tensor& dy, Tensor* dx, float* dscale);

// Forward with the config's own stored exponents or linear scales.
Tensor fake_quant_forward_stored(const Tensor& x, const TensorQuantConfig& config);
// Backward (dL/dx only) with the config's own stored exponents or linear scales.
void fake_quant_backward_stored(const Tensor& x, const TensorQuantConfig& config, const Tensor& dy, Tensor* dx);

}  // namespace qtune::grad
