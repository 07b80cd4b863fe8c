#pragma once
// What esp-ppq's graph formatting (format_graph, reference §1.7 step 2) does to its op list
// and to its counter of generated variable names, recorded on the ops by qtune's simplifier
// so that a later rewrite names what it creates as esp-ppq does ("PPQ_Operation_N",
// "PPQ_Variable_N"), and parity fixtures compare by name.
//   * FUSE_BIAS_ADD makes the bias a new variable with a generated name (PPQ_Variable_k):
//     the fused op is annotated, and the count of those is where esp-ppq's next
//     PPQ_Variable number starts.
//   * FUSE_BN re-creates the Conv/ConvTranspose/Gemm and appends it to its op list, so a
//     rewrite that walks esp-ppq's op list meets BN-folded ops last, in folding order.
// Other format_graph steps that generate names (splitting shared parameters, opset-10 Pad /
// Clip / Resize conversions) have no counterpart in qtune's simplifier and are not counted.
#include <cstddef>
#include <vector>

#include "qtune/graph.h"

namespace qtune {

// Op annotations (Op::annotations; copied with the graph).
inline constexpr const char* kGeneratedVariablesAnnotation = "esp_ppq.generated_variables";
inline constexpr const char* kRecreatedAnnotation = "esp_ppq.recreated";

// `op` got one more esp-ppq generated variable (a fused bias).
void note_generated_variable(Op& op);
// esp-ppq re-created `op` (BatchNormalization folded into it): it moves to the end of the list.
void note_recreated(const Graph& graph, Op& op);

// How many generated variable names esp-ppq has used before its pre-quantization passes.
std::size_t esp_ppq_generated_variables(const Graph& graph);
// The graph's ops in esp-ppq's operation-list order: insertion order, re-created ops last.
std::vector<Op*> esp_ppq_op_order(const Graph& graph);

}  // namespace qtune
