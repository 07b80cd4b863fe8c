#include "export/batch_one_folding.h"

#include <algorithm>
#include <string>
#include <vector>

#include "onnx/constant_folding.h"

namespace qtune {

std::size_t fold_shape_chains_at_batch_one(ExportGraph& eg) {
  std::size_t replaced = 0;
  for (Op* op : eg.graph.topological_order()) {
    if (op->type != "Shape" || !op->has_input(0) || op->outputs.size() != 1) continue;
    const auto it = eg.shapes.find(op->inputs[0]->name);
    if (it == eg.shapes.end()) continue;
    const Shape& dims = it->second;
    if (std::any_of(dims.begin(), dims.end(), [](std::int64_t d) { return d < 0; })) continue;
    // Shape-15 start / end (negative counts from the back; clamped), defaults: all dims.
    const auto rank = static_cast<std::int64_t>(dims.size());
    auto clamp = [rank](std::int64_t i) { return std::clamp(i < 0 ? i + rank : i, std::int64_t{0}, rank); };
    const std::int64_t start = clamp(op->attributes.get_int("start", 0));
    const std::int64_t end = clamp(op->attributes.get_int("end", rank));
    std::vector<std::int64_t> values(dims.begin() + start, dims.begin() + std::max(start, end));
    Variable& out = *op->outputs[0];
    eg.graph.remove_op(*op);
    out.shape = {static_cast<std::int64_t>(values.size())};
    out.dtype = DType::Int64;
    out.is_parameter = true;
    out.quant = nullptr;
    out.value = Tensor::from<std::int64_t>({static_cast<std::int64_t>(values.size())}, values);
    ++replaced;
  }
  if (replaced > 0) {
    std::vector<std::string> notes;
    fold_constants(eg.graph, notes);
    eg.graph.remove_dead_code();
  }
  return replaced;
}

}  // namespace qtune
