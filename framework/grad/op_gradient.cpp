#include "grad/op_gradient.h"

#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

namespace qtune::grad {

namespace {

std::unordered_map<std::string, OpGradient>& table() {
  static std::unordered_map<std::string, OpGradient> t;
  return t;
}

// Registration runs once, lazily (as the kernel registry does), so it never depends on the
// static-initialisation order of the shared library.
void ensure_registered() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_conv_gradients();
    register_linear_gradients();
    register_activation_gradients();
    register_elementwise_gradients();
    register_layout_gradients();
    register_pool_gradients();
  });
}

}  // namespace

void add_gradient(const std::string& op_type, OpGradient gradient) { table()[op_type] = gradient; }

const OpGradient* find_gradient(const std::string& op_type) {
  ensure_registered();
  auto it = table().find(op_type);
  return it == table().end() ? nullptr : &it->second;
}

std::string gradient_unsupported(const Op& op) {
  if (!op.domain.empty() && op.domain != "ai.onnx") return fmt::format("no gradient for domain '{}'", op.domain);
  const OpGradient* g = find_gradient(op.type);
  if (!g) return fmt::format("no gradient for op type {}", op.type);
  return g->unsupported ? g->unsupported(op) : std::string();
}

Tensor sum_to_shape(const Tensor& g, const Shape& to) {
  if (g.shape() == to) return g;
  const Shape& from = g.shape();
  if (to.size() > from.size()) throw Error(fmt::format("sum_to_shape: {} to {}", shape_str(from), shape_str(to)));
  const std::size_t lead = from.size() - to.size();
  // Stride of each `from` dim in the target (0 where the target broadcasts).
  std::vector<std::int64_t> tstride(from.size(), 0);
  std::int64_t s = 1;
  for (std::size_t i = from.size(); i-- > lead;) {
    const std::int64_t d = to[i - lead];
    if (d != 1 && d != from[i])
      throw Error(fmt::format("sum_to_shape: {} does not broadcast to {}", shape_str(to), shape_str(from)));
    tstride[i] = d == 1 ? 0 : s;
    s *= d;
  }
  Tensor out(DType::Float32, to);
  float* po = out.data<float>();
  const float* pg = g.data<float>();
  const std::int64_t inner = from.empty() ? 1 : from.back();
  const std::int64_t inner_stride = from.empty() ? 0 : tstride.back();
  const std::int64_t rows = g.numel() / std::max<std::int64_t>(inner, 1);
  std::vector<std::int64_t> index(from.size(), 0);
  std::int64_t base = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* src = pg + r * inner;
    if (inner_stride == 0) {
      float acc = 0.0f;
      for (std::int64_t k = 0; k < inner; ++k) acc += src[k];
      po[base] += acc;
    } else {
      for (std::int64_t k = 0; k < inner; ++k) po[base + k] += src[k];
    }
    // Advance the odometer over all dims but the last.
    for (std::size_t d = from.size() - 1; d-- > 0;) {
      base += tstride[d];
      if (++index[d] < from[d]) break;
      base -= from[d] * tstride[d];
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace qtune::grad
