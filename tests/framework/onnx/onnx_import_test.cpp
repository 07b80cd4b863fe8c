// ONNX import: structure, parameters, Constant folding at import, shapes and errors.
#include "onnx/onnx_import.h"

#include <cmath>
#include <cstring>
#include <filesystem>

#include <gtest/gtest.h>

#include "exec/graph_executor.h"
#include "framework/onnx/onnx_model_builder.h"
#include "qtune/error.h"

namespace qtune {
namespace {

using test::attr_float;
using test::attr_int;
using test::attr_ints;
using test::attr_string;
using test::attr_tensor;
using test::OnnxModelBuilder;

std::string error_of(const std::string& bytes, const std::string& source, const ImportOptions& options = {}) {
  try {
    import_onnx_bytes(bytes, source, options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "<no error>";
}

// Conv(x, w, b) -> Relu -> y, with a symbolic batch dim.
OnnxModelBuilder conv_relu_model() {
  OnnxModelBuilder m(13);
  m.input("x", {-1, 1, 3, 3});
  m.initializer("w", {2, 1, 1, 1}, {0.5f, -2.0f}, /*raw=*/true);
  m.initializer("b", {2}, {0.25f, 1.5f});
  auto& conv = m.node("Conv", {"x", "w", "b"}, {"c"}, "conv0");
  attr_ints(conv, "kernel_shape", {1, 1});
  attr_ints(conv, "pads", {0, 0, 0, 0});
  m.node("Relu", {"c"}, {"y"}, "relu0");
  m.output("y");
  m.value_info("c", {-1, 2, 3, 3});
  return m;
}

TEST(OnnxImport, GraphStructureParametersAndShapes) {
  Graph g = import_onnx_bytes(conv_relu_model().bytes(), "conv.onnx");
  EXPECT_EQ(g.opset, 13);
  EXPECT_EQ(g.name, "test_graph");
  ASSERT_EQ(g.op_count(), 2u);
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.inputs()[0]->name, "x");
  EXPECT_EQ(g.inputs()[0]->shape, (Shape{-1, 1, 3, 3}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.outputs()[0]->name, "y");

  const Op& conv = g.op("conv0");
  EXPECT_EQ(conv.type, "Conv");
  EXPECT_EQ(conv.domain, "");
  ASSERT_EQ(conv.inputs.size(), 3u);
  EXPECT_EQ(conv.inputs[0]->name, "x");
  EXPECT_EQ(conv.attributes.get_ints("kernel_shape"), (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(conv.outputs[0]->name, "c");
  EXPECT_EQ(conv.outputs[0]->shape, (Shape{-1, 2, 3, 3}));  // from value_info
  EXPECT_EQ(g.op("relu0").inputs[0], conv.outputs[0]);

  const Variable& w = g.variable("w");
  ASSERT_TRUE(w.is_parameter && w.value);
  EXPECT_EQ(w.value->shape(), (Shape{2, 1, 1, 1}));
  EXPECT_EQ(w.value->to_float(), (std::vector<float>{0.5f, -2.0f}));  // raw_data
  EXPECT_EQ(g.variable("b").value->to_float(), (std::vector<float>{0.25f, 1.5f}));  // float_data
  EXPECT_EQ(g.variable("y").producer, &g.op("relu0"));
}

TEST(OnnxImport, NodesOutOfOrderAreAddedTopologically) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 4});
  m.node("Relu", {"b"}, {"y"}, "second");
  m.node("Neg", {"x"}, {"a"}, "");
  m.node("Sigmoid", {"a"}, {"b"}, "first");
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "order.onnx");
  auto order = g.topological_order();
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0]->type, "Neg");
  EXPECT_EQ(order[0]->name, "Neg_0");  // generated name for an unnamed node
  EXPECT_EQ(order[1]->name, "first");
  EXPECT_EQ(order[2]->name, "second");
  // Insertion order itself is topological: add_op requires inputs to exist.
  EXPECT_EQ(g.ops()[0]->name, "Neg_0");
}

TEST(OnnxImport, UnnamedNodesGetUniqueNames) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 4});
  m.node("Relu", {"x"}, {"a"});
  m.node("Relu", {"a"}, {"b"});
  m.output("b");
  Graph g = import_onnx_bytes(m.bytes(), "names.onnx");
  EXPECT_NE(g.find_op("Relu_0"), nullptr);
  EXPECT_NE(g.find_op("Relu_1"), nullptr);
}

