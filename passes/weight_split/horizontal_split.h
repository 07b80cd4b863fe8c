#pragma once
// esp-ppq's HorizontalLayerSplitPass (reference §3.3) as two steps: split a weight W into
// R + S (the values), then rewrite the graph so the layer computes op(x; R, b) + op(x; S).
#include <cstddef>
#include <cstdint>
#include <string>

#include "qtune/graph.h"

namespace qtune::weight_split {

enum class Method { Balance, Random };

struct SplitValues {
  Tensor kept;               // R = W - S: stays with the original op (and its bias)
  Tensor split;              // S: goes to the clone, which has no bias
  std::size_t selected = 0;  // weights with |w| > threshold
  float max_abs = 0.0f;      // max |w| (for the "nothing above the threshold" warning)
};

// mask = |W| > threshold (float32 compare); balance: S = (W/2)·mask; random: S = W·U·mask
// with U uniform in [0, 1) drawn from `seed`; R = W - S, all in float32 as esp-ppq.
SplitValues split_values(const Tensor& weight, float threshold, Method method, std::uint64_t seed);

// The random method's seed for one layer: FNV-1a (64-bit) of the op name, so a layer is
// split the same way in every iteration whatever else the setting holds.
std::uint64_t seed_for(const std::string& op_name);

// Names of what split_layer() added (each made unique with Graph::unique_name).
struct SplitNames {
  std::string clone;         // "<op>_split": the op with weight S, no bias
  std::string clone_weight;  // "<weight>_split"
  std::string add;           // "<op>_split_add": writes the op's original output variable
  std::string kept_output;   // "<op>_kept_output": the original op's new output
  std::string clone_output;  // "<op>_split_output"
};

// Rewrites `op` (weight in input 1, a parameter): op keeps R and its bias and writes a new
// variable; a clone of op (same type, attributes and input 0) reads S; an Add sums the
// two into op's original output variable, so every consumer and graph output is unchanged.
SplitNames split_layer(Graph& graph, Op& op, SplitValues values);

}  // namespace qtune::weight_split
