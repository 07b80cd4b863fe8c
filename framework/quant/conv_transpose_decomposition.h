#pragma once
// esp-ppq's ConvTransposeDecompositionPass (reference §3.8; default on for every ESP-DL
// target: ESP-DL has no ConvTranspose module and runs one as InsertZeros + Conv). A
// pre-quantization rewrite of the float graph, run after the PreQuantize passes and before
// the float reference is taken and quantize_graph creates configs, so the result is
// quantized (and analysed, trained, exported) as an InsertZeros and a Conv.
//
// Each ConvTranspose Y = ConvT(X, W[Cin, Cout/g, k...], b; strides s, pads p, dilations d,
// output_padding op, group g) becomes, computing the same function:
//   * if any s > 1 (or any op > 0): X' = InsertZeros(X; stride s, output_padding op), an
//     op "PPQ_Operation_N" writing "PPQ_Variable_M" (esp-ppq's generated names and counters,
//     onnx/esp_ppq_history.h; ConvTransposes visited in esp-ppq's op-list order);
//   * the op itself (same name, inputs, output) becomes Conv(X', W', b): strides 1, pads
//     d·(k − 1) − p per side, same dilations and group, kernel_shape k, and
//     W'[g·Cout/g + o, i, k − 1 − κ] = W[g·Cin/g + i, o, κ] (flipped in every spatial dim,
//     in/out channels swapped within each group: [Cout, Cin/g, k...]).
// esp-ppq writes pads k − p − 1, the same for dilation 1; for d > 1 only d·(k − 1) − p
// keeps the function, so qtune uses it. It also ignores auto_pad and output_shape; qtune
// resolves them as ONNX does (needs the input's static spatial dims).
// A ConvTranspose the rewrite cannot express this way (non-constant weight, 3-D, a pad
// larger than d·(k − 1), unknown static dims where auto_pad/output_shape need them) stays
// as it is, with a note saying why (the export then warns that ESP-DL cannot load it).
#include <string>
#include <vector>

#include "qtune/graph.h"
#include "quant/target_policy.h"

namespace qtune {

struct ConvTransposeDecompositionReport {
  std::size_t converted = 0;       // ConvTransposes that are now Convs
  std::size_t insert_zeros = 0;    // InsertZeros ops inserted
  std::vector<std::string> notes;  // ConvTransposes kept, and why
};

// Rewrites every ConvTranspose of `graph` (call before quantize_graph). An InsertZeros
// inherits its ConvTranspose's dispatching-table entry (esp-ppq creates it on the
// ConvTranspose's platform), which is added to `policy`.
ConvTransposeDecompositionReport decompose_conv_transposes(Graph& graph, TargetPolicy& policy);

}  // namespace qtune