TEST(OnnxImport, ConstantNodesBecomeParameters) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 3});
  auto& c1 = m.node("Constant", {}, {"k"}, "const_k");
  attr_tensor(c1, "value", test::float_tensor({3}, {1.0f, 2.0f, 3.0f}));
  auto& c2 = m.node("Constant", {}, {"s"}, "const_s");
  attr_float(c2, "value_float", 0.5f);
  auto& c3 = m.node("Constant", {}, {"ints"}, "const_ints");
  attr_ints(c3, "value_ints", {4, -5});
  m.node("Add", {"x", "k"}, {"a"}, "add");
  m.node("Mul", {"a", "s"}, {"y"}, "mul");
  m.output("y");
  m.output("ints");
  Graph g = import_onnx_bytes(m.bytes(), "const.onnx");
  EXPECT_EQ(g.op_count(), 2u);
  for (const Op* op : g.ops()) EXPECT_NE(op->type, "Constant");
  EXPECT_EQ(g.find_op("const_k"), nullptr);
  const Variable& k = g.variable("k");
  ASSERT_TRUE(k.is_parameter && k.value);
  EXPECT_EQ(k.value->to_float(), (std::vector<float>{1.0f, 2.0f, 3.0f}));
  const Variable& s = g.variable("s");
  EXPECT_TRUE(s.value->shape().empty());
  EXPECT_EQ(s.value->to_float(), (std::vector<float>{0.5f}));
  EXPECT_EQ(g.variable("ints").value->dtype(), DType::Int64);
  EXPECT_EQ(g.variable("ints").value->to_int64(), (std::vector<std::int64_t>{4, -5}));
}

TEST(OnnxImport, TypedTensorFields) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 2});
  auto add_init = [&](const std::string& name, int type) -> onnx::TensorProto& {
    auto* t = m.model.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    t->add_dims(2);
    return *t;
  };
  auto& i8 = add_init("i8", onnx::TensorProto_DataType_INT8);
  i8.add_int32_data(-7);
  i8.add_int32_data(100);
  auto& b = add_init("b", onnx::TensorProto_DataType_BOOL);
  b.add_int32_data(1);
  b.add_int32_data(0);
  auto& d = add_init("d", onnx::TensorProto_DataType_DOUBLE);
  d.add_double_data(1.25);
  d.add_double_data(-3.5);
  auto& i64 = add_init("i64", onnx::TensorProto_DataType_INT64);
  const std::int64_t raw[2] = {-9000000000LL, 3};
  i64.set_raw_data(std::string(reinterpret_cast<const char*>(raw), sizeof(raw)));
  auto& u8 = add_init("u8", onnx::TensorProto_DataType_UINT8);
  u8.set_raw_data(std::string("\x05\xff", 2));
  m.node("Relu", {"x"}, {"y"}, "relu");
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "typed.onnx");
  EXPECT_EQ(g.variable("i8").value->dtype(), DType::Int8);
  EXPECT_EQ(g.variable("i8").value->to_int64(), (std::vector<std::int64_t>{-7, 100}));
  EXPECT_EQ(g.variable("b").value->dtype(), DType::Bool);
  EXPECT_EQ(g.variable("b").value->to_int64(), (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(g.variable("d").value->to_double(), (std::vector<double>{1.25, -3.5}));
  EXPECT_EQ(g.variable("i64").value->to_int64(), (std::vector<std::int64_t>{-9000000000LL, 3}));
  EXPECT_EQ(g.variable("u8").value->to_int64(), (std::vector<std::int64_t>{5, 255}));
}

TEST(OnnxImport, ExternalDataIsAClearError) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 2});
  auto& t = m.initializer("w", {2}, {});
  t.set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
  auto* e = t.add_external_data();
  e->set_key("location");
  e->set_value("weights.bin");
  m.node("Add", {"x", "w"}, {"y"}, "add");
  m.output("y");
  const std::string err = error_of(m.bytes(), "ext.onnx");
  EXPECT_NE(err.find("ext.onnx"), std::string::npos) << err;
  EXPECT_NE(err.find("'w'"), std::string::npos) << err;
  EXPECT_NE(err.find("external"), std::string::npos) << err;
}

