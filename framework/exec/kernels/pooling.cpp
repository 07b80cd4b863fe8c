// MaxPool (dilations), AveragePool (count_include_pad), both 1-D/2-D with pads,
// auto_pad, strides and ceil_mode; GlobalAveragePool and GlobalMaxPool for any rank.
// One task per (image, channel) plane.
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "exec/kernels/builtin_kernels.h"
#include "exec/kernels/kernel_util.h"
#include "exec/kernels/pool_shape.h"

namespace qtune {

PoolShape pool_shape(const Op& op, const Tensor& x) {
  if (x.rank() != 3 && x.rank() != 4)
    kernel_error(op, fmt::format("expected X of rank 3 (1-D) or 4 (2-D), got {}", shape_str(x.shape())));
  const bool one_d = x.rank() == 3;
  const auto kernel = op.attributes.get_ints("kernel_shape");
  const bool ceil_mode = op.attributes.get_int("ceil_mode", 0) != 0;
  PoolShape p{};
  p.planes = x.dim(0) * x.dim(1);
  p.h = one_d ? 1 : x.dim(2);
  p.w = x.dim(-1);
  const auto dims = resolve_spatial(op, one_d ? Shape{p.w} : Shape{p.h, p.w}, kernel, ceil_mode);
  p.dw = dims.back();
  p.dh = one_d ? SpatialDim{} : dims.front();
  p.out_shape = one_d ? Shape{x.dim(0), x.dim(1), p.dw.out} : Shape{x.dim(0), x.dim(1), p.dh.out, p.dw.out};
  return p;
}

namespace {

using RowMatrix = Tensor::RowMatrix;

void max_pool(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  if (op.outputs.size() > 1 && op.outputs[1] != nullptr) kernel_error(op, "the Indices output is not supported");
  const Tensor& x = input_at(op, in, 0);
  require_dtype(op, x, DType::Float32, "input X");
  const PoolShape p = pool_shape(op, x);
  Tensor y = Tensor::uninitialized(DType::Float32, p.out_shape);
  const float* px = x.data<float>();
  float* py = y.data<float>();
  const SpatialDim &dh = p.dh, &dw = p.dw;
  parallel_chunks(p.planes, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t plane = begin; plane < end; ++plane) {
      const float* src = px + plane * p.h * p.w;
      float* dst = py + plane * dh.out * dw.out;
      for (std::int64_t r = 0; r < dh.out; ++r) {
        for (std::int64_t c = 0; c < dw.out; ++c) {
          float best = -std::numeric_limits<float>::infinity();
          for (std::int64_t i = 0; i < dh.kernel; ++i) {
            const std::int64_t ih = r * dh.stride - dh.pad_begin + i * dh.dilation;
            if (ih < 0 || ih >= p.h) continue;
            for (std::int64_t j = 0; j < dw.kernel; ++j) {
              const std::int64_t iw = c * dw.stride - dw.pad_begin + j * dw.dilation;
              if (iw >= 0 && iw < p.w) best = std::max(best, src[ih * p.w + iw]);
            }
          }
          dst[r * dw.out + c] = best;
        }
      }
    }
  });
  out[0] = std::move(y);
}

void average_pool(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  require_dtype(op, x, DType::Float32, "input X");
  const PoolShape p = pool_shape(op, x);
  if (p.dh.dilation != 1 || p.dw.dilation != 1) kernel_error(op, "dilations other than 1 are not supported");
  const bool include_pad = op.attributes.get_int("count_include_pad", 0) != 0;
  Tensor y = Tensor::uninitialized(DType::Float32, p.out_shape);
  const float* px = x.data<float>();
  float* py = y.data<float>();
  const SpatialDim &dh = p.dh, &dw = p.dw;
  parallel_chunks(p.planes, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t plane = begin; plane < end; ++plane) {
      const float* src = px + plane * p.h * p.w;
      float* dst = py + plane * dh.out * dw.out;
      for (std::int64_t r = 0; r < dh.out; ++r) {
        // Window clipped to the padded input (the part a ceil_mode window overhangs
        // beyond the end padding never counts), then to the input itself.
        const std::int64_t h0 = r * dh.stride - dh.pad_begin;
        const std::int64_t h1 = std::min(h0 + dh.kernel, p.h + dh.pad_end);
        const std::int64_t hs = std::max<std::int64_t>(h0, 0), he = std::min(h1, p.h);
        for (std::int64_t c = 0; c < dw.out; ++c) {
          const std::int64_t w0 = c * dw.stride - dw.pad_begin;
          const std::int64_t w1 = std::min(w0 + dw.kernel, p.w + dw.pad_end);
          const std::int64_t ws = std::max<std::int64_t>(w0, 0), we = std::min(w1, p.w);
          float sum = 0.0f;
          for (std::int64_t ih = hs; ih < he; ++ih)
            for (std::int64_t iw = ws; iw < we; ++iw) sum += src[ih * p.w + iw];
          const std::int64_t count = include_pad ? (h1 - h0) * (w1 - w0) : (he - hs) * (we - ws);
          dst[r * dw.out + c] = count > 0 ? sum / static_cast<float>(count) : 0.0f;
        }
      }
    }
  });
  out[0] = std::move(y);
}

template <bool kMax>
void global_pool(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  require_dtype(op, x, DType::Float32, "input X");
  if (x.rank() < 3) kernel_error(op, fmt::format("expected X of rank >= 3, got {}", shape_str(x.shape())));
  Shape out_shape(x.rank(), 1);
  out_shape[0] = x.dim(0);
  out_shape[1] = x.dim(1);
  const std::int64_t planes = x.dim(0) * x.dim(1), spatial = x.numel() / std::max<std::int64_t>(planes, 1);
  Tensor y = Tensor::uninitialized(DType::Float32, out_shape);
  if (planes > 0 && spatial == 0) kernel_error(op, "empty spatial extent");
  Eigen::Map<const RowMatrix> xm(x.data<float>(), planes, spatial);
  Eigen::Map<Eigen::VectorXf> ym(y.data<float>(), planes);
  parallel_chunks(planes, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(spatial, 1)),
                  [&](std::int64_t begin, std::int64_t end) {
                    if constexpr (kMax) ym.segment(begin, end - begin) = xm.middleRows(begin, end - begin).rowwise().maxCoeff();
                    else ym.segment(begin, end - begin) = xm.middleRows(begin, end - begin).rowwise().mean();
                  });
  out[0] = std::move(y);
}

}  // namespace

void register_pooling_kernels() {
  add_builtin_kernel("MaxPool", max_pool);
  add_builtin_kernel("AveragePool", average_pool);
  add_builtin_kernel("GlobalAveragePool", global_pool<false>);
  add_builtin_kernel("GlobalMaxPool", global_pool<true>);
}

}  // namespace qtune
