#include "export/export_integers.h"

#include <fmt/format.h>

#include "export/export_rewrites.h"
#include "qtune/error.h"
#include "qtune/fake_quant.h"
#include "qtune/quant_graph.h"

namespace qtune {
namespace {

Tensor integer_tensor(const Variable& v, const TensorQuantConfig& config) {
  if (v.value->dtype() != DType::Float32)
    throw Error(fmt::format("export: parameter '{}' is {} but quantized by a {}-bit config; expected float32", v.name,
                            dtype_name(v.value->dtype()), config.bits));
  const std::vector<std::int64_t> q = quantize_to_int(*v.value, config);
  Tensor out(integer_dtype(config.bits), v.value->shape());
  auto fill = [&](auto* p) {
    for (std::size_t i = 0; i < q.size(); ++i) p[i] = static_cast<std::remove_pointer_t<decltype(p)>>(q[i]);
  };
  switch (out.dtype()) {
    case DType::Int8: fill(out.data<std::int8_t>()); break;
    case DType::Int16: fill(out.data<std::int16_t>()); break;
    case DType::Int32: fill(out.data<std::int32_t>()); break;
    default: fill(out.data<std::int64_t>()); break;
  }
  return out;
}

}  // namespace

DType integer_dtype(int bits) {
  if (bits <= 8) return DType::Int8;
  if (bits <= 16) return DType::Int16;
  if (bits <= 32) return DType::Int32;
  return DType::Int64;
}

void bind_exponents_and_integerize(ExportGraph& eg) {
  auto bind = [&](Variable* v, const QuantSlot& config) {
    if (!v || !exportable(config) || eg.bound.count(v->name)) return;
    eg.bound[v->name] = config;
    eg.exponents[v->name] = std::vector<std::int64_t>(config->exponents.begin(), config->exponents.end());
    if (v->is_parameter) {
      if (v->consumers.size() != 1)
        throw Error(fmt::format("export: parameter '{}' has {} consumers; each needs its own copy", v->name, v->consumers.size()));
      v->value = integer_tensor(*v, *config);
      v->dtype = v->value->dtype();
    } else {
      v->dtype = config->bits == 8 ? DType::Int8 : config->bits == 16 ? DType::Int16 : DType::Float32;
    }
  };
  for (Op* op : eg.graph.topological_order()) {
    if (!op_quant_bits(*op) || is_quant_op_type(op->type)) continue;
    for (std::size_t i = 0; i < op->inputs.size(); ++i) bind(op->inputs[i], input_config(*op, i));
    for (Variable* o : op->outputs) bind(o, o->quant);
  }
}

}  // namespace qtune