TEST(OnnxImport, Opset9ClipAttributesBecomeInputs) {
  OnnxModelBuilder m(9);
  m.input("x", {1, 4});
  auto& c = m.node("Clip", {"x"}, {"y"}, "clip");
  attr_float(c, "min", 0.0f);
  attr_float(c, "max", 6.0f);
  auto& c2 = m.node("Clip", {"y"}, {"z"}, "clip_max_only");
  attr_float(c2, "max", 4.0f);
  m.output("z");
  Graph g = import_onnx_bytes(m.bytes(), "clip.onnx");
  EXPECT_EQ(g.opset, 9);
  const Op& clip = g.op("clip");
  EXPECT_FALSE(clip.attributes.has("min"));
  EXPECT_FALSE(clip.attributes.has("max"));
  ASSERT_EQ(clip.inputs.size(), 3u);
  EXPECT_EQ(clip.constant_input(1).to_float(), (std::vector<float>{0.0f}));
  EXPECT_EQ(clip.constant_input(2).to_float(), (std::vector<float>{6.0f}));
  EXPECT_TRUE(clip.constant_input(1).shape().empty());  // scalar, as opset 11 wants
  const Op& clip2 = g.op("clip_max_only");
  EXPECT_FALSE(clip2.has_input(1));  // absent min = no lower bound
  EXPECT_EQ(clip2.constant_input(2).to_float(), (std::vector<float>{4.0f}));
}

TEST(OnnxImport, Opset10ResizeGetsOpset11InputOrder) {
  OnnxModelBuilder m(10);
  m.input("x", {1, 1, 2, 2});
  m.initializer("scales", {4}, {1.0f, 1.0f, 2.0f, 2.0f});
  auto& r = m.node("Resize", {"x", "scales"}, {"y"}, "resize");
  attr_string(r, "mode", "nearest");
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "resize.onnx");
  const Op& op = g.op("resize");
  ASSERT_EQ(op.inputs.size(), 3u);
  EXPECT_EQ(op.inputs[0]->name, "x");
  EXPECT_FALSE(op.has_input(1));  // roi absent
  EXPECT_EQ(op.inputs[2]->name, "scales");
  EXPECT_EQ(op.attributes.get_string("coordinate_transformation_mode"), "asymmetric");
  EXPECT_EQ(op.attributes.get_string("nearest_mode"), "floor");
  EXPECT_EQ(g.variable("scales").consumers.size(), 1u);
}

TEST(OnnxImport, UpsampleBecomesResize) {
  OnnxModelBuilder m(9);
  m.input("x", {1, 1, 2, 2});
  m.initializer("s", {4}, {1.0f, 1.0f, 2.0f, 2.0f});
  auto& u = m.node("Upsample", {"x", "s"}, {"y"}, "up");
  attr_string(u, "mode", "bilinear");
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "up.onnx");
  const Op& op = g.op("up");
  EXPECT_EQ(op.type, "Resize");
  ASSERT_EQ(op.inputs.size(), 3u);
  EXPECT_FALSE(op.has_input(1));
  EXPECT_EQ(op.constant_input(2).to_float(), (std::vector<float>{1.0f, 1.0f, 2.0f, 2.0f}));
  EXPECT_EQ(op.attributes.get_string("mode"), "linear");
  EXPECT_EQ(op.attributes.get_string("coordinate_transformation_mode"), "asymmetric");
}

TEST(OnnxImport, Opset10PadAttributesBecomeInputs) {
  OnnxModelBuilder m(10);
  m.input("x", {1, 1, 2, 2});
  auto& p = m.node("Pad", {"x"}, {"y"}, "pad");
  attr_ints(p, "pads", {0, 0, 1, 1, 0, 0, 1, 1});
  attr_float(p, "value", 1.5f);
  attr_string(p, "mode", "constant");
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "pad.onnx");
  const Op& op = g.op("pad");
  EXPECT_FALSE(op.attributes.has("pads"));
  EXPECT_FALSE(op.attributes.has("value"));
  EXPECT_EQ(op.attributes.get_string("mode"), "constant");
  EXPECT_EQ(op.constant_input(1).dtype(), DType::Int64);
  EXPECT_EQ(op.constant_input(1).to_int64(), (std::vector<std::int64_t>{0, 0, 1, 1, 0, 0, 1, 1}));
  EXPECT_EQ(op.constant_input(2).to_float(), (std::vector<float>{1.5f}));
}

