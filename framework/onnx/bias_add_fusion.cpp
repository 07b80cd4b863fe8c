#include "onnx/bias_add_fusion.h"

#include <optional>

#include "onnx/esp_ppq_history.h"
#include "onnx/graph_rewrite.h"

namespace qtune {
namespace {

bool is_float_constant(const Variable* v) {
  return v && v->is_parameter && v->value && v->value->dtype() == DType::Float32;
}

// The bias the Add's constant `b` gives `op` (1-D for convolutions), or nullopt.
std::optional<Tensor> as_bias(const Op& op, const Tensor& w, const Tensor& b) {
  if (op.type == "Gemm") {
    if (w.rank() != 2 || b.rank() > 2 || (b.rank() == 2 && b.dim(0) != 1)) return std::nullopt;
    const std::int64_t n = op.attributes.get_int("transB", 0) != 0 ? w.dim(0) : w.dim(1);
    if (b.rank() > 0 && b.dim(b.rank() - 1) != 1 && b.dim(b.rank() - 1) != n) return std::nullopt;
    return b;
  }
  const std::int64_t cout = op.type == "Conv" ? w.dim(0) : op.attributes.get_int("group", 1) * w.dim(1);
  if (b.rank() != w.rank() || b.rank() < 2 || b.dim(1) != cout || cout <= 1) return std::nullopt;
  for (std::size_t d = 0; d < b.rank(); ++d)
    if (d != 1 && b.dim(d) != 1) return std::nullopt;
  return Tensor::from<float>({cout}, b.to_float());
}

}  // namespace

std::size_t fuse_bias_adds(Graph& graph) {
  std::size_t fused = 0;
  for (Op* op : graph.topological_order()) {
    if (!op->domain.empty() || (op->type != "Conv" && op->type != "ConvTranspose" && op->type != "Gemm")) continue;
    if (op->outputs.size() != 1 || !is_float_constant(op->has_input(1) ? op->inputs[1] : nullptr) || op->has_input(2))
      continue;
    Variable& y = *op->outputs[0];
    if (y.consumers.size() != 1 || graph.is_graph_output(y)) continue;
    Op& add = *y.consumers[0];
    if (add.type != "Add" || !add.domain.empty() || add.inputs.size() != 2 || add.outputs.size() != 1) continue;
    const std::size_t bias_slot = add.inputs[0] == &y ? 1 : 0;
    if (add.inputs[1 - bias_slot] != &y || !is_float_constant(add.inputs[bias_slot])) continue;
    auto bias = as_bias(*op, *op->inputs[1]->value, *add.inputs[bias_slot]->value);
    if (!bias) continue;

    graph.set_input(*op, 2, &graph.add_parameter(graph.unique_name(op->name + "_bias"), std::move(*bias)));
    note_generated_variable(*op);  // esp-ppq names this bias PPQ_Variable_k
    if (op->type == "Gemm") op->attributes.set("beta", 1.0f);
    Variable& z = *add.outputs[0];
    graph.remove_op(add);
    if (graph.is_graph_output(z)) {
      redirect_output(graph, y, z);
    } else {
      graph.replace_all_uses(z, y);
      graph.remove_variable(z);
    }
    ++fused;
  }
  return fused;
}

}  // namespace qtune
