// Unary activations and math (Relu, Sigmoid, Tanh, HardSwish, Exp, ...), Clip, LeakyRelu
// and PRelu. Float32 through vectorised Eigen array expressions on parallel chunks.
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "exec/kernels/builtin_kernels.h"
#include "exec/kernels/elementwise.h"

namespace qtune {

namespace {

using ConstArray = Eigen::Map<const Eigen::ArrayXf>;
using Array = Eigen::Map<Eigen::ArrayXf>;

// out[0] = expr(x) on float32, where expr maps an Eigen array (one chunk) to an expression;
// in place when the executor hands over x (each element read before it is written).
template <class F>
void unary_float(const Op& op, Inputs in, Outputs out, F expr) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  require_dtype(op, x, DType::Float32, "input 0");
  Tensor fresh;
  Tensor& y = output_buffer(out, 0, DType::Float32, x.shape(), fresh);  // may be x itself
  const float* px = x.data<float>();
  float* py = y.data<float>();
  parallel_chunks(x.numel(), kElementGrain, [&](std::int64_t s, std::int64_t e) {
    ConstArray xs(px + s, e - s);
    Array ys(py + s, e - s);
    ys = expr(xs);
  });
  if (&y == &fresh) out[0] = std::move(fresh);
}

// Same with a scalar function, for ops Eigen does not vectorise.
template <class F>
void unary_scalar(const Op& op, Inputs in, Outputs out, F f) {
  unary_float(op, in, out, [&](const ConstArray& x) { return x.unaryExpr(f); });
}

void relu(const Op& op, Inputs in, Outputs out) {
  unary_float(op, in, out, [](const ConstArray& x) { return x.max(0.0f); });
}
void sigmoid(const Op& op, Inputs in, Outputs out) {
  unary_float(op, in, out, [](const ConstArray& x) { return x.logistic(); });
}
void tanh_kernel(const Op& op, Inputs in, Outputs out) {
  unary_float(op, in, out, [](const ConstArray& x) { return x.tanh(); });
}
void exp_kernel(const Op& op, Inputs in, Outputs out) {
  unary_float(op, in, out, [](const ConstArray& x) { return x.exp(); });
}
void log_kernel(const Op& op, Inputs in, Outputs out) {
  unary_float(op, in, out, [](const ConstArray& x) { return x.log(); });
}
void sqrt_kernel(const Op& op, Inputs in, Outputs out) {
  unary_float(op, in, out, [](const ConstArray& x) { return x.sqrt(); });
}
void reciprocal(const Op& op, Inputs in, Outputs out) {
  unary_float(op, in, out, [](const ConstArray& x) { return x.inverse(); });
}
void floor_kernel(const Op& op, Inputs in, Outputs out) {
  unary_float(op, in, out, [](const ConstArray& x) { return x.floor(); });
}
void ceil_kernel(const Op& op, Inputs in, Outputs out) {
  unary_float(op, in, out, [](const ConstArray& x) { return x.ceil(); });
}
void round_kernel(const Op& op, Inputs in, Outputs out) {  // half to even, as ONNX
  unary_float(op, in, out, [](const ConstArray& x) { return x.rint(); });
}
void erf_kernel(const Op& op, Inputs in, Outputs out) {
  unary_scalar(op, in, out, [](float v) { return std::erf(v); });
}
void softplus(const Op& op, Inputs in, Outputs out) {
  unary_scalar(op, in, out, [](float v) { return v > 20.0f ? v : std::log1p(std::exp(v)); });
}

void hard_sigmoid(const Op& op, Inputs in, Outputs out) {
  const float alpha = op.attributes.get_float("alpha", 0.2f);
  const float beta = op.attributes.get_float("beta", 0.5f);
  unary_float(op, in, out, [=](const ConstArray& x) { return (x * alpha + beta).max(0.0f).min(1.0f); });
}
void hard_swish(const Op& op, Inputs in, Outputs out) {
  unary_float(op, in, out, [](const ConstArray& x) { return x * (x * (1.0f / 6.0f) + 0.5f).max(0.0f).min(1.0f); });
}
void leaky_relu(const Op& op, Inputs in, Outputs out) {
  const float alpha = op.attributes.get_float("alpha", 0.01f);
  unary_float(op, in, out, [=](const ConstArray& x) { return (x >= 0.0f).select(x, x * alpha); });
}
void elu(const Op& op, Inputs in, Outputs out) {
  const float alpha = op.attributes.get_float("alpha", 1.0f);
  unary_scalar(op, in, out, [=](float v) { return v > 0.0f ? v : alpha * (std::exp(v) - 1.0f); });
}
void gelu(const Op& op, Inputs in, Outputs out) {
  const std::string approximate = op.attributes.get_string("approximate", "none");
  if (approximate == "tanh") {
    unary_scalar(op, in, out, [](float v) {
      const float c = 0.7978845608028654f;  // sqrt(2/pi)
      return 0.5f * v * (1.0f + std::tanh(c * (v + 0.044715f * v * v * v)));
    });
  } else if (approximate == "none") {
    unary_scalar(op, in, out, [](float v) { return 0.5f * v * (1.0f + std::erf(v * 0.7071067811865476f)); });
  } else {
    kernel_error(op, fmt::format("approximate must be 'none' or 'tanh', got '{}'", approximate));
  }
}

// Neg and Abs also serve int64 shape arithmetic.
template <bool kAbs>
void neg_abs(const Op& op, Inputs in, Outputs out) {
  const Tensor& x = input_at(op, in, 0);
  if (x.dtype() == DType::Float32) {
    if constexpr (kAbs) unary_float(op, in, out, [](const ConstArray& v) { return v.abs(); });
    else unary_float(op, in, out, [](const ConstArray& v) { return -v; });
    return;
  }
  require_outputs(op, out, 1);
  Tensor y = Tensor::uninitialized(x.dtype(), x.shape());
  bool done = false;
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_signed_v<T> && !std::is_same_v<T, bool>) {
      const T* px = x.data<T>();
      T* py = y.data<T>();
      for (std::int64_t i = 0; i < x.numel(); ++i) py[i] = kAbs ? (px[i] < 0 ? T(-px[i]) : px[i]) : T(-px[i]);
      done = true;
    }
  });
  if (!done) kernel_error(op, fmt::format("element type {} is not supported", dtype_name(x.dtype())));
  out[0] = std::move(y);
}

