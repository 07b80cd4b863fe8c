// Identity / Dropout removal. y = op(x):
//  - y is not a graph output: consumers of y read x instead.
//  - y is a graph output: its name must stay (contracts read outputs by name), so the
//    producer of x writes y directly and x disappears. That needs x to have a producer and
//    to be neither a graph input nor a graph output; otherwise (e.g. an output that is a
//    copy of an input or of a weight) the op is kept, because it really does produce a
//    distinct named output.
// A Dropout whose mask output is used is kept (the mask is not an identity).
#include "onnx/identity_removal.h"

#include <algorithm>

#include <fmt/format.h>

#include "onnx/graph_rewrite.h"

namespace qtune {
namespace {

bool is_graph_input(const Graph& graph, const Variable& v) {
  return std::find(graph.inputs().begin(), graph.inputs().end(), &v) != graph.inputs().end();
}

}  // namespace

std::size_t remove_identities(Graph& graph, std::vector<std::string>& notes) {
  std::size_t removed = 0;
  for (Op* op : graph.topological_order()) {
    if (!op->domain.empty() || (op->type != "Identity" && op->type != "Dropout")) continue;
    if (!op->has_input(0) || op->outputs.empty()) continue;
    if (op->type == "Dropout" && op->outputs.size() > 1 &&
        (!op->outputs[1]->consumers.empty() || graph.is_graph_output(*op->outputs[1])))
      continue;
    Variable& x = op->input(0);
    Variable& y = *op->outputs[0];
    if (!graph.is_graph_output(y)) {
      graph.replace_all_uses(y, x);
      graph.remove_op(*op);
      ++removed;
      continue;
    }
    if (!x.producer || is_graph_input(graph, x) || graph.is_graph_output(x)) {
      notes.push_back(fmt::format("kept {} '{}': its output '{}' is a graph output copying '{}'", op->type, op->name,
                                  y.name, x.name));
      continue;
    }
    graph.remove_op(*op);
    redirect_output(graph, x, y);
    ++removed;
  }
  return removed;
}

}  // namespace qtune
