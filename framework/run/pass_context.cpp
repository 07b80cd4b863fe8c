#include "run/pass_context.h"

#include "exec/graph_executor.h"
#include "grad/block_trainer.h"

namespace qtune {

std::unique_ptr<Executor> IterationPassContext::make_executor(const Graph& graph) const {
  return qtune::make_executor(graph);
}

std::unique_ptr<BlockTrainer> IterationPassContext::make_block_trainer(const BlockTrainingSpec& spec) {
  return grad::make_block_trainer(graph_, float_graph(), batches_, spec);
}

}  // namespace qtune