// Clip: bounds as inputs 1 and 2 (absent = unbounded); the `min`/`max` attributes of
// opset < 11 are accepted too.
void clip(const Op& op, Inputs in, Outputs out) {
  float lo = op.attributes.get_float("min", -std::numeric_limits<float>::infinity());
  float hi = op.attributes.get_float("max", std::numeric_limits<float>::infinity());
  auto bound = [&](std::size_t i, float& v) {
    if (const Tensor* t = optional_input(in, i)) {
      if (t->numel() != 1) kernel_error(op, fmt::format("input {} (bound) must be a scalar, got {}", i, shape_str(t->shape())));
      v = t->to_float()[0];
    }
  };
  bound(1, lo);
  bound(2, hi);
  unary_float(op, in, out, [=](const ConstArray& x) { return x.max(lo).min(hi); });
}

void prelu(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const Tensor& slope_in = input_at(op, in, 1);
  require_dtype(op, x, DType::Float32, "input X");
  require_dtype(op, slope_in, DType::Float32, "slope");
  // Slope broadcasts to X (numpy); a 1-D slope of C values that numpy cannot place is
  // taken per channel (axis 1), as some exporters emit it.
  Tensor channel_slope;
  const Tensor* slope = &slope_in;
  bool numpy_ok = slope_in.rank() <= x.rank();
  for (std::size_t i = 0; numpy_ok && i < slope_in.rank(); ++i) {
    const auto d = slope_in.shape()[slope_in.rank() - 1 - i];
    numpy_ok = d == 1 || d == x.shape()[x.rank() - 1 - i];
  }
  if (!numpy_ok) {
    if (slope_in.rank() == 1 && x.rank() >= 2 && slope_in.numel() == x.shape()[1]) {
      Shape s(x.rank() - 1, 1);
      s[0] = x.shape()[1];
      channel_slope = slope_in.reshaped(s);
      slope = &channel_slope;
    } else {
      kernel_error(op, fmt::format("slope {} does not broadcast to X {}", shape_str(slope_in.shape()), shape_str(x.shape())));
    }
  }
  out[0] = Tensor::uninitialized(DType::Float32, x.shape());
  broadcast_binary<float, float, float>(x, *slope, out[0], [](float v, float a) { return v < 0.0f ? v * a : v; });
}

}  // namespace

void register_activation_kernels() {
  add_builtin_kernel("Relu", relu, true);
  add_builtin_kernel("Sigmoid", sigmoid, true);
  add_builtin_kernel("Tanh", tanh_kernel, true);
  add_builtin_kernel("Exp", exp_kernel, true);
  add_builtin_kernel("Log", log_kernel, true);
  add_builtin_kernel("Sqrt", sqrt_kernel, true);
  add_builtin_kernel("Reciprocal", reciprocal, true);
  add_builtin_kernel("Floor", floor_kernel, true);
  add_builtin_kernel("Ceil", ceil_kernel, true);
  add_builtin_kernel("Round", round_kernel, true);
  add_builtin_kernel("Erf", erf_kernel, true);
  add_builtin_kernel("Softplus", softplus, true);
  add_builtin_kernel("HardSigmoid", hard_sigmoid, true);
  add_builtin_kernel("HardSwish", hard_swish, true);
  add_builtin_kernel("LeakyRelu", leaky_relu, true);
  add_builtin_kernel("Elu", elu, true);
  add_builtin_kernel("Gelu", gelu, true);
  add_builtin_kernel("Neg", neg_abs<false>);
  add_builtin_kernel("Abs", neg_abs<true>);
  add_builtin_kernel("Clip", clip, true);
  add_builtin_kernel("PRelu", prelu);
}

}  // namespace qtune
