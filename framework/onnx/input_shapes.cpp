#include "onnx/input_shapes.h"

#include <fmt/format.h>

namespace qtune {

std::optional<Shape> shape_from_type(const onnx::TypeProto& type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return std::nullopt;
  Shape shape;
  for (const auto& d : type.tensor_type().shape().dim())
    shape.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
  return shape;
}

std::optional<Shape> resolve_input_shape(const std::optional<Shape>& declared, std::size_t input_index,
                                         const std::string& name, const ImportOptions& options,
                                         const std::string& source) {
  std::optional<Shape> shape = declared;
  if (!options.input_shapes.empty()) {
    const Shape& given = options.input_shapes.at(input_index);
    Shape merged = given;
    if (shape) {
      if (shape->size() != given.size())
        throw InputError(fmt::format("{}: input '{}' has rank {} ({}), but the given input shape {} has rank {}",
                                     source, name, shape->size(), shape_str(*shape), shape_str(given), given.size()));
      for (std::size_t i = 0; i < given.size(); ++i) {
        const std::int64_t fixed = (*shape)[i];
        // dim 0 is left to batch_size when the caller sets one.
        const bool batch_overridden = i == 0 && options.batch_size > 0;
        if (fixed >= 0 && given[i] >= 0 && fixed != given[i] && !batch_overridden)
          throw InputError(fmt::format("{}: input '{}' dim {} is fixed to {} in the model, but the given shape {} "
                                       "sets it to {}",
                                       source, name, i, fixed, shape_str(given), given[i]));
        if (given[i] < 0) merged[i] = fixed;  // -1 in the given shape keeps the model's dim
      }
    }
    shape = merged;
  }
  if (options.batch_size > 0 && shape && !shape->empty()) (*shape)[0] = options.batch_size;
  return shape;
}

}  // namespace qtune
