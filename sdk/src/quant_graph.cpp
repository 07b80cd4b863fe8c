#include "qtune/quant_graph.h"

#include "qtune/fake_quant.h"

namespace qtune {

int op_quant_bits(const Op& op) {
  auto it = op.annotations.find(kQuantBitsAnnotation);
  return it == op.annotations.end() ? 0 : std::stoi(it->second);
}

std::string input_socket_id(const Op& op, std::size_t index) { return op.name + "#" + std::to_string(index); }

const QuantSlot& input_config(const Op& op, std::size_t index) {
  static const QuantSlot kNone;
  if (index < op.input_quant.size() && op.input_quant[index]) return op.input_quant[index];
  if (!op.has_input(index)) return kNone;
  return op.inputs[index]->quant;
}

bool applied_at_input(const Op& op, std::size_t index) {
  if (!op_quant_bits(op)) return false;
  const QuantSlot& c = input_config(op, index);
  return c && c->is_active() && c->applied_at == input_socket_id(op, index);
}

bool applied_at_output(const Op& op, std::size_t index) {
  if (!op_quant_bits(op) || index >= op.outputs.size()) return false;
  const QuantSlot& c = op.outputs[index]->quant;
  return c && c->is_active() && c->applied_at == op.outputs[index]->name;
}

std::size_t replace_config(Graph& graph, const QuantSlot& from, const QuantSlot& to) {
  if (!from || from == to) return 0;
  std::size_t n = 0;
  for (Variable* v : graph.variables())
    if (v->quant == from) v->quant = to, ++n;
  for (Op* op : graph.ops())
    for (auto& slot : op->input_quant)
      if (slot == from) slot = to, ++n;
  return n;
}

void set_input_config(Op& op, std::size_t index, QuantSlot config) {
  if (op.input_quant.size() < op.inputs.size()) op.input_quant.resize(op.inputs.size());
  config->applied_at = input_socket_id(op, index);
  op.input_quant.at(index) = std::move(config);
}

namespace {

class QuantHook final : public OpHook {
 public:
  explicit QuantHook(OpFilter ops) : ops_(std::move(ops)) {}
  bool map_input(const Op& op, std::size_t index, const Tensor& value, Tensor& out) override {
    if (value.dtype() != DType::Float32 || !applied_at_input(op, index) || (ops_ && !ops_(op))) return false;
    out = fake_quantize(value, *input_config(op, index));
    return true;
  }
  void on_outputs(const Op& op, std::span<Tensor> outputs) override {
    if (ops_ && !ops_(op)) return;
    for (std::size_t j = 0; j < outputs.size(); ++j)
      if (outputs[j].dtype() == DType::Float32 && applied_at_output(op, j))
        fake_quantize_inplace(outputs[j], *op.outputs[j]->quant);
  }

 private:
  OpFilter ops_;
};

}  // namespace

std::unique_ptr<OpHook> make_quant_hook(OpFilter ops) { return std::make_unique<QuantHook>(std::move(ops)); }

}  // namespace qtune
