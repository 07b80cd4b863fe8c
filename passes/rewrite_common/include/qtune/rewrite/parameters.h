#pragma once
// Changing a parameter in place without touching other readers of it.
#include <cstddef>

#include "qtune/graph.h"

namespace qtune::rewrite {

// The value of parameter input `slot` of `op`, safe to change in place. qtune's import
// keeps a parameter that several ops read shared (esp-ppq gives every parameter its own
// consumer at import), so a shared one is first copied to a new parameter
// "<name>_<op name>" that only this slot reads. Throws qtune::Error naming the op when the
// input is absent or not a parameter.
Tensor& own_parameter(Graph& graph, Op& op, std::size_t slot);

// Whether input `slot` of `op` is a Float32 parameter (a weight the passes can rewrite).
bool is_float_parameter(const Op& op, std::size_t slot);

}  // namespace qtune::rewrite
