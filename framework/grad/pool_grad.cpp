// MaxPool / AveragePool (1-D and 2-D, pads, strides, ceil_mode, count_include_pad) and
// GlobalAveragePool backward, one task per (image, channel) plane. MaxPool routes each
// output's gradient to the first maximum of its window (torch's choice on ties); AveragePool
// spreads it over the window with the forward kernel's divisor.
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "exec/kernels/pool_shape.h"
#include "grad/op_gradient.h"

namespace qtune::grad {

namespace {

void max_pool(const BackwardArgs& a) {
  if (!a.wanted[0]) return;
  const Tensor& x = input_at(a.op, a.inputs, 0);
  const PoolShape p = pool_shape(a.op, x);
  Tensor dx(DType::Float32, x.shape());
  const float* px = x.data<float>();
  const float* pg = (*a.grad_outputs[0]).data<float>();
  float* pd = dx.data<float>();
  const SpatialDim &dh = p.dh, &dw = p.dw;
  parallel_chunks(p.planes, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t plane = begin; plane < end; ++plane) {
      const float* src = px + plane * p.h * p.w;
      float* dst = pd + plane * p.h * p.w;
      const float* g = pg + plane * dh.out * dw.out;
      for (std::int64_t r = 0; r < dh.out; ++r)
        for (std::int64_t c = 0; c < dw.out; ++c) {
          float best = -std::numeric_limits<float>::infinity();
          std::int64_t at = -1;
          for (std::int64_t i = 0; i < dh.kernel; ++i) {
            const std::int64_t ih = r * dh.stride - dh.pad_begin + i * dh.dilation;
            if (ih < 0 || ih >= p.h) continue;
            for (std::int64_t j = 0; j < dw.kernel; ++j) {
              const std::int64_t iw = c * dw.stride - dw.pad_begin + j * dw.dilation;
              if (iw < 0 || iw >= p.w) continue;
              const float v = src[ih * p.w + iw];
              if (at < 0 || v > best) best = v, at = ih * p.w + iw;
            }
          }
          if (at >= 0) dst[at] += g[r * dw.out + c];
        }
    }
  });
  a.grad_inputs[0] = std::move(dx);
}

void average_pool(const BackwardArgs& a) {
  if (!a.wanted[0]) return;
  const Tensor& x = input_at(a.op, a.inputs, 0);
  const PoolShape p = pool_shape(a.op, x);
  const bool include_pad = a.op.attributes.get_int("count_include_pad", 0) != 0;
  Tensor dx(DType::Float32, x.shape());
  const float* pg = (*a.grad_outputs[0]).data<float>();
  float* pd = dx.data<float>();
  const SpatialDim &dh = p.dh, &dw = p.dw;
  parallel_chunks(p.planes, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t plane = begin; plane < end; ++plane) {
      float* dst = pd + plane * p.h * p.w;
      const float* g = pg + plane * dh.out * dw.out;
      for (std::int64_t r = 0; r < dh.out; ++r) {
        // The same window clipping as the forward kernel (exec/kernels/pooling.cpp).
        const std::int64_t h0 = r * dh.stride - dh.pad_begin;
        const std::int64_t h1 = std::min(h0 + dh.kernel, p.h + dh.pad_end);
        const std::int64_t hs = std::max<std::int64_t>(h0, 0), he = std::min(h1, p.h);
        for (std::int64_t c = 0; c < dw.out; ++c) {
          const std::int64_t w0 = c * dw.stride - dw.pad_begin;
          const std::int64_t w1 = std::min(w0 + dw.kernel, p.w + dw.pad_end);
          const std::int64_t ws = std::max<std::int64_t>(w0, 0), we = std::min(w1, p.w);
          const std::int64_t count = include_pad ? (h1 - h0) * (w1 - w0) : (he - hs) * (we - ws);
          if (count <= 0) continue;
          const float share = g[r * dw.out + c] / static_cast<float>(count);
          for (std::int64_t ih = hs; ih < he; ++ih)
            for (std::int64_t iw = ws; iw < we; ++iw) dst[ih * p.w + iw] += share;
        }
      }
    }
  });
  a.grad_inputs[0] = std::move(dx);
}

void global_average_pool(const BackwardArgs& a) {
  if (!a.wanted[0]) return;
  const Tensor& x = input_at(a.op, a.inputs, 0);
  const std::int64_t planes = x.dim(0) * x.dim(1), spatial = x.numel() / std::max<std::int64_t>(planes, 1);
  Tensor dx = Tensor::uninitialized(DType::Float32, x.shape());
  const float* pg = (*a.grad_outputs[0]).data<float>();
  float* pd = dx.data<float>();
  const float inv = 1.0f / static_cast<float>(spatial);
  for (std::int64_t q = 0; q < planes; ++q) std::fill(pd + q * spatial, pd + (q + 1) * spatial, pg[q] * inv);
  a.grad_inputs[0] = std::move(dx);
}

std::string average_pool_support(const Op& op) {
  for (std::int64_t d : op.attributes.get_ints("dilations", {}))
    if (d != 1) return "no gradient for AveragePool with dilations";
  return "";
}

}  // namespace

void register_pool_gradients() {
  add_gradient("MaxPool", {max_pool, nullptr});
  add_gradient("AveragePool", {average_pool, average_pool_support});
  add_gradient("GlobalAveragePool", {global_average_pool, nullptr});
}

}  // namespace qtune::grad
