#pragma once
// The framework's BlockTrainer (qtune/training.h): collects one block's data, then trains
// a BlockProgram (grad/block_program.h) with Adam. PassContext::make_block_trainer() of
// the iteration (run/pass_context.h) calls make_block_trainer().
#include <memory>
#include <vector>

#include "qtune/batch.h"
#include "qtune/graph.h"
#include "qtune/training.h"

namespace qtune::grad {

// `graph`: the quantized graph (read for the block inputs, written by commit()); `float_graph`:
// the float reference with the same variable names (read for the block outputs).
std::unique_ptr<BlockTrainer> make_block_trainer(Graph& graph, const Graph& float_graph,
                                                 const std::vector<Batch>& batches, const BlockTrainingSpec& spec);

}  // namespace qtune::grad