TEST(OnnxImport, OldAttributeFormsOfSliceSqueezeReduceSplitBecomeInputs) {
  OnnxModelBuilder m(9);
  m.input("x", {1, 4, 1, 6});
  auto& s = m.node("Slice", {"x"}, {"a"}, "slice");
  attr_ints(s, "starts", {1});
  attr_ints(s, "ends", {3});
  attr_ints(s, "axes", {1});
  auto& q = m.node("Squeeze", {"a"}, {"b"}, "squeeze");
  attr_ints(q, "axes", {2});
  auto& r = m.node("ReduceMean", {"b"}, {"c"}, "mean");
  attr_ints(r, "axes", {-1});
  attr_int(r, "keepdims", 1);
  auto& sp = m.node("Split", {"c"}, {"d", "e"}, "split");
  attr_int(sp, "axis", 1);
  attr_ints(sp, "split", {1, 1});
  m.output("d");
  m.output("e");
  Graph g = import_onnx_bytes(m.bytes(), "old.onnx");
  const Op& slice = g.op("slice");
  EXPECT_EQ(slice.constant_input(1).to_int64(), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(slice.constant_input(2).to_int64(), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(slice.constant_input(3).to_int64(), (std::vector<std::int64_t>{1}));
  EXPECT_FALSE(slice.attributes.has("starts"));
  EXPECT_EQ(g.op("squeeze").constant_input(1).to_int64(), (std::vector<std::int64_t>{2}));
  EXPECT_FALSE(g.op("squeeze").attributes.has("axes"));
  EXPECT_EQ(g.op("mean").constant_input(1).to_int64(), (std::vector<std::int64_t>{-1}));
  EXPECT_EQ(g.op("mean").attributes.get_int("keepdims"), 1);
  EXPECT_EQ(g.op("split").constant_input(1).to_int64(), (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(g.op("split").attributes.get_int("axis"), 1);
}

TEST(OnnxImport, Opset13ReduceMeanKeepsNoAttributeAxesEither) {
  // ReduceMean takes axes as an input only from opset 18: an opset-13 attribute moves too.
  OnnxModelBuilder m(13);
  m.input("x", {1, 4, 2, 2});
  auto& r = m.node("ReduceMean", {"x"}, {"y"}, "mean");
  attr_ints(r, "axes", {2, 3});
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "mean13.onnx");
  EXPECT_EQ(g.op("mean").constant_input(1).to_int64(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_FALSE(g.op("mean").attributes.has("axes"));
}

TEST(OnnxImport, OldSoftmaxOnLastAxisStaysOneOp) {
  OnnxModelBuilder m(11);
  m.input("x", {2, 5});
  m.node("Softmax", {"x"}, {"y"}, "sm");  // default axis 1 == last axis of a 2-D input
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "sm.onnx");
  ASSERT_EQ(g.op_count(), 1u);
  EXPECT_EQ(g.op("sm").attributes.get_int("axis"), 1);
}

TEST(OnnxImport, OldSoftmaxOverSeveralAxesIsFlattened) {
  OnnxModelBuilder m(11);
  m.input("x", {2, 3, 4});
  m.node("Softmax", {"x"}, {"y"}, "sm");  // axis 1: softmax over the 12 trailing values
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "sm3.onnx");
  std::vector<std::string> types;
  for (const Op* op : g.topological_order()) types.push_back(op->type);
  ASSERT_EQ(g.op_count(), 4u);
  EXPECT_EQ(g.op("sm").attributes.get_int("axis"), -1);
  EXPECT_EQ(g.op("sm").inputs[0]->producer->type, "Flatten");
  EXPECT_EQ(g.op("sm").inputs[0]->producer->attributes.get_int("axis"), 1);
  EXPECT_EQ(g.variable("y").producer->type, "Reshape");
  EXPECT_EQ(g.outputs()[0]->name, "y");
}

TEST(OnnxImport, OldSoftmaxRankDerivedWithoutValueInfo) {
  // Paddle2ONNX style (no value_info): Reshape(const [-1, 4]) -> MatMul -> Add -> Softmax.
  OnnxModelBuilder m(9);
  m.input("x", {-1, 2, 2});
  m.initializer_int64("shape", {2}, {-1, 4});
  m.initializer("w", {4, 3}, std::vector<float>(12, 0.1f));
  m.initializer("bias", {3}, {0.0f, 1.0f, 2.0f});
  m.node("Reshape", {"x", "shape"}, {"r"}, "reshape");
  m.node("MatMul", {"r", "w"}, {"mm"}, "matmul");
  m.node("Add", {"mm", "bias"}, {"logits"}, "add");
  m.node("Softmax", {"logits"}, {"y"}, "sm");
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "paddle.onnx");
  EXPECT_EQ(g.op_count(), 4u);  // no Flatten/Reshape around the Softmax
  EXPECT_EQ(g.op("sm").attributes.get_int("axis"), 1);
  EXPECT_EQ(g.op("sm").inputs[0]->name, "logits");
}

TEST(OnnxImport, FlattenedOldSoftmaxComputesTheOpset11Function) {
  OnnxModelBuilder m(11);
  m.input("x", {2, 2, 3});
  m.node("Softmax", {"x"}, {"y"}, "sm");  // opset 11: softmax over the 6 values of each batch row
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "sm_exec.onnx");
  std::vector<float> x(12);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.3f * static_cast<float>(i) - 1.0f;
  auto out = make_executor(g)->run(std::vector<Tensor>{Tensor::from<float>({2, 2, 3}, x)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{2, 2, 3}));
  const auto y = out[0].to_float();
  for (int b = 0; b < 2; ++b) {
    double sum = 0;
    for (int i = 0; i < 6; ++i) sum += std::exp(static_cast<double>(x[b * 6 + i]));
    for (int i = 0; i < 6; ++i)
      EXPECT_NEAR(y[b * 6 + i], std::exp(static_cast<double>(x[b * 6 + i])) / sum, 1e-6) << b << "," << i;
  }
}

TEST(OnnxImport, DynamicDimsResolvedFromOptions) {
  OnnxModelBuilder m(13);
  m.input("x", {-1, 3, -1, -1});
  m.node("Relu", {"x"}, {"y"}, "relu");
  m.output("y");
  ImportOptions o;
  o.input_shapes = {{2, 3, 8, 6}};
  EXPECT_EQ(import_onnx_bytes(m.bytes(), "dyn.onnx", o).inputs()[0]->shape, (Shape{2, 3, 8, 6}));
  o.batch_size = 5;
  EXPECT_EQ(import_onnx_bytes(m.bytes(), "dyn.onnx", o).inputs()[0]->shape, (Shape{5, 3, 8, 6}));
  ImportOptions batch_only;
  batch_only.batch_size = 4;
  EXPECT_EQ(import_onnx_bytes(m.bytes(), "dyn.onnx", batch_only).inputs()[0]->shape, (Shape{4, 3, -1, -1}));
}

TEST(OnnxImport, DisagreeingFixedDimIsAnError) {
  OnnxModelBuilder m(13);
  m.input("x", {-1, 3, 8, 8});
  m.node("Relu", {"x"}, {"y"}, "relu");
  m.output("y");
  ImportOptions o;
  o.input_shapes = {{1, 4, 8, 8}};
  const std::string err = error_of(m.bytes(), "fixed.onnx", o);
  EXPECT_NE(err.find("fixed.onnx"), std::string::npos) << err;
  EXPECT_NE(err.find("'x'"), std::string::npos) << err;
  EXPECT_NE(err.find("dim 1"), std::string::npos) << err;
  EXPECT_NE(err.find("fixed to 3"), std::string::npos) << err;
  EXPECT_NE(err.find("to 4"), std::string::npos) << err;

  ImportOptions rank;
  rank.input_shapes = {{1, 3, 8}};
  const std::string rank_err = error_of(m.bytes(), "fixed.onnx", rank);
  EXPECT_NE(rank_err.find("'x'"), std::string::npos) << rank_err;
  EXPECT_NE(rank_err.find("rank"), std::string::npos) << rank_err;

  ImportOptions count;
  count.input_shapes = {{1, 3, 8, 8}, {1}};
  EXPECT_NE(error_of(m.bytes(), "fixed.onnx", count).find("2 input shapes"), std::string::npos);
}

TEST(OnnxImport, MalformedBytesAndMissingFile) {
  const std::string err = error_of("this is not an onnx model", "broken.onnx");
  EXPECT_NE(err.find("broken.onnx"), std::string::npos) << err;
  EXPECT_NE(err.find("not a valid ONNX model"), std::string::npos) << err;
  EXPECT_NE(error_of("", "empty.onnx").find("not a valid ONNX model"), std::string::npos);

  const auto missing = std::filesystem::temp_directory_path() / "qtune_no_such_model.onnx";
  try {
    import_onnx(missing);
    FAIL() << "no error for a missing file";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
}

TEST(OnnxImport, EveryUnsupportedOpTypeIsListedWithItsFirstOp) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 4});
  m.node("TopKLike", {"x"}, {"a"}, "topk_0");
  m.node("Relu", {"a"}, {"b"}, "relu");
  m.node("NonMaxSuppressionLike", {"b"}, {"c"}, "nms_1");
  m.node("TopKLike", {"c"}, {"d"}, "topk_1");
  auto& custom = m.node("FusedConv", {"d"}, {"e"}, "fused");
  custom.set_domain("com.microsoft");
  m.output("e");
  EXPECT_EQ(error_of(m.bytes(), "model.onnx"),
            "model.onnx: 3 unsupported op types: NonMaxSuppressionLike (first: 'nms_1'), TopKLike (first: 'topk_0'), "
            "com.microsoft.FusedConv (first: 'fused')");
}

