#pragma once
// Rewrites version-dependent op forms into one canonical form per op type (see the
// comment at the top of opset_normalize.cpp). Private to framework/onnx; import_onnx
// runs it on every graph.
#include <string>

#include "qtune/graph.h"

namespace qtune {

// `source` names the model in errors. Uses graph.opset (the model's ai.onnx opset).
void normalize_opset(Graph& graph, const std::string& source);

}  // namespace qtune
