#pragma once
// ONNX -> Graph import (libonnx protobuf classes).
#include <filesystem>
#include <string>
#include <vector>

#include "qtune/graph.h"

namespace qtune {

struct ImportOptions {
  // One shape per graph input (dim 0 = batch). Empty = keep the model's own shapes;
  // otherwise dynamic or symbolic dims are resolved from these, and a fixed dim that
  // disagrees is an error naming the input.
  std::vector<Shape> input_shapes;
  // Batch size applied to dim 0 of every input shape when > 0.
  std::int64_t batch_size = 0;
};

// Reads an ONNX model. Initializers and Constant-node outputs become parameters.
// Throws InputError naming the file for a malformed model, an unsupported opset, or
// unsupported ops (every unsupported type, with the first op name of each).
Graph import_onnx(const std::filesystem::path& path, const ImportOptions& options = {});
Graph import_onnx_bytes(const std::string& bytes, const std::string& source_name, const ImportOptions& options = {});

}  // namespace qtune
