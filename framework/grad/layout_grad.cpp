// Backward of ops that only move elements. Reshape / Flatten / Squeeze / Unsqueeze keep the
// row-major order, so dX is dY reshaped. Concat splits dY along its axis. Transpose, Slice,
// Pad (constant), DepthToSpace / SpaceToDepth and nearest Resize copy each output element from
// one input element: their gather map is found by running the op's own forward kernel on
// 1, 2, 3, ... (exact in float32 below 2^24 elements; 0 marks padding), kept per node while the
// input shape stays, and dX is dY scattered back through it (adding where nearest upsampling
// read one input several times). InsertZeros writes X[n, c, i, j] to Y[n, c, i·s0, j·s1], so
// dX is dY read at those strided positions (the inserted zeros and output_padding get none).
#include <fmt/format.h>

#include "exec/kernel_registry.h"
#include "exec/kernels/insert_zeros.h"
#include "grad/op_gradient.h"

namespace qtune::grad {

namespace {

void reshape_like(const BackwardArgs& a) {
  if (!a.wanted[0]) return;
  a.grad_inputs[0] = (*a.grad_outputs[0]).reshaped(input_at(a.op, a.inputs, 0).shape());
}

void concat(const BackwardArgs& a) {
  const Tensor& dy = (*a.grad_outputs[0]);
  const auto rank = static_cast<std::int64_t>(dy.rank());
  const auto axis = static_cast<std::size_t>(normalize_axis(a.op, a.op.attributes.get_int("axis"), rank));
  std::int64_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < dy.rank(); ++d) {
    if (d < axis) outer *= dy.shape()[d];
    if (d > axis) inner *= dy.shape()[d];
  }
  const std::int64_t total = dy.shape()[axis] * inner;
  const float* pg = dy.data<float>();
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < a.inputs.size(); ++i) {
    if (!a.inputs[i]) continue;
    const Tensor& x = *a.inputs[i];
    const std::int64_t width = (x.rank() > axis ? x.shape()[axis] : 0) * inner;
    if (a.wanted[i]) {
      Tensor dx = Tensor::uninitialized(DType::Float32, x.shape());
      float* pd = dx.data<float>();
      for (std::int64_t o = 0; o < outer; ++o) std::copy(pg + o * total + offset, pg + o * total + offset + width, pd + o * width);
      a.grad_inputs[i] = std::move(dx);
    }
    offset += width;
  }
}

// Largest input whose element indices float32 holds exactly (1 .. 2^24).
constexpr std::int64_t kMaxGatherElements = std::int64_t{1} << 24;

struct GatherMap {
  Shape in_shape;
  std::vector<std::int32_t> source;  // per output element: input index, -1 = padding
};

const GatherMap& gather_map(const BackwardArgs& a) {
  const Tensor& x = input_at(a.op, a.inputs, 0);
  if (auto* cached = std::any_cast<GatherMap>(&a.state); cached && cached->in_shape == x.shape()) return *cached;
  if (x.numel() >= kMaxGatherElements)
    kernel_error(a.op, fmt::format("gradient: input {} has too many elements for a gather map", shape_str(x.shape())));
  Tensor iota = Tensor::uninitialized(DType::Float32, x.shape());
  float* p = iota.data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i) p[i] = static_cast<float>(i + 1);
  std::vector<const Tensor*> ins(a.inputs.begin(), a.inputs.end());
  ins[0] = &iota;
  if (a.op.type == "Pad" && ins.size() > 2) ins[2] = nullptr;  // pad with 0 (no source)
  std::vector<Tensor> outs(a.outputs.size());
  find_kernel(a.op.type)(a.op, std::span<const Tensor* const>(ins.data(), ins.size()), std::span<Tensor>(outs));
  GatherMap map;
  map.in_shape = x.shape();
  const float* po = outs[0].data<float>();
  map.source.resize(static_cast<std::size_t>(outs[0].numel()));
  for (std::size_t o = 0; o < map.source.size(); ++o) map.source[o] = static_cast<std::int32_t>(po[o]) - 1;
  a.state = std::move(map);
  return std::any_cast<GatherMap&>(a.state);
}

void gather(const BackwardArgs& a) {
  if (!a.wanted[0]) return;
  const GatherMap& map = gather_map(a);
  Tensor dx(DType::Float32, map.in_shape);
  float* pd = dx.data<float>();
  const float* pg = (*a.grad_outputs[0]).data<float>();
  for (std::size_t o = 0; o < map.source.size(); ++o)
    if (map.source[o] >= 0) pd[map.source[o]] += pg[o];
  a.grad_inputs[0] = std::move(dx);
}

void insert_zeros(const BackwardArgs& a) {
  if (!a.wanted[0]) return;
  const Tensor& x = input_at(a.op, a.inputs, 0);
  const Tensor& dy = *a.grad_outputs[0];
  if (x.rank() < 3) kernel_error(a.op, fmt::format("gradient: expected X of rank >= 3, got {}", shape_str(x.shape())));
  const InsertZerosGeometry g = insert_zeros_geometry(a.op, x.rank() - 2);
  const std::vector<std::int64_t> in_strides = strides_of(x.shape()), out_strides = strides_of(dy.shape());
  Tensor dx = Tensor::uninitialized(DType::Float32, x.shape());
  float* pd = dx.data<float>();
  const float* pg = dy.data<float>();
  const std::int64_t last = x.dim(-1), step = g.stride.back() * out_strides.back();
  const std::int64_t rows = last == 0 ? 0 : x.numel() / last;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::int64_t rest = r * last, offset = 0;
    for (std::size_t d = 0; d + 1 < x.rank(); ++d) {
      const std::int64_t index = rest / in_strides[d];
      rest %= in_strides[d];
      offset += (d < 2 ? index : index * g.stride[d - 2]) * out_strides[d];
    }
    for (std::int64_t q = 0; q < last; ++q) pd[r * last + q] = pg[offset + q * step];
  }
  a.grad_inputs[0] = std::move(dx);
}

std::string resize_support(const Op& op) {
  const std::string mode = op.attributes.get_string("mode", "nearest");
  return mode == "nearest" ? "" : fmt::format("no gradient for Resize mode '{}' (nearest only)", mode);
}

std::string pad_support(const Op& op) {
  const std::string mode = op.attributes.get_string("mode", "constant");
  return mode == "constant" ? "" : fmt::format("no gradient for Pad mode '{}' (constant only)", mode);
}

}  // namespace

void register_layout_gradients() {
  for (const char* t : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"}) add_gradient(t, {reshape_like, nullptr});
  add_gradient("Concat", {concat, nullptr});
  for (const char* t : {"Transpose", "Slice", "DepthToSpace", "SpaceToDepth"}) add_gradient(t, {gather, nullptr});
  add_gradient("Resize", {gather, resize_support});
  add_gradient("Pad", {gather, pad_support});
  add_gradient("InsertZeros", {insert_zeros, nullptr});
}

}  // namespace qtune::grad
