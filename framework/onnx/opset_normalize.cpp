// Opset normalisation: after import every op has ONE form, whatever the model's opset
// (9..18), so kernels and passes never branch on Graph::opset. The canonical form is the
// opset-18 one: every list operand is a constant input, not an attribute.
//
//   Clip            inputs (X, min?, max?); float scalars; an absent input = no bound.
//                   (opset < 11 `min`/`max` attributes become inputs.)
//   Pad             inputs (X, pads int64[2*rank], constant_value? scalar); `mode` stays an
//                   attribute. (opset < 11 `pads`/`value` attributes become inputs.)
//   Slice           inputs (X, starts, ends, axes?, steps?) int64. (opset < 10 attributes.)
//   Squeeze, Unsqueeze, ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare
//                   inputs (X, axes? int64); `keepdims` / `noop_with_empty_axes` stay
//                   attributes. (Attribute `axes` before opset 13 / 18 becomes input 1.)
//   Split           inputs (X, split? int64). (Attribute `split` before opset 13.)
//   Resize          inputs (X, roi?, scales?, sizes?) as in opset 11+. An opset-10 Resize
//                   (X, scales) and an Upsample (opset 9) become (X, "", scales) with
//                   coordinate_transformation_mode "asymmetric" and, for "nearest",
//                   nearest_mode "floor": the pre-11 semantics (out = in[floor(o / s)]).
//   Softmax, LogSoftmax, Hardmax
//                   opset-13 semantics (one axis). Before 13 the op flattened the input to
//                   2-D at `axis` (default 1): when that is not the last axis, or the rank
//                   is unknown (see static_rank.h), the op becomes
//                   Flatten(axis) -> op(axis -1) -> Reshape(Shape(X)).
//   BatchNormalization  `spatial` and `momentum` (training-only) attributes are dropped.
#include "onnx/opset_normalize.h"

#include <fmt/format.h>

#include "onnx/static_rank.h"

