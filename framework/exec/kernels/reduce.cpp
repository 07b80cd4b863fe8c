// ReduceMean/Max/Min/Sum/Prod/L1/L2/SumSquare (keepdims, noop_with_empty_axes; axes as
// the `axes` attribute or input 1, whichever the opset uses) and ArgMax/ArgMin.
// Reductions over trailing axes (the usual spatial mean) run as parallel rows; any
// other axis set uses a strided walk.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "exec/kernels/builtin_kernels.h"
#include "exec/kernels/kernel_util.h"

namespace qtune {

namespace {

// Fixed-size odometers (GCC 12 warns falsely on small heap vectors here).
constexpr std::size_t kMaxRank = 16;

enum class Reduce { Mean, Max, Min, Sum, Prod, L1, L2, SumSquare };

template <Reduce K, class T>
T identity() {
  if constexpr (K == Reduce::Max) return std::numeric_limits<T>::lowest();
  if constexpr (K == Reduce::Min) return std::numeric_limits<T>::max();
  if constexpr (K == Reduce::Prod) return T(1);
  return T(0);
}

template <Reduce K, class T>
T combine(T acc, T v) {
  if constexpr (K == Reduce::Max) return std::max(acc, v);
  if constexpr (K == Reduce::Min) return std::min(acc, v);
  if constexpr (K == Reduce::Prod) return acc * v;
  if constexpr (K == Reduce::L1) return acc + (v < 0 ? T(-v) : v);
  if constexpr (K == Reduce::L2 || K == Reduce::SumSquare) return acc + v * v;
  return acc + v;
}

template <Reduce K, class T>
T finish(T acc, std::int64_t count) {
  if constexpr (K == Reduce::Mean) return count ? static_cast<T>(acc / static_cast<T>(count)) : acc;
  if constexpr (K == Reduce::L2) return static_cast<T>(std::sqrt(static_cast<double>(acc)));
  return acc;
}

struct ReducePlan {
  std::vector<std::int64_t> dims;   // merged input dims
  std::vector<bool> reduced;        // per merged dim
  Shape out_shape;
  std::int64_t count = 1;           // input elements per output element
};

ReducePlan plan_reduce(const Op& op, const Shape& shape, std::vector<std::int64_t> axes, bool keepdims) {
  const auto rank = static_cast<std::int64_t>(shape.size());
  std::vector<bool> flag(shape.size(), axes.empty());
  for (auto a : axes) flag[static_cast<std::size_t>(normalize_axis(op, a, rank))] = true;
  ReducePlan p;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (flag[i]) p.count *= shape[i];
    if (!flag[i]) p.out_shape.push_back(shape[i]);
    else if (keepdims) p.out_shape.push_back(1);
    if (shape[i] == 1) continue;
    if (!p.dims.empty() && p.reduced.back() == flag[i]) {
      p.dims.back() *= shape[i];
    } else {
      p.dims.push_back(shape[i]);
      p.reduced.push_back(flag[i]);
    }
  }
  if (p.dims.empty()) {
    p.dims.push_back(1);
    p.reduced.push_back(true);
  }
  return p;
}

template <Reduce K, class T>
void reduce_typed(const ReducePlan& p, const T* x, T* y, std::int64_t out_count) {
  // Trailing reduction: [kept, reduced] or [reduced] -> parallel rows.
  if (p.reduced.back() && p.dims.size() <= 2) {
    const std::int64_t cols = p.dims.back();
    parallel_chunks(out_count, std::max<std::int64_t>(1, kElementGrain / std::max<std::int64_t>(cols, 1)),
                    [&](std::int64_t b, std::int64_t e) {
                      for (std::int64_t r = b; r < e; ++r) {
                        T acc = identity<K, T>();
                        const T* row = x + r * cols;
                        for (std::int64_t c = 0; c < cols; ++c) acc = combine<K, T>(acc, row[c]);
                        y[r] = finish<K, T>(acc, p.count);
                      }
                    });
    return;
  }
  std::fill(y, y + out_count, identity<K, T>());
  // Output strides per merged dim (0 on reduced dims); odometer over all but the last.
  const std::size_t rank = p.dims.size();
  std::array<std::int64_t, kMaxRank> out_stride{}, index{};
  std::int64_t s = 1;
  for (std::size_t d = rank; d-- > 0;) {
    if (!p.reduced[d]) {
      out_stride[d] = s;
      s *= p.dims[d];
    }
  }
  const std::int64_t inner = p.dims.back();
  const std::int64_t total = shape_numel(p.dims);
  std::int64_t out_off = 0;
  for (std::int64_t base = 0; base < total; base += inner) {
    const T* row = x + base;
    if (p.reduced.back()) {
      T acc = y[out_off];
      for (std::int64_t c = 0; c < inner; ++c) acc = combine<K, T>(acc, row[c]);
      y[out_off] = acc;
    } else {
      for (std::int64_t c = 0; c < inner; ++c) y[out_off + c] = combine<K, T>(y[out_off + c], row[c]);
    }
    for (std::size_t d = rank - 1; d-- > 0;) {
      out_off += out_stride[d];
      if (++index[d] < p.dims[d]) break;
      out_off -= out_stride[d] * p.dims[d];
      index[d] = 0;
    }
  }
  for (std::int64_t i = 0; i < out_count; ++i) y[i] = finish<K, T>(y[i], p.count);
}

template <Reduce K>
void reduce_kernel(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const auto axes = axes_from(op, in, 1);
  const bool keepdims = op.attributes.get_int("keepdims", 1) != 0;
  if (axes.empty() && op.attributes.get_int("noop_with_empty_axes", 0) != 0) {
    out[0] = x;
    return;
  }
  if (x.rank() > kMaxRank) kernel_error(op, fmt::format("rank {} exceeds {}", x.rank(), kMaxRank));
  const ReducePlan p = plan_reduce(op, x.shape(), axes, keepdims);
  Tensor y = Tensor::uninitialized(x.dtype(), p.out_shape);
  if (x.numel() == 0 && (K == Reduce::Max || K == Reduce::Min) && y.numel() > 0)
    kernel_error(op, "cannot take a max/min over an empty axis");
  bool done = false;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::int32_t> ||
                  std::is_same_v<T, std::int64_t>) {
      if (x.numel() == 0) std::fill(y.data<T>(), y.data<T>() + y.numel(), identity<K, T>());
      else reduce_typed<K, T>(p, x.data<T>(), y.data<T>(), y.numel());
      done = true;
    }
  };
  dispatch_dtype(x.dtype(), run);
  if (!done) kernel_error(op, fmt::format("element type {} is not supported", dtype_name(x.dtype())));
  out[0] = std::move(y);
}

