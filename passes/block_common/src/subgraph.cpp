#include "qtune/blocks/subgraph.h"

#include <unordered_set>

#include "qtune/error.h"

namespace qtune::blocks {
namespace {

bool is_param(const Variable* v) { return v && v->is_parameter && v->value.has_value(); }

bool only_constants(const Op& op) {
  for (const Variable* out : op.outputs)
    if (out && !is_param(out)) return false;
  return true;
}

}  // namespace

std::vector<const Op*> upstream_closure(const Graph& graph, const std::vector<const Op*>& ops) {
  std::unordered_set<const Op*> wanted(ops.begin(), ops.end());
  const std::vector<Op*> order = graph.topological_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (!wanted.count(*it)) continue;
    for (const Variable* in : (*it)->inputs)
      if (in && in->producer && !is_param(in)) wanted.insert(in->producer);
  }
  std::vector<const Op*> closure;
  for (const Op* op : order)
    if (wanted.count(op)) closure.push_back(op);
  return closure;
}

Graph extract_subgraph(const Graph& graph, const std::vector<const Op*>& ops, const std::vector<std::string>& outputs) {
  const std::unordered_set<const Op*> chosen(ops.begin(), ops.end());
  Graph sub;
  sub.name = graph.name;
  sub.opset = graph.opset;
  std::vector<std::string> inputs;
  auto copy_value_info = [](const Variable& from, Variable& to) {
    to.shape = from.shape;
    to.dtype = from.dtype;
    to.quant = from.quant;
  };
  for (const Op* op : graph.topological_order()) {
    if (!chosen.count(op) || only_constants(*op)) continue;
    std::vector<std::string> in_names, out_names;
    for (const Variable* in : op->inputs) {
      in_names.push_back(in ? in->name : std::string());
      if (!in || sub.find_variable(in->name)) continue;
      if (is_param(in)) {
        copy_value_info(*in, sub.add_parameter(in->name, *in->value));
      } else {
        if (in->producer && chosen.count(in->producer) && !only_constants(*in->producer))
          throw Error("extract_subgraph: '" + in->name + "' is read before its producer '" + in->producer->name +
                      "' ran");
        copy_value_info(*in, sub.add_variable(in->name));
        inputs.push_back(in->name);
      }
    }
    for (const Variable* out : op->outputs) out_names.push_back(out->name);
    Op& copy = sub.add_op(op->name, op->type, in_names, out_names, op->attributes);
    copy.domain = op->domain;
    copy.annotations = op->annotations;
    copy.input_quant = op->input_quant;
    copy.input_quant.resize(copy.inputs.size());
    for (std::size_t i = 0; i < op->outputs.size(); ++i) copy_value_info(*op->outputs[i], *copy.outputs[i]);
  }
  sub.set_inputs(inputs);
  for (const std::string& name : outputs)
    if (!sub.find_variable(name))
      throw Error("extract_subgraph: output '" + name + "' is neither read nor produced by the chosen ops");
  sub.set_outputs(outputs);
  return sub;
}

}  // namespace qtune::blocks
