#pragma once
// Hand-built graphs for the block tests: op types matter to the block builder (computing
// ops start blocks), shapes and values do not.
#include <string>
#include <vector>

#include "qtune/blocks/block_builder.h"
#include "qtune/graph.h"
#include "qtune/quant_graph.h"

namespace qtune::blocks::test {

class TinyGraph {
 public:
  explicit TinyGraph(std::vector<std::string> inputs = {"x"}) {
    for (const auto& in : inputs) g.add_variable(in, {1, 4, 8, 8});
    g.set_inputs(inputs);
  }
  // A quantized Conv with weight and bias parameters.
  const Op& conv(const std::string& name, const std::string& in, const std::string& out) {
    g.add_parameter(name + ".w", Tensor(Shape{4, 4, 1, 1}));
    g.add_parameter(name + ".b", Tensor(Shape{4}));
    return quantized(g.add_op(name, "Conv", {in, name + ".w", name + ".b"}, {out}));
  }
  const Op& op(const std::string& name, const std::string& type, const std::vector<std::string>& ins,
               const std::string& out) {
    return quantized(g.add_op(name, type, ins, {out}));
  }
  const Op& at(const std::string& name) const { return g.op(name); }

  Graph g;

 private:
  static Op& quantized(Op& op) {
    op.annotations[kQuantBitsAnnotation] = std::string("8");
    return op;
  }
};

inline std::vector<std::string> names(const Block& block) {
  std::vector<std::string> out;
  for (const Op* op : block.ops) out.push_back(op->name);
  return out;
}

inline std::vector<std::vector<std::string>> partition(const std::vector<Block>& blocks) {
  std::vector<std::vector<std::string>> out;
  for (const Block& b : blocks) out.push_back(names(b));
  return out;
}

}  // namespace qtune::blocks::test
