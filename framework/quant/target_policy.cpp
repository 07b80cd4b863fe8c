#include "quant/target_policy.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "qtune/error.h"

namespace qtune {
namespace {

// §1.1 get_target_platform (lower-cased target strings), in the reference's order: the
// one table of known targets (the QUANT_CONFIG parser and the setting rules read it too).
// "linear" (last) is qtune's non-ESP-DL target with float scales (see target_policy.h).
const std::vector<std::pair<std::string, TargetFamily>>& target_table() {
  static const std::vector<std::pair<std::string, TargetFamily>> t = {
      {"esp32p4", TargetFamily::P4}, {"esp32s31", TargetFamily::P4}, {"esp32s3", TargetFamily::S3},
      {"esp32", TargetFamily::C},    {"esp32s2", TargetFamily::C},    {"esp32c2", TargetFamily::C},
      {"esp32c3", TargetFamily::C},  {"esp32c5", TargetFamily::C},    {"esp32c6", TargetFamily::C},
      {"c", TargetFamily::C},        {"linear", TargetFamily::Linear}};
  return t;
}

// §1.3 EspdlQuantizer.quant_operation_types.
const std::set<std::string> kQuantizable = {
    "Conv", "ConvTranspose", "Gemm", "GRU", "LSTM", "Relu", "PRelu", "Clip", "Pad", "Resize", "MaxPool",
    "AveragePool", "GlobalMaxPool", "GlobalAveragePool", "Softmax", "LogSoftmax", "LpNormalization", "Mul",
    "Add", "Max", "Sub", "Div", "Neg", "Reshape", "LeakyRelu", "Concat", "Sigmoid", "Interp", "ReduceL1",
    "ReduceL2", "ReduceMean", "ReduceMin", "ReduceMax", "ReduceProd", "ReduceSum", "ReduceSumSquare",
    "ReduceLogSum", "ReduceLogSumExp", "Transpose", "Slice", "Flatten", "HardSwish", "HardSigmoid", "MatMul",
    "Attention", "LayerNormalization", "RMSNormalization", "Gelu", "PPQBiasFusedMatMul", "Split", "Gather",
    "ScatterND", "Tanh", "Elu", "Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual", "ReverseSequence",
    "Identity", "Swish", "Squeeze", "Unsqueeze", "Exp", "DepthToSpace", "SpaceToDepth", "InsertZeros", "Mod"};

// §1.4 PASSIVE_OPERATIONS (esp_ppq/core/common.py).
const std::set<std::string> kPassive = {"MaxPool", "GlobalMaxPool", "Reshape", "Flatten", "Identity", "Dropout",
                                        "Slice", "Pad", "Split", "Transpose", "Interp", "Squeeze", "Unsqueeze",
                                        "Gather", "ReverseSequence", "ReduceMax", "ReduceMin"};

// COMPUTING_OP (esp_ppq/core/common.py).
const std::set<std::string> kComputing = {"Conv", "Gemm", "ConvTranspose", "MatMul", "Attention",
                                          "PPQBiasFusedMatMul", "LSTM"};

// Inputs esp-ppq's op sockets declare SOI or FP32 (IR/base/opdef.py), per op type:
// every input from `first` on is float, except the listed exceptions.
bool socket_input_fp32(const std::string& type, std::size_t i) {
  static const std::set<std::string> from1 = {
      "Reshape", "Pad", "Gather", "Resize", "Split", "TopK", "Tile", "Expand", "GridSampler", "grid_sampler",
      "Clip", "GatherElements", "GatherND", "Slice", "Squeeze", "Unsqueeze", "Where", "ReverseSequence",
      "ReduceL1", "ReduceL2", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum",
      "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp", "RoiAlign", "NonMaxSuppression"};
  if (from1.count(type)) return i >= 1;
  if (type == "ScatterElements" || type == "ScatterND") return i == 1;
  if (type == "ConstantOfShape" || type == "Range" || type == "OneHot") return true;
  return false;
}

}  // namespace

const std::vector<std::string>& TargetPolicy::known_targets() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [k, f] : target_table()) v.push_back(k);
    return v;
  }();
  return names;
}

