#include "onnx/onnx_ir_version.h"

#include <fstream>

#include <onnx/onnx_pb.h>

namespace qtune {

std::optional<std::int64_t> onnx_ir_version(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto model;
  if (!in || !model.ParseFromIstream(&in) || !model.has_ir_version()) return std::nullopt;
  return model.ir_version();
}

}  // namespace qtune
