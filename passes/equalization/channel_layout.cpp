#include "channel_layout.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "qtune/rewrite/parameters.h"

namespace qtune::equalization {
namespace {

std::int64_t group_of(const Op& op) { return op.attributes.get_int("group", 1); }
bool trans_b(const Op& op) { return op.attributes.get_int("transB", 0) != 0; }
const Tensor& weight(const Op& op) { return *op.input(1).value; }
// Elements per (dim0, dim1) entry of a conv weight: the product of the kernel dims.
std::int64_t kernel_size(const Tensor& w) { return w.numel() / std::max<std::int64_t>(1, w.dim(0) * w.dim(1)); }

std::string weight_problem(const Op& op) {
  if (!rewrite::is_float_parameter(op, 1)) return "its weight (input 1) is not a constant float32 tensor";
  const Tensor& w = weight(op);
  if (op.type == "Gemm" ? w.rank() != 2 : w.rank() < 3)
    return fmt::format("its weight has the unexpected shape {}", shape_str(w.shape()));
  const std::int64_t g = op.type == "Gemm" ? 1 : group_of(op);
  if (g < 1 || w.dim(0) % g != 0) return fmt::format("group {} does not divide weight dim 0 ({})", g, w.dim(0));
  return "";
}

}  // namespace

const std::set<std::string>& equalizable_types() {
  static const std::set<std::string> types = {"Conv", "ConvTranspose", "Gemm"};
  return types;
}

std::int64_t output_channels(const Op& op) {
  const Tensor& w = weight(op);
  if (op.type == "Conv") return w.dim(0);
  if (op.type == "ConvTranspose") return w.dim(1) * group_of(op);
  return trans_b(op) ? w.dim(0) : w.dim(1);
}

std::int64_t input_channels(const Op& op) {
  const Tensor& w = weight(op);
  if (op.type == "Conv") return w.dim(1) * group_of(op);
  if (op.type == "ConvTranspose") return w.dim(0);
  return trans_b(op) ? w.dim(1) : w.dim(0);
}

std::string upstream_problem(const Op& op) {
  if (std::string p = weight_problem(op); !p.empty()) return p;
  if (!op.has_input(2)) return "";
  if (!rewrite::is_float_parameter(op, 2)) return "its bias (input 2) is not a constant float32 tensor";
  const Tensor& b = *op.input(2).value;
  const std::int64_t c = output_channels(op);
  if (b.numel() == c && (b.rank() == 0 || b.dim(-1) == c)) return "";
  if (op.type == "Gemm" && b.numel() == 1) return "";  // broadcast: expanded to C values when scaled
  return fmt::format("its bias shape {} is not one value per output channel ({})", shape_str(b.shape()), c);
}

std::string downstream_problem(const Op& op) {
  if (std::string p = weight_problem(op); !p.empty()) return p;
  if (op.type == "Gemm" && op.attributes.get_int("transA", 0) != 0)
    return "it is a Gemm with transA=1 (its input channels are not on axis 1)";
  return "";
}

std::vector<float> upstream_key(const Op& op, bool including_bias, float bias_multiplier) {
  const Tensor& wt = weight(op);
  const float* w = wt.data<float>();
  const std::int64_t c_count = output_channels(op);
  std::vector<float> key(static_cast<std::size_t>(c_count), 0.0f);
  auto fold = [&](std::int64_t c, float v) { key[c] = std::max(key[c], std::fabs(v)); };
  if (op.type == "Conv" || (op.type == "Gemm" && trans_b(op))) {
    const std::int64_t row = wt.numel() / c_count;
    for (std::int64_t c = 0; c < c_count; ++c)
      for (std::int64_t j = 0; j < row; ++j) fold(c, w[c * row + j]);
  } else if (op.type == "Gemm") {  // B [K, N]: column c
    for (std::int64_t k = 0; k < wt.dim(0); ++k)
      for (std::int64_t c = 0; c < c_count; ++c) fold(c, w[k * c_count + c]);
  } else {  // ConvTranspose W [I, O/g, k...]; esp-ppq's row r = o_local * g + group (quirk)
    const std::int64_t g = group_of(op), in_g = wt.dim(0) / g, out_g = wt.dim(1), ks = kernel_size(wt);
    for (std::int64_t r = 0; r < c_count; ++r) {
      const std::int64_t o_local = r / g, grp = r % g;
      for (std::int64_t i = 0; i < in_g; ++i)
        for (std::int64_t k = 0; k < ks; ++k) fold(r, w[((grp * in_g + i) * out_g + o_local) * ks + k]);
    }
  }
  if (including_bias && op.has_input(2)) {
    const Tensor& bt = *op.input(2).value;
    const float* b = bt.data<float>();
    for (std::int64_t c = 0; c < c_count; ++c) fold(c, b[bt.numel() == 1 ? 0 : c] * bias_multiplier);
  }
  return key;
}

std::vector<float> downstream_key(const Op& op) {
  const Tensor& wt = weight(op);
  const float* w = wt.data<float>();
  const std::int64_t c_count = input_channels(op);
  std::vector<float> key(static_cast<std::size_t>(c_count), 0.0f);
  auto fold = [&](std::int64_t c, float v) { key[c] = std::max(key[c], std::fabs(v)); };
  if (op.type == "ConvTranspose" || (op.type == "Gemm" && !trans_b(op))) {  // row c
    const std::int64_t row = wt.numel() / c_count;
    for (std::int64_t c = 0; c < c_count; ++c)
      for (std::int64_t j = 0; j < row; ++j) fold(c, w[c * row + j]);
  } else if (op.type == "Gemm") {  // B [N, K]: column c
    for (std::int64_t n = 0; n < wt.dim(0); ++n)
      for (std::int64_t c = 0; c < c_count; ++c) fold(c, w[n * c_count + c]);
  } else {  // Conv W [O, I/g, k...]; esp-ppq's row r = i_local * g + group (quirk)
    const std::int64_t g = group_of(op), in_g = wt.dim(1), out_g = wt.dim(0) / g, ks = kernel_size(wt);
    for (std::int64_t r = 0; r < c_count; ++r) {
      const std::int64_t i_local = r / g, grp = r % g;
      for (std::int64_t o = 0; o < out_g; ++o)
        for (std::int64_t k = 0; k < ks; ++k) fold(r, w[((grp * out_g + o) * in_g + i_local) * ks + k]);
    }
  }
  return key;
}

void scale_upstream(Graph& graph, Op& op, const std::vector<float>& s) {
  const std::int64_t c_count = output_channels(op);
  Tensor& wt = rewrite::own_parameter(graph, op, 1);
  float* w = wt.data<float>();
  if (op.type == "Conv" || (op.type == "Gemm" && trans_b(op))) {
    const std::int64_t row = wt.numel() / c_count;
    for (std::int64_t c = 0; c < c_count; ++c)
      for (std::int64_t j = 0; j < row; ++j) w[c * row + j] *= s[c];
  } else if (op.type == "Gemm") {
    for (std::int64_t k = 0; k < wt.dim(0); ++k)
      for (std::int64_t c = 0; c < c_count; ++c) w[k * c_count + c] *= s[c];
  } else {  // ConvTranspose: natural channel group * (O/g) + o_local
    const std::int64_t g = group_of(op), in_g = wt.dim(0) / g, out_g = wt.dim(1), ks = kernel_size(wt);
    for (std::int64_t i = 0; i < wt.dim(0); ++i)
      for (std::int64_t o = 0; o < out_g; ++o)
        for (std::int64_t k = 0; k < ks; ++k) w[(i * out_g + o) * ks + k] *= s[(i / in_g) * out_g + o];
  }
  if (!op.has_input(2)) return;
  Tensor& bt = rewrite::own_parameter(graph, op, 2);
  if (bt.numel() == 1 && c_count != 1) {  // a broadcast Gemm bias becomes one value per channel
    Tensor expanded({c_count});
    for (std::int64_t c = 0; c < c_count; ++c) expanded.data<float>()[c] = bt.data<float>()[0];
    bt = std::move(expanded);
    op.input(2).shape = bt.shape();
  }
  float* b = bt.data<float>();
  for (std::int64_t c = 0; c < c_count; ++c) b[c] *= s[c];
}

void scale_downstream(Graph& graph, Op& op, const std::vector<float>& s) {
  const std::int64_t c_count = input_channels(op);
  Tensor& wt = rewrite::own_parameter(graph, op, 1);
  float* w = wt.data<float>();
  if (op.type == "ConvTranspose" || (op.type == "Gemm" && !trans_b(op))) {
    const std::int64_t row = wt.numel() / c_count;
    for (std::int64_t c = 0; c < c_count; ++c)
      for (std::int64_t j = 0; j < row; ++j) w[c * row + j] /= s[c];
  } else if (op.type == "Gemm") {
    for (std::int64_t n = 0; n < wt.dim(0); ++n)
      for (std::int64_t c = 0; c < c_count; ++c) w[n * c_count + c] /= s[c];
  } else {  // Conv: natural input channel group * (I/g) + i_local
    const std::int64_t g = group_of(op), in_g = wt.dim(1), out_g = wt.dim(0) / g, ks = kernel_size(wt);
    for (std::int64_t o = 0; o < wt.dim(0); ++o)
      for (std::int64_t i = 0; i < in_g; ++i)
        for (std::int64_t k = 0; k < ks; ++k) w[(o * in_g + i) * ks + k] /= s[(o / out_g) * in_g + i];
  }
}

}  // namespace qtune::equalization
