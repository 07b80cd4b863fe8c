// y = gamma * (x - mean) / sqrt(var + eps) + beta with x = Conv(W, b) folds to
// Conv(W', b'):  k = gamma / sqrt(var + eps),  W'[c] = W[c] * k[c],  b' = (b - mean) * k + beta
// (b = 0 when the Conv had no bias; it then gets one). ConvTranspose's weight is
// [Cin, Cout/group, k...]: row i belongs to group i / (Cin/group), so W[i][j] feeds output
// channel (i / (Cin/group)) * (Cout/group) + j and is scaled by that channel's k (esp-ppq's
// FUSE_BN does the same for ConvTranspose). Gemm computes alpha * A * B' + beta_g * C
// with B' = transB ? B^T : B; its output channel is the column of B', so k scales column n of
// B' and C' = k * C + (beta - k * mean) / beta_g. Computed in double, stored as float.
// The BN's output keeps its name: the Conv/Gemm writes it and its own output disappears.
#include "onnx/batchnorm_folding.h"

#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "onnx/esp_ppq_history.h"
#include "onnx/graph_rewrite.h"

namespace qtune {
namespace {

constexpr float kDefaultEpsilon = 1e-5f;  // ONNX BatchNormalization default

bool is_constant(const Op& op, std::size_t i) {
  return op.has_input(i) && op.inputs[i]->is_parameter && op.inputs[i]->value &&
         op.inputs[i]->value->dtype() == DType::Float32;
}

// A parameter the op may rewrite: its own when only this op reads it, else a fresh copy.
Variable& writable_parameter(Graph& graph, Op& op, std::size_t slot) {
  Variable& v = op.input(slot);
  if (v.consumers.size() == 1 && !graph.is_graph_output(v)) return v;
  Variable& copy = graph.add_parameter(graph.unique_name(v.name + "_bn_folded"), *v.value);
  graph.set_input(op, slot, &copy);
  return copy;
}

// Per-channel affine of the BN: y = k * x + shift.
struct Affine {
  std::vector<double> k, shift;
};

std::optional<Affine> bn_affine(const Op& bn) {
  for (std::size_t i = 1; i <= 4; ++i)
    if (!is_constant(bn, i)) return std::nullopt;
  const auto gamma = bn.constant_input(1).to_double(), beta = bn.constant_input(2).to_double();
  const auto mean = bn.constant_input(3).to_double(), var = bn.constant_input(4).to_double();
  const std::size_t c = gamma.size();
  if (beta.size() != c || mean.size() != c || var.size() != c) return std::nullopt;
  const double eps = bn.attributes.get_float("epsilon", kDefaultEpsilon);
  Affine a;
  for (std::size_t i = 0; i < c; ++i) {
    a.k.push_back(gamma[i] / std::sqrt(var[i] + eps));
    a.shift.push_back(beta[i] - a.k.back() * mean[i]);
  }
  return a;
}

bool fold_into_conv(Graph& graph, Op& conv, const Affine& a) {
  if (!is_constant(conv, 1) || (conv.has_input(2) && !is_constant(conv, 2))) return false;
  const Tensor& w = conv.constant_input(1);
  const auto cout = static_cast<std::size_t>(w.rank() > 0 ? w.dim(0) : 0);
  if (cout != a.k.size() || (conv.has_input(2) && conv.constant_input(2).numel() != w.dim(0))) return false;
  Tensor& w2 = *writable_parameter(graph, conv, 1).value;
  const std::int64_t per_channel = w2.numel() / w2.dim(0);
  float* wd = w2.data<float>();
  for (std::size_t c = 0; c < cout; ++c)
    for (std::int64_t j = 0; j < per_channel; ++j) {
      float& x = wd[static_cast<std::int64_t>(c) * per_channel + j];
      x = static_cast<float>(x * a.k[c]);
    }
  if (!conv.has_input(2))
    graph.set_input(conv, 2, &graph.add_parameter(graph.unique_name(conv.name + "_bias"), Tensor(DType::Float32, {w.dim(0)})));
  Tensor& b = *writable_parameter(graph, conv, 2).value;
  float* bd = b.data<float>();
  for (std::size_t c = 0; c < cout; ++c) bd[c] = static_cast<float>(bd[c] * a.k[c] + a.shift[c]);
  return true;
}

bool fold_into_conv_transpose(Graph& graph, Op& convt, const Affine& a) {
  if (!is_constant(convt, 1) || (convt.has_input(2) && !is_constant(convt, 2))) return false;
  const Tensor& w = convt.constant_input(1);
  const std::int64_t group = convt.attributes.get_int("group", 1);
  if (w.rank() < 2 || group < 1 || w.dim(0) % group != 0) return false;
  const std::int64_t cin_per_group = w.dim(0) / group, cout_per_group = w.dim(1), cout = group * cout_per_group;
  if (static_cast<std::size_t>(cout) != a.k.size() || (convt.has_input(2) && convt.constant_input(2).numel() != cout))
    return false;
  Tensor& w2 = *writable_parameter(graph, convt, 1).value;
  const std::int64_t kernel = w2.numel() / (w2.dim(0) * cout_per_group);
  float* wd = w2.data<float>();
  for (std::int64_t i = 0; i < w2.dim(0); ++i)
    for (std::int64_t j = 0; j < cout_per_group; ++j) {
      const double k = a.k[static_cast<std::size_t>((i / cin_per_group) * cout_per_group + j)];
      float* row = wd + (i * cout_per_group + j) * kernel;
      for (std::int64_t e = 0; e < kernel; ++e) row[e] = static_cast<float>(row[e] * k);
    }
  if (!convt.has_input(2))
    graph.set_input(convt, 2, &graph.add_parameter(graph.unique_name(convt.name + "_bias"), Tensor(DType::Float32, {cout})));
  float* bd = writable_parameter(graph, convt, 2).value->data<float>();
  for (std::size_t c = 0; c < a.k.size(); ++c) bd[c] = static_cast<float>(bd[c] * a.k[c] + a.shift[c]);
  return true;
}

bool fold_into_gemm(Graph& graph, Op& gemm, const Affine& a) {
  if (!is_constant(gemm, 1) || (gemm.has_input(2) && !is_constant(gemm, 2))) return false;
  const Tensor& bw = gemm.constant_input(1);
  if (bw.rank() != 2) return false;
  const bool trans_b = gemm.attributes.get_int("transB", 0) != 0;
  const std::int64_t n = trans_b ? bw.dim(0) : bw.dim(1);
  const std::int64_t kdim = trans_b ? bw.dim(1) : bw.dim(0);
  if (static_cast<std::size_t>(n) != a.k.size()) return false;
  // C must broadcast per column (scalar, [N] or [1, N]) to become a per-channel bias.
  std::vector<double> c(static_cast<std::size_t>(n), 0.0);
  const double beta_g = gemm.has_input(2) ? gemm.attributes.get_float("beta", 1.0f) : 1.0;
  if (gemm.has_input(2) && beta_g != 0.0) {
    const Tensor& ct = gemm.constant_input(2);
    const auto cv = ct.to_double();
    if (ct.numel() == 1) std::fill(c.begin(), c.end(), cv[0]);
    else if (ct.numel() == n && (ct.rank() == 1 || (ct.rank() == 2 && ct.dim(0) == 1))) std::copy(cv.begin(), cv.end(), c.begin());
    else return false;
  }
  float* bd = writable_parameter(graph, gemm, 1).value->data<float>();
  for (std::int64_t r = 0; r < kdim; ++r)
    for (std::int64_t col = 0; col < n; ++col) {
      float& x = trans_b ? bd[col * kdim + r] : bd[r * n + col];
      x = static_cast<float>(x * a.k[static_cast<std::size_t>(col)]);
    }
  // New C, applied with beta 1: k * (beta_g * C) + shift.
  std::vector<float> bias(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < bias.size(); ++i) bias[i] = static_cast<float>(a.k[i] * beta_g * c[i] + a.shift[i]);
  Tensor bias_t = Tensor::from<float>({n}, bias);
  if (gemm.has_input(2) && gemm.inputs[2]->consumers.size() == 1 && !graph.is_graph_output(*gemm.inputs[2])) {
    Variable& cvar = *gemm.inputs[2];
    cvar.value = std::move(bias_t);
    cvar.shape = {n};
  } else {
    graph.set_input(gemm, 2, &graph.add_parameter(graph.unique_name(gemm.name + "_bias"), std::move(bias_t)));
  }
  gemm.attributes.set("beta", 1.0f);
  return true;
}

}  // namespace

std::size_t fold_batchnorms(Graph& graph, std::vector<std::string>& notes) {
  std::size_t folded = 0;
  for (Op* bn : graph.topological_order()) {
    if (!bn->domain.empty() || bn->type != "BatchNormalization" || !bn->has_input(0)) continue;
    if (bn->attributes.get_int("training_mode", 0) != 0 || bn->outputs.size() != 1) continue;
    Variable& x = bn->input(0);
    Op* producer = x.producer;
    if (!producer || !producer->domain.empty() ||
        (producer->type != "Conv" && producer->type != "ConvTranspose" && producer->type != "Gemm"))
      continue;
    if (x.consumers.size() != 1 || graph.is_graph_output(x)) continue;
    auto affine = bn_affine(*bn);
    if (!affine) continue;
    const bool done = producer->type == "Conv"            ? fold_into_conv(graph, *producer, *affine)
                      : producer->type == "ConvTranspose" ? fold_into_conv_transpose(graph, *producer, *affine)
                                                          : fold_into_gemm(graph, *producer, *affine);
    if (!done) {
      notes.push_back(fmt::format("kept BatchNormalization '{}': {} '{}' has no foldable constant weights", bn->name,
                                  producer->type, producer->name));
      continue;
    }
    note_recreated(graph, *producer);  // esp-ppq's FUSE_BN appends a new op in its place
    Variable& y = *bn->outputs[0];
    graph.remove_op(*bn);
    redirect_output(graph, x, y);
    ++folded;
  }
  return folded;
}

}  // namespace qtune
