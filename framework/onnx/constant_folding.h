#pragma once
// Constant folding with the float executor's kernels. Private to framework/onnx.
#include <string>
#include <vector>

#include "qtune/graph.h"

namespace qtune {

// Evaluates, once, every op whose inputs are all parameters (and Shape / Size of a value
// whose static shape is fully known), in topological order so whole chains fold, and
// turns its outputs into parameters. Returns the number of ops folded.
std::size_t fold_constants(Graph& graph, std::vector<std::string>& notes);

}  // namespace qtune
