// Softmax / LogSoftmax (opset-13 semantics: one axis, default -1), inference
// BatchNormalization, LayerNormalization and InstanceNormalization.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "exec/kernels/builtin_kernels.h"
#include "exec/kernels/kernel_util.h"

namespace qtune {

namespace {

// Softmax over `axis` as opset >= 13 defines it. Graphs of opset < 13 (coerced 2-D
// semantics) must be normalised by the importer: the kernel cannot see the opset.
template <bool kLog>
void softmax(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  require_dtype(op, x, DType::Float32, "input");
  const auto rank = static_cast<std::int64_t>(x.rank());
  Tensor y = Tensor::uninitialized(DType::Float32, x.shape());
  if (rank == 0 || x.numel() == 0) {
    if (rank == 0) *y.data<float>() = kLog ? 0.0f : 1.0f;
    out[0] = std::move(y);
    return;
  }
  const auto axis = static_cast<std::size_t>(normalize_axis(op, op.attributes.get_int("axis", -1), rank));
  std::int64_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < x.rank(); ++d) {
    if (d < axis) outer *= x.shape()[d];
    if (d > axis) inner *= x.shape()[d];
  }
  const std::int64_t len = x.shape()[axis];
  const float* px = x.data<float>();
  float* py = y.data<float>();
  const std::int64_t lines = outer * inner;
  parallel_chunks(lines, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(len, 1)),
                  [&](std::int64_t begin, std::int64_t end) {
                    for (std::int64_t line = begin; line < end; ++line) {
                      const std::int64_t o = line / inner, i = line % inner;
                      const float* src = px + o * len * inner + i;
                      float* dst = py + o * len * inner + i;
                      float mx = src[0];
                      for (std::int64_t k = 1; k < len; ++k) mx = std::max(mx, src[k * inner]);
                      float sum = 0.0f;
                      for (std::int64_t k = 0; k < len; ++k) {
                        const float e = std::exp(src[k * inner] - mx);
                        sum += e;
                        if (!kLog) dst[k * inner] = e;
                      }
                      if constexpr (kLog) {
                        const float shift = mx + std::log(sum);
                        for (std::int64_t k = 0; k < len; ++k) dst[k * inner] = src[k * inner] - shift;
                      } else {
                        const float inv = 1.0f / sum;
                        for (std::int64_t k = 0; k < len; ++k) dst[k * inner] *= inv;
                      }
                    }
                  });
  out[0] = std::move(y);
}

// y = x * a[c] + b[c] over (image, channel) planes.
void channel_affine(const Tensor& x, const std::vector<float>& a, const std::vector<float>& b, Tensor& y) {
  const std::int64_t n = x.dim(0), c = x.dim(1), plane = n * c != 0 ? x.numel() / (n * c) : 0;
  const float* px = x.data<float>();
  float* py = y.data<float>();
  parallel_chunks(n * c, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(plane, 1)),
                  [&](std::int64_t begin, std::int64_t end) {
                    for (std::int64_t p = begin; p < end; ++p) {
                      const auto ch = static_cast<std::size_t>(p % c);
                      Eigen::Map<Eigen::ArrayXf>(py + p * plane, plane) =
                          Eigen::Map<const Eigen::ArrayXf>(px + p * plane, plane) * a[ch] + b[ch];
                    }
                  });
}

std::vector<float> channel_values(const Op& op, Inputs in, std::size_t i, std::int64_t c, const char* what) {
  const Tensor& t = input_at(op, in, i);
  if (t.numel() != c) kernel_error(op, fmt::format("{} has {} values, expected {} (channels)", what, t.numel(), c));
  return t.to_float();
}

void batch_norm(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  require_dtype(op, x, DType::Float32, "input X");
  if (x.rank() < 2) kernel_error(op, fmt::format("expected X of rank >= 2, got {}", shape_str(x.shape())));
  if (op.attributes.get_int("training_mode", 0) != 0) kernel_error(op, "training_mode is not supported");
  const std::int64_t c = x.dim(1);
  const float eps = op.attributes.get_float("epsilon", 1e-5f);
  const auto scale = channel_values(op, in, 1, c, "scale");
  const auto bias = channel_values(op, in, 2, c, "B");
  const auto mean = channel_values(op, in, 3, c, "mean");
  const auto var = channel_values(op, in, 4, c, "var");
  std::vector<float> a(static_cast<std::size_t>(c)), b(static_cast<std::size_t>(c));
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = scale[i] / std::sqrt(var[i] + eps);
    b[i] = bias[i] - mean[i] * a[i];
  }
  Tensor y = Tensor::uninitialized(DType::Float32, x.shape());
  channel_affine(x, a, b, y);
  out[0] = std::move(y);
}

