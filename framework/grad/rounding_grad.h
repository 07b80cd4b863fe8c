#pragma once
// Learned weight rounding (AdaRound, Nagel et al. 2020; esp-ppq AdaroundPass, reference §3.7),
// forward and backward. With s = 2^e (per tensor or per channel along config.channel_axis):
//   soft:  W_q = s · clamp(floor(W/s) + h(V), qmin, qmax),  h(V) = clip(σ(V)·(ζ−γ) + γ, 0, 1)
//   hard:  W_q = s · clamp(floor(W/s) + [V ≥ 0], qmin, qmax)   ([V ≥ 0] ⇔ h(V) ≥ 0.5)
// Gradient: ∂W_q/∂V = s · h'(V) inside the clamp, 0 where it clamps (torch.clamp), with
// h'(V) = (ζ−γ)·σ(V)·(1−σ(V)) where h is not clipped, else 0.
// Regulariser: R(V) = Σ (1 − |2h(V) − 1|^β).
#include <span>

#include "qtune/quant_config.h"
#include "qtune/tensor.h"

namespace qtune::grad {

// The rectified sigmoid's stretch (AdaRound paper, §3.2; esp-ppq's zeta / gamma).
inline constexpr float kRoundingZeta = 1.1f;
inline constexpr float kRoundingGamma = -0.1f;

float rectified_sigmoid(float v);  // h(V)

// V with h(V) = frac(W/s) for every element (AdaRound's initialisation), nudged across 0
// where needed so that the hard rounding [V ≥ 0] equals the config's own rounding of W/s
// (ties): before any step the hard-rounded weight is the weight the graph quantizes to.
Tensor initial_rounding(const Tensor& w, const TensorQuantConfig& config, std::span<const int> exponents);

// W_q as above; `hard` picks [V ≥ 0] instead of h(V).
Tensor rounding_forward(const Tensor& w, const Tensor& v, const TensorQuantConfig& config,
                        std::span<const int> exponents, bool hard);

// Adds dL/dV = dy · ∂W_q/∂V (soft forward) into dv (v.numel() floats).
void rounding_backward(const Tensor& w, const Tensor& v, const TensorQuantConfig& config,
                       std::span<const int> exponents, const Tensor& dy, float* dv);

// R(V) = Σ (1 − |2h(V) − 1|^β); when dv is non-null adds scale · ∂R/∂V into it.
double rounding_regulariser(const Tensor& v, double beta, double scale, float* dv);

}  // namespace qtune::grad
