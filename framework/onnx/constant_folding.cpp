// Folded outputs keep their variable (and name): the variable becomes a parameter and its
// producer is deleted, so consumers and quantization configs need no rewiring. Ops are not
// folded when:
//  - an output is a graph output (the executor then returns a computed value, as the model says);
//  - the op has no kernel, or is random (never deterministic), or has no inputs;
//  - a result would exceed kMaxFoldedElements (a huge constant such as an Expand to the
//    activation shape costs memory in every graph copy and saves nothing at run time).
// Shape/Size of a value with a fully known static shape fold too; note that this pins the
// dims that the import resolved (e.g. the batch size) into the graph.
#include "onnx/constant_folding.h"

#include <algorithm>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "exec/kernel_registry.h"

namespace qtune {
namespace {

// 4 Mi elements (16 MiB of float): larger than any shape/index constant or folded weight
// of the ESP-DL-sized models qtune targets.
constexpr std::int64_t kMaxFoldedElements = std::int64_t{1} << 22;

const std::set<std::string> kNeverFold = {"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
                                          "Multinomial", "Bernoulli"};

bool fully_known(const Shape& shape) {
  return !shape.empty() && std::all_of(shape.begin(), shape.end(), [](std::int64_t d) { return d >= 0; });
}

// Shape / Size of a statically known value: computed here, no kernel needed.
std::optional<Tensor> static_shape_value(const Op& op) {
  if (!op.has_input(0) || op.inputs.size() != 1) return std::nullopt;
  const Variable& x = op.input(0);
  const Shape& shape = x.is_parameter ? x.value->shape() : x.shape;
  if (!x.is_parameter && !fully_known(shape)) return std::nullopt;
  const auto rank = static_cast<std::int64_t>(shape.size());
  if (op.type == "Size") return Tensor::from<std::int64_t>({}, {shape_numel(shape)});
  // Shape-15 start/end: clamped slice of the dims.
  auto clamp = [&](std::int64_t i) { return std::clamp(i < 0 ? i + rank : i, std::int64_t{0}, rank); };
  const std::int64_t start = clamp(op.attributes.get_int("start", 0));
  const std::int64_t end = clamp(op.attributes.get_int("end", rank));
  std::vector<std::int64_t> dims;
  for (std::int64_t i = start; i < end; ++i) dims.push_back(shape[static_cast<std::size_t>(i)]);
  return Tensor::from<std::int64_t>({static_cast<std::int64_t>(dims.size())}, dims);
}

bool all_inputs_constant(const Op& op) {
  bool any = false;
  for (const Variable* in : op.inputs) {
    if (!in) continue;
    if (!in->is_parameter || !in->value) return false;
    any = true;
  }
  return any;
}

// Runs the op's kernel on its constant inputs.
std::vector<Tensor> evaluate(const Op& op, Kernel kernel) {
  std::vector<const Tensor*> inputs;
  for (const Variable* in : op.inputs) inputs.push_back(in ? &*in->value : nullptr);
  std::vector<Tensor> outputs(op.outputs.size());
  try {
    kernel(op, inputs, outputs);
  } catch (const std::exception& e) {
    throw Error(fmt::format("constant folding of op '{}' ({}) failed: {}", op.name, op.type, e.what()));
  }
  return outputs;
}

}  // namespace

std::size_t fold_constants(Graph& graph, std::vector<std::string>& notes) {
  std::size_t folded = 0;
  for (Op* op : graph.topological_order()) {
    if (!op->domain.empty() || kNeverFold.count(op->type)) continue;
    if (std::any_of(op->outputs.begin(), op->outputs.end(), [&](const Variable* v) { return graph.is_graph_output(*v); }))
      continue;
    std::vector<Tensor> values;
    if (op->type == "Shape" || op->type == "Size") {
      auto v = static_shape_value(*op);
      if (!v) continue;
      values.push_back(std::move(*v));
    } else {
      if (!all_inputs_constant(*op)) continue;
      Kernel kernel = find_kernel(op->type);
      if (!kernel) continue;
      values = evaluate(*op, kernel);
    }
    const bool too_big = std::any_of(values.begin(), values.end(),
                                     [](const Tensor& t) { return t.numel() > kMaxFoldedElements; });
    if (too_big) {
      notes.push_back(fmt::format("not folded {} '{}': its constant result would exceed {} elements", op->type,
                                  op->name, kMaxFoldedElements));
      continue;
    }
    std::vector<Variable*> outputs = op->outputs;
    graph.remove_op(*op);
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      Variable& v = *outputs[i];
      v.shape = values[i].shape();
      v.dtype = values[i].dtype();
      v.is_parameter = true;
      v.value = std::move(values[i]);
    }
    ++folded;
  }
  return folded;
}

}  // namespace qtune
