#include "onnx/graph_rewrite.h"

#include <algorithm>

#include <fmt/format.h>

namespace qtune {

void redirect_output(Graph& graph, Variable& from, Variable& to) {
  if (to.producer) throw Error(fmt::format("redirect_output: '{}' is already written by op '{}'", to.name, to.producer->name));
  if (graph.is_graph_output(from)) throw Error(fmt::format("redirect_output: '{}' is a graph output", from.name));
  Op* producer = from.producer;
  graph.replace_all_uses(from, to);
  if (producer) {
    std::replace(producer->outputs.begin(), producer->outputs.end(), &from, &to);
    to.producer = producer;
    from.producer = nullptr;
  }
  if (to.shape.empty()) to.shape = from.shape;
  to.dtype = from.dtype;
  if (!to.quant) to.quant = from.quant;
  graph.remove_variable(from);
}

}  // namespace qtune
