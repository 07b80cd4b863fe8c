#include "export/lut.h"

#include <cmath>

#include <fmt/format.h>

#include "exec/graph_executor.h"
#include "export/espdl_op_sets.h"
#include "export/export_integers.h"
#include "export/export_rewrites.h"
#include "qtune/error.h"
#include "qtune/fake_quant.h"
#include "qtune/quant_graph.h"

namespace qtune {
namespace {

float scale_of(const ExportGraph& eg, const Variable& v) {
  auto it = eg.exponents.find(v.name);
  return it == eg.exponents.end() || it->second.empty() ? 1.0f : std::ldexp(1.0f, static_cast<int>(it->second[0]));
}

// The op's float output on `x` (1-D), parameters as the chip sees them (integers * 2^e).
Tensor run_float(const ExportGraph& eg, const Op& op, const Tensor& x) {
  Graph g;
  g.add_variable("x", x.shape());
  std::vector<std::string> inputs = {"x"};
  for (std::size_t i = 1; i < op.inputs.size(); ++i) {
    const Variable* p = op.inputs[i];
    if (!p) {
      inputs.emplace_back();
      continue;
    }
    if (!p->value) throw Error(fmt::format("export: LUT of '{}': input {} is not a constant", op.name, i));
    Tensor v = p->value->cast(DType::Float32);
    const float s = scale_of(eg, *p);
    for (float& f : v.values<float>()) f *= s;
    const std::string name = fmt::format("p{}", i);
    g.add_parameter(name, std::move(v));
    inputs.push_back(name);
  }
  Attributes attrs = op.attributes;
  for (const char* exporter_only : {"quant_type", "lut", "activation"}) attrs.erase(exporter_only);
  g.add_op("op", op.type, inputs, {"y"}, std::move(attrs));
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return make_executor(g)->run(std::vector<Tensor>{x}).at(0);
}

}  // namespace

bool lut_candidate(const Op& op) {
  if (op.type == "PRelu") return op.has_input(1) && op.inputs[1]->value && op.inputs[1]->value->numel() == 1;
  if (op.type == "Clip") return true;
  if (op.outputs.size() > 1 || op.inputs.size() > 1) return false;
  return is_activation_op(op.type) || is_math_op(op.type);
}

void add_luts(ExportGraph& eg, int int16_step) {
  for (Op* op : eg.graph.topological_order()) {
    const int bits = op_quant_bits(*op);
    if (!bits || is_quant_op_type(op->type) || !lut_candidate(*op) || !op->has_input(0)) continue;
    if (bits == 16 && int16_step <= 0) continue;
    const QuantSlot& out_config = op->outputs[0]->quant;
    if (!exportable(out_config)) continue;
    // Input codes: -128..127 (S8) or -32768..32768 by step (S16).
    const std::int64_t lo = bits == 8 ? -128 : -32768, hi = bits == 8 ? 127 : 32767;
    const std::int64_t step = bits == 8 ? 1 : int16_step;
    std::vector<float> codes;
    for (std::int64_t k = lo; k < hi + step; k += step) codes.push_back(static_cast<float>(k));
    Tensor x = Tensor::from<float>({static_cast<std::int64_t>(codes.size())}, codes);
    const float s = scale_of(eg, op->input(0));
    for (float& f : x.values<float>()) f *= s;
    const Tensor y = run_float(eg, *op, x);
    const std::vector<std::int64_t> table = quantize_to_int(y, *out_config);
    const std::string name = fmt::format("{}_lut_{}", op->type, eg.luts.size());
    auto e = eg.exponents.find(op->outputs[0]->name);
    const std::vector<std::int64_t> exponents = e == eg.exponents.end() ? std::vector<std::int64_t>{0} : e->second;
    eg.luts.push_back(EspdlTensor::from_ints(name, espdl_data_type_of(integer_dtype(out_config->bits)),
                                             {static_cast<std::int64_t>(table.size())}, table, exponents));
    op->attributes.set("lut", name);
  }
}

}  // namespace qtune
