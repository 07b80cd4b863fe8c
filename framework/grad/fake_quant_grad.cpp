#include "grad/fake_quant_grad.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <fmt/format.h>

#include "exec/kernels/kernel_util.h"
#include "qtune/fake_quant.h"

namespace qtune::grad {

namespace {

// `outer` blocks of `channels` x `inner` elements (channels = 1 per tensor).
struct Layout {
  std::int64_t channels = 1, inner = 1;
};

Layout layout_of(const Tensor& x, const TensorQuantConfig& c, std::size_t exponents) {
  Layout l;
  if (!c.per_channel()) {
    if (exponents != 1) throw Error(fmt::format("fake quantization: per-tensor config with {} exponents", exponents));
    l.inner = x.numel();
    return l;
  }
  const auto axis = static_cast<std::size_t>(c.channel_axis);
  if (axis >= x.rank())
    throw Error(fmt::format("fake quantization: channel_axis {} out of range for {}", c.channel_axis, shape_str(x.shape())));
  l.channels = x.shape()[axis];
  for (std::size_t d = axis + 1; d < x.rank(); ++d) l.inner *= x.shape()[d];
  if (static_cast<std::int64_t>(exponents) != l.channels)
    throw Error(fmt::format("fake quantization: {} exponents for {} channels of {}", exponents, l.channels,
                            shape_str(x.shape())));
  return l;
}

// One channel's scale: power-of-two configs multiply by the exact inverse (x · 2^-e is
// x / 2^e); linear ones divide, as esp-ppq's torch executor does.
struct RunScale {
  float scale = 1.0f, inv = 1.0f;
  bool divide = false;
};

std::vector<RunScale> pow2_scales(std::span<const int> exponents) {
  std::vector<RunScale> r;
  for (int e : exponents) r.push_back({std::ldexp(1.0f, e), std::ldexp(1.0f, -e), false});
  return r;
}

std::vector<RunScale> linear_scales(const TensorQuantConfig& config, std::span<const float> scales) {
  std::vector<RunScale> r;
  for (std::size_t c = 0; c < scales.size(); ++c) {
    const float s = scales[c];
    if (!(s > 0.0f) || !std::isfinite(s))
      throw Error(fmt::format("fake quantization: linear scale {} of channel {} (config applied at '{}') is not a "
                              "finite positive number", s, c, config.applied_at));
    r.push_back({s, 1.0f / s, true});
  }
  return r;
}

template <Rounding kRound, bool kDivide>
void forward_run(const float* x, float* q, std::int64_t n, float scale, float inv, float qmin, float qmax) {
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = kDivide ? x[i] / scale : x[i] * inv;
    const float r = kRound == Rounding::HalfEven ? std::nearbyint(v) : std::floor(v + 0.5f);
    q[i] = std::min(std::max(r, qmin), qmax) * scale;
  }
}

Tensor forward(const Tensor& x, const TensorQuantConfig& config, const std::vector<RunScale>& scales) {
  const Layout l = layout_of(x, config, scales.size());
  const float qmin = static_cast<float>(config.quant_min), qmax = static_cast<float>(config.quant_max);
  Tensor q = Tensor::uninitialized(DType::Float32, x.shape());
  const float* px = x.data<float>();
  float* pq = q.data<float>();
  parallel_chunks(x.numel(), kElementGrain, [&](std::int64_t s, std::int64_t e) {
    for (std::int64_t i = s; i < e;) {
      const std::int64_t row = i / l.inner, row_end = std::min(e, (row + 1) * l.inner);
      const RunScale& rs = scales[static_cast<std::size_t>(row % l.channels)];
      const bool even = config.rounding == Rounding::HalfEven;
      if (rs.divide) {
        if (even) forward_run<Rounding::HalfEven, true>(px + i, pq + i, row_end - i, rs.scale, rs.inv, qmin, qmax);
        else forward_run<Rounding::HalfUp, true>(px + i, pq + i, row_end - i, rs.scale, rs.inv, qmin, qmax);
      } else {
        if (even) forward_run<Rounding::HalfEven, false>(px + i, pq + i, row_end - i, rs.scale, rs.inv, qmin, qmax);
        else forward_run<Rounding::HalfUp, false>(px + i, pq + i, row_end - i, rs.scale, rs.inv, qmin, qmax);
      }
      i = row_end;
    }
  });
  return q;
}

}  // namespace

Tensor fake_quant_forward(const Tensor& x, const TensorQuantConfig& config, std::span<const int> exponents) {
  return forward(x, config, pow2_scales(exponents));
}

Tensor fake_quant_forward_linear(const Tensor& x, const TensorQuantConfig& config, std::span<const float> scales) {
  return forward(x, config, linear_scales(config, scales));
}

namespace {

// One run of elements of one channel: writes dx (kDx) and returns Σ dy·∂q/∂s (kScale), with
// ∂q/∂s = round(x/s) − x/s inside and qmin / qmax where it clamps (the common factor of the
// TQT and LSQ gradients). Branch-free so it vectorises; the sum is float within a run (at
// most kElementGrain elements), then double across runs.
template <bool kDx, bool kScale, Rounding kRound, bool kDivide>
float backward_run(const float* x, const float* g, float* dx, std::int64_t n, float scale, float inv, float qmin,
                   float qmax) {
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = kDivide ? x[i] / scale : x[i] * inv;
    const float r = kRound == Rounding::HalfEven ? std::nearbyint(v) : std::floor(v + 0.5f);
    const float c = std::min(std::max(r, qmin), qmax);
    const bool inside = r == c;
    if constexpr (kDx) dx[i] = inside ? g[i] : 0.0f;
    if constexpr (kScale) sum += g[i] * (inside ? r - v : c);
  }
  return sum;
}

