// Order: Identity/Dropout removal first (so folding sees through them), then constant
// folding (turns shape chains into parameters), then constant bias Adds fused into
// Conv/ConvTranspose/Gemm, then BN folding (needs constant BN operands, which folding may
// have produced, and folds through a fused bias, as esp-ppq's FUSE_BIAS_ADD then FUSE_BN
// do), then dead code. The float function of the graph is unchanged; graph input and
// output names never change.
#include "onnx/simplifier.h"

#include <fmt/format.h>

#include "onnx/batchnorm_folding.h"
#include "onnx/bias_add_fusion.h"
#include "onnx/constant_folding.h"
#include "onnx/element_types.h"
#include "onnx/identity_removal.h"

namespace qtune {
namespace {

// Reshape keeps being a real op for the device, but its target shape must be a constant
// by now: the quantizer and the exporter read it.
void note_computed_shapes(const Graph& graph, std::vector<std::string>& notes) {
  for (const Op* op : graph.topological_order())
    if (op->type == "Reshape" && op->has_input(1) && !op->inputs[1]->is_parameter)
      notes.push_back(fmt::format("Reshape '{}' keeps a computed shape input '{}' (its static shape is unknown)",
                                  op->name, op->inputs[1]->name));
}

}  // namespace

SimplifyReport simplify(Graph& graph) {
  SimplifyReport report;
  report.removed_ops += remove_identities(graph, report.notes);
  report.folded_constants += fold_constants(graph, report.notes);
  report.fused_bias_adds += fuse_bias_adds(graph);
  report.folded_batchnorms += fold_batchnorms(graph, report.notes);
  report.removed_ops += graph.remove_dead_code();
  infer_element_types(graph);
  note_computed_shapes(graph, report.notes);
  graph.validate();
  return report;
}

}  // namespace qtune
