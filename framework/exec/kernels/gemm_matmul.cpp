// Gemm (alpha, beta, transA, transB, broadcast C) and MatMul (batched with numpy
// broadcasting of batch dims, 1-D operands) on Eigen row-major maps. Work is split
// into (batch, tile of output rows) tasks.
#include <algorithm>

#include <fmt/format.h>

#include "exec/kernels/builtin_kernels.h"
#include "exec/kernels/broadcast.h"

namespace qtune {

namespace {

using RowMatrix = Tensor::RowMatrix;
using ConstMatrix = Eigen::Map<const RowMatrix>;
using Matrix = Eigen::Map<RowMatrix>;

// Multiply-adds per task worth splitting rows for.
constexpr std::int64_t kTaskFlops = 1 << 20;

std::int64_t row_tile(std::int64_t rows, std::int64_t k, std::int64_t cols) {
  const std::int64_t per_row = std::max<std::int64_t>(1, k * cols);
  return std::clamp<std::int64_t>(kTaskFlops / per_row, 16, std::max<std::int64_t>(rows, 1));
}

void gemm(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& a = input_at(op, in, 0);
  const Tensor& b = input_at(op, in, 1);
  require_dtype(op, a, DType::Float32, "input A");
  require_dtype(op, b, DType::Float32, "input B");
  if (a.rank() != 2 || b.rank() != 2)
    kernel_error(op, fmt::format("A and B must be 2-D, got {} and {}", shape_str(a.shape()), shape_str(b.shape())));
  const bool ta = op.attributes.get_int("transA", 0) != 0, tb = op.attributes.get_int("transB", 0) != 0;
  const float alpha = op.attributes.get_float("alpha", 1.0f), beta = op.attributes.get_float("beta", 1.0f);
  const std::int64_t m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
  const std::int64_t kb = tb ? b.dim(1) : b.dim(0), n = tb ? b.dim(0) : b.dim(1);
  if (k != kb)
    kernel_error(op, fmt::format("inner dims differ: A {} (transA={}) and B {} (transB={})", shape_str(a.shape()), ta,
                                 shape_str(b.shape()), tb));
  Tensor y = Tensor::uninitialized(DType::Float32, {m, n});
  const Tensor* c = optional_input(in, 2);
  std::int64_t cm = 1, cn = 1;
  if (c) {
    require_dtype(op, *c, DType::Float32, "input C");
    const Shape& cs = c->shape();
    if (cs.size() > 2) kernel_error(op, fmt::format("C {} has rank > 2", shape_str(cs)));
    cn = cs.empty() ? 1 : cs.back();
    cm = cs.size() == 2 ? cs[0] : 1;
    if ((cm != 1 && cm != m) || (cn != 1 && cn != n))
      kernel_error(op, fmt::format("C {} does not broadcast to [{}, {}]", shape_str(cs), m, n));
  }
  ConstMatrix am(a.data<float>(), a.dim(0), a.dim(1));
  ConstMatrix bm(b.data<float>(), b.dim(0), b.dim(1));
  float* py = y.data<float>();
  const std::int64_t tile = row_tile(m, k, n);
  parallel_chunks((m + tile - 1) / tile, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t r0 = t * tile, rows = std::min(m, r0 + tile) - r0;
      Matrix ym(py + r0 * n, rows, n);
      if (c && beta != 0.0f) {
        const float* pc = c->data<float>();
        for (std::int64_t r = 0; r < rows; ++r)
          for (std::int64_t q = 0; q < n; ++q) ym(r, q) = beta * pc[(cm == 1 ? 0 : r0 + r) * cn + (cn == 1 ? 0 : q)];
      } else {
        ym.setZero();
      }
      if (ta && tb) ym.noalias() += alpha * am.middleCols(r0, rows).transpose() * bm.transpose();
      else if (ta) ym.noalias() += alpha * am.middleCols(r0, rows).transpose() * bm;
      else if (tb) ym.noalias() += alpha * am.middleRows(r0, rows) * bm.transpose();
      else ym.noalias() += alpha * am.middleRows(r0, rows) * bm;
    }
  });
  out[0] = std::move(y);
}

void matmul(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& a = input_at(op, in, 0);
  const Tensor& b = input_at(op, in, 1);
  require_dtype(op, a, DType::Float32, "input A");
  require_dtype(op, b, DType::Float32, "input B");
  if (a.rank() == 0 || b.rank() == 0) kernel_error(op, "operands must have rank >= 1");
  // 1-D operands become [1, K] and [K, 1]; the added dim is dropped from the result.
  Shape as = a.shape(), bs = b.shape();
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const std::int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  if (bs[bs.size() - 2] != k)
    kernel_error(op, fmt::format("inner dims differ: {} x {}", shape_str(a.shape()), shape_str(b.shape())));
  const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  Shape batch = broadcast_shape(op, a_batch, b_batch);
  const std::int64_t batches = shape_numel(batch);
  // Element offsets of each output batch's A and B matrices.
  std::vector<std::int64_t> a_off(batches), b_off(batches);
  {
    const auto as_str = strides_of(a_batch), bs_str = strides_of(b_batch);
    for (std::int64_t i = 0; i < batches; ++i) {
      std::int64_t rest = i, ao = 0, bo = 0;
      for (std::size_t d = batch.size(); d-- > 0;) {
        const std::int64_t idx = rest % batch[d];
        rest /= batch[d];
        const std::size_t da = d + a_batch.size() - batch.size(), db = d + b_batch.size() - batch.size();
        if (d >= batch.size() - a_batch.size() && a_batch[da] != 1) ao += idx * as_str[da];
        if (d >= batch.size() - b_batch.size() && b_batch[db] != 1) bo += idx * bs_str[db];
      }
      a_off[i] = ao * m * k;
      b_off[i] = bo * k * n;
    }
  }
  Shape out_shape = batch;
  if (a.rank() > 1) out_shape.push_back(m);
  if (b.rank() > 1) out_shape.push_back(n);
  Tensor y = Tensor::uninitialized(DType::Float32, out_shape);
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  float* py = y.data<float>();
  const std::int64_t tile = row_tile(m, k, n), tiles = (m + tile - 1) / tile;
  parallel_chunks(batches * tiles, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t bi = t / tiles, r0 = (t % tiles) * tile, rows = std::min(m, r0 + tile) - r0;
      Matrix ym(py + bi * m * n + r0 * n, rows, n);
      if (k == 0) {
        ym.setZero();
        continue;
      }
      ym.noalias() = ConstMatrix(pa + a_off[bi] + r0 * k, rows, k) * ConstMatrix(pb + b_off[bi], k, n);
    }
  });
  out[0] = std::move(y);
}

}  // namespace

void register_gemm_matmul_kernels() {
  add_builtin_kernel("Gemm", gemm);
  add_builtin_kernel("MatMul", matmul);
}

}  // namespace qtune
