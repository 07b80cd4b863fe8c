#include "grad/rounding_grad.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "qtune/error.h"
#include "qtune/fake_quant.h"

namespace qtune::grad {

namespace {

// Elements come in `channels` x `inner` runs (channels = 1 per tensor), as fake_quant_grad.
struct Layout {
  std::int64_t channels = 1, inner = 1;
  int exponent(std::span<const int> e, std::int64_t i) const {
    return e[static_cast<std::size_t>((i / inner) % channels)];
  }
};

Layout layout_of(const Tensor& w, const TensorQuantConfig& c, std::size_t exponents) {
  if (w.dtype() != DType::Float32) throw Error("learned rounding: the weight is not float32");
  Layout l;
  if (!c.per_channel()) {
    if (exponents != 1) throw Error(fmt::format("learned rounding: per-tensor config with {} exponents", exponents));
    l.inner = std::max<std::int64_t>(w.numel(), 1);
    return l;
  }
  const auto axis = static_cast<std::size_t>(c.channel_axis);
  if (axis >= w.rank())
    throw Error(fmt::format("learned rounding: channel_axis {} out of range for {}", c.channel_axis, shape_str(w.shape())));
  l.channels = w.shape()[axis];
  for (std::size_t d = axis + 1; d < w.rank(); ++d) l.inner *= w.shape()[d];
  if (static_cast<std::int64_t>(exponents) != l.channels)
    throw Error(fmt::format("learned rounding: {} exponents for {} channels of {}", exponents, l.channels,
                            shape_str(w.shape())));
  return l;
}

float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

// h'(V), 0 where h is clipped.
float rectified_sigmoid_grad(float v) {
  const float s = sigmoid(v);
  const float u = s * (kRoundingZeta - kRoundingGamma) + kRoundingGamma;
  return u > 0.0f && u < 1.0f ? (kRoundingZeta - kRoundingGamma) * s * (1.0f - s) : 0.0f;
}

}  // namespace

float rectified_sigmoid(float v) {
  return std::clamp(sigmoid(v) * (kRoundingZeta - kRoundingGamma) + kRoundingGamma, 0.0f, 1.0f);
}

Tensor initial_rounding(const Tensor& w, const TensorQuantConfig& config, std::span<const int> exponents) {
  const Layout l = layout_of(w, config, exponents.size());
  Tensor v = Tensor::uninitialized(DType::Float32, w.shape());
  const float* pw = w.data<float>();
  float* pv = v.data<float>();
  for (std::int64_t i = 0; i < w.numel(); ++i) {
    const float x = pw[i] * std::ldexp(1.0f, -l.exponent(exponents, i));  // exact: power-of-two scale
    const float lo = std::floor(x);
    const float r = x - lo;  // exact
    float value = -std::log((kRoundingZeta - kRoundingGamma) / (r - kRoundingGamma) - 1.0f);
    const bool up = round_as(x, config.rounding) > lo;
    if (up && value < 0.0f) value = 0.0f;
    if (!up && value >= 0.0f) value = -1e-6f;
    pv[i] = value;
  }
  return v;
}

Tensor rounding_forward(const Tensor& w, const Tensor& v, const TensorQuantConfig& config,
                        std::span<const int> exponents, bool hard) {
  const Layout l = layout_of(w, config, exponents.size());
  if (v.shape() != w.shape()) throw Error("learned rounding: V and W differ in shape");
  const float qmin = static_cast<float>(config.quant_min), qmax = static_cast<float>(config.quant_max);
  Tensor q = Tensor::uninitialized(DType::Float32, w.shape());
  const float* pw = w.data<float>();
  const float* pv = v.data<float>();
  float* pq = q.data<float>();
  for (std::int64_t i = 0; i < w.numel(); ++i) {
    const int e = l.exponent(exponents, i);
    const float base = std::floor(pw[i] * std::ldexp(1.0f, -e));
    const float h = hard ? (pv[i] >= 0.0f ? 1.0f : 0.0f) : rectified_sigmoid(pv[i]);
    pq[i] = std::clamp(base + h, qmin, qmax) * std::ldexp(1.0f, e);
  }
  return q;
}

void rounding_backward(const Tensor& w, const Tensor& v, const TensorQuantConfig& config,
                       std::span<const int> exponents, const Tensor& dy, float* dv) {
  const Layout l = layout_of(w, config, exponents.size());
  const float qmin = static_cast<float>(config.quant_min), qmax = static_cast<float>(config.quant_max);
  const float* pw = w.data<float>();
  const float* pv = v.data<float>();
  const float* pg = dy.data<float>();
  for (std::int64_t i = 0; i < w.numel(); ++i) {
    const int e = l.exponent(exponents, i);
    const float u = std::floor(pw[i] * std::ldexp(1.0f, -e)) + rectified_sigmoid(pv[i]);
    if (u < qmin || u > qmax) continue;
    dv[i] += pg[i] * std::ldexp(1.0f, e) * rectified_sigmoid_grad(pv[i]);
  }
}

double rounding_regulariser(const Tensor& v, double beta, double scale, float* dv) {
  const float* pv = v.data<float>();
  double sum = 0.0;
  for (std::int64_t i = 0; i < v.numel(); ++i) {
    const double t = 2.0 * rectified_sigmoid(pv[i]) - 1.0;
    const double a = std::abs(t);
    sum += 1.0 - std::pow(a, beta);
    if (dv && a > 0.0) {
      // d/dV (1 − |t|^β) = −β |t|^(β−1) sign(t) · 2 h'(V)
      const double d = -beta * std::pow(a, beta - 1.0) * (t > 0.0 ? 1.0 : -1.0) * 2.0 * rectified_sigmoid_grad(pv[i]);
      dv[i] += static_cast<float>(scale * d);
    }
  }
  return sum;
}

}  // namespace qtune::grad
