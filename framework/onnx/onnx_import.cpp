#include "onnx/onnx_import.h"

#include <fstream>
#include <functional>
#include <queue>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "onnx/input_shapes.h"
#include "onnx/onnx_attributes.h"
#include "onnx/opset_normalize.h"
#include "onnx/supported_ops.h"
#include "onnx/tensor_proto.h"

namespace qtune {
namespace {

// The ai.onnx opsets whose op forms the normaliser knows (see opset_normalize.cpp).
constexpr std::int64_t kMinOpset = 9;
constexpr std::int64_t kMaxOpset = 18;

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

std::int64_t read_opset(const onnx::ModelProto& model, const std::string& source) {
  std::optional<std::int64_t> opset;
  for (const auto& id : model.opset_import())
    if (is_default_domain(id.domain())) opset = id.version();
  if (!opset) throw InputError(fmt::format("{}: the model declares no ai.onnx opset in opset_import", source));
  if (*opset < kMinOpset || *opset > kMaxOpset)
    throw InputError(fmt::format("{}: ai.onnx opset {} is not supported (expected {}..{}); convert the model "
                                 "with onnx.version_converter",
                                 source, *opset, kMinOpset, kMaxOpset));
  return *opset;
}

// A Constant node's value as a tensor (value, value_float(s), value_int(s)).
Tensor constant_value(const onnx::NodeProto& node, const std::string& source) {
  const std::string context = fmt::format("{}: Constant '{}'", source, node.output_size() ? node.output(0) : "");
  for (const auto& a : node.attribute()) {
    if (a.name() == "value") return tensor_from_proto(a.t(), context);
    if (a.name() == "value_float") return Tensor::from<float>({}, {a.f()});
    if (a.name() == "value_int") return Tensor::from<std::int64_t>({}, {a.i()});
    if (a.name() == "value_floats") {
      std::vector<float> v(a.floats().begin(), a.floats().end());
      return Tensor::from<float>({static_cast<std::int64_t>(v.size())}, v);
    }
    if (a.name() == "value_ints") {
      std::vector<std::int64_t> v(a.ints().begin(), a.ints().end());
      return Tensor::from<std::int64_t>({static_cast<std::int64_t>(v.size())}, v);
    }
  }
  throw InputError(fmt::format("{}: expected a value, value_float(s) or value_int(s) attribute "
                               "(sparse and string constants are not supported)",
                               context));
}

// Node indices (Constant nodes excluded) in an order where every input is defined
// before use; file order is kept wherever it is already valid.
std::vector<int> node_order(const onnx::GraphProto& graph, const std::unordered_set<std::string>& defined,
                            const std::string& source) {
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < graph.node_size(); ++i)
    for (const auto& out : graph.node(i).output())
      if (!out.empty()) producer.emplace(out, i);
  std::vector<int> pending(graph.node_size(), 0);
  std::vector<std::vector<int>> users(graph.node_size());
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& node = graph.node(i);
    if (node.op_type() == "Constant" && is_default_domain(node.domain())) continue;
    std::unordered_set<int> deps;
    for (const auto& in : node.input()) {
      if (in.empty() || defined.count(in)) continue;
      auto it = producer.find(in);
      if (it == producer.end())
        throw InputError(fmt::format("{}: node '{}' ({}) reads '{}', which no node, initializer or graph input "
                                     "defines",
                                     source, node.name(), node.op_type(), in));
      if (deps.insert(it->second).second) users[it->second].push_back(i);
    }
    pending[i] = static_cast<int>(deps.size());
    if (deps.empty()) ready.push(i);
  }
  std::vector<int> order;
  while (!ready.empty()) {
    const int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int u : users[i])
      if (--pending[u] == 0) ready.push(u);
  }
  for (int i = 0; i < graph.node_size(); ++i)
    if (pending[i] > 0)
      throw InputError(fmt::format("{}: node '{}' ({}) is part of a cycle", source, graph.node(i).name(),
                                   graph.node(i).op_type()));
  return order;
}

class Importer {
 public:
  Importer(const onnx::ModelProto& model, std::string source, const ImportOptions& options)
      : model_(model), source_(std::move(source)), options_(options) {}

  Graph run() {
    const auto& g = model_.graph();
    graph_.name = g.name();
    graph_.opset = read_opset(model_, source_);
    collect_value_info(g);
    add_parameters(g);
    add_inputs(g);
    add_nodes(g);
    std::vector<std::string> outputs;
    for (const auto& out : g.output()) {
      if (!graph_.find_variable(out.name()))
        throw InputError(fmt::format("{}: graph output '{}' is not produced by any node", source_, out.name()));
      outputs.push_back(out.name());
    }
    graph_.set_outputs(outputs);
    normalize_opset(graph_, source_);
    check_supported(graph_, source_);
    return std::move(graph_);
  }

 private:
  void collect_value_info(const onnx::GraphProto& g) {
    auto note = [&](const onnx::ValueInfoProto& vi) {
      Info info;
      info.shape = shape_from_type(vi.type());
      if (vi.type().has_tensor_type()) {
        DType t;
        if (dtype_from_onnx(vi.type().tensor_type().elem_type(), t)) info.dtype = t;
      }
      info_[vi.name()] = info;
    };
    for (const auto& vi : g.value_info()) note(vi);
    for (const auto& vi : g.output()) note(vi);
  }

