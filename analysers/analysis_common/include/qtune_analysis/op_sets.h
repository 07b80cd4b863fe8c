#pragma once
// Which ops each analyser covers (reference §4): esp-ppq's COMPUTING_OP and
// PASSIVE_OPERATIONS sets (esp_ppq/core/common.py), and "quantable" = the quantizer gave
// the op a platform (it carries the quant_bits annotation).
#include <string>

#include "qtune/graph.h"

namespace qtune::analysis {

bool is_computing_type(const std::string& type);
bool is_passive_type(const std::string& type);
bool is_quantized(const Op& op);

// layerwise / graphwise: quantized computing ops. statistical: quantized, not passive.
inline bool is_computing_op(const Op& op) { return is_quantized(op) && is_computing_type(op.type); }
inline bool is_statistical_op(const Op& op) { return is_quantized(op) && !is_passive_type(op.type); }

}  // namespace qtune::analysis
