#pragma once
// model.json: the quantization configs of the exported graph, in esp-ppq's model.json
// layout (reference §5.1) so tools reading the reference's file read qtune's:
//   {"configs": {op: {var: {bit_width, policy: {PER_TENSOR, PER_CHANNEL, LINEAR, FLOATING,
//     SYMMETRICAL, ASYMMETRICAL, POWER_OF_2, DYNAMIC}, state, quant_min, quant_max,
//     rounding, hash, dominator}}},
//    "dispatchings": {op: platform name},
//    "values": {hash: {scale, zero_point, exponent}}}
// One entry per quantized op socket, ops in the exported node order; `hash` numbers the
// sockets, `dominator` is the socket where the shared config is applied (hash ==
// dominator there; OVERLAPPED elsewhere); values only for applied, non-float configs.
#include <string>

#include "export/export_graph.h"

namespace qtune {

std::string quant_configs_json(const ExportGraph& export_graph);

// esp-ppq's TargetPlatform name of an op of `bits` on this target ("ESPDL_INT8", "FP32", ...).
const char* platform_name(const TargetPolicy& policy, int bits);

}  // namespace qtune