  void add_parameters(const onnx::GraphProto& g) {
    for (const auto& init : g.initializer()) {
      if (graph_.find_variable(init.name()))
        throw InputError(fmt::format("{}: initializer '{}' is defined twice", source_, init.name()));
      graph_.add_parameter(init.name(), tensor_from_proto(init, fmt::format("{}: initializer '{}'", source_, init.name())));
    }
    for (const auto& node : g.node()) {
      if (node.op_type() != "Constant" || !is_default_domain(node.domain())) continue;
      if (node.output_size() != 1 || node.output(0).empty())
        throw InputError(fmt::format("{}: Constant node '{}' must have exactly one output", source_, node.name()));
      if (graph_.find_variable(node.output(0)))
        throw InputError(fmt::format("{}: Constant node '{}' writes '{}', which is already defined", source_,
                                     node.name(), node.output(0)));
      graph_.add_parameter(node.output(0), constant_value(node, source_));
    }
  }

  void add_inputs(const onnx::GraphProto& g) {
    std::vector<const onnx::ValueInfoProto*> inputs;
    for (const auto& in : g.input())
      if (!graph_.find_variable(in.name())) inputs.push_back(&in);  // IR < 4 lists initializers too
    if (!options_.input_shapes.empty() && options_.input_shapes.size() != inputs.size())
      throw InputError(fmt::format("{}: {} input shapes given, but the model has {} graph inputs", source_,
                                   options_.input_shapes.size(), inputs.size()));
    std::vector<std::string> names;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto& in = *inputs[i];
      DType dtype = DType::Float32;
      if (in.type().has_tensor_type() && !dtype_from_onnx(in.type().tensor_type().elem_type(), dtype))
        throw InputError(fmt::format("{}: graph input '{}' has element type {}, which is not supported", source_,
                                     in.name(), in.type().tensor_type().elem_type()));
      auto shape = resolve_input_shape(shape_from_type(in.type()), i, in.name(), options_, source_);
      graph_.add_variable(in.name(), shape.value_or(Shape{}), dtype);
      names.push_back(in.name());
    }
    graph_.set_inputs(names);
  }

  std::string op_name(const onnx::NodeProto& node) {
    if (!node.name().empty() && !graph_.find_op(node.name())) return node.name();
    // Unnamed (or duplicate) node: "<type>_<k>" with k counted per type.
    const std::string prefix = node.name().empty() ? node.op_type() : node.name();
    std::size_t& k = name_counter_[prefix];
    std::string name;
    do name = fmt::format("{}_{}", prefix, k++);
    while (graph_.find_op(name));
    return name;
  }

  void add_nodes(const onnx::GraphProto& g) {
    std::unordered_set<std::string> defined;
    for (const Variable* v : graph_.variables()) defined.insert(v->name);
    for (int index : node_order(g, defined, source_)) {
      const auto& node = g.node(index);
      const std::string name = op_name(node);
      std::vector<std::string> inputs(node.input().begin(), node.input().end());
      std::vector<std::string> outputs(node.output().begin(), node.output().end());
      while (!outputs.empty() && outputs.back().empty()) outputs.pop_back();
      for (std::size_t i = 0; i < outputs.size(); ++i)  // an unused middle output still holds its slot
        if (outputs[i].empty()) outputs[i] = graph_.unique_name(fmt::format("{}_unused_output{}", name, i));
      for (const auto& out : outputs)
        if (const Variable* v = graph_.find_variable(out); v && (v->producer || v->is_parameter ||
                                                                is_graph_input(*v)))
          throw InputError(fmt::format("{}: node '{}' ({}) writes '{}', which is already defined", source_, name,
                                       node.op_type(), out));
      Op& op = graph_.add_op(name, node.op_type(), inputs, outputs,
                             attributes_from_proto(node, fmt::format("{}: node '{}'", source_, name)));
      op.domain = is_default_domain(node.domain()) ? "" : node.domain();
      for (Variable* out : op.outputs) {
        auto it = info_.find(out->name);
        if (it == info_.end()) continue;
        if (it->second.shape) out->shape = *it->second.shape;
        if (it->second.dtype) out->dtype = *it->second.dtype;
      }
    }
  }

  bool is_graph_input(const Variable& v) const {
    for (const Variable* in : graph_.inputs())
      if (in == &v) return true;
    return false;
  }

  struct Info {
    std::optional<Shape> shape;
    std::optional<DType> dtype;
  };

  const onnx::ModelProto& model_;
  std::string source_;
  const ImportOptions& options_;
  Graph graph_;
  std::unordered_map<std::string, Info> info_;
  std::unordered_map<std::string, std::size_t> name_counter_;
};

}  // namespace

Graph import_onnx_bytes(const std::string& bytes, const std::string& source_name, const ImportOptions& options) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes) || !model.has_graph())
    throw InputError(fmt::format("{}: not a valid ONNX model (the bytes do not parse as an onnx.ModelProto with "
                                 "a graph)",
                                 source_name));
  return Importer(model, source_name, options).run();
}

Graph import_onnx(const std::filesystem::path& path, const ImportOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open the ONNX model file", path.string()));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: cannot read the ONNX model file", path.string()));
  return import_onnx_bytes(buffer.str(), path.string(), options);
}

}  // namespace qtune
