#pragma once
// Exponents and integers (reference §5.5, esp-ppq's QuantVariableToIntPattern).
// Ops are visited in topological order, per op its inputs then its outputs; the first
// exportable config seen for a variable gives its exponents (a graph input takes its
// first consumer's input config: the application quantizes inputs with that exponent).
// A parameter bound to a config becomes clamp(round(value / 2^e)) with the config's
// rounding, stored as int8 (8 bits), int16 (16), int32 (17-32: int8 biases), int64
// (33-64: int16 biases); an unbound parameter keeps its type (shapes, axes, scales).
#include "export/export_graph.h"

namespace qtune {

void bind_exponents_and_integerize(ExportGraph& export_graph);

// Storage type of a quantized tensor of `bits` (8 -> INT8, 16 -> INT16, <=32 -> INT32, else INT64).
DType integer_dtype(int bits);

}  // namespace qtune
