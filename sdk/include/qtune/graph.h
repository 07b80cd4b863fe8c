#pragma once
// Graph IR: Variables (edges, with optional constant values) and Ops (nodes).
// The Graph owns both; Ops and Variables refer to each other by pointer, and those
// pointers stay valid until the object is removed from the graph.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "qtune/attributes.h"
#include "qtune/quant_config.h"
#include "qtune/tensor.h"

namespace qtune {

class Op;

struct BOOST_SYMBOL_VISIBLE Variable {
  std::string name;
  Shape shape;                       // static shape as far as known; -1 marks an unknown dim
  DType dtype = DType::Float32;
  bool is_parameter = false;         // initializer or Constant output: value is set
  std::optional<Tensor> value;       // parameters and folded constants
  Op* producer = nullptr;            // null for graph inputs and parameters
  std::vector<Op*> consumers;        // one entry per (op, input slot) use
  QuantSlot quant;                   // device quantization of this value; null = float
};

class BOOST_SYMBOL_VISIBLE Op {
 public:
  std::string name;
  std::string type;                  // ONNX op type ("Conv", "Add", ...)
  std::string domain;                // "" = ai.onnx
  Attributes attributes;
  std::vector<Variable*> inputs;     // nullptr marks an absent optional input
  std::vector<Variable*> outputs;
  // Consumer-side config of input i when it differs from the producer's config
  // (a requantization at an int8<->int16 boundary); null = use inputs[i]->quant.
  std::vector<QuantSlot> input_quant;
  // Free-form framework annotations (e.g. "precision" -> "int16"), copied with the graph.
  std::map<std::string, std::string> annotations;

  // The i-th input, or an error naming this op when it is absent.
  Variable& input(std::size_t i) const;
  bool has_input(std::size_t i) const { return i < inputs.size() && inputs[i] != nullptr; }
  // Constant value of input i (a parameter), or an error naming the op and slot.
  const Tensor& constant_input(std::size_t i) const;
};

class BOOST_SYMBOL_VISIBLE Graph {
 public:
  Graph();
  ~Graph();
  Graph(const Graph& other);             // deep copy (passes work on copies)
  Graph& operator=(const Graph& other);
  Graph(Graph&&) noexcept;
  Graph& operator=(Graph&&) noexcept;

  std::string name;
  std::int64_t opset = 13;               // ai.onnx opset of the source model

  // --- construction -------------------------------------------------------
  // Throws if a variable of that name exists.
  Variable& add_variable(const std::string& name, Shape shape = {}, DType dtype = DType::Float32);
  Variable& add_parameter(const std::string& name, Tensor value);
  // Inputs may name absent optional slots with "" (stored as nullptr). Missing input
  // variables are an error; outputs are created when they do not exist yet.
  Op& add_op(const std::string& name, const std::string& type,
             const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
             Attributes attributes = {});
  void set_inputs(const std::vector<std::string>& names);
  void set_outputs(const std::vector<std::string>& names);

  // --- rewriting ----------------------------------------------------------
  // Detach op from its variables and delete it (its outputs stay, now producer-less).
  void remove_op(Op& op);
  // Delete a variable that nothing uses any more.
  void remove_variable(Variable& var);
  // Point input slot `index` of `op` at `var` (consumer lists are kept in sync).
  void set_input(Op& op, std::size_t index, Variable* var);
  // Every use of `from` (op inputs and graph outputs) now reads `to`.
  void replace_all_uses(Variable& from, Variable& to);
  // Delete ops whose outputs reach no graph output, then unused variables. Returns count.
  std::size_t remove_dead_code();
  std::string unique_name(const std::string& prefix) const;

  // --- queries ------------------------------------------------------------
  Variable* find_variable(std::string_view name);
  const Variable* find_variable(std::string_view name) const;
  Op* find_op(std::string_view name);
  const Op* find_op(std::string_view name) const;
  Variable& variable(std::string_view name);            // throws naming the variable
  const Variable& variable(std::string_view name) const;
  Op& op(std::string_view name);
  const Op& op(std::string_view name) const;

  const std::vector<Variable*>& inputs() const { return inputs_; }
  const std::vector<Variable*>& outputs() const { return outputs_; }
  bool is_graph_output(const Variable& var) const;
  // Ops in insertion order, and all variables.
  std::vector<Op*> ops() const;
  std::vector<Variable*> variables() const;
  std::size_t op_count() const { return ops_.size(); }

  // Ops in a topological order; ties keep insertion order, so an already sorted model
  // keeps its node order. Throws (naming an op) on a cycle.
  std::vector<Op*> topological_order() const;
  // Ops that read (transitively) any output of `from`, in topological order.
  std::vector<Op*> downstream_of(const std::vector<const Op*>& from) const;

  // Checks the invariants (producer/consumer links, unique names, acyclicity).
  void validate() const;

 private:
  void copy_from(const Graph& other);

  std::vector<std::unique_ptr<Op>> ops_;
  std::vector<std::unique_ptr<Variable>> variables_;
  std::unordered_map<std::string, Variable*> variable_index_;
  std::unordered_map<std::string, Op*> op_index_;
  std::vector<Variable*> inputs_;
  std::vector<Variable*> outputs_;
};

}  // namespace qtune
