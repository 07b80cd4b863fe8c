// Gemm (alpha, beta, transA, transB, broadcast C) and MatMul (batched, numpy-broadcast
// batch dims, 1-D operands) backward on Eigen row-major maps.
#include <fmt/format.h>

#include "exec/kernels/broadcast.h"
#include "grad/op_gradient.h"

namespace qtune::grad {

namespace {

using RowMatrix = Tensor::RowMatrix;
using ConstMatrix = Eigen::Map<const RowMatrix>;
using Matrix = Eigen::Map<RowMatrix>;

// Y = alpha · op(A) · op(B) + beta · C.
void gemm_backward(const BackwardArgs& g) {
  const Tensor& a = input_at(g.op, g.inputs, 0);
  const Tensor& b = input_at(g.op, g.inputs, 1);
  const bool ta = g.op.attributes.get_int("transA", 0) != 0, tb = g.op.attributes.get_int("transB", 0) != 0;
  const float alpha = g.op.attributes.get_float("alpha", 1.0f), beta = g.op.attributes.get_float("beta", 1.0f);
  const Tensor& dy = (*g.grad_outputs[0]);
  const std::int64_t m = dy.dim(0), n = dy.dim(1);
  ConstMatrix am(a.data<float>(), a.dim(0), a.dim(1));
  ConstMatrix bm(b.data<float>(), b.dim(0), b.dim(1));
  ConstMatrix gm(dy.data<float>(), m, n);
  if (g.wanted[0]) {
    Tensor da = zeros_like(a);
    Matrix d(da.data<float>(), a.dim(0), a.dim(1));
    // dop(A) = alpha · dY · op(B)ᵀ, op(B)ᵀ = B when transB else Bᵀ.
    if (!ta) {
      if (tb) d.noalias() = alpha * gm * bm;
      else d.noalias() = alpha * gm * bm.transpose();
    } else {
      if (tb) d.noalias() = alpha * bm.transpose() * gm.transpose();
      else d.noalias() = alpha * bm * gm.transpose();
    }
    g.grad_inputs[0] = std::move(da);
  }
  if (g.wanted.size() > 1 && g.wanted[1]) {
    Tensor dbt = zeros_like(b);
    Matrix d(dbt.data<float>(), b.dim(0), b.dim(1));
    // dop(B) = alpha · op(A)ᵀ · dY, op(A)ᵀ = A when transA else Aᵀ.
    if (!tb) {
      if (ta) d.noalias() = alpha * am * gm;
      else d.noalias() = alpha * am.transpose() * gm;
    } else {
      if (ta) d.noalias() = alpha * gm.transpose() * am.transpose();
      else d.noalias() = alpha * gm.transpose() * am;
    }
    g.grad_inputs[1] = std::move(dbt);
  }
  if (g.wanted.size() > 2 && g.wanted[2] && g.inputs[2]) {
    Tensor dc = sum_to_shape(dy, g.inputs[2]->shape());
    dc.flat() *= beta;
    g.grad_inputs[2] = std::move(dc);
  }
}

void matmul_backward(const BackwardArgs& g) {
  const Tensor& a = input_at(g.op, g.inputs, 0);
  const Tensor& b = input_at(g.op, g.inputs, 1);
  Shape as = a.shape(), bs = b.shape();
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const std::int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  const Shape batch = broadcast_shape(g.op, a_batch, b_batch);
  const std::int64_t batches = shape_numel(batch);
  // Full-batch operand shapes: gradients are formed there, then summed to the operand's.
  Shape a_full = batch, b_full = batch;
  a_full.insert(a_full.end(), {m, k});
  b_full.insert(b_full.end(), {k, n});
  auto expand = [&](const Tensor& t, const Shape& tshape, const Shape& full) {
    if (tshape == full) return t.reshaped(full);
    Tensor out(DType::Float32, full);
    Tensor src = t.reshaped(tshape);
    const Shape* ops[] = {&full, &tshape};
    const BroadcastPlan plan = make_broadcast_plan(full, ops);
    const float* ps = src.data<float>();
    float* po = out.data<float>();
    for_each_row(plan, [&](std::int64_t o, const auto& offs, std::int64_t len, const auto& st) {
      for (std::int64_t i = 0; i < len; ++i) po[o + i] = ps[offs[1] + i * st[1]];
    });
    return out;
  };
  const Tensor dy = (*g.grad_outputs[0]).reshaped([&] {
    Shape s = batch;
    s.insert(s.end(), {m, n});
    return s;
  }());
  const Tensor af = expand(a, as, a_full), bf = expand(b, bs, b_full);
  const float* pg = dy.data<float>();
  if (g.wanted[0]) {
    Tensor da(DType::Float32, a_full);
    parallel_chunks(batches, 1, [&](std::int64_t s, std::int64_t e) {
      for (std::int64_t i = s; i < e; ++i)
        Matrix(da.data<float>() + i * m * k, m, k).noalias() =
            ConstMatrix(pg + i * m * n, m, n) * ConstMatrix(bf.data<float>() + i * k * n, k, n).transpose();
    });
    g.grad_inputs[0] = sum_to_shape(da, as).reshaped(a.shape());
  }
  if (g.wanted.size() > 1 && g.wanted[1]) {
    Tensor db(DType::Float32, b_full);
    parallel_chunks(batches, 1, [&](std::int64_t s, std::int64_t e) {
      for (std::int64_t i = s; i < e; ++i)
        Matrix(db.data<float>() + i * k * n, k, n).noalias() =
            ConstMatrix(af.data<float>() + i * m * k, m, k).transpose() * ConstMatrix(pg + i * m * n, m, n);
    });
    g.grad_inputs[1] = sum_to_shape(db, bs).reshaped(b.shape());
  }
}

}  // namespace

void register_linear_gradients() {
  add_gradient("Gemm", {gemm_backward, nullptr});
  add_gradient("MatMul", {matmul_backward, nullptr});
}

}  // namespace qtune::grad
