#pragma once
// Element types of the variables ONNX exporters leave without value_info (Paddle2ONNX writes
// none), inferred from the ops that decide them: Shape/Size/ArgMax... are int64, Cast is its
// `to`, comparisons are bool, and data-movement or arithmetic ops keep their data input's
// type. Without this an integer shape chain (Shape -> Cast -> Slice -> Concat -> Reshape,
// kept when the batch dimension is dynamic) looks float32, and the quantizer would give its
// integers int8 configs that no exporter can write. Private to framework/onnx.
#include <cstddef>

#include "qtune/graph.h"

namespace qtune {

// Sets the dtype of op outputs whose type follows from the op; returns how many changed.
// Variables with a value keep their value's type; others keep what the importer read.
std::size_t infer_element_types(Graph& graph);

}  // namespace qtune
