// ConvTranspose (1-D and 2-D; group, strides, pads, output_padding, output_shape,
// dilations): columns = W^T * X by Eigen GEMM, then scattered (col2im) into the output.
// Tasks are (image, group, tile of output channels), so batch 1 still runs in parallel.
#include <algorithm>

#include <fmt/format.h>

#include "exec/kernels/builtin_kernels.h"
#include "exec/kernels/kernel_util.h"

namespace qtune {

namespace {

using RowMatrix = Tensor::RowMatrix;

constexpr std::int64_t kMaxColumnFloats = 1 << 18;  // as in conv.cpp: ~1 MiB of columns per task

struct Dim {
  std::int64_t in, out, kernel, stride, dilation, pad_begin;
};

// Spatial geometry per ONNX ConvTranspose; with output_shape or SAME_* auto_pad the
// total padding is split as ONNX Runtime does (odd padding: SAME_UPPER puts more at the
// head, otherwise at the tail).
std::vector<Dim> resolve(const Op& op, const Shape& in, const Shape& kernel) {
  const std::size_t n = in.size();
  const auto& a = op.attributes;
  const auto strides = a.get_ints("strides", std::vector<std::int64_t>(n, 1));
  const auto dilations = a.get_ints("dilations", std::vector<std::int64_t>(n, 1));
  const auto pads = a.get_ints("pads", std::vector<std::int64_t>(2 * n, 0));
  const auto out_pad = a.get_ints("output_padding", std::vector<std::int64_t>(n, 0));
  auto out_shape = a.get_ints("output_shape", {});
  const std::string auto_pad = a.get_string("auto_pad", "NOTSET");
  if (strides.size() != n || dilations.size() != n || pads.size() != 2 * n || out_pad.size() != n)
    kernel_error(op, fmt::format("strides/dilations/output_padding need {} entries and pads {}", n, 2 * n));
  if (!out_shape.empty()) {
    if (out_shape.size() < n) kernel_error(op, fmt::format("output_shape {} has fewer than {} dims", shape_str(out_shape), n));
    out_shape.erase(out_shape.begin(), out_shape.end() - static_cast<std::ptrdiff_t>(n));
  }
  std::vector<Dim> dims(n);
  for (std::size_t i = 0; i < n; ++i) {
    Dim& d = dims[i];
    d.in = in[i];
    d.kernel = kernel[i];
    d.stride = strides[i];
    d.dilation = dilations[i];
    const std::int64_t full = d.stride * (d.in - 1) + out_pad[i] + (d.kernel - 1) * d.dilation + 1;
    const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
    if (!out_shape.empty() || same) {
      d.out = out_shape.empty() ? d.in * d.stride : out_shape[i];
      const std::int64_t total = full - d.out;
      d.pad_begin = auto_pad == "SAME_UPPER" ? total - total / 2 : total / 2;
    } else {
      d.pad_begin = auto_pad == "VALID" ? 0 : pads[i];
      const std::int64_t pad_end = auto_pad == "VALID" ? 0 : pads[i + n];
      d.out = full - d.pad_begin - pad_end;
    }
    if (d.out < 0) kernel_error(op, fmt::format("negative output size on spatial dim {}", i));
  }
  return dims;
}

void conv_transpose(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const Tensor& weight = input_at(op, in, 1);
  require_dtype(op, x, DType::Float32, "input X");
  require_dtype(op, weight, DType::Float32, "weight W");
  const bool one_d = x.rank() == 3;
  if ((x.rank() != 3 && x.rank() != 4) || weight.rank() != x.rank())
    kernel_error(op, fmt::format("expected X and W of rank 3 or 4, got X {} and W {}", shape_str(x.shape()),
                                 shape_str(weight.shape())));
  const std::int64_t n = x.dim(0), c = x.dim(1), h = one_d ? 1 : x.dim(2), w = x.dim(-1);
  const std::int64_t group = op.attributes.get_int("group", 1);
  if (group < 1 || c % group != 0 || weight.dim(0) != c)
    kernel_error(op, fmt::format("group {} does not fit X {} and W {} (expected W[0] == C)", group,
                                 shape_str(x.shape()), shape_str(weight.shape())));
  const std::int64_t cg = c / group, mg = weight.dim(1), m = mg * group;
  const std::int64_t kh = one_d ? 1 : weight.dim(2), kw = weight.dim(-1), kk = kh * kw;
  const auto dims = one_d ? resolve(op, {w}, {kw}) : resolve(op, {h, w}, {kh, kw});
  const Dim dh = one_d ? Dim{1, 1, 1, 1, 1, 0} : dims.front();
  const Dim& dw = dims.back();
  const std::int64_t oh = dh.out, ow = dw.out, hw = h * w, out_hw = oh * ow;

  const Tensor* b = optional_input(in, 2);
  if (b && b->numel() != m) kernel_error(op, fmt::format("bias has {} values, expected {}", b->numel(), m));
  const float* bias = b ? b->data<float>() : nullptr;
  Tensor y = Tensor::uninitialized(DType::Float32, one_d ? Shape{n, m, ow} : Shape{n, m, oh, ow});
  float* py = y.data<float>();
  const float* px = x.data<float>();
  Eigen::Map<const RowMatrix> weights(weight.data<float>(), c, mg * kk);

  const std::int64_t by_memory = std::max<std::int64_t>(1, kMaxColumnFloats / std::max<std::int64_t>(kk * hw, 1));
  const std::int64_t tile_m = std::clamp<std::int64_t>(by_memory, 1, std::max<std::int64_t>(1, (mg + 3) / 4));
  const std::int64_t tiles = (mg + tile_m - 1) / tile_m;
  parallel_chunks(n * group * tiles, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t tile = t % tiles, g = (t / tiles) % group, img = t / (tiles * group);
      const std::int64_t m0 = tile * tile_m, m1 = std::min(mg, m0 + tile_m), rows = (m1 - m0) * kk;
      float* col = thread_scratch(static_cast<std::size_t>(rows * hw));
      Eigen::Map<RowMatrix> cols(col, rows, hw);
      Eigen::Map<const RowMatrix> x_g(px + (img * c + g * cg) * hw, cg, hw);
      cols.noalias() = weights.block(g * cg, m0 * kk, cg, rows).transpose() * x_g;
      for (std::int64_t ml = m0; ml < m1; ++ml) {
        const std::int64_t oc = g * mg + ml;
        float* plane = py + (img * m + oc) * out_hw;
        std::fill(plane, plane + out_hw, bias ? bias[oc] : 0.0f);
        for (std::int64_t i = 0; i < kh; ++i) {
          for (std::int64_t j = 0; j < kw; ++j) {
            const float* src = col + ((ml - m0) * kk + i * kw + j) * hw;
            for (std::int64_t r = 0; r < h; ++r) {
              const std::int64_t orow = r * dh.stride - dh.pad_begin + i * dh.dilation;
              if (orow < 0 || orow >= oh) continue;
              float* dst = plane + orow * ow;
              const std::int64_t offset = j * dw.dilation - dw.pad_begin;
              for (std::int64_t q = 0; q < w; ++q) {
                const std::int64_t ocol = q * dw.stride + offset;
                if (ocol >= 0 && ocol < ow) dst[ocol] += src[r * w + q];
              }
            }
          }
        }
      }
    }
  });
  out[0] = std::move(y);
}

}  // namespace

void register_conv_transpose_kernels() { add_builtin_kernel("ConvTranspose", conv_transpose); }

}  // namespace qtune