namespace qtune {
namespace {

Variable& add_int64_param(Graph& graph, const Op& op, const std::string& what, const std::vector<std::int64_t>& v) {
  return graph.add_parameter(graph.unique_name(op.name + "_" + what),
                             Tensor::from<std::int64_t>({static_cast<std::int64_t>(v.size())}, v));
}

Variable& add_float_scalar(Graph& graph, const Op& op, const std::string& what, float v) {
  return graph.add_parameter(graph.unique_name(op.name + "_" + what), Tensor::from<float>({}, {v}));
}

// Moves an int-list attribute into input slot `slot` (when the attribute is present).
void ints_attribute_to_input(Graph& graph, Op& op, const std::string& attr, std::size_t slot) {
  if (!op.attributes.has(attr)) return;
  if (op.has_input(slot))
    throw InputError(fmt::format("op '{}' ({}) has both a '{}' attribute and input {}", op.name, op.type, attr, slot));
  Variable& p = add_int64_param(graph, op, attr, op.attributes.get_ints(attr));
  op.attributes.erase(attr);
  graph.set_input(op, slot, &p);
}

void normalize_clip(Graph& graph, Op& op) {
  if (graph.opset >= 11) return;
  if (op.attributes.has("min")) graph.set_input(op, 1, &add_float_scalar(graph, op, "min", op.attributes.get_float("min")));
  if (op.attributes.has("max")) graph.set_input(op, 2, &add_float_scalar(graph, op, "max", op.attributes.get_float("max")));
  op.attributes.erase("min");
  op.attributes.erase("max");
}

void normalize_pad(Graph& graph, Op& op) {
  if (graph.opset >= 11) return;
  ints_attribute_to_input(graph, op, "pads", 1);
  if (op.attributes.has("value")) {
    graph.set_input(op, 2, &add_float_scalar(graph, op, "value", op.attributes.get_float("value")));
    op.attributes.erase("value");
  }
}

void normalize_slice(Graph& graph, Op& op) {
  if (graph.opset >= 10) return;
  ints_attribute_to_input(graph, op, "starts", 1);
  ints_attribute_to_input(graph, op, "ends", 2);
  ints_attribute_to_input(graph, op, "axes", 3);
}

// The pre-opset-11 Resize / Upsample, as an opset-11 Resize.
void resize_to_opset11(Graph& graph, Op& op) {
  if (op.inputs.size() < 2 && op.attributes.has("scales")) {  // Upsample-7/8 style
    const auto s = op.attributes.get_floats("scales");
    graph.set_input(op, 1,
                    &graph.add_parameter(graph.unique_name(op.name + "_scales"),
                                         Tensor::from<float>({static_cast<std::int64_t>(s.size())}, s)));
    op.attributes.erase("scales");
  }
  Variable* scales = op.has_input(1) ? op.inputs[1] : nullptr;
  graph.set_input(op, 1, nullptr);
  graph.set_input(op, 2, scales);
  op.type = "Resize";
  std::string mode = op.attributes.get_string("mode", "nearest");
  if (mode == "bilinear" || mode == "trilinear") mode = "linear";
  op.attributes.set("mode", mode);
  op.attributes.set("coordinate_transformation_mode", std::string("asymmetric"));
  if (mode == "nearest") op.attributes.set("nearest_mode", std::string("floor"));
}

bool is_reduce(const std::string& type) { return type.rfind("Reduce", 0) == 0; }

void normalize_softmax(Graph& graph, Op& op) {
  if (graph.opset >= 13) return;
  const std::int64_t axis = op.attributes.get_int("axis", 1);
  const auto known_rank = static_rank(op.input(0));
  const auto rank = known_rank ? static_cast<std::int64_t>(*known_rank) : std::int64_t{0};
  const bool last_axis = axis == -1 || (rank > 0 && axis == rank - 1);
  if (last_axis) {
    op.attributes.set("axis", axis);
    return;
  }
  // Flatten to 2-D at `axis`, apply the op on the last axis, restore the input shape.
  Variable& input = op.input(0);
  Variable& output = *op.outputs.at(0);
  const std::string flat = graph.unique_name(op.name + "_flat_in");
  Attributes flatten_attrs;
  flatten_attrs.set("axis", axis);
  graph.add_op(graph.unique_name(op.name + "_flatten"), "Flatten", {input.name}, {flat}, std::move(flatten_attrs));
  graph.set_input(op, 0, &graph.variable(flat));
  Variable& flat_out = graph.add_variable(graph.unique_name(op.name + "_flat_out"), {}, output.dtype);
  op.outputs[0] = &flat_out;
  flat_out.producer = &op;
  output.producer = nullptr;
  op.attributes.set("axis", std::int64_t{-1});
  const std::string shape = graph.unique_name(op.name + "_in_shape");
  graph.add_op(graph.unique_name(op.name + "_shape"), "Shape", {input.name}, {shape});
  graph.add_op(graph.unique_name(op.name + "_reshape"), "Reshape", {flat_out.name, shape}, {output.name});
}

}  // namespace

void normalize_opset(Graph& graph, const std::string& source) {
  const std::int64_t opset = graph.opset;
  for (Op* op : graph.ops()) {
    if (!op->domain.empty()) continue;
    try {
      const std::string& type = op->type;
      if (type == "Clip") {
        normalize_clip(graph, *op);
      } else if (type == "Pad") {
        normalize_pad(graph, *op);
      } else if (type == "Slice") {
        normalize_slice(graph, *op);
      } else if (type == "Squeeze" || type == "Unsqueeze") {
        if (opset < 13) ints_attribute_to_input(graph, *op, "axes", 1);
      } else if (is_reduce(type)) {
        if (opset < (type == "ReduceSum" ? 13 : 18)) ints_attribute_to_input(graph, *op, "axes", 1);
      } else if (type == "Split") {
        if (opset < 13) ints_attribute_to_input(graph, *op, "split", 1);
      } else if (type == "Upsample" || (type == "Resize" && opset < 11)) {
        resize_to_opset11(graph, *op);
      } else if (type == "Softmax" || type == "LogSoftmax" || type == "Hardmax") {
        normalize_softmax(graph, *op);
      } else if (type == "BatchNormalization") {
        op->attributes.erase("spatial");
        op->attributes.erase("momentum");
      }
    } catch (const Error& e) {
      throw InputError(fmt::format("{}: op '{}' ({}): {}", source, op->name, op->type, e.what()));
    }
  }
}

}  // namespace qtune
