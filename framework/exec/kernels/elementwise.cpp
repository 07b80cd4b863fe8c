// Elementwise binary ops with numpy broadcasting (Add/Sub/Mul/Div/Pow/Max/Min/Sum/Mean,
// comparisons to Bool, And/Or/Xor/Not) and Where. Arithmetic on float32/float64/int32/
// int64 so shape arithmetic (int64) runs through the same kernels.
#include <cmath>

#include <fmt/format.h>

#include "exec/kernels/builtin_kernels.h"
#include "exec/kernels/elementwise.h"

namespace qtune {

namespace {

enum class Arith { Add, Sub, Mul, Div, Max, Min, Mod };
enum class Compare { Equal, Greater, Less, GreaterOrEqual, LessOrEqual };
enum class Logic { And, Or, Xor };

template <class F>
void dispatch_arith(const Op& op, DType dtype, F&& f) {
  switch (dtype) {
    case DType::Float32: f(float{}); return;
    case DType::Float64: f(double{}); return;
    case DType::Int32: f(std::int32_t{}); return;
    case DType::Int64: f(std::int64_t{}); return;
    default: kernel_error(op, fmt::format("element type {} is not supported", dtype_name(dtype)));
  }
}

void require_same_dtype(const Op& op, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    kernel_error(op, fmt::format("operands must have one element type, got {} and {}", dtype_name(a.dtype()),
                                 dtype_name(b.dtype())));
}

template <Arith K, class T>
T arith(T x, T y) {
  if constexpr (K == Arith::Add) return x + y;
  if constexpr (K == Arith::Sub) return x - y;
  if constexpr (K == Arith::Mul) return x * y;
  if constexpr (K == Arith::Div) return x / y;
  if constexpr (K == Arith::Max) return x > y || x != x ? x : y;  // NaN propagates
  if constexpr (K == Arith::Min) return x < y || x != x ? x : y;
  if constexpr (K == Arith::Mod) {
    // ONNX fmod=0: the result takes the sign of the divisor (Python-style).
    if constexpr (std::is_floating_point_v<T>) {
      T r = std::fmod(x, y);
      return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
    } else {
      T r = x % y;
      return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
    }
  }
}

template <Arith K>
void arith_into(const Op& op, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch_arith(op, a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (K == Arith::Div && std::is_integral_v<T>) {
      // Integer division by zero is undefined in C++: report it instead.
      for (T v : b.values<T>())
        if (v == 0) kernel_error(op, "integer division by zero");
    }
    if constexpr (K == Arith::Mod && std::is_integral_v<T>) {
      for (T v : b.values<T>())
        if (v == 0) kernel_error(op, "integer modulo by zero");
    }
    broadcast_binary<T, T, T>(a, b, out, [](T x, T y) { return arith<K, T>(x, y); });
  });
}

template <Arith K>
Tensor arith_pair(const Op& op, const Tensor& a, const Tensor& b) {
  require_same_dtype(op, a, b);
  Tensor out = Tensor::uninitialized(a.dtype(), broadcast_shape(op, a.shape(), b.shape()));
  arith_into<K>(op, a, b, out);
  return out;
}

// Binary, or variadic for Max/Min (folded left to right).
template <Arith K>
void arith_kernel(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  if (K == Arith::Mod && op.attributes.get_int("fmod", 0) != 0) {
    // fmod=1: C fmod semantics (sign of the dividend), float only.
    const Tensor& a = input_at(op, in, 0);
    const Tensor& b = input_at(op, in, 1);
    require_same_dtype(op, a, b);
    require_dtype(op, a, DType::Float32, "Mod with fmod=1 input");
    out[0] = Tensor::uninitialized(a.dtype(), broadcast_shape(op, a.shape(), b.shape()));
    broadcast_binary<float, float, float>(a, b, out[0], [](float x, float y) { return std::fmod(x, y); });
    return;
  }
  if (in.size() < 2 && (K == Arith::Max || K == Arith::Min)) {
    out[0] = input_at(op, in, 0);
    return;
  }
  if (in.size() == 2) {
    // In place when the executor hands over an operand of the output's shape (each output
    // element reads only its own element of that operand, after the zero checks).
    const Tensor& a = input_at(op, in, 0);
    const Tensor& b = input_at(op, in, 1);
    require_same_dtype(op, a, b);
    Tensor fresh;
    Tensor& y = output_buffer(out, 0, a.dtype(), broadcast_shape(op, a.shape(), b.shape()), fresh);
    arith_into<K>(op, a, b, y);
    if (&y == &fresh) out[0] = std::move(fresh);
    return;
  }
  Tensor acc = arith_pair<K>(op, input_at(op, in, 0), input_at(op, in, 1));
  for (std::size_t i = 2; i < in.size(); ++i) acc = arith_pair<K>(op, acc, input_at(op, in, i));
  out[0] = std::move(acc);
}

// Sum and Mean: variadic addition (Mean divides by the operand count).
template <bool kMean>
void sum_kernel(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  Tensor acc = input_at(op, in, 0);
  for (std::size_t i = 1; i < in.size(); ++i) acc = arith_pair<Arith::Add>(op, acc, input_at(op, in, i));
  if constexpr (kMean) {
    require_dtype(op, acc, DType::Float32, "Mean input");
    acc.flat() /= static_cast<float>(in.size());
  }
  out[0] = std::move(acc);
}

void pow_kernel(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& x = input_at(op, in, 0);
  const Tensor& y_in = input_at(op, in, 1);
  require_dtype(op, x, DType::Float32, "Pow base");
  // The exponent may be of another numeric type; compute in float.
  const Tensor y = y_in.dtype() == DType::Float32 ? Tensor() : y_in.cast(DType::Float32);
  const Tensor& e = y_in.dtype() == DType::Float32 ? y_in : y;
  out[0] = Tensor::uninitialized(DType::Float32, broadcast_shape(op, x.shape(), e.shape()));
  if (e.numel() == 1 && x.numel() == out[0].numel()) {
    const float p = *e.data<float>();
    if (p == 2.0f) {
      out[0].flat() = x.flat().square();
      return;
    }
    if (p == 0.5f) {
      out[0].flat() = x.flat().sqrt();
      return;
    }
  }
  broadcast_binary<float, float, float>(x, e, out[0], [](float a, float b) { return std::pow(a, b); });
}

template <Compare K, class T>
bool compare(T x, T y) {
  if constexpr (K == Compare::Equal) return x == y;
  if constexpr (K == Compare::Greater) return x > y;
  if constexpr (K == Compare::Less) return x < y;
  if constexpr (K == Compare::GreaterOrEqual) return x >= y;
  if constexpr (K == Compare::LessOrEqual) return x <= y;
}

template <Compare K>
void compare_kernel(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& a = input_at(op, in, 0);
  const Tensor& b = input_at(op, in, 1);
  require_same_dtype(op, a, b);
  out[0] = Tensor::uninitialized(DType::Bool, broadcast_shape(op, a.shape(), b.shape()));
  if (K == Compare::Equal && a.dtype() == DType::Bool) {
    broadcast_binary<bool, bool, bool>(a, b, out[0], [](bool x, bool y) { return x == y; });
    return;
  }
  dispatch_arith(op, a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    broadcast_binary<T, T, bool>(a, b, out[0], [](T x, T y) { return compare<K, T>(x, y); });
  });
}

