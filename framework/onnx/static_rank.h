#pragma once
// Rank of a value known before run time (from value_info, parameters, or the ops that
// produce it), for rewrites whose form depends on the rank only. Private to framework/onnx.
#include <cstddef>
#include <optional>

#include "qtune/graph.h"

namespace qtune {

// nullopt when the rank cannot be derived statically.
std::optional<std::size_t> static_rank(const Variable& value);

}  // namespace qtune
