#pragma once
// A constant Add after a Conv, ConvTranspose or Gemm without bias becomes that op's bias
// (esp-ppq's FUSE_BIAS_ADD, run before BatchNormalization folding). Private to framework/onnx.
#include <cstddef>

#include "qtune/graph.h"

namespace qtune {

// Returns the number of Adds fused. Fused when the op's only output is read by that Add
// alone and is not a graph output, the op has constant weights and no bias, the Add's
// other input is a float constant, and that constant is a bias:
//  - Conv / ConvTranspose: same rank as the weight, shape [1, C, 1, ...] with C = the
//    output channels and C > 1. esp-ppq skips C == 1 (its `shape[1] == 1: continue`);
//    this keeps that rule, so a one-channel head keeps its Add as on the device.
//  - Gemm: rank <= 2, broadcast over rows ([N], [1, N], [1] or [1, 1]); beta becomes 1.
// The op's output name stays and the Add's output disappears, as in esp-ppq, except
// when the Add wrote a graph output: then the op writes that name (names of graph
// outputs never change).
std::size_t fuse_bias_adds(Graph& graph);

}  // namespace qtune
