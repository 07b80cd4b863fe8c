#include "qtune_analysis/reference_graphs.h"

#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "qtune/error.h"
#include "qtune/quant_graph.h"

namespace qtune::analysis {
namespace {

bool same_tensor(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.byte_size()) == 0;
}

class IsolatedOpHook final : public OpHook {
 public:
  IsolatedOpHook(const Op& op, std::vector<const Tensor*> substitute)
      : op_(&op), quant_(make_quant_hook([target = &op](const Op& o) { return &o == target; })),
        substitute_(std::move(substitute)) {}

  bool map_input(const Op& op, std::size_t index, const Tensor& value, Tensor& out) override {
    if (&op != op_) return false;
    const Tensor* sub = index < substitute_.size() ? substitute_[index] : nullptr;
    const Tensor& source = sub ? *sub : value;
    if (quant_->map_input(op, index, source, out)) return true;
    if (!sub) return false;
    out = *sub;
    return true;
  }
  void on_outputs(const Op& op, std::span<Tensor> outputs) override {
    if (&op == op_) quant_->on_outputs(op, outputs);
  }

 private:
  const Op* op_;
  std::unique_ptr<OpHook> quant_;
  std::vector<const Tensor*> substitute_;
};

}  // namespace

DequantizedGraph make_dequantized(const Graph& quantized, const Graph& float_ref) {
  DequantizedGraph d{quantized, {}};
  for (Variable* v : d.graph.variables()) {
    if (!v->is_parameter || !v->value) continue;
    const Variable* f = float_ref.find_variable(v->name);
    if (!f || !f->is_parameter || !f->value || f->value->dtype() != v->value->dtype() ||
        f->value->shape() != v->value->shape())
      continue;
    if (same_tensor(*f->value, *v->value)) continue;
    d.changed.emplace(v->name, &*quantized.variable(v->name).value);
    v->value = *f->value;
  }
  return d;
}

std::unique_ptr<OpHook> make_isolated_hook(const Op& op, const DequantizedGraph& d) {
  std::vector<const Tensor*> substitute(op.inputs.size(), nullptr);
  for (std::size_t i = 0; i < op.inputs.size(); ++i)
    if (op.inputs[i])
      if (auto it = d.changed.find(op.inputs[i]->name); it != d.changed.end()) substitute[i] = it->second;
  return std::make_unique<IsolatedOpHook>(op, std::move(substitute));
}

TensorMap feeds_of(const Graph& graph, const Batch& batch) {
  if (batch.size() != graph.inputs().size())
    throw Error(fmt::format("analysis batch has {} tensors, graph '{}' has {} inputs", batch.size(), graph.name,
                            graph.inputs().size()));
  TensorMap feeds;
  for (std::size_t i = 0; i < batch.size(); ++i) feeds.emplace(graph.inputs()[i]->name, batch[i]);
  return feeds;
}

TwinOps twin_ops(const DequantizedGraph& reference, const Graph& quantized,
                 const std::function<bool(const Op&)>& watch) {
  TwinOps t;
  for (const Op* op : reference.graph.topological_order()) {
    if (!watch(*op)) continue;
    const Op& twin = quantized.op(op->name);
    t.index[op] = t.index[&twin] = t.ops.size();
    t.watched_reference.insert(op);
    t.watched_quantized.insert(&twin);
    t.ops.push_back(&twin);
  }
  return t;
}

}  // namespace qtune::analysis
