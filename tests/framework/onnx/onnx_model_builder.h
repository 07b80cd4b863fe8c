#pragma once
// Builds small ONNX models in tests with the protobuf classes, serialised to bytes for
// import_onnx_bytes.
#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace qtune::test {

// -1 in a dims list marks a symbolic dim (dim_param "N").
using Dims = std::vector<std::int64_t>;

class OnnxModelBuilder {
 public:
  explicit OnnxModelBuilder(std::int64_t opset = 13);

  onnx::NodeProto& node(const std::string& type, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "");
  void input(const std::string& name, const Dims& dims, int elem_type = onnx::TensorProto_DataType_FLOAT);
  void output(const std::string& name, const Dims& dims = {}, bool with_shape = false);
  void value_info(const std::string& name, const Dims& dims);

  // Initializers: floats in float_data (or raw_data), int64 in int64_data.
  onnx::TensorProto& initializer(const std::string& name, const Dims& dims, const std::vector<float>& values,
                                 bool raw = false);
  onnx::TensorProto& initializer_int64(const std::string& name, const Dims& dims,
                                       const std::vector<std::int64_t>& values);

  std::string bytes() const;
  onnx::ModelProto model;
};

onnx::TensorProto float_tensor(const Dims& dims, const std::vector<float>& values, bool raw = false);
onnx::TensorProto int64_tensor(const Dims& dims, const std::vector<std::int64_t>& values);

void attr_int(onnx::NodeProto& node, const std::string& name, std::int64_t v);
void attr_float(onnx::NodeProto& node, const std::string& name, float v);
void attr_string(onnx::NodeProto& node, const std::string& name, const std::string& v);
void attr_ints(onnx::NodeProto& node, const std::string& name, const std::vector<std::int64_t>& v);
void attr_floats(onnx::NodeProto& node, const std::string& name, const std::vector<float>& v);
void attr_tensor(onnx::NodeProto& node, const std::string& name, const onnx::TensorProto& t);

}  // namespace qtune::test
