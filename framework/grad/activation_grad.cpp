// Activations backward: Relu, Clip, LeakyRelu, PRelu, Sigmoid, Tanh, HardSigmoid,
// HardSwish, Softmax. Kinks take torch's side (Relu/LeakyRelu: x > 0; Clip: lo <= x <= hi;
// HardSwish: -3 <= x <= 3 uses x/3 + 1/2), which is what esp-ppq's autograd computes.
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "exec/kernels/broadcast.h"
#include "grad/op_gradient.h"

namespace qtune::grad {

namespace {

// dx[i] = f(x[i], y[i], dy[i]) for input 0.
template <class F>
void unary(const BackwardArgs& a, F f) {
  if (!a.wanted[0]) return;
  const Tensor& x = input_at(a.op, a.inputs, 0);
  Tensor dx = Tensor::uninitialized(DType::Float32, x.shape());
  const float* px = x.data<float>();
  const float* py = (*a.outputs[0]).data<float>();
  const float* pg = (*a.grad_outputs[0]).data<float>();
  float* pd = dx.data<float>();
  parallel_chunks(x.numel(), kElementGrain, [&](std::int64_t s, std::int64_t e) {
    for (std::int64_t i = s; i < e; ++i) pd[i] = f(px[i], py[i], pg[i]);
  });
  a.grad_inputs[0] = std::move(dx);
}

void relu(const BackwardArgs& a) {
  unary(a, [](float x, float, float g) { return x > 0.0f ? g : 0.0f; });
}
void sigmoid(const BackwardArgs& a) {
  unary(a, [](float, float y, float g) { return g * y * (1.0f - y); });
}
void tanh_grad(const BackwardArgs& a) {
  unary(a, [](float, float y, float g) { return g * (1.0f - y * y); });
}
void hard_sigmoid(const BackwardArgs& a) {
  const float alpha = a.op.attributes.get_float("alpha", 0.2f), beta = a.op.attributes.get_float("beta", 0.5f);
  unary(a, [=](float x, float, float g) {
    const float v = alpha * x + beta;
    return v > 0.0f && v < 1.0f ? g * alpha : 0.0f;
  });
}
void hard_swish(const BackwardArgs& a) {
  unary(a, [](float x, float, float g) { return x < -3.0f ? 0.0f : x <= 3.0f ? g * (x / 3.0f + 0.5f) : g; });
}
void leaky_relu(const BackwardArgs& a) {
  const float alpha = a.op.attributes.get_float("alpha", 0.01f);
  unary(a, [=](float x, float, float g) { return x > 0.0f ? g : g * alpha; });
}

void clip(const BackwardArgs& a) {
  float lo = a.op.attributes.get_float("min", -std::numeric_limits<float>::infinity());
  float hi = a.op.attributes.get_float("max", std::numeric_limits<float>::infinity());
  if (const Tensor* t = optional_input(a.inputs, 1)) lo = t->to_float()[0];
  if (const Tensor* t = optional_input(a.inputs, 2)) hi = t->to_float()[0];
  unary(a, [=](float x, float, float g) { return x >= lo && x <= hi ? g : 0.0f; });
}

// PRelu: y = x < 0 ? x · slope : x, slope broadcast (or per channel when numpy cannot place it).
void prelu(const BackwardArgs& a) {
  const Tensor& x = input_at(a.op, a.inputs, 0);
  const Tensor& slope_in = input_at(a.op, a.inputs, 1);
  Shape slope_shape = slope_in.shape();
  bool numpy_ok = slope_in.rank() <= x.rank();
  for (std::size_t i = 0; numpy_ok && i < slope_in.rank(); ++i) {
    const auto d = slope_in.shape()[slope_in.rank() - 1 - i];
    numpy_ok = d == 1 || d == x.shape()[x.rank() - 1 - i];
  }
  if (!numpy_ok) {
    slope_shape.assign(x.rank() - 1, 1);
    slope_shape[0] = x.shape()[1];
  }
  const Tensor slope = slope_in.reshaped(slope_shape);
  const Shape* ops[] = {&x.shape(), &x.shape(), &slope_shape};
  const BroadcastPlan plan = make_broadcast_plan(x.shape(), ops);
  const float* px = x.data<float>();
  const float* pg = (*a.grad_outputs[0]).data<float>();
  const float* ps = slope.data<float>();
  if (a.wanted[0]) {
    Tensor dx = Tensor::uninitialized(DType::Float32, x.shape());
    float* pd = dx.data<float>();
    for_each_row(plan, [&](std::int64_t o, const auto& offs, std::int64_t n, const auto& st) {
      for (std::int64_t i = 0; i < n; ++i) pd[o + i] = px[o + i] < 0.0f ? pg[o + i] * ps[offs[2] + i * st[2]] : pg[o + i];
    });
    a.grad_inputs[0] = std::move(dx);
  }
  if (a.wanted.size() > 1 && a.wanted[1]) {
    Tensor full = Tensor::uninitialized(DType::Float32, x.shape());
    float* pf = full.data<float>();
    for (std::int64_t i = 0; i < x.numel(); ++i) pf[i] = px[i] < 0.0f ? pg[i] * px[i] : 0.0f;
    a.grad_inputs[1] = sum_to_shape(full, slope_shape).reshaped(slope_in.shape());
  }
}

// dx = y ⊙ (dy − Σ_axis dy ⊙ y).
void softmax(const BackwardArgs& a) {
  if (!a.wanted[0]) return;
  const Tensor& y = (*a.outputs[0]);
  const auto rank = static_cast<std::int64_t>(y.rank());
  const auto axis = static_cast<std::size_t>(normalize_axis(a.op, a.op.attributes.get_int("axis", -1), rank));
  std::int64_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < y.rank(); ++d) {
    if (d < axis) outer *= y.shape()[d];
    if (d > axis) inner *= y.shape()[d];
  }
  const std::int64_t len = y.shape()[axis];
  Tensor dx = Tensor::uninitialized(DType::Float32, y.shape());
  const float* py = y.data<float>();
  const float* pg = (*a.grad_outputs[0]).data<float>();
  float* pd = dx.data<float>();
  parallel_chunks(outer * inner, 1024, [&](std::int64_t s, std::int64_t e) {
    for (std::int64_t line = s; line < e; ++line) {
      const std::int64_t base = (line / inner) * len * inner + line % inner;
      float dot = 0.0f;
      for (std::int64_t k = 0; k < len; ++k) dot += pg[base + k * inner] * py[base + k * inner];
      for (std::int64_t k = 0; k < len; ++k) pd[base + k * inner] = py[base + k * inner] * (pg[base + k * inner] - dot);
    }
  });
  a.grad_inputs[0] = std::move(dx);
}

}  // namespace

void register_activation_gradients() {
  add_gradient("Relu", {relu, nullptr});
  add_gradient("Sigmoid", {sigmoid, nullptr});
  add_gradient("Tanh", {tanh_grad, nullptr});
  add_gradient("HardSigmoid", {hard_sigmoid, nullptr});
  add_gradient("HardSwish", {hard_swish, nullptr});
  add_gradient("LeakyRelu", {leaky_relu, nullptr});
  add_gradient("Clip", {clip, nullptr});
  add_gradient("PRelu", {prelu, nullptr});
  add_gradient("Softmax", {softmax, nullptr});
}

}  // namespace qtune::grad
