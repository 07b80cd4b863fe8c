#pragma once
// The batch-1 shapes the exporter writes (ESP-DL runs batch 1 only, reference §5.7):
// graph input shapes from the caller or the graph, then every variable's shape from one
// float run on zeros (kernels compute shapes at run time; a graph's static shapes may be
// dynamic in the batch).
#include <vector>

#include "export/export_graph.h"

namespace qtune {

// Each graph input's shape with dim 0 set to 1: `given[i]` when given (one per input),
// else the graph's own. InputError naming the input when a dim stays unknown.
std::vector<Shape> batch_one_input_shapes(const Graph& graph, const std::vector<Shape>& given);

// Fills export.shapes for every non-parameter variable of export.graph.
void infer_export_shapes(ExportGraph& export_graph, const std::vector<Shape>& input_shapes);

}  // namespace qtune
