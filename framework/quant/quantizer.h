#pragma once
// The quantizer: attaches a TensorQuantConfig to every quantized tensor of a graph the way
// esp-ppq does for ESP-DL (reference §1.3-§1.5, §3.8): config creation per op socket,
// QuantizeFusionPass (computing op -> Relu/Clip, passive ops, fuse_relu_clip) and
// QuantizeSimplifyPass (consumer input merged into its producer's output when the scheme
// is the same). The representation is described at the top of qtune/quant_config.h.
//
// Pipeline position: quantize_graph -> [parameter + activation calibration:
// calibration_driver.h] -> [QuantAlignmentPass: the fusion_alignment pass plugin;
// it re-points configs and marks them Passive] -> update_passive_configs (biases, Clip
// min/max, Pad value) -> training passes -> update_passive_configs again.
#include <string>

#include "qtune/graph.h"
#include "qtune/quant_graph.h"
#include "quant/target_policy.h"

namespace qtune {

struct QuantizeReport {
  std::size_t quantized_ops = 0;
  std::size_t configs = 0;           // distinct config objects (exponent groups + passive)
  std::size_t fused_activations = 0; // Relu/Clip fusions (steps 1 and 3)
};

// Replaces any previous quantization of `graph` (configs, input_quant, annotations).
QuantizeReport quantize_graph(Graph& graph, const TargetPolicy& policy);

// Re-derives every PASSIVE config from its masters: aligned configs (TensorQuantConfig::
// master, set by the alignment pass) take their master's exponents; then (reference §1.5,
// PassiveParameterQuantizePass) Conv/ConvTranspose/Gemm bias exponent = input exponent +
// weight exponent (per channel on P4), Clip min/max and 3-input Pad value = input-0
// exponent, GRU/LSTM bias / initial_c = -9. A config whose master is not active yet stays
// PassiveInit. Returns how many configs became or stayed Passive.
std::size_t update_passive_configs(Graph& graph);

}  // namespace qtune
