#pragma once
// Block partition of a graph, as esp-ppq's BlockBuilder and
// TrainingBasedPass.split_graph_into_blocks cut it (reference §3.6): the unit that bias
// correction, TQT, LSQ and blockwise reconstruction optimise one at a time.
//
// A block is (start, end, ops): start is on every path from the graph inputs to end, end
// on every path from start to the graph outputs, and ops are all ops on paths start -> end.
// The rules, exactly as the reference applies them:
//   * depth(op) = longest path (in ops) from an op with no upstream op; upstream ops are
//     the producers of the op's non-parameter inputs, one per input slot;
//   * a block starts at each op accepted by `starts` (default: a quantized computing op,
//     is_block_start) in graph insertion order that no earlier block contains;
//   * it grows from its current end e:
//       - e has <= 1 consumer (one per input slot of each consuming op): extend to it only
//         if it has exactly one non-parameter input and one upstream op;
//       - e has several consumers: breadth-first by depth (ties in discovery order) through
//         everything downstream of e, the first op popped when no other discovered op is
//         pending, that has >= 2 upstream ops all discovered (e included), is the next end;
//     and stops when there is none, or when depth(next) - depth(start) > block_size (the
//     block then ends at e);
//   * interested_layers, when not empty, keeps only the blocks containing a listed op.
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "qtune/graph.h"

namespace qtune::blocks {

struct Block {
  std::vector<const Op*> ops;   // every op on a path start -> end, in topological order
  const Op* start = nullptr;
  const Op* end = nullptr;
};

// esp-ppq COMPUTING_OP (esp_ppq/core/common.py).
bool is_computing_op(const Op& op);
// The reference's block start: a quantized (qtune/quant_graph.h op_quant_bits) computing op.
bool is_block_start(const Op& op);

using OpPredicate = std::function<bool(const Op&)>;

// The partition of `graph` (which must outlive the blocks). block_size >= 0 bounds the
// depth an end may lie below its start; interested_layers are op names (unknown names
// simply select nothing: the caller reports that).
std::vector<Block> build_blocks(const Graph& graph, int block_size,
                                const std::vector<std::string>& interested_layers = {},
                                const OpPredicate& starts = is_block_start);

// The builder behind build_blocks, for callers that grow blocks from ops of their choice.
class BlockBuilder {
 public:
  explicit BlockBuilder(const Graph& graph);
  int depth(const Op& op) const { return depth_.at(&op); }
  // The block grown from `start` (its ops may overlap earlier blocks).
  Block build(const Op& start, int block_size) const;

 private:
  const Op* coherent_end(const Op& end) const;
  const Op* multi_input_end(const Op& end) const;
  Block make_block(const Op& start, const Op& end) const;

  const Graph& graph_;
  std::vector<Op*> order_;                         // topological
  std::unordered_map<const Op*, int> depth_;
  std::unordered_map<const Op*, std::size_t> position_;  // in order_
};

// The values a block reads that none of its ops produces (non-parameter, in first-use
// order): what must be fed to run the block alone.
std::vector<const Variable*> block_inputs(const Block& block);
// The outputs of the block's end op (what the reference compares against the float model).
std::vector<const Variable*> block_outputs(const Block& block);

}  // namespace qtune::blocks
