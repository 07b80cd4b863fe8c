#pragma once
// Static shapes from ONNX type information, and resolution of a graph input's
// dynamic dims from the user's ImportOptions. Private to framework/onnx.
#include <optional>
#include <string>

#include <onnx/onnx_pb.h>

#include "onnx/onnx_import.h"

namespace qtune {

// The declared shape of a tensor type: dim_value, or -1 for dim_param / unknown dims.
// nullopt when the type carries no shape at all (rank unknown).
std::optional<Shape> shape_from_type(const onnx::TypeProto& type);

// The shape graph input `input_index` (named `name`) runs with: the model's shape with
// options.input_shapes[input_index] and options.batch_size applied. Throws InputError
// naming the source and the input when ranks differ or a fixed dim disagrees.
std::optional<Shape> resolve_input_shape(const std::optional<Shape>& declared, std::size_t input_index,
                                         const std::string& name, const ImportOptions& options,
                                         const std::string& source);

}  // namespace qtune