TEST(OnnxImport, OpsetOutOfRangeIsAnError) {
  for (std::int64_t opset : {8, 19}) {
    OnnxModelBuilder m(opset);
    m.input("x", {1, 4});
    m.node("Relu", {"x"}, {"y"}, "relu");
    m.output("y");
    const std::string err = error_of(m.bytes(), "opset.onnx");
    EXPECT_NE(err.find("opset.onnx"), std::string::npos) << err;
    EXPECT_NE(err.find("opset " + std::to_string(opset)), std::string::npos) << err;
  }
  OnnxModelBuilder ok(18);
  ok.input("x", {1, 4});
  ok.node("Relu", {"x"}, {"y"}, "relu");
  ok.output("y");
  EXPECT_EQ(import_onnx_bytes(ok.bytes(), "ok.onnx").opset, 18);
}

TEST(OnnxImport, UndefinedInputIsAnErrorNamingTheNode) {
  OnnxModelBuilder m(13);
  m.input("x", {1, 4});
  m.node("Add", {"x", "ghost"}, {"y"}, "add");
  m.output("y");
  const std::string err = error_of(m.bytes(), "ghost.onnx");
  EXPECT_NE(err.find("'add'"), std::string::npos) << err;
  EXPECT_NE(err.find("'ghost'"), std::string::npos) << err;
}

