#include "export/export_rewrites.h"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "export/espdl_op_sets.h"
#include "qtune/error.h"
#include "qtune/quant_graph.h"

namespace qtune {
namespace {

// ESPDL_CONV_LIKE_FUSED_OPS / _ACTIVATIONS (esp_ppq/core/common.py).
const std::set<std::string> kConvLike = {"Conv", "Gemm", "MatMul"};
// GRU_QUANT_EXPONENT = LSTM_QUANT_EXPONENT (esp_ppq/core/common.py).
constexpr std::int64_t kRnnGateExponent = -9;
// Ops around which esp-ppq inserts no Quantize/Dequantize (QUANT_EXCLUDE_OP_SET).
bool quant_excluded(const std::string& type) { return type == "Shape"; }

// Ops reading any output of `op` (each once).
std::vector<Op*> downstream_ops(const Op& op) {
  std::vector<Op*> out;
  for (const Variable* v : op.outputs)
    for (Op* c : v->consumers)
      if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  return out;
}

// A 0-d (per tensor) or 1-d (per channel) float32 tensor of 2^exponent.
Tensor scale_tensor(const std::vector<int>& exponents, bool per_channel) {
  Tensor t(DType::Float32, per_channel ? Shape{static_cast<std::int64_t>(exponents.size())} : Shape{});
  for (std::int64_t i = 0; i < t.numel(); ++i)
    t.data<float>()[i] = std::ldexp(1.0f, exponents[static_cast<std::size_t>(per_channel ? i : 0)]);
  return t;
}

// Zero points: int8 for up to 8 bits, else int16 (esp-ppq's infer_qtype).
Tensor zero_point_tensor(const TensorQuantConfig& c) {
  const DType type = c.bits > 8 ? DType::Int16 : DType::Int8;
  return Tensor(type, c.per_channel() ? Shape{static_cast<std::int64_t>(c.exponents.size())} : Shape{});
}

// Inserts a Quantize/Requantize/Dequantize node before consumer input `index`.
Op& insert_quant_node(ExportGraph& eg, Op& consumer, std::size_t index, const std::string& type, Tensor scale,
                      Tensor zero_point, const TensorQuantConfig& config) {
  Attributes attrs;
  if (config.per_channel()) attrs.set("axis", static_cast<std::int64_t>(config.channel_axis));
  Op& node = eg.insert_before(consumer, index, type, std::move(attrs));
  eg.add_parameter_input(node, std::move(scale));
  eg.add_parameter_input(node, std::move(zero_point));
  return node;
}

std::vector<Op*> snapshot(const Graph& g) { return g.topological_order(); }

}  // namespace

bool exportable(const QuantSlot& c) {
  return c && !c->exponents.empty() &&
         (c->state == QuantState::Calibrated || c->state == QuantState::Passive || c->state == QuantState::Baked);
}

void upgrade_opset_attributes(ExportGraph& eg) {
  for (Op* op : eg.graph.ops()) {
    const bool axes = op->type == "Squeeze" || op->type == "Unsqueeze" || is_reduce_op(op->type);
    const char* key = axes ? "axes" : op->type == "Split" ? "split" : nullptr;
    if (!key || !op->attributes.has(key)) continue;
    const std::vector<std::int64_t> values = op->attributes.get_ints(key);
    op->attributes.erase(key);
    if (op->inputs.size() > 1)
      throw Error(fmt::format("export: op '{}' ({}) has attribute '{}' and {} inputs", op->name, op->type, key,
                              op->inputs.size()));
    eg.add_parameter_input(*op, Tensor::from<std::int64_t>({static_cast<std::int64_t>(values.size())}, values));
  }
}

void split_shared_parameters(ExportGraph& eg) {
  for (Variable* v : eg.graph.variables()) {
    if (!v->is_parameter || v->consumers.size() < 2) continue;
    // Every use after the first gets its own copy (and keeps the config it is read with).
    std::vector<std::pair<Op*, std::size_t>> uses;
    for (Op* c : std::vector<Op*>(v->consumers))
      for (std::size_t i = 0; i < c->inputs.size(); ++i)
        if (c->inputs[i] == v && std::find(uses.begin(), uses.end(), std::make_pair(c, i)) == uses.end())
          uses.emplace_back(c, i);
    for (std::size_t u = 1; u < uses.size(); ++u) {
      auto [op, index] = uses[u];
      const QuantSlot config = input_config(*op, index);
      Variable& copy = eg.graph.add_parameter(eg.new_var_name(), *v->value);
      copy.quant = config;
      eg.graph.set_input(*op, index, &copy);
    }
  }
}

void fuse_relu(ExportGraph& eg) {
  Graph& g = eg.graph;
  for (Op* op : snapshot(g)) {
    if (!kConvLike.count(op->type) || !op_quant_bits(*op)) continue;
    op->attributes.set("activation", std::string("Linear"));
    const std::vector<Op*> next = downstream_ops(*op);
    if (next.size() != 1 || next[0]->type != "Relu" || op->outputs.size() != 1) continue;
    Op& relu = *next[0];
    Variable& mid = *op->outputs[0];
    // The Conv output must not be needed elsewhere (esp-ppq would drop a graph output here).
    if (g.is_graph_output(mid) || mid.consumers.size() != 1 || relu.inputs.size() != 1) continue;
    Variable& out = *relu.outputs[0];
    g.remove_op(relu);
    mid.producer = nullptr;
    op->outputs[0] = &out;
    out.producer = op;
    eg.shapes.erase(mid.name);
    g.remove_variable(mid);
    op->attributes.set("activation", std::string("Relu"));
  }
}

void insert_quant_nodes(ExportGraph& eg) {
  Graph& g = eg.graph;
  auto quantized_op = [](const Op& op) { return op_quant_bits(op) != 0 && !is_quant_op_type(op.type); };
  auto mark = [](Op& node, const Op& like) {
    if (op_quant_bits(like)) node.annotations[kQuantBitsAnnotation] = std::to_string(op_quant_bits(like));
  };
  // Quantize: a quantized input coming from a float producer (graph inputs excepted: the
  // application quantizes them with the input's exponent).
  for (Op* op : snapshot(g)) {
    if (!quantized_op(*op)) continue;
    for (std::size_t i = 0; i < op->inputs.size(); ++i) {
      Variable* v = op->inputs[i];
      if (!v || v->is_parameter || !v->producer) continue;
      const QuantSlot config = input_config(*op, i);
      if (!exportable(config)) continue;
      const Op& producer = *v->producer;
      if (is_quant_op_type(producer.type) || quant_excluded(producer.type)) continue;
      if (quantized_op(producer) && v->quant && v->quant->state != QuantState::Float) continue;
      Op& q = insert_quant_node(eg, *op, i, "QuantizeLinear", scale_tensor(config->exponents, config->per_channel()),
                                zero_point_tensor(*config), *config);
      mark(q, *op);
      q.outputs[0]->quant = config;
      q.outputs[0]->dtype = DType::Float32;
    }
  }
  // Requantize: the consumer's input config differs from the producer's output config
  // (int8 <-> int16 boundary, or another exponent). A graph input is given its first
  // consumer's config (Variable::quant); another consumer reading it with other bits or
  // another exponent gets a Requantize too (esp-ppq skips graph inputs here, so such a
  // consumer would read the input on the wrong grid on the chip).
  for (Op* op : snapshot(g)) {
    if (!quantized_op(*op)) continue;
    for (std::size_t i = 0; i < op->inputs.size(); ++i) {
      Variable* v = op->inputs[i];
      if (!v || v->is_parameter) continue;
      const QuantSlot config = input_config(*op, i);
      if (!exportable(config)) continue;
      if (v->producer && (is_quant_op_type(v->producer->type) || !quantized_op(*v->producer))) continue;
      const QuantSlot& source = v->quant;
      if (!exportable(source)) continue;
      if (source->bits == config->bits && source->exponents == config->exponents) continue;
      std::vector<int> shift;
      for (std::size_t c = 0; c < config->exponents.size(); ++c)
        shift.push_back(config->exponents[c] - source->exponents[source->exponents.size() == 1 ? 0 : c]);
      Op& r = insert_quant_node(eg, *op, i, "RequantizeLinear", scale_tensor(shift, config->per_channel()),
                                zero_point_tensor(*config), *config);
      mark(r, *op);
      r.outputs[0]->quant = config;
    }
  }
  // Dequantize: a float consumer of a quantized output.
  for (Op* op : snapshot(g)) {
    if (!quantized_op(*op)) continue;
    for (Variable* v : op->outputs) {
      if (!exportable(v->quant)) continue;
      const QuantSlot config = v->quant;
      for (Op* c : std::vector<Op*>(v->consumers)) {
        if (op_quant_bits(*c) || is_quant_op_type(c->type) || quant_excluded(c->type)) continue;
        const auto it = std::find(c->inputs.begin(), c->inputs.end(), v);
        if (it == c->inputs.end()) continue;
        Op& d = insert_quant_node(eg, *c, static_cast<std::size_t>(it - c->inputs.begin()), "DequantizeLinear",
                                  scale_tensor(config->exponents, config->per_channel()), zero_point_tensor(*config),
                                  *config);
        d.outputs[0]->quant = nullptr;
        d.outputs[0]->dtype = DType::Float32;
      }
    }
  }
}

void set_quant_types(ExportGraph& eg) {
  for (Op* op : eg.graph.ops()) op->attributes.set("quant_type", eg.quant_type(*op));
}

void add_rnn_gate_exponents(ExportGraph& eg) {
  for (Op* op : eg.graph.ops())
    if ((op->type == "GRU" || op->type == "LSTM") && op_quant_bits(*op))
      op->attributes.set("gate_exponent", kRnnGateExponent);
}

}  // namespace qtune
