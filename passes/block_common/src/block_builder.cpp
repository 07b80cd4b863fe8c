#include "qtune/blocks/block_builder.h"

#include <algorithm>
#include <set>
#include <unordered_set>
#include <utility>

#include "qtune/quant_graph.h"

namespace qtune::blocks {
namespace {

// esp-ppq COMPUTING_OP (esp_ppq/core/common.py); PPQBiasFusedMatMul never occurs in an
// ONNX import.
const std::set<std::string> kComputingOps = {"Conv", "Gemm", "ConvTranspose", "MatMul", "Attention",
                                             "PPQBiasFusedMatMul", "LSTM"};

bool is_param(const Variable* v) { return v && v->is_parameter && v->value.has_value(); }

// esp-ppq get_upstream_operations: the producer of every input, one entry per input slot
// (Add(x, x) lists x's producer twice). esp-ppq's graphs hold constants as parameters
// without producers, so a producer of a parameter (a Constant op) is not counted.
std::vector<const Op*> upstream_ops(const Op& op) {
  std::vector<const Op*> ups;
  for (const Variable* in : op.inputs)
    if (in && in->producer && !is_param(in)) ups.push_back(in->producer);
  return ups;
}

// esp-ppq get_downstream_operations: every consumer of every output, one per input slot.
std::vector<const Op*> downstream_ops(const Op& op) {
  std::vector<const Op*> downs;
  for (const Variable* out : op.outputs)
    if (out)
      for (const Op* c : out->consumers) downs.push_back(c);
  return downs;
}

}  // namespace

bool is_computing_op(const Op& op) { return kComputingOps.count(op.type) != 0; }

bool is_block_start(const Op& op) { return op_quant_bits(op) != 0 && is_computing_op(op); }

BlockBuilder::BlockBuilder(const Graph& graph) : graph_(graph), order_(graph.topological_order()) {
  for (std::size_t i = 0; i < order_.size(); ++i) {
    const Op* op = order_[i];
    position_[op] = i;
    int d = 0;
    for (const Op* up : upstream_ops(*op)) d = std::max(d, depth_.at(up) + 1);
    depth_[op] = d;
  }
}

// Successor with one consumer slot: taken only when it reads nothing else (esp-ppq
// _find_coherent_ep, with its PATCH 20220811 for ops that also read a graph input).
const Op* BlockBuilder::coherent_end(const Op& end) const {
  const auto downs = downstream_ops(end);
  if (downs.size() != 1) return nullptr;
  const Op* next = downs.front();
  int inputs = 0, params = 0;
  for (const Variable* in : next->inputs) {
    if (!in) continue;
    ++inputs;
    if (is_param(in)) ++params;
  }
  if (inputs - params == 1 && upstream_ops(*next).size() == 1) return next;
  return nullptr;
}

// esp-ppq _find_multi_input_ep: a queue ordered by depth, ties in push order (the
// reference's lazily re-sorted list pops exactly that order: a pushed op is always deeper
// than every op already popped). An op enters the queue once.
const Op* BlockBuilder::multi_input_end(const Op& end) const {
  std::set<std::pair<int, std::size_t>> queue;       // (depth, push number)
  std::vector<const Op*> pushed;
  std::unordered_set<const Op*> seen;
  auto push = [&](const Op* op) {
    if (!seen.insert(op).second) return;
    queue.emplace(depth_.at(op), pushed.size());
    pushed.push_back(op);
  };
  seen.insert(&end);  // pushed and popped first
  for (const Op* down : downstream_ops(end)) push(down);
  while (!queue.empty()) {
    const Op* op = pushed[queue.begin()->second];
    queue.erase(queue.begin());
    if (queue.empty()) {
      const auto ups = upstream_ops(*op);
      const bool all_seen = std::all_of(ups.begin(), ups.end(), [&](const Op* u) { return seen.count(u) != 0; });
      if (all_seen && ups.size() > 1) return op;
    }
    for (const Op* down : downstream_ops(*op)) push(down);
  }
  return nullptr;
}

Block BlockBuilder::make_block(const Op& start, const Op& end) const {
  Block block{{}, &start, &end};
  if (&start == &end) {
    block.ops.push_back(&start);
    return block;
  }
  // Ops on a path start -> end: reachable from start and reaching end (esp-ppq
  // opset_matching), sorted by the topological order.
  std::unordered_set<const Op*> below = {&start};
  for (std::size_t i = position_.at(&start) + 1; i <= position_.at(&end); ++i)
    for (const Op* up : upstream_ops(*order_[i]))
      if (below.count(up)) {
        below.insert(order_[i]);
        break;
      }
  std::unordered_set<const Op*> above = {&end};
  for (std::size_t i = position_.at(&end); i-- > position_.at(&start);) {
    for (const Op* down : downstream_ops(*order_[i]))
      if (above.count(down)) {
        above.insert(order_[i]);
        break;
      }
  }
  for (std::size_t i = position_.at(&start); i <= position_.at(&end); ++i)
    if (below.count(order_[i]) && above.count(order_[i])) block.ops.push_back(order_[i]);
  return block;
}

Block BlockBuilder::build(const Op& start, int block_size) const {
  const Op* end = &start;
  for (;;) {
    const Op* next = downstream_ops(*end).size() <= 1 ? coherent_end(*end) : multi_input_end(*end);
    if (!next || depth_.at(next) - depth_.at(&start) > block_size) return make_block(start, *end);
    end = next;
  }
}

std::vector<Block> build_blocks(const Graph& graph, int block_size, const std::vector<std::string>& interested_layers,
                                const OpPredicate& starts) {
  const BlockBuilder builder(graph);
  std::unordered_set<const Op*> visited;
  std::vector<Block> blocks;
  for (const Op* op : graph.ops()) {  // insertion order, as the reference iterates
    if (visited.count(op) || !starts(*op)) continue;
    Block block = builder.build(*op, block_size);
    visited.insert(block.ops.begin(), block.ops.end());
    blocks.push_back(std::move(block));
  }
  if (interested_layers.empty()) return blocks;
  const std::unordered_set<std::string> wanted(interested_layers.begin(), interested_layers.end());
  std::vector<Block> kept;
  for (Block& b : blocks)
    if (std::any_of(b.ops.begin(), b.ops.end(), [&](const Op* op) { return wanted.count(op->name) != 0; }))
      kept.push_back(std::move(b));
  return kept;
}

std::vector<const Variable*> block_inputs(const Block& block) {
  const std::unordered_set<const Op*> inside(block.ops.begin(), block.ops.end());
  std::vector<const Variable*> inputs;
  std::unordered_set<const Variable*> seen;
  for (const Op* op : block.ops)
    for (const Variable* in : op->inputs) {
      if (!in || is_param(in) || (in->producer && inside.count(in->producer))) continue;
      if (seen.insert(in).second) inputs.push_back(in);
    }
  return inputs;
}

std::vector<const Variable*> block_outputs(const Block& block) {
  std::vector<const Variable*> outputs;
  for (const Variable* v : block.end->outputs)
    if (v) outputs.push_back(v);
  return outputs;
}

}  // namespace qtune::blocks
