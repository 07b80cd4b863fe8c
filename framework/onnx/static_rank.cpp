// Walks producers through ops whose output rank follows from their input ranks (and
// constant operands); anything else is unknown. Enough for exporters such as Paddle2ONNX
// that write no value_info at all.
#include "onnx/static_rank.h"

#include <algorithm>
#include <set>
#include <string>

namespace qtune {
namespace {

// Output rank = rank of input 0.
const std::set<std::string> kSameRank = {
    "Relu", "Sigmoid", "Tanh", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Softmax", "LogSoftmax", "Neg",
    "Abs", "Exp", "Log", "Sqrt", "Erf", "Cast", "Identity", "Dropout", "BatchNormalization", "Conv",
    "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Resize", "Upsample", "Pad",
    "InstanceNormalization", "LayerNormalization", "LRN", "Elu", "Selu", "PRelu", "Softplus", "Reciprocal",
    "Floor", "Ceil", "Round", "Sign", "Not", "DepthToSpace", "SpaceToDepth", "Transpose", "Slice", "Split",
    "Swish", "Gelu", "Mish", "Tile", "ReverseSequence"};
// Output rank = the largest input rank (numpy broadcasting).
const std::set<std::string> kBroadcast = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Where",
                                          "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or",
                                          "Xor", "Mod"};

constexpr int kMaxDepth = 256;  // bounds the recursion on very deep graphs

std::optional<std::size_t> rank_of(const Variable* v, int depth);

std::optional<std::size_t> input_rank(const Op& op, std::size_t i, int depth) {
  return op.has_input(i) ? rank_of(op.inputs[i], depth + 1) : std::nullopt;
}

std::optional<std::int64_t> constant_length(const Op& op, std::size_t i) {
  if (!op.has_input(i) || !op.inputs[i]->value) return std::nullopt;
  return op.inputs[i]->value->numel();
}

std::optional<std::size_t> produced_rank(const Op& op, int depth) {
  const std::string& t = op.type;
  if (kSameRank.count(t)) return input_rank(op, 0, depth);
  if (t == "Gemm" || t == "Flatten") return 2;
  if (t == "Shape") return 1;
  if (kBroadcast.count(t)) {
    std::size_t r = 0;
    for (std::size_t i = 0; i < op.inputs.size(); ++i) {
      auto ri = input_rank(op, i, depth);
      if (!ri) return std::nullopt;
      r = std::max(r, *ri);
    }
    return r;
  }
  if (t == "MatMul") {
    auto a = input_rank(op, 0, depth), b = input_rank(op, 1, depth);
    if (!a || !b) return std::nullopt;
    if (*a == 1 && *b == 1) return 0;
    if (*a == 1) return *b - 1;
    if (*b == 1) return *a - 1;
    return std::max(*a, *b);
  }
  if (t == "Reshape") {
    if (auto n = constant_length(op, 1)) return static_cast<std::size_t>(*n);
    return std::nullopt;
  }
  if (t == "Concat") {
    for (std::size_t i = 0; i < op.inputs.size(); ++i)
      if (auto r = input_rank(op, i, depth)) return r;
    return std::nullopt;
  }
  if (t == "Unsqueeze" || t == "Squeeze") {
    auto r = input_rank(op, 0, depth);
    auto n = constant_length(op, 1);
    if (!r || !n) return std::nullopt;
    return t == "Unsqueeze" ? *r + static_cast<std::size_t>(*n) : *r - static_cast<std::size_t>(*n);
  }
  if (t.rfind("Reduce", 0) == 0) {
    auto r = input_rank(op, 0, depth);
    if (!r || op.attributes.get_int("keepdims", 1) != 0) return r;
    if (auto n = constant_length(op, 1)) return *r - static_cast<std::size_t>(*n);
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::size_t> rank_of(const Variable* v, int depth) {
  if (!v || depth > kMaxDepth) return std::nullopt;
  if (v->value) return v->value->rank();
  if (!v->shape.empty()) return v->shape.size();
  if (!v->producer) return std::nullopt;
  return produced_rank(*v->producer, depth);
}

}  // namespace

std::optional<std::size_t> static_rank(const Variable& value) { return rank_of(&value, 0); }

}  // namespace qtune
