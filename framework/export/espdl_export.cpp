#include "export/espdl_export.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "artifacts/atomic_file.h"
#include "export/activation_layout.h"
#include "export/espdl_file.h"
#include "export/espdl_info.h"
#include "export/espdl_op_sets.h"
#include "export/export_graph.h"
#include "export/export_integers.h"
#include "export/export_rewrites.h"
#include "export/export_shapes.h"
#include "export/batch_one_folding.h"
#include "export/lut.h"
#include "export/matmul_b_layout.h"
#include "export/quant_configs_json.h"
#include "export/test_values.h"
#include "export/weight_layout.h"
#include "qtune/error.h"
#include "qtune/quant_graph.h"

namespace qtune {
namespace {

// Name of a graph esp-ppq exports without one.
constexpr const char* kDefaultGraphName = "qtune";

// ESP-DL computes mac_shift = e_out - e_in - e_w (per channel on P4) and only shifts
// right: a negative shift is not deployable (esp-ppq logs it as an error).
void check_left_shifts(ExportGraph& eg) {
  for (const Op* op : eg.graph.topological_order()) {
    if (op->type != "Conv" && op->type != "Gemm" && op->type != "MatMul" && op->type != "Mul") continue;
    if (!op_quant_bits(*op) || !op->has_input(0) || !op->has_input(1) || op->outputs.empty()) continue;
    auto e = [&](const Variable& v) -> const std::vector<std::int64_t>* {
      auto it = eg.exponents.find(v.name);
      return it == eg.exponents.end() || it->second.empty() ? nullptr : &it->second;
    };
    const auto *in0 = e(op->input(0)), *in1 = e(op->input(1)), *out = e(*op->outputs[0]);
    if (!in0 || !in1 || !out) continue;
    std::int64_t worst = 0;
    std::size_t channel = 0;
    for (std::size_t c = 0; c < in1->size(); ++c) {
      const std::int64_t shift = (*out)[0] - (*in0)[0] - (*in1)[c];
      if (shift < worst) worst = shift, channel = c;
    }
    if (worst < 0)
      eg.warn(fmt::format("export: {} '{}' is not deployable as is: output exponent {} - input exponents {} and {} = {}{} "
                          "needs a left shift, and ESP-DL only shifts right (raise the output exponent or lower an input's)",
                          op->type, op->name, (*out)[0], (*in0)[0], (*in1)[channel], worst,
                          in1->size() > 1 ? fmt::format(" (channel {})", channel) : std::string()));
  }
}

// An op ESP-DL cannot create makes the file unloadable: say so while the metric is fresh.
void check_espdl_modules(ExportGraph& eg) {
  for (const Op* op : eg.graph.topological_order()) {
    if (is_espdl_module(op->type)) continue;
    eg.warn(fmt::format("export: ESP-DL has no module for {} '{}'; the chip cannot load this model{}", op->type, op->name,
                        op->type == "ConvTranspose" ? " (ESP-DL runs a ConvTranspose as InsertZeros + Conv: qtune's "
                                                      "convtranspose_decomposition was off, or this op could not be "
                                                      "rewritten; the iteration log says why)"
                                                    : ""));
  }
}

EspdlValueInfo value_info(const ExportGraph& eg, const Variable& v) {
  EspdlValueInfo info;
  info.name = v.name;
  info.elem_type = espdl_data_type_of(v.dtype);
  info.shape = eg.exported_shape(v);
  auto it = eg.exponents.find(v.name);
  info.exponents = it == eg.exponents.end() ? std::vector<std::int64_t>{0} : it->second;
  return info;
}

EspdlModel to_model(const ExportGraph& eg, const EspdlExportOptions& options) {
  const Graph& g = eg.graph;
  EspdlModel m;
  m.ir_version = options.ir_version;
  m.model_version = options.model_version;
  m.metadata_props = options.metadata_props;
  EspdlGraph& out = m.graph;
  out.name = g.name.empty() ? kDefaultGraphName : g.name;
  for (const Op* op : g.topological_order()) {
    EspdlNode n;
    n.name = op->name;
    n.op_type = op->type;
    for (const Variable* v : op->inputs) n.inputs.push_back(v ? v->name : std::string());
    for (const Variable* v : op->outputs) n.outputs.push_back(v->name);
    n.attributes = op->attributes;
    out.nodes.push_back(std::move(n));
  }
  out.initializers = eg.luts;
  for (const Variable* v : g.variables()) {
    if (v->is_parameter) {
      if (v->consumers.empty()) continue;
      auto e = eg.exponents.find(v->name);
      auto l = eg.layouts.find(v->name);
      out.initializers.push_back(EspdlTensor::from(v->name, *v->value,
                                                   e == eg.exponents.end() ? std::vector<std::int64_t>{0} : e->second,
                                                   "layout ==> " + (l == eg.layouts.end() ? std::string("UNK") : l->second)));
    } else if (v->producer || !v->consumers.empty() || g.is_graph_output(*v)) {
      out.value_info.push_back(value_info(eg, *v));
    }
  }
  for (const Variable* v : g.inputs()) out.inputs.push_back(value_info(eg, *v));
  for (const Variable* v : g.outputs()) out.outputs.push_back(value_info(eg, *v));
  return m;
}

}  // namespace

void check_power_of_2(const Graph& quantized, const TargetPolicy& policy) {
  if (!policy.is_espdl())
    throw InputError(fmt::format("export: target '{}' is not an ESP-DL chip; ESP-DL quantizes with power-of-two "
                                 "exponents only, so a model quantized with linear (float) scales cannot be written to "
                                 ".espdl (quantize for esp32p4, esp32s3 or c to deploy)",
                                 policy.target()));
  auto check = [](const QuantSlot& c) {
    if (c && c->linear())
      throw InputError(fmt::format("export: the config applied at '{}' has linear (float) scales; ESP-DL has only "
                                   "power-of-two exponents, so this model cannot be written to .espdl",
                                   c->applied_at));
  };
  for (const Variable* v : quantized.variables()) check(v->quant);
  for (const Op* op : quantized.ops())
    for (const QuantSlot& c : op->input_quant) check(c);
}

EspdlExport export_espdl(const Graph& quantized, const TargetPolicy& policy, const EspdlExportOptions& options) {
  check_power_of_2(quantized, policy);
  ExportGraph eg(quantized, policy);
  infer_export_shapes(eg, batch_one_input_shapes(quantized, options.input_shapes));
  fold_shape_chains_at_batch_one(eg);  // qtune: ESP-DL has no Shape/Cast module (batch_one_folding.h)
  // esp-ppq's prepare_graph order (reference §5.6).
  upgrade_opset_attributes(eg);
  split_shared_parameters(eg);
  fuse_relu(eg);
  insert_matmul_b_layout(eg);
  reset_activation_layout(eg);
  insert_quant_nodes(eg);
  set_quant_types(eg);
  bind_exponents_and_integerize(eg);
  reset_weight_layout(eg);
  add_rnn_gate_exponents(eg);
  add_luts(eg, options.int16_lut_step);
  check_left_shifts(eg);
  check_espdl_modules(eg);
  eg.graph.validate();

  EspdlExport result;
  result.model = to_model(eg, options);
  if (!options.test_inputs.empty()) {
    TestValues t = export_test_values(quantized, eg, options.test_inputs);
    result.model.graph.test_inputs = std::move(t.inputs);
    result.model.graph.test_outputs = std::move(t.outputs);
  }
  result.info = espdl_info_text(result.model);
  result.configs_json = quant_configs_json(eg);
  result.warnings = std::move(eg.warnings);
  return result;
}

EspdlExport write_espdl(const Graph& quantized, const TargetPolicy& policy, const std::filesystem::path& path,
                        const EspdlExportOptions& options) {
  EspdlExport result = export_espdl(quantized, policy, options);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  write_espdl_file(path, result.model);
  std::filesystem::path info = path, json = path;
  write_file_atomic(info.replace_extension(".info"), result.info);
  write_file_atomic(json.replace_extension(".json"), result.configs_json);
  return result;
}

}  // namespace qtune
