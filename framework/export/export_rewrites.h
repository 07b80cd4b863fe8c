#pragma once
// The graph rewrites esp-ppq's exporter does before it writes a model (reference §5.6),
// except the activation layout (activation_layout.h), integers (export_integers.h),
// weight layouts (weight_layout.h) and LUTs (lut.h). In the exporter's order:
//   upgrade_opset_attributes  Squeeze/Unsqueeze/Reduce* `axes`, Split `split` -> int64 inputs
//   split_shared_parameters   one consumer per parameter (each is integerised for its op)
//   fuse_relu                 Conv/Gemm/MatMul -> single Relu consumer: `activation`
//   insert_quant_nodes        Quantize / Requantize / Dequantize at precision boundaries
//   set_quant_types           `quant_type` on every node
//   add_rnn_gate_exponents    `gate_exponent` on quantized GRU/LSTM
#include "export/export_graph.h"

namespace qtune {

void upgrade_opset_attributes(ExportGraph& export_graph);
void split_shared_parameters(ExportGraph& export_graph);
void fuse_relu(ExportGraph& export_graph);
void insert_quant_nodes(ExportGraph& export_graph);
void set_quant_types(ExportGraph& export_graph);
void add_rnn_gate_exponents(ExportGraph& export_graph);

// Whether a config is written to the file (esp-ppq's TQC_Exportable_Check): an active or
// baked state with exponents. Initial / PassiveInit / Float configs are not.
bool exportable(const QuantSlot& config);

}  // namespace qtune
