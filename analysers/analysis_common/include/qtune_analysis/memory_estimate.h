#pragma once
// Memory an analysis holds, for the console: the bytes of an activation cache, and the
// peak of activations alive at once in one run (each value freed after its last reader,
// as the executor does), from the sizes a cached run produced.
#include <cstddef>
#include <string>

#include "qtune/executor.h"
#include "qtune/graph.h"

namespace qtune::analysis {

std::size_t total_bytes(const TensorMap& values);
std::size_t peak_live_bytes(const Graph& graph, const TensorMap& values);
std::string mib(std::size_t bytes);   // "12.3 MiB"

}  // namespace qtune::analysis
