#pragma once
// Export-only rewrite: fold the integer shape chains of a dynamic-batch model at batch 1.
// ESP-DL runs batch 1 (reference §5.7) and has no Shape or Cast module, so a chain such as
// PP-OCR cls's Shape -> Cast -> Slice -> Cast -> Concat -> Reshape (kept by the simplifier
// because the batch is dynamic there) would make the file unloadable. Each Shape whose input
// has a known batch-1 shape becomes that constant, then constant folding collapses what only
// depends on constants (the Reshape keeps a constant shape input, as a batch-1 ONNX export
// would have it). The quantized graph itself is not touched.
#include <cstddef>

#include "export/export_graph.h"

namespace qtune {

// Returns how many Shape ops were replaced by constants.
std::size_t fold_shape_chains_at_batch_one(ExportGraph& export_graph);

}  // namespace qtune
