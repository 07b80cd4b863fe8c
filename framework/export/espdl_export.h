#pragma once
// The deployable export: a quantized Graph -> model.espdl (+ model.info, model.json).
//
// export_espdl() works on a copy of the graph and runs esp-ppq's exporter steps in its
// order (reference §5.6): opset upgrades of axes/split, Relu fused into Conv/Gemm/MatMul
// as `activation`, NHWC activation layout with inserted Transposes, Quantize /
// Requantize / Dequantize nodes at precision boundaries (the graph marks them:
// Op::input_quant, qtune/quant_config.h), `quant_type` on every node, exponents bound and
// parameters integerised per target rounding, ESP-DL weight layouts, RNN gate exponents,
// LUTs; then it warns about any Conv/Gemm/MatMul/Mul whose output exponent needs a left
// shift (ESP-DL only right-shifts: such a model is not deployable as is).
// A model for the non-ESP-DL "linear" target, or holding any linear (float-scale) config, is
// refused with an InputError saying why (ESP-DL has only power-of-two exponents).
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "export/espdl_model.h"
#include "qtune/graph.h"
#include "quant/target_policy.h"

namespace qtune {

struct EspdlExportOptions {
  // Shape of each graph input (dim 0 is set to 1); empty = the graph's own shapes.
  std::vector<Shape> input_shapes;
  // One float tensor per graph input (sample 0 of dim 0 is used): exports test values,
  // the integers the chip should see and produce (the quantized executor's outputs).
  std::vector<Tensor> test_inputs;
  std::int32_t ir_version = 8;           // the source ONNX's ir_version when known
  std::int64_t model_version = 0;
  std::vector<std::pair<std::string, std::string>> metadata_props;
  int int16_lut_step = 256;              // <= 0: no LUTs for int16 ops (esp-ppq's default 256)
};

struct EspdlExport {
  EspdlModel model;
  std::string info;                      // model.info text
  std::string configs_json;              // model.json text
  std::vector<std::string> warnings;     // left shifts, ops without a layout rule, ...
};

// The whole export in memory. `quantized` must be calibrated (exponents on its configs).
// Throws InputError naming the target or the first linear config (see above).
void check_power_of_2(const Graph& quantized, const TargetPolicy& policy);

EspdlExport export_espdl(const Graph& quantized, const TargetPolicy& policy, const EspdlExportOptions& options = {});

// export_espdl, then writes `path` (.espdl) and, beside it, the same stem with .info and
// .json — each atomically.
EspdlExport write_espdl(const Graph& quantized, const TargetPolicy& policy, const std::filesystem::path& path,
                        const EspdlExportOptions& options = {});

}  // namespace qtune
