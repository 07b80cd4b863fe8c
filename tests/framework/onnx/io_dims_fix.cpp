#include "framework/onnx/io_dims_fix.h"

#include <fstream>
#include <set>
#include <stdexcept>

#include <onnx/onnx_pb.h>

namespace qtune::test {

std::string onnx_with_io_dims(const std::filesystem::path& model, const IoDims& dims) {
  onnx::ModelProto m;
  std::ifstream in(model, std::ios::binary);
  if (!in || !m.ParseFromIstream(&in)) throw std::runtime_error("cannot read ONNX model " + model.string());
  std::set<std::string> done;
  auto fix = [&](onnx::ValueInfoProto& vi) {
    auto it = dims.find(vi.name());
    if (it == dims.end()) return;
    auto* shape = vi.mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() != static_cast<int>(it->second.size()))
      throw std::runtime_error(model.string() + ": '" + vi.name() + "' has rank " + std::to_string(shape->dim_size()));
    for (int d = 0; d < shape->dim_size(); ++d) {
      std::int64_t v = it->second[static_cast<std::size_t>(d)];
      if (v < 0) shape->mutable_dim(d)->set_dim_param("N");  // oneof: clears dim_value
      else shape->mutable_dim(d)->set_dim_value(v);           // oneof: clears dim_param
    }
    done.insert(vi.name());
  };
  for (auto& vi : *m.mutable_graph()->mutable_input()) fix(vi);
  for (auto& vi : *m.mutable_graph()->mutable_output()) fix(vi);
  for (const auto& [name, _] : dims)
    if (!done.count(name)) throw std::runtime_error(model.string() + ": no graph input or output '" + name + "'");
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

}  // namespace qtune::test
