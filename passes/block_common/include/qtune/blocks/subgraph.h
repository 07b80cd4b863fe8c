#pragma once
// Standalone graphs of some ops of a graph: one block (run it alone on cached inputs, as
// esp-ppq's partial_graph_forward does) or the prefix that feeds it (run only what a value
// depends on). The executor runs whole graphs, so this is how a block-wise pass avoids
// recomputing the rest of the model.
#include <string>
#include <vector>

#include "qtune/graph.h"

namespace qtune::blocks {

// `ops` plus every op they depend on (transitively, through non-parameter inputs), in the
// graph's topological order.
std::vector<const Op*> upstream_closure(const Graph& graph, const std::vector<const Op*>& ops);

// A graph holding copies of `ops` (any order; same names, types, attributes, annotations):
//   * inputs: the non-parameter values the ops read that none of them produces, in
//     first-use order (graph inputs of the source keep their place in that order);
//   * parameters: copies of the values (changing one changes the sub-graph only);
//   * quantization: the SAME config objects as the source (Variable::quant,
//     Op::input_quant), so make_quant_hook() quantizes each op exactly as in the source and
//     a config change is seen by both. An input whose config is applied at its producer's
//     output (outside the ops) is not quantized again: feed the value the source produced;
//   * outputs: `outputs` (variable names, each read or produced by the ops).
// Ops that only produce constants (a Constant op) are left out; their values are parameters.
Graph extract_subgraph(const Graph& graph, const std::vector<const Op*>& ops, const std::vector<std::string>& outputs);

}  // namespace qtune::blocks
