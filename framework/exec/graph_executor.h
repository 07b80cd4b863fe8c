#pragma once
// The framework's Executor: plans the topological order once, then runs kernels,
// freeing each intermediate value after its last consumer (unless keep_all).
#include <memory>

#include "qtune/executor.h"

namespace qtune {

std::unique_ptr<Executor> make_executor(const Graph& graph);

}  // namespace qtune
