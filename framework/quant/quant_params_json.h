#pragma once
// quant_params.json: every quantized variable -> bits, exponent(s) (or, linear target only,
// "scales": float32 scales, "exponents" then empty), channel_axis, rounding,
// state, algorithm, observer, where it is applied — what a user inspects first when
// accuracy drops. Variables in topological order (graph inputs first, then per op its
// inputs then its outputs); consumer-side configs (requantization) are listed under
// "consumer_configs" of the variable they read.
#include <string>

#include "qtune/graph.h"

namespace qtune {

std::string quant_params_json(const Graph& graph);
const char* quant_state_name(QuantState state);
const char* rounding_name(Rounding rounding);

}  // namespace qtune