template <bool kDx, bool kScale>
float backward_run(Rounding r, const RunScale& rs, const float* x, const float* g, float* dx, std::int64_t n, float qmin,
                   float qmax) {
  if (rs.divide)
    return r == Rounding::HalfEven
               ? backward_run<kDx, kScale, Rounding::HalfEven, true>(x, g, dx, n, rs.scale, rs.inv, qmin, qmax)
               : backward_run<kDx, kScale, Rounding::HalfUp, true>(x, g, dx, n, rs.scale, rs.inv, qmin, qmax);
  return r == Rounding::HalfEven
             ? backward_run<kDx, kScale, Rounding::HalfEven, false>(x, g, dx, n, rs.scale, rs.inv, qmin, qmax)
             : backward_run<kDx, kScale, Rounding::HalfUp, false>(x, g, dx, n, rs.scale, rs.inv, qmin, qmax);
}

// dL/dx into *dx (when non-null); returns Σ dy·∂q/∂s per channel when `want_scale`.
std::vector<double> backward(const Tensor& x, const TensorQuantConfig& config, const std::vector<RunScale>& scales,
                             const Tensor& dy, Tensor* dx, bool want_scale) {
  const Layout l = layout_of(x, config, scales.size());
  const float qmin = static_cast<float>(config.quant_min), qmax = static_cast<float>(config.quant_max);
  const float* px = x.data<float>();
  const float* pg = dy.data<float>();
  float* pd = nullptr;
  if (dx) {
    *dx = Tensor::uninitialized(DType::Float32, x.shape());
    pd = dx->data<float>();
  }
  const auto channels = static_cast<std::size_t>(l.channels);
  if (!pd && !want_scale) return {};
  // One partial sum per fixed chunk, added in chunk order: the same bits on every run.
  const std::int64_t n_chunks = (x.numel() + kElementGrain - 1) / kElementGrain;
  std::vector<std::vector<double>> partial(want_scale ? static_cast<std::size_t>(n_chunks) : 0,
                                           std::vector<double>(channels, 0.0));
  parallel_fixed_chunks(x.numel(), kElementGrain, [&](std::int64_t chunk, std::int64_t s, std::int64_t e) {
    std::vector<double>* acc = want_scale ? &partial[static_cast<std::size_t>(chunk)] : nullptr;
    for (std::int64_t i = s; i < e;) {
      const std::int64_t row = i / l.inner, row_end = std::min(e, (row + 1) * l.inner);
      const auto ch = static_cast<std::size_t>(row % l.channels);
      const RunScale& rs = scales[ch];
      const std::int64_t n = row_end - i;
      float* d = pd ? pd + i : nullptr;
      if (pd && acc) (*acc)[ch] += backward_run<true, true>(config.rounding, rs, px + i, pg + i, d, n, qmin, qmax);
      else if (acc) (*acc)[ch] += backward_run<false, true>(config.rounding, rs, px + i, pg + i, d, n, qmin, qmax);
      else backward_run<true, false>(config.rounding, rs, px + i, pg + i, d, n, qmin, qmax);
      i = row_end;
    }
  });
  std::vector<double> totals(want_scale ? channels : 0, 0.0);
  for (std::size_t c = 0; c < totals.size(); ++c)
    for (const auto& part : partial) totals[c] += part[c];
  return totals;
}

}  // namespace

void fake_quant_backward(const Tensor& x, const TensorQuantConfig& config, std::span<const int> exponents,
                         const Tensor& dy, Tensor* dx, float* dalpha) {
  const std::vector<double> ds = backward(x, config, pow2_scales(exponents), dy, dx, dalpha != nullptr);
  for (std::size_t c = 0; c < ds.size(); ++c)
    dalpha[c] += static_cast<float>(ds[c] * std::ldexp(1.0, exponents[c]) * std::numbers::ln2);
}

void fake_quant_backward_linear(const Tensor& x, const TensorQuantConfig& config, std::span<const float> scales,
                                const Tensor& dy, Tensor* dx, float* dscale) {
  const std::vector<double> ds = backward(x, config, linear_scales(config, scales), dy, dx, dscale != nullptr);
  for (std::size_t c = 0; c < ds.size(); ++c) dscale[c] += static_cast<float>(ds[c]);
}

Tensor fake_quant_forward_stored(const Tensor& x, const TensorQuantConfig& config) {
  return config.linear() ? fake_quant_forward_linear(x, config, config.scales)
                         : fake_quant_forward(x, config, config.exponents);
}

void fake_quant_backward_stored(const Tensor& x, const TensorQuantConfig& config, const Tensor& dy, Tensor* dx) {
  if (config.linear()) fake_quant_backward_linear(x, config, config.scales, dy, dx, nullptr);
  else fake_quant_backward(x, config, config.exponents, dy, dx, nullptr);
}

}  // namespace qtune::grad
