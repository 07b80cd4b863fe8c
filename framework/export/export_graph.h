#pragma once
// ExportGraph: the working copy the .espdl exporter rewrites (esp-ppq's exporter also
// works on a copy, reference §5.6), plus what the rewrites learn about each variable.
//
// Layout model: every non-parameter variable keeps its *logical* (ONNX-layout) shape at
// batch 1; `perms[name]` says how the exported tensor is laid out: exported.shape[i] =
// logical.shape[perm[i]] (no entry = the ONNX layout). A Transpose the exporter inserts
// produces a variable with the same logical shape as its input and the perm its consumer
// wants, so exported shapes are always what the data really is.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "export/espdl_model.h"
#include "qtune/graph.h"
#include "quant/target_policy.h"

namespace qtune {

using Perm = std::vector<std::int64_t>;

// Op types esp-ppq's exporter inserts for quantization boundaries (QUANT_OP_SET).
bool is_quant_op_type(const std::string& type);

struct ExportGraph {
  ExportGraph(const Graph& quantized, TargetPolicy target);

  Graph graph;
  TargetPolicy policy;
  std::unordered_map<std::string, Shape> shapes;        // logical shape at batch 1 (non-parameters)
  std::unordered_map<std::string, Perm> perms;          // exported layout (see above)
  std::unordered_map<std::string, std::string> layouts; // parameter -> weight layout annotation
  std::unordered_map<std::string, std::vector<std::int64_t>> exponents;  // bound exponents
  std::unordered_map<std::string, QuantSlot> bound;     // the config those exponents come from
  std::vector<EspdlTensor> luts;                        // in creation order
  std::vector<std::string> warnings;

  // Names as esp-ppq generates them ("PPQ_Operation_N", "PPQ_Variable_N"), numbered on from
  // the graph's own generated names (esp-ppq's counters) and skipping names in use, so
  // qtune's files diff cleanly against the reference's.
  std::string new_op_name();
  std::string new_var_name();

  // Inserts op `type` reading consumer input `index` and feeding that input instead; the
  // new variable copies the old one's logical shape and perm. Returns the new op.
  Op& insert_before(Op& consumer, std::size_t index, const std::string& type, Attributes attributes = {});
  // Adds a parameter (a new name) as the next input of `op`.
  Variable& add_parameter_input(Op& op, Tensor value);

  // "S8" / "S16" / "F32" of an op (esp-ppq's quant_type from its platform).
  std::string quant_type(const Op& op) const;
  // The exported shape of a non-parameter variable (logical shape permuted).
  Shape exported_shape(const Variable& var) const;
  // The perm of `var`, or the identity of its rank.
  Perm perm_or_identity(const Variable& var) const;
  const Shape& logical_shape(const Variable& var) const;

  void warn(std::string message) { warnings.push_back(std::move(message)); }

 private:
  int next_op_ = 0;
  int next_var_ = 0;
};

Perm identity_perm(std::size_t rank);
Perm inverse_perm(const Perm& perm);
// [values[perm[0]], values[perm[1]], ...] (esp-ppq's transpose_shape); shapes too.
std::vector<std::int64_t> apply_perm(const std::vector<std::int64_t>& values, const Perm& perm);

}  // namespace qtune