TargetPolicy TargetPolicy::from_target(const std::string& target, int bits) {
  std::string lower = target;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto& table = target_table();
  const auto it = std::find_if(table.begin(), table.end(), [&](const auto& entry) { return entry.first == lower; });
  if (it == table.end())
    throw InputError(fmt::format("unknown target '{}': known targets are {}", target,
                                 fmt::join(known_targets(), ", ")));
  if (bits != 8 && bits != 16)
    throw InputError(fmt::format("target '{}': num_of_bits must be 8 or 16, got {}", target, bits));
  TargetPolicy p;
  p.target_ = lower;
  p.family_ = it->second;
  p.bits_ = bits;
  return p;
}

int TargetPolicy::bias_bits(int data_bits) const {
  switch (family_) {
    case TargetFamily::P4: return data_bits == 16 ? 40 : 32;
    case TargetFamily::S3: return data_bits == 16 ? 40 : 20;
    case TargetFamily::C:
    case TargetFamily::Linear: return data_bits == 16 ? 64 : 32;
  }
  return 32;
}

EspdlPlatform TargetPolicy::platform(int data_bits) const {
  bool b16 = data_bits == 16;
  switch (family_) {
    case TargetFamily::P4: return b16 ? EspdlPlatform::Int16 : EspdlPlatform::Int8;
    case TargetFamily::S3: return b16 ? EspdlPlatform::S3Int16 : EspdlPlatform::S3Int8;
    case TargetFamily::C: return b16 ? EspdlPlatform::CInt16 : EspdlPlatform::CInt8;
    case TargetFamily::Linear:
      throw Error(fmt::format("target '{}' is not an ESP-DL chip: it has no ESP-DL platform", target_));
  }
  return EspdlPlatform::Fp32;
}

void TargetPolicy::dispatch(const std::string& op_name, int bits) {
  if (bits != 8 && bits != 16)
    throw InputError(fmt::format("dispatching table: op '{}' bits must be 8 or 16, got {}", op_name, bits));
  dispatch_[op_name] = bits;
}

int TargetPolicy::op_bits(const Op& op) const {
  auto it = dispatch_.find(op.name);
  return it != dispatch_.end() ? it->second : bits_;
}

std::optional<int> TargetPolicy::weight_channel_axis(const Op& op) const {
  if (!per_channel_weights() || op.inputs.size() < 2) return std::nullopt;
  if (op.type == "Conv") return 0;
  if (op.type == "ConvTranspose") return 1;
  if (op.type == "Gemm") return op.attributes.get_int("transB", 0) == 1 ? 0 : 1;
  return std::nullopt;
}

std::string TargetPolicy::parameter_observer(const Op& op, std::size_t input) const {
  if (input == 1 && weight_channel_axis(op)) return "minmax";
  return "percentile";
}

bool TargetPolicy::is_quantizable_type(const std::string& type) { return kQuantizable.count(type) > 0; }
bool TargetPolicy::is_passive_type(const std::string& type) { return kPassive.count(type) > 0; }
bool TargetPolicy::is_computing_type(const std::string& type) { return kComputing.count(type) > 0; }

bool TargetPolicy::is_fp32_input(const Op& op, std::size_t index) {
  if (!op.has_input(index)) return true;                       // absent optional input
  if (socket_input_fp32(op.type, index)) return true;
  if (op.type == "RMSNormalization" && index == 1) return true;
  return false;
}

bool TargetPolicy::is_fp32_output(const Op& op, std::size_t index) {
  if ((op.type == "Softmax" || op.type == "LogSoftmax") && index == 0) return true;
  static const std::set<std::string> logical = {"Equal", "Greater", "Less"};  // Logical_Socket
  if (logical.count(op.type)) return true;
  if (op.type == "TopK" && index == 1) return true;
  if (op.type == "NonZero" || op.type == "Shape") return true;
  return false;
}

}  // namespace qtune
