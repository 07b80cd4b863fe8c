#pragma once
// NHWC activation layout (reference §5.6, esp-ppq's reset_graph_layout): ESP-DL runs
// conv-like ops on NHWC (4-D) / NWC (3-D) activations. Walking the ops in topological
// order, each op family decides the layout of its outputs:
//   conv-like (Conv, pools, DepthToSpace, ...)  inputs and outputs NHWC / NWC
//   element-wise / activation / quant ops         output inherits input 0's layout
//   add-like (Add, Sub, Mul, Div, compares, ...)  inputs reconciled (NHWC preferred)
//   axis ops (Softmax, Split, Reduce*, LpNorm)    inherit, with axis / axes remapped
//   Concat (same layout on every input), Resize   inherit / NHWC, axis remapped
//   everything else (Reshape, Flatten, Gemm, ...) original layout restored
// A layout change is a Transpose node the exporter inserts (quantized like the input it
// feeds); chains of Transposes are then merged and identities removed.
#include "export/export_graph.h"

namespace qtune {

void reset_activation_layout(ExportGraph& export_graph);

}  // namespace qtune
