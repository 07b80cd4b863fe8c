#pragma once
// Removes Identity and (inference) Dropout ops. Private to framework/onnx.
#include <string>
#include <vector>

#include "qtune/graph.h"

namespace qtune {

// Returns the number of ops removed; appends a note for each one kept (see the .cpp).
std::size_t remove_identities(Graph& graph, std::vector<std::string>& notes);

}  // namespace qtune