void instance_norm(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  require_dtype(op, x, DType::Float32, "input");
  if (x.rank() < 3) kernel_error(op, fmt::format("expected X of rank >= 3, got {}", shape_str(x.shape())));
  const std::int64_t n = x.dim(0), c = x.dim(1), plane = n * c != 0 ? x.numel() / (n * c) : 0;
  const float eps = op.attributes.get_float("epsilon", 1e-5f);
  const auto scale = channel_values(op, in, 1, c, "scale");
  const auto bias = channel_values(op, in, 2, c, "B");
  Tensor y = Tensor::uninitialized(DType::Float32, x.shape());
  const float* px = x.data<float>();
  float* py = y.data<float>();
  parallel_chunks(n * c, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      Eigen::Map<const Eigen::ArrayXf> v(px + p * plane, plane);
      const float mu = v.mean();
      const float var = (v - mu).square().mean();
      const auto ch = static_cast<std::size_t>(p % c);
      const float a = scale[ch] / std::sqrt(var + eps);
      Eigen::Map<Eigen::ArrayXf>(py + p * plane, plane) = (v - mu) * a + bias[ch];
    }
  });
  out[0] = std::move(y);
}

// LayerNormalization: normalise over dims [axis, rank); scale/bias broadcast over them.
void layer_norm(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  require_dtype(op, x, DType::Float32, "input X");
  const auto rank = static_cast<std::int64_t>(x.rank());
  const auto axis = static_cast<std::size_t>(normalize_axis(op, op.attributes.get_int("axis", -1), rank));
  const float eps = op.attributes.get_float("epsilon", 1e-5f);
  std::int64_t rows = 1;
  for (std::size_t d = 0; d < axis; ++d) rows *= x.shape()[d];
  const std::int64_t cols = rows ? x.numel() / rows : 0;
  const Tensor& scale = input_at(op, in, 1);
  const Tensor* bias = optional_input(in, 2);
  if (scale.numel() != cols && scale.numel() != 1)
    kernel_error(op, fmt::format("scale {} does not match the normalised size {}", shape_str(scale.shape()), cols));
  if (bias && bias->numel() != cols && bias->numel() != 1)
    kernel_error(op, fmt::format("bias {} does not match the normalised size {}", shape_str(bias->shape()), cols));
  Eigen::ArrayXf s = Eigen::Map<const Eigen::ArrayXf>(scale.data<float>(), scale.numel());
  if (s.size() == 1) s = Eigen::ArrayXf::Constant(cols, s(0));
  Eigen::ArrayXf b = Eigen::ArrayXf::Zero(cols);
  if (bias) {
    b = Eigen::Map<const Eigen::ArrayXf>(bias->data<float>(), bias->numel());
    if (b.size() == 1) b = Eigen::ArrayXf::Constant(cols, b(0));
  }
  Tensor y = Tensor::uninitialized(DType::Float32, x.shape());
  const float* px = x.data<float>();
  float* py = y.data<float>();
  parallel_chunks(rows, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(cols, 1)),
                  [&](std::int64_t begin, std::int64_t end) {
                    for (std::int64_t r = begin; r < end; ++r) {
                      Eigen::Map<const Eigen::ArrayXf> v(px + r * cols, cols);
                      const float mu = v.mean();
                      const float inv = 1.0f / std::sqrt((v - mu).square().mean() + eps);
                      Eigen::Map<Eigen::ArrayXf>(py + r * cols, cols) = (v - mu) * inv * s + b;
                    }
                  });
  out[0] = std::move(y);
}

}  // namespace

void register_normalization_kernels() {
  add_builtin_kernel("Softmax", softmax<false>);
  add_builtin_kernel("LogSoftmax", softmax<true>);
  add_builtin_kernel("BatchNormalization", batch_norm);
  add_builtin_kernel("InstanceNormalization", instance_norm);
  add_builtin_kernel("LayerNormalization", layer_norm);
}

}  // namespace qtune