template <Logic K>
void logic_kernel(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& a = input_at(op, in, 0);
  const Tensor& b = input_at(op, in, 1);
  require_dtype(op, a, DType::Bool, "input 0");
  require_dtype(op, b, DType::Bool, "input 1");
  out[0] = Tensor::uninitialized(DType::Bool, broadcast_shape(op, a.shape(), b.shape()));
  broadcast_binary<bool, bool, bool>(a, b, out[0], [](bool x, bool y) {
    if constexpr (K == Logic::And) return x && y;
    if constexpr (K == Logic::Or) return x || y;
    if constexpr (K == Logic::Xor) return x != y;
  });
}

void not_kernel(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& a = input_at(op, in, 0);
  require_dtype(op, a, DType::Bool, "input 0");
  out[0] = Tensor::uninitialized(DType::Bool, a.shape());
  const bool* x = a.data<bool>();
  bool* y = out[0].data<bool>();
  for (std::int64_t i = 0; i < a.numel(); ++i) y[i] = !x[i];
}

void where_kernel(const Op& op, Inputs in, Outputs out) {
  require_outputs(op, out, 1);
  const Tensor& c = input_at(op, in, 0);
  const Tensor& x = input_at(op, in, 1);
  const Tensor& y = input_at(op, in, 2);
  require_dtype(op, c, DType::Bool, "condition");
  require_same_dtype(op, x, y);
  const Shape shape = broadcast_shape(op, broadcast_shape(op, c.shape(), x.shape()), y.shape());
  out[0] = Tensor::uninitialized(x.dtype(), shape);
  const Shape* shapes[] = {&c.shape(), &x.shape(), &y.shape()};
  const BroadcastPlan plan = make_broadcast_plan(shape, shapes);
  dispatch_size(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const bool* pc = c.data<bool>();
    const T* px = reinterpret_cast<const T*>(x.raw());
    const T* py = reinterpret_cast<const T*>(y.raw());
    T* po = reinterpret_cast<T*>(out[0].raw());
    for_each_row(plan, [&](std::int64_t o, const auto& offs, std::int64_t len, const auto& st) {
      for (std::int64_t i = 0; i < len; ++i)
        po[o + i] = pc[offs[0] + i * st[0]] ? px[offs[1] + i * st[1]] : py[offs[2] + i * st[2]];
    });
  });
}

}  // namespace

void register_elementwise_kernels() {
  add_builtin_kernel("Add", arith_kernel<Arith::Add>, true);
  add_builtin_kernel("Sub", arith_kernel<Arith::Sub>, true);
  add_builtin_kernel("Mul", arith_kernel<Arith::Mul>, true);
  add_builtin_kernel("Div", arith_kernel<Arith::Div>, true);
  add_builtin_kernel("Max", arith_kernel<Arith::Max>);
  add_builtin_kernel("Min", arith_kernel<Arith::Min>);
  add_builtin_kernel("Mod", arith_kernel<Arith::Mod>);
  add_builtin_kernel("Sum", sum_kernel<false>);
  add_builtin_kernel("Mean", sum_kernel<true>);
  add_builtin_kernel("Pow", pow_kernel);
  add_builtin_kernel("Equal", compare_kernel<Compare::Equal>);
  add_builtin_kernel("Greater", compare_kernel<Compare::Greater>);
  add_builtin_kernel("Less", compare_kernel<Compare::Less>);
  add_builtin_kernel("GreaterOrEqual", compare_kernel<Compare::GreaterOrEqual>);
  add_builtin_kernel("LessOrEqual", compare_kernel<Compare::LessOrEqual>);
  add_builtin_kernel("And", logic_kernel<Logic::And>);
  add_builtin_kernel("Or", logic_kernel<Logic::Or>);
  add_builtin_kernel("Xor", logic_kernel<Logic::Xor>);
  add_builtin_kernel("Not", not_kernel);
  add_builtin_kernel("Where", where_kernel);
}

}  // namespace qtune
