#pragma once
// Resolving a pass's interested_layers list against the graph. A name that selects
// nothing is never silent: a name the graph lacks, a repeat, or an op of a type the pass
// cannot handle is a warning (recorded in iteration_index.json) naming the option and the
// value, and the name is dropped.
#include <set>
#include <string>
#include <vector>

#include "qtune/graph.h"
#include "qtune/log.h"

namespace qtune::rewrite {

// The ops `names` select, in list order. `option` is the setting path for messages
// ("weight_split.interested_layers"); `types` the op types the pass accepts; `purpose`
// completes "only <types> can be <purpose>" in the wrong-type warning.
std::vector<Op*> select_layers(Graph& graph, const std::vector<std::string>& names, const std::set<std::string>& types,
                               const std::string& option, const std::string& purpose, Log& log);

// "Conv, Gemm, MatMul" (for messages).
std::string join_types(const std::set<std::string>& types);

}  // namespace qtune::rewrite
