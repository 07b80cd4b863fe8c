#include "grad/fake_quant_grad.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <fmt/format.h>
#include <tbb/enumerable_thread_specific.h>

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

template <Rounding kRound>
void forward_run(const float* x, float* q, std::int64_t n, float scale, float inv, float qmin, float qmax) {
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = x[i] * inv;
    const float r = kRound == Rounding::HalfEven ? std::nearbyint(v) : std::floor(v + 0.5f);
    q[i] = std::min(std::max(r, qmin), qmax) * scale;
  }
}

}  // namespace

Tensor fake_quant_forward(const Tensor& x, const TensorQuantConfig& config, std::span<const int> exponents) {
  const Layout l = layout_of(x, config, exponents.size());
  const float qmin = static_cast<float>(config.quant_min), qmax = static_cast<float>(config.quant_max);
  Tensor q = Tensor::uninitialized(DType::Float32, x.shape());
  const float* px = x.data<float>();
  float* pq = q.data<float>();
  parallel_chunks(x.numel(), kElementGrain, [&](std::int64_t s, std::int64_t e) {
    for (std::int64_t i = s; i < e;) {
      const std::int64_t row = i / l.inner, row_end = std::min(e, (row + 1) * l.inner);
      const int ex = exponents[static_cast<std::size_t>(row % l.channels)];
      const float scale = std::ldexp(1.0f, ex), inv = std::ldexp(1.0f, -ex);
      if (config.rounding == Rounding::HalfEven) forward_run<Rounding::HalfEven>(px + i, pq + i, row_end - i, scale, inv, qmin, qmax);
      else forward_run<Rounding::HalfUp>(px + i, pq + i, row_end - i, scale, inv, qmin, qmax);
      i = row_end;
    }
  });
  return q;
}

namespace {

// One run of elements of one channel: writes dx (kDx) and returns Σ dy·∂q/∂α / (s·ln2)
// (kAlpha). Branch-free so it vectorises; the sum is float within a run (at most
// kElementGrain elements), then double across runs.
template <bool kDx, bool kAlpha, Rounding kRound>
float backward_run(const float* x, const float* g, float* dx, std::int64_t n, float inv, float qmin, float qmax) {
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = x[i] * inv;
    const float r = kRound == Rounding::HalfEven ? std::nearbyint(v) : std::floor(v + 0.5f);
    const float c = std::min(std::max(r, qmin), qmax);
    const bool inside = r == c;
    if constexpr (kDx) dx[i] = inside ? g[i] : 0.0f;
    if constexpr (kAlpha) sum += g[i] * (inside ? r - v : c);
  }
  return sum;
}

template <bool kDx, bool kAlpha>
float backward_run(Rounding r, const float* x, const float* g, float* dx, std::int64_t n, float inv, float qmin, float qmax) {
  return r == Rounding::HalfEven ? backward_run<kDx, kAlpha, Rounding::HalfEven>(x, g, dx, n, inv, qmin, qmax)
                                 : backward_run<kDx, kAlpha, Rounding::HalfUp>(x, g, dx, n, inv, qmin, qmax);
}

}  // namespace

void fake_quant_backward(const Tensor& x, const TensorQuantConfig& config, std::span<const int> exponents,
                         const Tensor& dy, Tensor* dx, float* dalpha) {
  const Layout l = layout_of(x, config, exponents.size());
  const float qmin = static_cast<float>(config.quant_min), qmax = static_cast<float>(config.quant_max);
  const float* px = x.data<float>();
  const float* pg = dy.data<float>();
  float* pd = nullptr;
  if (dx) {
    *dx = Tensor::uninitialized(DType::Float32, x.shape());
    pd = dx->data<float>();
  }
  if (!pd && !dalpha) return;
  const auto channels = static_cast<std::size_t>(l.channels);
  tbb::enumerable_thread_specific<std::vector<double>> partial([&] { return std::vector<double>(channels, 0.0); });
  parallel_chunks(x.numel(), kElementGrain, [&](std::int64_t s, std::int64_t e) {
    std::vector<double>* acc = dalpha ? &partial.local() : nullptr;
    for (std::int64_t i = s; i < e;) {
      const std::int64_t row = i / l.inner, row_end = std::min(e, (row + 1) * l.inner);
      const auto ch = static_cast<std::size_t>(row % l.channels);
      const float inv = std::ldexp(1.0f, -exponents[ch]);
      const std::int64_t n = row_end - i;
      float* d = pd ? pd + i : nullptr;
      if (pd && acc) (*acc)[ch] += backward_run<true, true>(config.rounding, px + i, pg + i, d, n, inv, qmin, qmax);
      else if (acc) (*acc)[ch] += backward_run<false, true>(config.rounding, px + i, pg + i, d, n, inv, qmin, qmax);
      else backward_run<true, false>(config.rounding, px + i, pg + i, d, n, inv, qmin, qmax);
      i = row_end;
    }
  });
  if (!dalpha) return;
  for (std::size_t c = 0; c < channels; ++c) {
    double total = 0.0;
    for (const auto& part : partial) total += part[c];
    dalpha[c] += static_cast<float>(total * std::ldexp(1.0, exponents[c]) * std::numbers::ln2);
  }
}

}  // namespace qtune::grad
