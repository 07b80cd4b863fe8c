#include "export/export_graph.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "onnx/esp_ppq_history.h"
#include "qtune/error.h"
#include "qtune/quant_graph.h"

namespace qtune {

bool is_quant_op_type(const std::string& type) {
  static const std::set<std::string> kTypes = {"RequantizeLinear", "QuantizeLinear", "DequantizeLinear",
                                               "QuantizeFloating", "DequantizeFloating"};
  return kTypes.count(type) != 0;
}

namespace {

// One past the largest N of the graph's names "<prefix>N" (0 when none).
int next_generated(const Graph& g, const std::string& prefix) {
  int next = 0;
  auto scan = [&](const std::string& name) {
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return;
    next = std::max(next, std::stoi(digits) + 1);
  };
  for (const Op* op : g.ops()) scan(op->name);
  for (const Variable* v : g.variables()) scan(v->name);
  return next;
}

}  // namespace

// esp-ppq's exporter works on a clone that keeps the graph's name counters: its names
// continue after those format_graph and the ConvTranspose decomposition used.
ExportGraph::ExportGraph(const Graph& quantized, TargetPolicy target)
    : graph(quantized),
      policy(std::move(target)),
      next_op_(next_generated(quantized, "PPQ_Operation_")),
      next_var_(std::max(next_generated(quantized, "PPQ_Variable_"),
                         static_cast<int>(esp_ppq_generated_variables(quantized)))) {}

std::string ExportGraph::new_op_name() {
  std::string name;
  do name = fmt::format("PPQ_Operation_{}", next_op_++);
  while (graph.find_op(name) || graph.find_variable(name));
  return name;
}

std::string ExportGraph::new_var_name() {
  std::string name;
  do name = fmt::format("PPQ_Variable_{}", next_var_++);
  while (graph.find_op(name) || graph.find_variable(name));
  return name;
}

Op& ExportGraph::insert_before(Op& consumer, std::size_t index, const std::string& type, Attributes attributes) {
  Variable& in = consumer.input(index);
  const std::string op_name = new_op_name();
  const std::string out_name = new_var_name();
  Op& op = graph.add_op(op_name, type, {in.name}, {out_name}, std::move(attributes));
  Variable& out = graph.variable(out_name);
  out.dtype = in.dtype;
  out.shape = in.shape;
  graph.set_input(consumer, index, &out);
  if (auto it = shapes.find(in.name); it != shapes.end()) shapes[out_name] = it->second;
  if (auto it = perms.find(in.name); it != perms.end()) perms[out_name] = it->second;
  return op;
}

Variable& ExportGraph::add_parameter_input(Op& op, Tensor value) {
  Variable& p = graph.add_parameter(new_var_name(), std::move(value));
  graph.set_input(op, op.inputs.size(), &p);
  return p;
}

std::string ExportGraph::quant_type(const Op& op) const {
  switch (op_quant_bits(op)) {
    case 8: return "S8";
    case 16: return "S16";
    default: return "F32";
  }
}

const Shape& ExportGraph::logical_shape(const Variable& var) const {
  auto it = shapes.find(var.name);
  if (it == shapes.end()) {
    if (var.value) return var.value->shape();
    throw Error(fmt::format("export: no shape known for variable '{}'", var.name));
  }
  return it->second;
}

Perm ExportGraph::perm_or_identity(const Variable& var) const {
  auto it = perms.find(var.name);
  return it == perms.end() ? identity_perm(logical_shape(var).size()) : it->second;
}

Shape ExportGraph::exported_shape(const Variable& var) const {
  const Shape& s = logical_shape(var);
  auto it = perms.find(var.name);
  if (it == perms.end() || it->second.size() != s.size()) return s;
  return apply_perm(s, it->second);
}

Perm identity_perm(std::size_t rank) {
  Perm p(rank);
  for (std::size_t i = 0; i < rank; ++i) p[i] = static_cast<std::int64_t>(i);
  return p;
}

Perm inverse_perm(const Perm& perm) {
  Perm inv(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) inv[static_cast<std::size_t>(perm[i])] = static_cast<std::int64_t>(i);
  return inv;
}

std::vector<std::int64_t> apply_perm(const std::vector<std::int64_t>& values, const Perm& perm) {
  std::vector<std::int64_t> out;
  out.reserve(perm.size());
  for (std::int64_t p : perm) out.push_back(values.at(static_cast<std::size_t>(p)));
  return out;
}

}  // namespace qtune