TEST(OnnxImport, InitializersListedAsInputsAreNotGraphInputs) {
  OnnxModelBuilder m(9);
  m.input("x", {1, 2});
  m.input("w", {2});  // IR < 4 style: initializers also appear in graph.input
  m.initializer("w", {2}, {1.0f, 2.0f});
  m.node("Add", {"x", "w"}, {"y"}, "add");
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "ir3.onnx");
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.inputs()[0]->name, "x");
  EXPECT_TRUE(g.variable("w").is_parameter);
}

TEST(OnnxImport, NhwcTransposeGraphImports) {
  // tf2onnx style: NHWC input, Transpose to NCHW around the conv and back.
  OnnxModelBuilder m(13);
  m.input("x", {1, 4, 4, 3});
  m.initializer("w", {2, 3, 1, 1}, std::vector<float>(6, 0.5f));
  auto& t1 = m.node("Transpose", {"x"}, {"xt"}, "to_nchw");
  attr_ints(t1, "perm", {0, 3, 1, 2});
  m.node("Conv", {"xt", "w"}, {"c"}, "conv");
  auto& t2 = m.node("Transpose", {"c"}, {"y"}, "to_nhwc");
  attr_ints(t2, "perm", {0, 2, 3, 1});
  m.output("y");
  Graph g = import_onnx_bytes(m.bytes(), "nhwc.onnx");
  EXPECT_EQ(g.op_count(), 3u);
  EXPECT_EQ(g.inputs()[0]->shape, (Shape{1, 4, 4, 3}));
}

}  // namespace
}  // namespace qtune
