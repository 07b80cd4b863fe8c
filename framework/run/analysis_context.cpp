#include "run/analysis_context.h"

#include <algorithm>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include "exec/graph_executor.h"

namespace qtune {

std::unique_ptr<Executor> IterationAnalysisContext::make_executor(const Graph& graph) const {
  return qtune::make_executor(graph);
}

void IterationAnalysisContext::parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) {
  // TBB cancels the other tasks and rethrows the first exception on this thread.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t i = r.begin(); i != r.end(); ++i) body(i);
                    },
                    tbb::simple_partitioner());
}

std::size_t analysis_batch_count(std::int64_t analyse_steps, std::size_t available) {
  if (analyse_steps < 0) return std::min<std::size_t>(1, available);   // idx 0 >= steps: break after it
  return std::min(static_cast<std::size_t>(analyse_steps) + 1, available);
}

}  // namespace qtune
