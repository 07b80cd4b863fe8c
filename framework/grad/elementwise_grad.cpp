// Add / Sub / Mul / Div backward with numpy broadcasting: the output-shaped gradient of each
// operand, summed down to the operand's shape.
#include "exec/kernels/broadcast.h"
#include "grad/op_gradient.h"

namespace qtune::grad {

namespace {

// dY ⊙ (other operand broadcast to the output), summed to `self`'s shape.
Tensor product_grad(const Tensor& dy, const Tensor& other, const Shape& self) {
  const Shape& out = dy.shape();
  Tensor full = Tensor::uninitialized(DType::Float32, out);
  const Shape* ops[] = {&out, &other.shape()};
  const BroadcastPlan plan = make_broadcast_plan(out, ops);
  const float* pg = dy.data<float>();
  const float* po = other.data<float>();
  float* pf = full.data<float>();
  for_each_row(plan, [&](std::int64_t o, const auto& offs, std::int64_t n, const auto& st) {
    for (std::int64_t i = 0; i < n; ++i) pf[o + i] = pg[o + i] * po[offs[1] + i * st[1]];
  });
  return sum_to_shape(full, self);
}

template <int kSign>  // +1 Add, -1 Sub
void add_sub(const BackwardArgs& a) {
  const Tensor& dy = (*a.grad_outputs[0]);
  for (std::size_t i = 0; i < 2; ++i) {
    if (!a.wanted[i]) continue;
    Tensor g = sum_to_shape(dy, input_at(a.op, a.inputs, i).shape());
    if (i == 1 && kSign < 0) g.flat() = -g.flat();
    a.grad_inputs[i] = std::move(g);
  }
}

void mul(const BackwardArgs& a) {
  const Tensor& x = input_at(a.op, a.inputs, 0);
  const Tensor& y = input_at(a.op, a.inputs, 1);
  if (a.wanted[0]) a.grad_inputs[0] = product_grad((*a.grad_outputs[0]), y, x.shape());
  if (a.wanted[1]) a.grad_inputs[1] = product_grad((*a.grad_outputs[0]), x, y.shape());
}

// y = a / b: da = dy / b, db = −dy · a / b² = −dy · y / b.
void div(const BackwardArgs& a) {
  const Tensor& x = input_at(a.op, a.inputs, 0);
  const Tensor& d = input_at(a.op, a.inputs, 1);
  const Tensor& dy = *a.grad_outputs[0];
  const Shape& out = dy.shape();
  const Shape* ops[] = {&out, &d.shape()};
  const BroadcastPlan plan = make_broadcast_plan(out, ops);
  const float* pg = dy.data<float>();
  const float* py = a.outputs[0]->data<float>();
  const float* pd = d.data<float>();
  Tensor gx = Tensor::uninitialized(DType::Float32, out), gd = Tensor::uninitialized(DType::Float32, out);
  float* px = gx.data<float>();
  float* pq = gd.data<float>();
  for_each_row(plan, [&](std::int64_t o, const auto& offs, std::int64_t n, const auto& st) {
    for (std::int64_t i = 0; i < n; ++i) {
      const float den = pd[offs[1] + i * st[1]];
      px[o + i] = pg[o + i] / den;
      pq[o + i] = -pg[o + i] * py[o + i] / den;
    }
  });
  if (a.wanted[0]) a.grad_inputs[0] = sum_to_shape(gx, x.shape());
  if (a.wanted[1]) a.grad_inputs[1] = sum_to_shape(gd, d.shape());
}

}  // namespace

void register_elementwise_gradients() {
  add_gradient("Add", {add_sub<1>, nullptr});
  add_gradient("Sub", {add_sub<-1>, nullptr});
  add_gradient("Mul", {mul, nullptr});
  add_gradient("Div", {div, nullptr});
}

}  // namespace qtune::grad
