// NHWC activation layout decisions on small graphs: axes remapped (Concat, Softmax,
// Reduce), an add-like op reconciling two layouts with a Transpose, a model's own
// Transpose cancelled against the one the exporter inserts, opset-11 attributes turned
// into inputs, and a shared parameter split per consumer.
#include "export/espdl_export.h"

#include <gtest/gtest.h>

#include "framework/export/export_test_support.h"

namespace qtune {
namespace {

Graph with_conv(std::int64_t channels = 2) {
  Graph g;
  g.add_variable("x", {1, 2, 3, 3});
  std::vector<float> w(static_cast<std::size_t>(channels * 2), 0.25f);
  g.add_parameter("w", Tensor::from<float>({channels, 2, 1, 1}, w));
  g.add_op("conv", "Conv", {"x", "w"}, {"c"});
  g.set_inputs({"x"});
  return g;
}

EspdlModel exported(Graph g, const std::string& output) {
  g.set_outputs({output});
  quantize_graph(g, TargetPolicy::from_target("esp32p4"));
  test::set_exponents(g, {});
  return export_espdl(g, TargetPolicy::from_target("esp32p4")).model;
}

const EspdlNode& node(const EspdlModel& m, const std::string& name) { return *find_node(m.graph, name); }
std::vector<std::int64_t> shape(const EspdlModel& m, const std::string& v) { return find_value_info(m.graph, v)->shape; }

TEST(ActivationLayout, ConcatAndSoftmaxAxesFollowNhwc) {
  Graph g = with_conv();
  g.add_parameter("w2", Tensor::from<float>({2, 2, 1, 1}, {1, 0, 0, 1}));
  g.add_op("conv2", "Conv", {"x", "w2"}, {"d"});
  Attributes cat;
  cat.set("axis", std::int64_t{1});
  g.add_op("cat", "Concat", {"c", "d"}, {"k"}, cat);
  Attributes sm;
  sm.set("axis", std::int64_t{1});
  g.add_op("sm", "Softmax", {"k"}, {"p"}, sm);
  const EspdlModel m = exported(g, "p");
  EXPECT_EQ(node(m, "cat").attributes.get_int("axis"), 3);
  EXPECT_EQ(node(m, "sm").attributes.get_int("axis"), 3);
  EXPECT_EQ(shape(m, "k"), (std::vector<std::int64_t>{1, 3, 3, 4}));
  EXPECT_EQ(shape(m, "p"), (std::vector<std::int64_t>{1, 3, 3, 4}));
  EXPECT_EQ(find_value_info(m.graph, "p")->elem_type, EspdlDataType::Float);  // Softmax output stays float
  for (const auto& n : m.graph.nodes) EXPECT_NE(n.op_type, "Transpose");
}

TEST(ActivationLayout, ReduceAxesRemappedAndDropped) {
  Graph g = with_conv();
  g.add_parameter("axes", Tensor::from<std::int64_t>({2}, {2, 3}));
  Attributes keep;
  keep.set("keepdims", std::int64_t{0});
  g.add_op("mean", "ReduceMean", {"c", "axes"}, {"r"}, keep);
  const EspdlModel m = exported(g, "r");
  EXPECT_EQ(find_initializer(m.graph, "axes")->to_int64(), (std::vector<std::int64_t>{1, 2}));  // H, W in NHWC
  EXPECT_EQ(shape(m, "r"), (std::vector<std::int64_t>{1, 2}));
}

TEST(ActivationLayout, AddOfTwoLayoutsGetsATranspose) {
  // conv (NHWC) + Reshape output (ONNX layout, same rank): the Reshape side is transposed.
  Graph g = with_conv();
  g.add_parameter("shape", Tensor::from<std::int64_t>({4}, {1, 2, 3, 3}));
  g.add_op("reshape", "Reshape", {"x", "shape"}, {"s"});
  g.add_op("add", "Add", {"c", "s"}, {"a"});
  const EspdlModel m = exported(g, "a");
  const EspdlNode& add = node(m, "add");
  EXPECT_EQ(add.inputs[0], "c");
  // (x itself is NHWC for the conv, so the Reshape first gets x back in NCHW.)
  EXPECT_EQ(node(m, "PPQ_Operation_0").attributes.get_ints("perm"), (std::vector<std::int64_t>{0, 3, 1, 2}));
  const EspdlNode* t = find_node(m.graph, "PPQ_Operation_1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->op_type, "Transpose");
  EXPECT_EQ(t->attributes.get_ints("perm"), (std::vector<std::int64_t>{0, 2, 3, 1}));
  EXPECT_EQ(add.inputs[1], t->outputs[0]);
  EXPECT_EQ(shape(m, t->outputs[0]), (std::vector<std::int64_t>{1, 3, 3, 2}));
  EXPECT_EQ(t->attributes.get_string("quant_type"), "S8");
  EXPECT_EQ(shape(m, "a"), (std::vector<std::int64_t>{1, 3, 3, 2}));
}

TEST(ActivationLayout, AModelsOwnTransposeCancelsTheInsertedOne) {
  // conv -> Transpose(0,2,3,1) -> Reshape: the inserted NHWC->NCHW Transpose and the
  // model's NCHW->NHWC one merge into the identity and both disappear.
  Graph g = with_conv();
  g.add_op("nhwc", "Transpose", {"c"}, {"t"}, test::ints_attr("perm", {0, 2, 3, 1}));
  g.add_parameter("shape", Tensor::from<std::int64_t>({2}, {1, 18}));
  g.add_op("flat", "Reshape", {"t", "shape"}, {"f"});
  const EspdlModel m = exported(g, "f");
  std::vector<std::string> types;
  for (const auto& n : m.graph.nodes) types.push_back(n.op_type);
  EXPECT_EQ(types, (std::vector<std::string>{"Conv", "Reshape"}));
  EXPECT_EQ(node(m, "flat").inputs[0], "c");  // reads the conv's NHWC output directly
  EXPECT_EQ(shape(m, "c"), (std::vector<std::int64_t>{1, 3, 3, 2}));
}

TEST(ActivationLayout, OpsetAttributesBecomeInputsAndSharedParametersSplit) {
  Graph g = with_conv();
  g.add_op("sq", "Unsqueeze", {"c"}, {"u"}, test::ints_attr("axes", {0}));
  // The same weight feeds a second Conv with another exponent.
  g.add_op("conv2", "Conv", {"x", "w"}, {"c2"});
  g.add_op("add", "Add", {"c", "c2"}, {"a"});
  g.set_outputs({"u", "a"});
  quantize_graph(g, TargetPolicy::from_target("esp32p4"));
  test::set_exponents(g, {});
  const EspdlModel m = export_espdl(g, TargetPolicy::from_target("esp32p4")).model;
  const EspdlNode& sq = node(m, "sq");
  EXPECT_FALSE(sq.attributes.has("axes"));
  ASSERT_EQ(sq.inputs.size(), 2u);
  EXPECT_EQ(find_initializer(m.graph, sq.inputs[1])->to_int64(), std::vector<std::int64_t>{0});
  EXPECT_EQ(find_initializer(m.graph, sq.inputs[1])->data_type, EspdlDataType::Int64);
  // Two Convs, two weight initializers.
  EXPECT_NE(node(m, "conv").inputs[1], node(m, "conv2").inputs[1]);
  EXPECT_TRUE(find_initializer(m.graph, node(m, "conv2").inputs[1]));
}

}  // namespace
}  // namespace qtune
