#include "qtune_analysis/op_sets.h"

#include <set>

#include "qtune/quant_graph.h"

namespace qtune::analysis {
namespace {

// COMPUTING_OP (esp_ppq/core/common.py); the skill's analysis_helpers.py inlines the same set.
const std::set<std::string> kComputing = {"Conv", "Gemm", "ConvTranspose", "MatMul", "Attention",
                                          "PPQBiasFusedMatMul", "LSTM"};

// PASSIVE_OPERATIONS (esp_ppq/core/common.py; reference §1.4, not the skill's longer list).
const std::set<std::string> kPassive = {"MaxPool", "GlobalMaxPool", "Reshape", "Flatten", "Identity", "Dropout",
                                        "Slice", "Pad", "Split", "Transpose", "Interp", "Squeeze", "Unsqueeze",
                                        "Gather", "ReverseSequence", "ReduceMax", "ReduceMin"};

}  // namespace

bool is_computing_type(const std::string& type) { return kComputing.count(type) > 0; }
bool is_passive_type(const std::string& type) { return kPassive.count(type) > 0; }
bool is_quantized(const Op& op) { return op_quant_bits(op) != 0; }

}  // namespace qtune::analysis
