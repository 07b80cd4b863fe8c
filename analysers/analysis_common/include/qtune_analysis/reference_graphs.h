#pragma once
// The reference an analysis compares against, and the hooks that quantize part of a graph.
//
// esp-ppq's "dequantize" (reference §4) swaps every parameter for the float copy stored
// when the op became quantable, so a training pass never leaks into the reference. Here
// that is a copy of the quantized graph (same ops, same configs) holding float_graph()'s
// parameter values: run without a hook it is the float model; with an isolated hook it is
// "only this op quantized".
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "qtune/batch.h"
#include "qtune/executor.h"
#include "qtune/graph.h"

namespace qtune::analysis {

struct DequantizedGraph {
  Graph graph;
  // Parameters whose value in the quantized graph differs from the float one (changed by a
  // training or bias-correction pass, or baked), by name -> the quantized graph's value.
  std::unordered_map<std::string, const Tensor*> changed;
};

// `quantized` must outlive the result (changed points into it). A parameter of `quantized`
// that float_ref lacks, or holds with another shape or type, keeps its quantized-graph value.
DequantizedGraph make_dequantized(const Graph& quantized, const Graph& float_ref);

// A hook for runs of `d.graph` that applies only `op`'s own quantization (op belongs to
// d.graph): its parameters take the quantized graph's values, then every config applied at
// its inputs and outputs (make_quant_hook filtered to op) — esp-ppq's
// restore_quantize_state() on that one op. Overlapped configs stay unapplied.
std::unique_ptr<OpHook> make_isolated_hook(const Op& op, const DequantizedGraph& d);

// The ops an analysis watches, paired by name across the reference graph and the quantized
// one: ops[i] is the quantized graph's op, index maps either twin to i, and each graph's
// watched set feeds a RecordingHook of runs of that graph. In the reference's topological
// order (the order every artifact lists ops in).
struct TwinOps {
  std::vector<const Op*> ops;
  std::unordered_map<const Op*, std::size_t> index;
  std::unordered_set<const Op*> watched_reference, watched_quantized;
};
TwinOps twin_ops(const DequantizedGraph& reference, const Graph& quantized,
                 const std::function<bool(const Op&)>& watch);

// Feeds of one batch (tensors in graph-input order) by input name; error on a count mismatch.
TensorMap feeds_of(const Graph& graph, const Batch& batch);

}  // namespace qtune::analysis
