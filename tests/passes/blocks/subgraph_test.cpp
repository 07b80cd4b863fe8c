// Sub-graphs of a block and of the prefix feeding it (passes/block_common subgraph.h).
#include <gtest/gtest.h>

#include "qtune/blocks/subgraph.h"
#include "tiny_graphs.h"

namespace qtune::blocks {
namespace {

using test::TinyGraph;

std::vector<std::string> op_names(const std::vector<const Op*>& ops) {
  std::vector<std::string> out;
  for (const Op* op : ops) out.push_back(op->name);
  return out;
}

// x -> c0 -> r0 -+-> c1 -> r1 -> c2 -+-> add -> c3 -> y
//                +-------------------+
TinyGraph residual() {
  TinyGraph t;
  t.conv("c0", "x", "t0");
  t.op("r0", "Relu", {"t0"}, "t1");
  t.conv("c1", "t1", "t2");
  t.op("r1", "Relu", {"t2"}, "t3");
  t.conv("c2", "t3", "t4");
  t.op("add", "Add", {"t1", "t4"}, "t5");
  t.conv("c3", "t5", "y");
  t.g.set_outputs({"y"});
  return t;
}

TEST(Subgraph, UpstreamClosureIsEverythingAValueDependsOn) {
  const TinyGraph t = residual();
  EXPECT_EQ(op_names(upstream_closure(t.g, {&t.at("c2")})), (std::vector<std::string>{"c0", "r0", "c1", "r1", "c2"}));
  EXPECT_EQ(op_names(upstream_closure(t.g, {&t.at("r0")})), (std::vector<std::string>{"c0", "r0"}));
  EXPECT_EQ(op_names(upstream_closure(t.g, {&t.at("add")})),
            (std::vector<std::string>{"c0", "r0", "c1", "r1", "c2", "add"}));
}

TEST(Subgraph, BlockGraphCopiesOpsAndParametersAndSharesConfigs) {
  TinyGraph t = residual();
  auto in_cfg = std::make_shared<TensorQuantConfig>();
  in_cfg->applied_at = "t1";
  t.g.variable("t1").quant = in_cfg;
  auto bias_cfg = std::make_shared<TensorQuantConfig>();
  t.g.variable("c1.b").quant = bias_cfg;
  t.g.op("c2").input_quant[0] = std::make_shared<TensorQuantConfig>();
  t.g.variable("c1.b").value = Tensor::from<float>({4}, {1, 2, 3, 4});

  const Graph sub = extract_subgraph(t.g, {&t.at("c2"), &t.at("c1"), &t.at("r1")}, {"t4", "t2"});
  sub.validate();
  ASSERT_EQ(sub.op_count(), 3u);
  ASSERT_EQ(sub.inputs().size(), 1u);
  EXPECT_EQ(sub.inputs()[0]->name, "t1");
  ASSERT_EQ(sub.outputs().size(), 2u);
  EXPECT_EQ(sub.outputs()[0]->name, "t4");
  EXPECT_EQ(sub.outputs()[1]->name, "t2");
  // The same config objects, so a quantization hook treats both graphs alike.
  EXPECT_EQ(sub.variable("t1").quant, in_cfg);
  EXPECT_EQ(sub.variable("c1.b").quant, bias_cfg);
  EXPECT_EQ(sub.op("c2").input_quant[0], t.g.op("c2").input_quant[0]);
  EXPECT_EQ(sub.op("c1").annotations.at(kQuantBitsAnnotation), "8");
  // Parameters are copies.
  const Variable& b = sub.variable("c1.b");
  EXPECT_TRUE(b.is_parameter);
  EXPECT_NE(&*b.value, &*t.g.variable("c1.b").value);
  EXPECT_EQ(b.value->to_float(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(sub.op("c1").inputs[2], &b);
  EXPECT_EQ(sub.variable("t2").producer, &sub.op("c1"));
  EXPECT_EQ(sub.variable("t1").shape, t.g.variable("t1").shape);

  EXPECT_THROW(extract_subgraph(t.g, {&t.at("c1")}, {"t5"}), Error);
}

TEST(Subgraph, ConstantProducersBecomeParameters) {
  TinyGraph t;
  Op& k = t.g.add_op("k", "Constant", {}, {"kv"});
  t.g.variable("kv").is_parameter = true;
  t.g.variable("kv").value = Tensor::from<float>({1}, {2.f});
  t.op("mul", "Mul", {"x", "kv"}, "y");
  t.g.set_outputs({"y"});
  EXPECT_EQ(op_names(upstream_closure(t.g, {&t.at("mul")})), (std::vector<std::string>{"mul"}));
  const Graph sub = extract_subgraph(t.g, {&k, &t.at("mul")}, {"y"});
  EXPECT_EQ(sub.op_count(), 1u);
  EXPECT_TRUE(sub.variable("kv").is_parameter);
  EXPECT_EQ(sub.variable("kv").producer, nullptr);
  ASSERT_EQ(sub.inputs().size(), 1u);
  EXPECT_EQ(sub.inputs()[0]->name, "x");
}

}  // namespace
}  // namespace qtune::blocks
