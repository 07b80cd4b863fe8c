#include "onnx/element_types.h"

#include <optional>
#include <set>
#include <string>

#include "onnx/tensor_proto.h"

namespace qtune {
namespace {

// Output 0 is int64 whatever the inputs (ONNX: Shape, Size, NonZero, ArgMax/ArgMin, TopK's
// indices are output 1 and are not needed here).
const std::set<std::string> kInt64Out = {"Shape", "Size", "NonZero", "ArgMax", "ArgMin"};
const std::set<std::string> kBoolOut = {"Equal",  "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                                        "Not",    "And",  "Or",      "Xor",         "IsNaN",
                                        "IsInf"};
// Output type = type of input 0 (data movement, and arithmetic on same-typed operands).
const std::set<std::string> kSameAsInput0 = {
    "Gather", "GatherElements", "GatherND", "Slice",  "Concat", "Reshape", "Squeeze",  "Unsqueeze", "Flatten",
    "Transpose", "Identity", "Expand",     "Tile",   "Split",   "Add",      "Sub",       "Mul",
    "Div",    "Mod",            "Neg",      "Abs",    "Max",     "Min",     "ReduceMax", "ReduceMin",
    "ReduceSum", "ReduceProd",  "Range",    "ScatterND", "ScatterElements"};

DType type_of(const Variable& v) { return v.value ? v.value->dtype() : v.dtype; }

std::optional<DType> produced_type(const Op& op) {
  if (kInt64Out.count(op.type)) return DType::Int64;
  if (kBoolOut.count(op.type)) return DType::Bool;
  if (op.type == "Cast") {
    DType t;
    if (op.attributes.has("to") && dtype_from_onnx(static_cast<int>(op.attributes.get_int("to", 1)), t)) return t;
    return std::nullopt;
  }
  if (op.type == "Where" && op.has_input(1)) return type_of(*op.inputs[1]);
  if (kSameAsInput0.count(op.type) && op.has_input(0)) return type_of(*op.inputs[0]);
  return std::nullopt;
}

}  // namespace

std::size_t infer_element_types(Graph& graph) {
  std::size_t changed = 0;
  for (Op* op : graph.topological_order()) {
    const std::optional<DType> t = produced_type(*op);
    if (!t) continue;
    for (Variable* out : op->outputs) {
      if (out->value || out->dtype == *t) continue;
      out->dtype = *t;
      ++changed;
    }
  }
  return changed;
}

}  // namespace qtune
