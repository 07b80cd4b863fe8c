#include "qtune/graph.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_set>

#include <fmt/format.h>

#include "qtune/error.h"

namespace qtune {

Variable& Op::input(std::size_t i) const {
  if (!has_input(i)) throw Error(fmt::format("op '{}' ({}) has no input {}", name, type, i));
  return *inputs[i];
}

const Tensor& Op::constant_input(std::size_t i) const {
  Variable& v = input(i);
  if (!v.value) throw Error(fmt::format("op '{}' ({}): input {} ('{}') must be a constant", name, type, i, v.name));
  return *v.value;
}

Graph::Graph() = default;
Graph::~Graph() = default;
Graph::Graph(Graph&&) noexcept = default;
Graph& Graph::operator=(Graph&&) noexcept = default;

Graph::Graph(const Graph& other) { copy_from(other); }

Graph& Graph::operator=(const Graph& other) {
  if (this != &other) {
    Graph copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void Graph::copy_from(const Graph& other) {
  name = other.name;
  opset = other.opset;
  std::unordered_map<const Variable*, Variable*> vmap;
  std::unordered_map<const Op*, Op*> omap;
  // Quant slots shared between variables stay shared in the copy (same exponent group).
  std::unordered_map<const TensorQuantConfig*, QuantSlot> qmap;
  // Alignment masters are re-pointed to the copy's configs too.
  std::function<QuantSlot(const TensorQuantConfig*)> copy_config = [&](const TensorQuantConfig* s) -> QuantSlot {
    if (!s) return nullptr;
    auto it = qmap.find(s);
    if (it != qmap.end()) return it->second;
    auto c = std::make_shared<TensorQuantConfig>(*s);
    qmap.emplace(s, c);
    if (s->master) c->master = copy_config(s->master.get());
    return c;
  };
  auto copy_slot = [&](const QuantSlot& s) { return copy_config(s.get()); };
  for (const auto& v : other.variables_) {
    auto nv = std::make_unique<Variable>();
    nv->name = v->name;
    nv->shape = v->shape;
    nv->dtype = v->dtype;
    nv->is_parameter = v->is_parameter;
    nv->value = v->value;
    nv->quant = copy_slot(v->quant);
    vmap[v.get()] = nv.get();
    variable_index_[nv->name] = nv.get();
    variables_.push_back(std::move(nv));
  }
  for (const auto& o : other.ops_) {
    auto no = std::make_unique<Op>();
    no->name = o->name;
    no->type = o->type;
    no->domain = o->domain;
    no->attributes = o->attributes;
    no->annotations = o->annotations;
    for (auto* in : o->inputs) no->inputs.push_back(in ? vmap.at(in) : nullptr);
    for (auto* out : o->outputs) no->outputs.push_back(vmap.at(out));
    for (const auto& s : o->input_quant) no->input_quant.push_back(copy_slot(s));
    omap[o.get()] = no.get();
    op_index_[no->name] = no.get();
    ops_.push_back(std::move(no));
  }
  for (const auto& v : other.variables_) {
    Variable* nv = vmap.at(v.get());
    nv->producer = v->producer ? omap.at(v->producer) : nullptr;
    for (Op* c : v->consumers) nv->consumers.push_back(omap.at(c));
  }
  for (auto* v : other.inputs_) inputs_.push_back(vmap.at(v));
  for (auto* v : other.outputs_) outputs_.push_back(vmap.at(v));
}

Variable& Graph::add_variable(const std::string& vname, Shape shape, DType dtype) {
  if (vname.empty()) throw Error("a variable needs a name");
  if (variable_index_.count(vname)) throw Error(fmt::format("variable '{}' already exists", vname));
  auto v = std::make_unique<Variable>();
  v->name = vname;
  v->shape = std::move(shape);
  v->dtype = dtype;
  Variable* raw = v.get();
  variables_.push_back(std::move(v));
  variable_index_[vname] = raw;
  return *raw;
}

Variable& Graph::add_parameter(const std::string& vname, Tensor value) {
  Variable& v = add_variable(vname, value.shape(), value.dtype());
  v.is_parameter = true;
  v.value = std::move(value);
  return v;
}

Op& Graph::add_op(const std::string& oname, const std::string& type, const std::vector<std::string>& inputs,
                  const std::vector<std::string>& outputs, Attributes attributes) {
  if (oname.empty()) throw Error(fmt::format("an op of type {} needs a name", type));
  if (op_index_.count(oname)) throw Error(fmt::format("op '{}' already exists", oname));
  auto op = std::make_unique<Op>();
  op->name = oname;
  op->type = type;
  op->attributes = std::move(attributes);
  for (const auto& in : inputs) {
    if (in.empty()) {
      op->inputs.push_back(nullptr);
      continue;
    }
    Variable* v = find_variable(in);
    if (!v) throw Error(fmt::format("op '{}' ({}) reads '{}', which is not defined before it", oname, type, in));
    op->inputs.push_back(v);
  }
  for (const auto& out : outputs) {
    Variable* v = find_variable(out);
    if (!v) v = &add_variable(out);
    if (v->producer) throw Error(fmt::format("op '{}' writes '{}', already written by op '{}'", oname, out, v->producer->name));
    if (v->is_parameter) throw Error(fmt::format("op '{}' writes '{}', which is a constant", oname, out));
    op->outputs.push_back(v);
  }
  Op* raw = op.get();
  for (Variable* v : raw->inputs)
    if (v) v->consumers.push_back(raw);
  for (Variable* v : raw->outputs) v->producer = raw;
  raw->input_quant.resize(raw->inputs.size());
  ops_.push_back(std::move(op));
  op_index_[oname] = raw;
  return *raw;
}

void Graph::set_inputs(const std::vector<std::string>& names) {
  inputs_.clear();
  for (const auto& n : names) inputs_.push_back(&variable(n));
}

void Graph::set_outputs(const std::vector<std::string>& names) {
  outputs_.clear();
  for (const auto& n : names) outputs_.push_back(&variable(n));
}

static void erase_one(std::vector<Op*>& list, const Op* op) {
  auto it = std::find(list.begin(), list.end(), op);
  if (it != list.end()) list.erase(it);
}

void Graph::remove_op(Op& op) {
  for (Variable* v : op.inputs)
    if (v) erase_one(v->consumers, &op);
  for (Variable* v : op.outputs)
    if (v->producer == &op) v->producer = nullptr;
  op_index_.erase(op.name);
  ops_.erase(std::find_if(ops_.begin(), ops_.end(), [&](const auto& p) { return p.get() == &op; }));
}

void Graph::remove_variable(Variable& var) {
  if (!var.consumers.empty() || var.producer)
    throw Error(fmt::format("variable '{}' is still in use and cannot be removed", var.name));
  if (std::find(inputs_.begin(), inputs_.end(), &var) != inputs_.end() || is_graph_output(var))
    throw Error(fmt::format("variable '{}' is a graph input or output and cannot be removed", var.name));
  variable_index_.erase(var.name);
  variables_.erase(std::find_if(variables_.begin(), variables_.end(), [&](const auto& p) { return p.get() == &var; }));
}

void Graph::set_input(Op& op, std::size_t index, Variable* var) {
  if (index >= op.inputs.size()) {
    op.inputs.resize(index + 1, nullptr);
    op.input_quant.resize(index + 1);
  }
  if (Variable* old = op.inputs[index]) erase_one(old->consumers, &op);
  op.inputs[index] = var;
  if (var) var->consumers.push_back(&op);
}

void Graph::replace_all_uses(Variable& from, Variable& to) {
  if (&from == &to) return;
  for (Op* c : std::vector<Op*>(from.consumers))
    for (std::size_t i = 0; i < c->inputs.size(); ++i)
      if (c->inputs[i] == &from) set_input(*c, i, &to);
  for (auto*& out : outputs_)
    if (out == &from) out = &to;
}

std::size_t Graph::remove_dead_code() {
  std::unordered_set<const Op*> live;
  std::vector<const Variable*> stack(outputs_.begin(), outputs_.end());
  while (!stack.empty()) {
    const Variable* v = stack.back();
    stack.pop_back();
    if (v->producer && live.insert(v->producer).second)
      for (const Variable* in : v->producer->inputs)
        if (in) stack.push_back(in);
  }
  std::vector<Op*> dead;
  for (const auto& op : ops_)
    if (!live.count(op.get())) dead.push_back(op.get());
  for (Op* op : dead) remove_op(*op);
  std::vector<Variable*> unused;
  for (const auto& v : variables_)
    if (!v->producer && v->consumers.empty() && !is_graph_output(*v) &&
        std::find(inputs_.begin(), inputs_.end(), v.get()) == inputs_.end())
      unused.push_back(v.get());
  for (Variable* v : unused) remove_variable(*v);
  return dead.size();
}

std::string Graph::unique_name(const std::string& prefix) const {
  if (!variable_index_.count(prefix) && !op_index_.count(prefix)) return prefix;
  for (std::size_t i = 1;; ++i) {
    std::string candidate = fmt::format("{}_{}", prefix, i);
    if (!variable_index_.count(candidate) && !op_index_.count(candidate)) return candidate;
  }
}

Variable* Graph::find_variable(std::string_view vname) {
  auto it = variable_index_.find(std::string(vname));
  return it == variable_index_.end() ? nullptr : it->second;
}
const Variable* Graph::find_variable(std::string_view vname) const {
  return const_cast<Graph*>(this)->find_variable(vname);
}
Op* Graph::find_op(std::string_view oname) {
  auto it = op_index_.find(std::string(oname));
  return it == op_index_.end() ? nullptr : it->second;
}
const Op* Graph::find_op(std::string_view oname) const { return const_cast<Graph*>(this)->find_op(oname); }

Variable& Graph::variable(std::string_view vname) {
  if (Variable* v = find_variable(vname)) return *v;
  throw Error(fmt::format("graph '{}' has no variable '{}'", name, vname));
}
const Variable& Graph::variable(std::string_view vname) const { return const_cast<Graph*>(this)->variable(vname); }
Op& Graph::op(std::string_view oname) {
  if (Op* o = find_op(oname)) return *o;
  throw Error(fmt::format("graph '{}' has no op '{}'", name, oname));
}
const Op& Graph::op(std::string_view oname) const { return const_cast<Graph*>(this)->op(oname); }

bool Graph::is_graph_output(const Variable& var) const {
  return std::find(outputs_.begin(), outputs_.end(), &var) != outputs_.end();
}

std::vector<Op*> Graph::ops() const {
  std::vector<Op*> out;
  out.reserve(ops_.size());
  for (const auto& o : ops_) out.push_back(o.get());
  return out;
}

std::vector<Variable*> Graph::variables() const {
  std::vector<Variable*> out;
  out.reserve(variables_.size());
  for (const auto& v : variables_) out.push_back(v.get());
  return out;
}

std::vector<Op*> Graph::topological_order() const {
  std::unordered_map<const Op*, std::size_t> position, pending;
  for (std::size_t i = 0; i < ops_.size(); ++i) position[ops_[i].get()] = i;
  // Min-heap on insertion position keeps the original order wherever it is valid.
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    std::size_t deps = 0;
    for (const Variable* in : ops_[i]->inputs)
      if (in && in->producer) ++deps;
    pending[ops_[i].get()] = deps;
    if (deps == 0) ready.push(i);
  }
  std::vector<Op*> order;
  order.reserve(ops_.size());
  while (!ready.empty()) {
    Op* op = ops_[ready.top()].get();
    ready.pop();
    order.push_back(op);
    for (const Variable* out : op->outputs)
      for (const Op* c : out->consumers)
        if (--pending[c] == 0) ready.push(position[c]);
  }
  if (order.size() != ops_.size()) {
    for (const auto& o : ops_)
      if (pending[o.get()] != 0) throw Error(fmt::format("graph '{}' has a cycle through op '{}'", name, o->name));
  }
  return order;
}

std::vector<Op*> Graph::downstream_of(const std::vector<const Op*>& from) const {
  std::unordered_set<const Op*> marked(from.begin(), from.end());
  std::vector<Op*> out;
  for (Op* op : topological_order()) {
    bool hit = marked.count(op) != 0;
    for (const Variable* in : op->inputs)
      if (!hit && in && in->producer && marked.count(in->producer)) hit = true;
    if (hit) {
      marked.insert(op);
      out.push_back(op);
    }
  }
  return out;
}

void Graph::validate() const {
  for (const auto& op : ops_) {
    for (const Variable* in : op->inputs)
      if (in && std::count(in->consumers.begin(), in->consumers.end(), op.get()) <
                    std::count(op->inputs.begin(), op->inputs.end(), in))
        throw Error(fmt::format("op '{}': input '{}' does not list it as a consumer", op->name, in->name));
    for (const Variable* out : op->outputs)
      if (out->producer != op.get())
        throw Error(fmt::format("op '{}': output '{}' names another producer", op->name, out->name));
    if (op->input_quant.size() != op->inputs.size())
      throw Error(fmt::format("op '{}': input_quant has {} slots for {} inputs", op->name, op->input_quant.size(), op->inputs.size()));
  }
  for (const auto& v : variables_) {
    if (v->producer && !op_index_.count(v->producer->name))
      throw Error(fmt::format("variable '{}' names a removed producer", v->name));
    if (v->is_parameter && !v->value) throw Error(fmt::format("parameter '{}' has no value", v->name));
  }
  (void)topological_order();
}

}  // namespace qtune
