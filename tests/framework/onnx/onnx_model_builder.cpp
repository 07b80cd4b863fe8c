#include "framework/onnx/onnx_model_builder.h"

#include <cstring>

namespace qtune::test {
namespace {

void set_shape(onnx::TypeProto* type, const Dims& dims, int elem_type) {
  auto* tt = type->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  for (auto d : dims) {
    auto* dim = shape->add_dim();
    if (d < 0) dim->set_dim_param("N");
    else dim->set_dim_value(d);
  }
}

}  // namespace

OnnxModelBuilder::OnnxModelBuilder(std::int64_t opset) {
  model.set_ir_version(8);
  auto* id = model.add_opset_import();
  id->set_domain("");
  id->set_version(opset);
  model.mutable_graph()->set_name("test_graph");
}

onnx::NodeProto& OnnxModelBuilder::node(const std::string& type, const std::vector<std::string>& inputs,
                                        const std::vector<std::string>& outputs, const std::string& name) {
  auto* n = model.mutable_graph()->add_node();
  n->set_op_type(type);
  n->set_name(name);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return *n;
}

void OnnxModelBuilder::input(const std::string& name, const Dims& dims, int elem_type) {
  auto* vi = model.mutable_graph()->add_input();
  vi->set_name(name);
  set_shape(vi->mutable_type(), dims, elem_type);
}

void OnnxModelBuilder::output(const std::string& name, const Dims& dims, bool with_shape) {
  auto* vi = model.mutable_graph()->add_output();
  vi->set_name(name);
  if (with_shape) set_shape(vi->mutable_type(), dims, onnx::TensorProto_DataType_FLOAT);
  else vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
}

void OnnxModelBuilder::value_info(const std::string& name, const Dims& dims) {
  auto* vi = model.mutable_graph()->add_value_info();
  vi->set_name(name);
  set_shape(vi->mutable_type(), dims, onnx::TensorProto_DataType_FLOAT);
}

onnx::TensorProto& OnnxModelBuilder::initializer(const std::string& name, const Dims& dims,
                                                 const std::vector<float>& values, bool raw) {
  auto* t = model.mutable_graph()->add_initializer();
  *t = float_tensor(dims, values, raw);
  t->set_name(name);
  return *t;
}

onnx::TensorProto& OnnxModelBuilder::initializer_int64(const std::string& name, const Dims& dims,
                                                       const std::vector<std::int64_t>& values) {
  auto* t = model.mutable_graph()->add_initializer();
  *t = int64_tensor(dims, values);
  t->set_name(name);
  return *t;
}

std::string OnnxModelBuilder::bytes() const {
  std::string out;
  model.SerializeToString(&out);
  return out;
}

onnx::TensorProto float_tensor(const Dims& dims, const std::vector<float>& values, bool raw) {
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (auto d : dims) t.add_dims(d);
  if (raw) {
    std::string bytes(values.size() * sizeof(float), '\0');
    std::memcpy(bytes.data(), values.data(), bytes.size());
    t.set_raw_data(bytes);
  } else {
    for (float v : values) t.add_float_data(v);
  }
  return t;
}

onnx::TensorProto int64_tensor(const Dims& dims, const std::vector<std::int64_t>& values) {
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto_DataType_INT64);
  for (auto d : dims) t.add_dims(d);
  for (auto v : values) t.add_int64_data(v);
  return t;
}

namespace {
onnx::AttributeProto* add_attr(onnx::NodeProto& node, const std::string& name, onnx::AttributeProto_AttributeType type) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(type);
  return a;
}
}  // namespace

void attr_int(onnx::NodeProto& node, const std::string& name, std::int64_t v) {
  add_attr(node, name, onnx::AttributeProto_AttributeType_INT)->set_i(v);
}
void attr_float(onnx::NodeProto& node, const std::string& name, float v) {
  add_attr(node, name, onnx::AttributeProto_AttributeType_FLOAT)->set_f(v);
}
void attr_string(onnx::NodeProto& node, const std::string& name, const std::string& v) {
  add_attr(node, name, onnx::AttributeProto_AttributeType_STRING)->set_s(v);
}
void attr_ints(onnx::NodeProto& node, const std::string& name, const std::vector<std::int64_t>& v) {
  auto* a = add_attr(node, name, onnx::AttributeProto_AttributeType_INTS);
  for (auto x : v) a->add_ints(x);
}
void attr_floats(onnx::NodeProto& node, const std::string& name, const std::vector<float>& v) {
  auto* a = add_attr(node, name, onnx::AttributeProto_AttributeType_FLOATS);
  for (auto x : v) a->add_floats(x);
}
void attr_tensor(onnx::NodeProto& node, const std::string& name, const onnx::TensorProto& t) {
  *add_attr(node, name, onnx::AttributeProto_AttributeType_TENSOR)->mutable_t() = t;
}

}  // namespace qtune::test