// ArgMax/ArgMin over one axis (keepdims, select_last_index), int64 result.
template <bool kMax>
void arg_kernel(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  require_dtype(op, x, DType::Float32, "input");
  const auto rank = static_cast<std::int64_t>(x.rank());
  const std::int64_t axis = normalize_axis(op, op.attributes.get_int("axis", 0), rank);
  const bool keepdims = op.attributes.get_int("keepdims", 1) != 0;
  const bool last = op.attributes.get_int("select_last_index", 0) != 0;
  Shape out_shape;
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t d = 0; d < rank; ++d) {
    if (d < axis) outer *= x.shape()[d];
    if (d > axis) inner *= x.shape()[d];
    if (d != axis) out_shape.push_back(x.shape()[d]);
    else if (keepdims) out_shape.push_back(1);
  }
  const std::int64_t len = x.shape()[axis];
  if (len == 0) kernel_error(op, "cannot take an arg max/min over an empty axis");
  Tensor y = Tensor::uninitialized(DType::Int64, out_shape);
  const float* px = x.data<float>();
  std::int64_t* py = y.data<std::int64_t>();
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      const float* p = px + o * len * inner + i;
      std::int64_t best = 0;
      for (std::int64_t k = 1; k < len; ++k) {
        const float v = p[k * inner], b = p[best * inner];
        const bool better = kMax ? (last ? v >= b : v > b) : (last ? v <= b : v < b);
        if (better) best = k;
      }
      py[o * inner + i] = best;
    }
  }
  out[0] = std::move(y);
}

}  // namespace

void register_reduce_kernels() {
  add_builtin_kernel("ReduceMean", reduce_kernel<Reduce::Mean>);
  add_builtin_kernel("ReduceMax", reduce_kernel<Reduce::Max>);
  add_builtin_kernel("ReduceMin", reduce_kernel<Reduce::Min>);
  add_builtin_kernel("ReduceSum", reduce_kernel<Reduce::Sum>);
  add_builtin_kernel("ReduceProd", reduce_kernel<Reduce::Prod>);
  add_builtin_kernel("ReduceL1", reduce_kernel<Reduce::L1>);
  add_builtin_kernel("ReduceL2", reduce_kernel<Reduce::L2>);
  add_builtin_kernel("ReduceSumSquare", reduce_kernel<Reduce::SumSquare>);
  add_builtin_kernel("ArgMax", arg_kernel<true>);
  add_builtin_kernel("ArgMin", arg_kernel<false>);
}

}  // namespace qtune
