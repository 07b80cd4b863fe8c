#include "horizontal_split.h"

#include <cmath>
#include <random>

#include "qtune/rewrite/parameters.h"

namespace qtune::weight_split {

SplitValues split_values(const Tensor& weight, float threshold, Method method, std::uint64_t seed) {
  SplitValues out{weight, Tensor(weight.shape()), 0, 0.0f};
  std::mt19937_64 rng(seed);
  const float* w = weight.data<float>();
  float* r = out.kept.data<float>();
  float* s = out.split.data<float>();
  for (std::int64_t i = 0; i < weight.numel(); ++i) {
    // Random draws one U per element, selected or not, as torch.rand_like does, so which
    // value a weight gets does not depend on the threshold.
    const float u = method == Method::Random ? static_cast<float>(rng() >> 40) * 0x1p-24f : 0.0f;
    out.max_abs = std::max(out.max_abs, std::fabs(w[i]));
    if (!(std::fabs(w[i]) > threshold)) continue;
    ++out.selected;
    s[i] = method == Method::Balance ? w[i] / 2.0f : w[i] * u;
    r[i] = w[i] - s[i];
  }
  return out;
}

std::uint64_t seed_for(const std::string& op_name) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64-bit offset basis
  for (unsigned char c : op_name) {
    h ^= c;
    h *= 0x100000001b3ull;  // FNV prime
  }
  return h;
}

SplitNames split_layer(Graph& graph, Op& op, SplitValues values) {
  SplitNames names;
  Variable& output = *op.outputs.at(0);
  const std::string input = op.input(0).name;

  rewrite::own_parameter(graph, op, 1) = std::move(values.kept);
  names.clone_weight = graph.unique_name(op.input(1).name + "_split");
  graph.add_parameter(names.clone_weight, std::move(values.split));

  // The original op now writes a new variable; its old output is left producer-less for
  // the Add to take over (consumers and graph outputs keep reading it by name).
  names.kept_output = graph.unique_name(op.name + "_kept_output");
  Variable& kept = graph.add_variable(names.kept_output, output.shape, output.dtype);
  op.outputs[0] = &kept;
  kept.producer = &op;
  output.producer = nullptr;

  names.clone_output = graph.unique_name(op.name + "_split_output");
  graph.add_variable(names.clone_output, output.shape, output.dtype);
  names.clone = graph.unique_name(op.name + "_split");
  Op& clone = graph.add_op(names.clone, op.type, {input, names.clone_weight}, {names.clone_output}, op.attributes);
  clone.domain = op.domain;
  names.add = graph.unique_name(op.name + "_split_add");
  graph.add_op(names.add, "Add", {names.kept_output, names.clone_output}, {output.name});
  return names;
}

}  // namespace qtune::weight_split
