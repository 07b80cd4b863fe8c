#pragma once
// Which ops of a graph the float executor can run.
#include <string>

#include "qtune/graph.h"

namespace qtune {

// Throws InputError naming `source` and listing EVERY op type without a kernel (sorted),
// each with the name of its first op, e.g.
//   "model.onnx: 2 unsupported op types: NonMaxSuppression (first: 'nms_1'), TopK (first: 'topk_0')".
// Ops outside the ai.onnx domain are unsupported and listed as "<domain>.<type>".
void check_supported(const Graph& graph, const std::string& source);

}  // namespace qtune
