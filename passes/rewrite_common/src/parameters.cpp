#include "qtune/rewrite/parameters.h"

#include <algorithm>

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune::rewrite {

bool is_float_parameter(const Op& op, std::size_t slot) {
  if (!op.has_input(slot)) return false;
  const Variable& v = *op.inputs[slot];
  return v.is_parameter && v.value && v.value->dtype() == DType::Float32;
}

Tensor& own_parameter(Graph& graph, Op& op, std::size_t slot) {
  Variable& v = op.input(slot);
  if (!v.is_parameter || !v.value)
    throw Error(fmt::format("op '{}': input {} ('{}') is not a parameter", op.name, slot, v.name));
  const bool only_here = std::all_of(v.consumers.begin(), v.consumers.end(), [&](const Op* c) { return c == &op; }) &&
                         std::count(op.inputs.begin(), op.inputs.end(), &v) == 1 && !graph.is_graph_output(v);
  if (only_here) return *v.value;
  Variable& copy = graph.add_parameter(graph.unique_name(v.name + "_" + op.name), *v.value);
  graph.set_input(op, slot, &copy);
  return *copy.value;
}

}  // namespace qtune::rewrite
