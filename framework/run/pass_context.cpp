#include "run/pass_context.h"

#include "exec/graph_executor.h"

namespace qtune {

std::unique_ptr<Executor> IterationPassContext::make_executor(const Graph& graph) const {
  return qtune::make_executor(graph);
}

}  // namespace qtune
