#include "export/espdl_op_sets.h"

#include <set>

namespace qtune {
namespace {

bool in(const std::set<std::string>& s, const std::string& type) { return s.count(type) != 0; }

}  // namespace

bool is_activation_op(const std::string& type) {
  static const std::set<std::string> s = {"Relu", "PRelu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "Elu", "Erf",
                                          "Gelu", "Clip", "Cast", "LeakyRelu", "Softplus", "Identity", "Swish"};
  return in(s, type);
}

bool is_math_op(const std::string& type) {
  static const std::set<std::string> s = {"Abs", "Exp", "Log", "Sqrt", "Cos", "Sin", "Tan", "Not", "Floor", "Round",
                                          "Ceil", "Neg"};
  return in(s, type);
}

bool is_conv_layout_op(const std::string& type) {
  static const std::set<std::string> s = {"Conv", "GlobalAveragePool", "AveragePool", "MaxPool", "ConvTranspose",
                                          "GlobalMaxPool", "DepthToSpace", "SpaceToDepth", "InsertZeros"};
  return in(s, type);
}

bool is_add_like_op(const std::string& type) {
  static const std::set<std::string> s = {"Add", "Sub", "Mul", "Div", "And", "Equal", "Greater", "Less",
                                          "GreaterOrEqual", "LessOrEqual", "Pow", "Mod"};
  return in(s, type);
}

bool is_restore_layout_op(const std::string& type) {
  static const std::set<std::string> s = {
      "MatMul", "Gemm", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Slice", "Pad", "Concat",
      "Constant", "Gather", "GatherElements", "GatherND", "Shape", "ConstantOfShape", "ReverseSequence", "Expand",
      "LayerNorm", "LayerNormalization", "RMSNormalization", "Max", "Min", "ScatterElements", "ScatterND", "TopK",
      "Where", "GRU", "LSTM", "Sum"};
  return in(s, type);
}

bool is_softmax_like_op(const std::string& type) { return type == "Softmax" || type == "LogSoftmax" || type == "Split"; }

bool is_reduce_op(const std::string& type) {
  static const std::set<std::string> s = {"ReduceL1", "ReduceL2", "ReduceMin", "ReduceMax", "ReduceProd", "ReduceSum",
                                          "ReduceMean", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"};
  return in(s, type);
}

bool is_espdl_module(const std::string& type) {
  static const std::set<std::string> s = {
      "Conv", "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Resize", "GlobalAveragePool", "AveragePool", "Concat",
      "Sigmoid", "Tanh", "Relu", "LeakyRelu", "HardSigmoid", "HardSwish", "Gelu", "LUT", "Gemm", "QuantizeLinear",
      "DequantizeLinear", "RequantizeLinear", "PRelu", "Clip", "Flatten", "Reshape", "Transpose", "Exp", "Log", "Sqrt",
      "Squeeze", "Unsqueeze", "Softmax", "LogSoftmax", "MaxPool", "Slice", "Pad", "MatMul", "Neg", "SpaceToDepth",
      "Split", "Gather", "Elu", "Greater", "GreaterOrEqual", "Equal", "Less", "LessOrEqual", "ReverseSequence",
      "ScatterND", "Identity", "Swish", "ReduceMin", "ReduceMax", "ReduceSum", "ReduceProd", "ReduceMean",
      "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp", "GRU", "LSTM", "DepthToSpace", "StreamingCache",
      "InsertZeros", "LayerNormalization", "LpNormalization", "RMSNormalization"};
  return in(s, type);
}

}  // namespace qtune
