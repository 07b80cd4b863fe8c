#pragma once
// Graph simplification before quantization: constant folding, constant bias Adds fused
// into and BatchNormalization folded into the preceding Conv/ConvTranspose/Gemm,
// Identity/Dropout removal, Flatten/Reshape with constant shapes. The float function of
// the graph is unchanged.
#include <string>
#include <vector>

#include "qtune/graph.h"

namespace qtune {

struct SimplifyReport {
  std::size_t folded_constants = 0;
  std::size_t fused_bias_adds = 0;
  std::size_t folded_batchnorms = 0;
  std::size_t removed_ops = 0;
  std::vector<std::string> notes;
};

SimplifyReport simplify(Graph& graph);

// The op list after simplification, as JSON: [{"name": ..., "type": ...}, ...] in
// topological order (written by every iteration as simplified_ops.json).
std::string simplified_ops_json(const Graph& graph);

}  // namespace qtune
