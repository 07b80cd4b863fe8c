#pragma once
// Where the equalized channel lives in each weight layout, and esp-ppq's per-channel
// "key" values and scale application (reference §3.1, EqualizationHelper), in float32.
//
// A pair shares one channel dimension C: the output channels of its upstream layers and
// the input channels of its downstream layers.
//   Conv          W [O, I/g, k...]   upstream row o; downstream input channel i
//   ConvTranspose W [I, O/g, k...]   upstream output channel; downstream row i
//   Gemm          B [N, K] (transB=1) or [K, N] (transB=0): upstream N, downstream K
//
// Reference quirk kept for parity: the keys of a grouped (group > 1, not depthwise)
// downstream Conv and of a grouped upstream ConvTranspose are read in esp-ppq's permuted
// order (row r = local index * group + group index) while the scale is applied to the
// natural channel (group index * channels per group + local index). Plain and depthwise
// convolutions are consistent; the float function is preserved either way.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "qtune/graph.h"

namespace qtune::equalization {

const std::set<std::string>& equalizable_types();  // Conv, ConvTranspose, Gemm

std::int64_t output_channels(const Op& op);  // the C an upstream layer scales
std::int64_t input_channels(const Op& op);   // the C a downstream layer un-scales

// Why `op` cannot take part as upstream (resp. downstream) layer, or "" when it can:
// weight not a float32 parameter, bias not a parameter of C values (a 1-value Gemm bias
// is broadcast to C when scaled), group not dividing the channels, Gemm transA on the
// downstream side.
std::string upstream_problem(const Op& op);
std::string downstream_problem(const Op& op);

// max |w| per channel (C values, esp-ppq's row order); `bias_multiplier` > 0 adds
// |bias·multiplier| to the upstream key (including_bias).
std::vector<float> upstream_key(const Op& op, bool including_bias, float bias_multiplier);
std::vector<float> downstream_key(const Op& op);

// Upstream: weights of output channel c and bias[c] times s[c]. Downstream: weights of
// input channel c divided by s[c]. Parameters other ops also read are unshared first.
void scale_upstream(Graph& graph, Op& op, const std::vector<float>& s);
void scale_downstream(Graph& graph, Op& op, const std::vector<float>& s);

}  // namespace qtune::equalization
