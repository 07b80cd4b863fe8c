#pragma once
// BatchNormalization folded into the preceding Conv, ConvTranspose or Gemm. Private to framework/onnx.
#include <string>
#include <vector>

#include "qtune/graph.h"

namespace qtune {

// Returns the number of BatchNormalization ops folded. A BN is folded when its input is
// written by a Conv/ConvTranspose/Gemm with constant weights (and bias, if any), read by that BN only,
// and not a graph output; other BNs stay (the executor runs them).
std::size_t fold_batchnorms(Graph& graph, std::vector<std::string>& notes);

}  // namespace qtune
