#pragma once
// Small graph edits shared by the simplifier's rewrites. Private to framework/onnx.
#include "qtune/graph.h"

namespace qtune {

// Makes the producer of `from` write `to` instead, moves every use of `from` to `to`
// and deletes `from`. `to` must have no producer; `from` must not be a graph input or
// output. Used to drop an op while keeping the name of the value it wrote (a graph
// output name never changes).
void redirect_output(Graph& graph, Variable& from, Variable& to);

}  // namespace qtune
