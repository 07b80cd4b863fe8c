#include "export/export_shapes.h"

#include <fmt/format.h>

#include "exec/graph_executor.h"
#include "qtune/error.h"

namespace qtune {

std::vector<Shape> batch_one_input_shapes(const Graph& graph, const std::vector<Shape>& given) {
  const auto& inputs = graph.inputs();
  if (!given.empty() && given.size() != inputs.size())
    throw InputError(fmt::format("export: {} input shapes given for {} graph inputs", given.size(), inputs.size()));
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Shape s = given.empty() ? inputs[i]->shape : given[i];
    if (!s.empty()) s[0] = 1;  // ESP-DL runs batch 1
    for (std::int64_t d : s)
      if (d < 0)
        throw InputError(fmt::format("export: graph input '{}' has shape {} with an unknown dimension; give its "
                                     "input shape (the contract's input_shape)",
                                     inputs[i]->name, shape_str(s)));
    shapes.push_back(std::move(s));
  }
  return shapes;
}

void infer_export_shapes(ExportGraph& eg, const std::vector<Shape>& input_shapes) {
  const Graph& g = eg.graph;
  TensorMap feeds;
  for (std::size_t i = 0; i < g.inputs().size(); ++i) {
    const Variable& in = *g.inputs()[i];
    feeds.emplace(in.name, Tensor(in.dtype, input_shapes.at(i)));
  }
  RunRequest request;
  request.keep_all = true;
  const TensorMap values = make_executor(g)->run(feeds, request);
  for (const Variable* v : g.variables()) {
    if (v->is_parameter) continue;
    auto it = values.find(v->name);
    if (it != values.end()) eg.shapes[v->name] = it->second.shape();
  }
  for (const Variable* in : g.inputs()) eg.shapes[in->name] = feeds.at(in->name).shape();
}

}  // namespace qtune
