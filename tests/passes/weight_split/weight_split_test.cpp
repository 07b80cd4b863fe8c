// The weight_split plugin (reference §3.3) on hand-built graphs: the split values
// (hand-worked for balance, bounded and reproducible for random), the inserted clone and
// Add, the float model unchanged, and a warning for every name that splits nothing.
#include <cmath>

#include <gtest/gtest.h>

#include "passes/support/pass_test_support.h"

namespace qtune {
namespace {

using test::add_conv;
using test::add_gemm;
using test::floats;
using test::has_warning;
using test::joined;
using test::random_tensor;
using test::run_float;
using test::run_pass;
using test::values_of;

using Layers = std::vector<std::string>;

// x[1,2,3,3] -> conv (3x3, 2 -> 2, bias) -> Relu -> y
Graph conv_relu(std::vector<float> w) {
  Graph g;
  g.add_variable("x", {1, 2, 3, 3});
  add_conv(g, "conv", "x", "h", floats({2, 2, 1, 1}, std::move(w)), floats({2}, {0.5f, -1.0f}));
  g.add_op("relu", "Relu", {"h"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

// |w| > 2 selects 3.0 and -5.0 (2.0 itself stays: the compare is strict); each is halved.
TEST(WeightSplit, BalanceHalvesTheSelectedWeights) {
  Graph g = conv_relu({3.0f, 1.0f, 2.0f, -5.0f});
  const Tensor x = random_tensor({1, 2, 3, 3}, 1, -2, 2);
  const auto before = run_float(g, {x});
  const auto out = run_pass("weight_split", g, {{"interested_layers", Layers{"conv"}}});

  EXPECT_TRUE(out.result.modified);
  EXPECT_TRUE(out.warnings.empty()) << joined(out.warnings);
  EXPECT_EQ(values_of(g, "conv.w"), (std::vector<float>{1.5f, 1.0f, 2.0f, -2.5f}));       // R, kept
  EXPECT_EQ(values_of(g, "conv.w_split"), (std::vector<float>{1.5f, 0.0f, 0.0f, -2.5f}));  // S, the clone's
  EXPECT_EQ(values_of(g, "conv.b"), (std::vector<float>{0.5f, -1.0f}));

  // conv(x; R, b) and conv_split(x; S) both read x; their Add writes the original "h".
  const Op& conv = g.op("conv");
  const Op& clone = g.op("conv_split");
  const Op& add = g.op("conv_split_add");
  EXPECT_EQ(conv.outputs[0]->name, "conv_kept_output");
  EXPECT_EQ(clone.type, "Conv");
  ASSERT_EQ(clone.inputs.size(), 2u);  // no bias
  EXPECT_EQ(clone.inputs[0]->name, "x");
  EXPECT_EQ(clone.inputs[1]->name, "conv.w_split");
  EXPECT_EQ(clone.outputs[0]->name, "conv_split_output");
  EXPECT_EQ(add.type, "Add");
  EXPECT_EQ(add.inputs[0]->name, "conv_kept_output");
  EXPECT_EQ(add.inputs[1]->name, "conv_split_output");
  EXPECT_EQ(add.outputs[0]->name, "h");
  EXPECT_EQ(g.variable("h").consumers, (std::vector<Op*>{&g.op("relu")}));
  EXPECT_EQ(g.op_count(), 4u);
  g.validate();

  ASSERT_EQ(out.result.notes.size(), 2u) << joined(out.result.notes);
  EXPECT_EQ(out.result.notes[0], "split 1 of 1 named layer(s): 2 weight(s) moved, 2 op(s) added");
  EXPECT_NE(out.result.notes[1].find("'conv': 2 of 4 weights with |w| > 2"), std::string::npos) << out.result.notes[1];
  test::expect_outputs_close(run_float(g, {x}), before, 1e-6);
}

// The clone copies the op's attributes (group, pads, strides) and reads the same input.
TEST(WeightSplit, CloneKeepsAttributesOfAGroupedStridedConv) {
  Graph g;
  g.add_variable("x", {2, 4, 7, 7});
  add_conv(g, "dw", "x", "y", random_tensor({4, 1, 3, 3}, 3, -4, 4), random_tensor({4}, 4), 4);
  g.op("dw").attributes.set("strides", std::vector<std::int64_t>{2, 2});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  const Tensor x = random_tensor({2, 4, 7, 7}, 5);
  const auto before = run_float(g, {x});
  run_pass("weight_split", g, {{"interested_layers", Layers{"dw"}}, {"value_threshold", 1.0}});
  const Op& clone = g.op("dw_split");
  EXPECT_EQ(clone.attributes.get_int("group"), 4);
  EXPECT_EQ(clone.attributes.get_ints("strides"), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(clone.attributes.get_ints("pads"), (std::vector<std::int64_t>{1, 1, 1, 1}));
  // The graph output "y" is now written by the Add.
  EXPECT_EQ(g.variable("y").producer, &g.op("dw_split_add"));
  test::expect_outputs_close(run_float(g, {x}), before, 1e-6);
}

// random: S = W·u, u in [0, 1), on the selected weights only; R = W - S; the same layer
// name gives the same draw, another name another draw.
TEST(WeightSplit, RandomIsBoundedAndSeededByTheLayerName) {
  const Tensor w = random_tensor({8, 8, 1, 1}, 9, -4, 4);
  auto split = [&](const std::string& name) {
    Graph g;
    g.add_variable("x", {1, 8, 2, 2});
    add_conv(g, name, "x", "y", w);
    g.set_inputs({"x"});
    g.set_outputs({"y"});
    const Tensor x = random_tensor({1, 8, 2, 2}, 10);
    const auto before = run_float(g, {x});
    run_pass("weight_split", g, {{"interested_layers", Layers{name}}, {"method", std::string("random")}});
    test::expect_outputs_close(run_float(g, {x}), before, 1e-5);
    return std::make_pair(values_of(g, name + ".w"), values_of(g, name + ".w_split"));
  };
  const auto [kept, part] = split("a");
  const auto original = w.values<float>();
  std::size_t selected = 0, distinct = 0;
  for (std::size_t i = 0; i < original.size(); ++i) {
    const float v = original[i];
    if (std::fabs(v) > 2.0f) {
      ++selected;
      const float u = part[i] / v;
      EXPECT_GE(u, 0.0f) << i;
      EXPECT_LT(u, 1.0f) << i;
      EXPECT_EQ(kept[i], v - part[i]) << i;  // R = W - S in float32
    } else {
      EXPECT_EQ(part[i], 0.0f) << i;
      EXPECT_EQ(kept[i], v) << i;
    }
  }
  ASSERT_GT(selected, 10u);
  EXPECT_EQ(split("a").second, part);  // reproducible
  const auto other = split("b").second;
  for (std::size_t i = 0; i < part.size(); ++i) distinct += other[i] != part[i];
  EXPECT_GT(distinct, selected / 2);
}

// Gemm (transB) and MatMul; the split op's output is a graph output; a shared weight is
// copied so the other reader keeps the original values.
TEST(WeightSplit, GemmMatMulAndSharedWeights) {
  Graph g;
  g.add_variable("x", {3, 4});
  add_gemm(g, "gemm", "x", "h", floats({2, 4}, {3, 0, 0, -3, 1, 1, 1, 1}), floats({2}, {1, 2}), true);
  g.add_parameter("m.w", floats({2, 2}, {4, 0.5f, -0.5f, 2.5f}));
  g.add_op("mm", "MatMul", {"h", "m.w"}, {"y"});
  g.add_op("mm2", "MatMul", {"h", "m.w"}, {"y2"});
  g.set_inputs({"x"});
  g.set_outputs({"y", "y2"});
  const Tensor x = random_tensor({3, 4}, 12);
  const auto before = run_float(g, {x});
  const auto out = run_pass("weight_split", g, {{"interested_layers", Layers{"gemm", "mm"}}});
  EXPECT_TRUE(out.warnings.empty()) << joined(out.warnings);
  EXPECT_EQ(values_of(g, "gemm.w_split"), (std::vector<float>{1.5f, 0, 0, -1.5f, 0, 0, 0, 0}));
  EXPECT_EQ(g.op("gemm_split").attributes.get_int("transB"), 1);
  EXPECT_EQ(g.op("gemm_split").inputs.size(), 2u);
  // mm read the shared "m.w": it now reads its own copy; mm2 still reads the original.
  EXPECT_EQ(g.op("mm2").input(1).name, "m.w");
  EXPECT_EQ(values_of(g, "m.w"), (std::vector<float>{4, 0.5f, -0.5f, 2.5f}));
  const std::string own = g.op("mm").input(1).name;
  EXPECT_EQ(own, "m.w_mm");
  EXPECT_EQ(values_of(g, own), (std::vector<float>{2, 0.5f, -0.5f, 1.25f}));
  EXPECT_EQ(values_of(g, "m.w_mm_split"), (std::vector<float>{2, 0, 0, 1.25f}));
  EXPECT_EQ(g.variable("y").producer, &g.op("mm_split_add"));
  g.validate();
  test::expect_outputs_close(run_float(g, {x}), before, 1e-6);
}

// New names never collide with existing ones.
TEST(WeightSplit, NamesAreMadeUnique) {
  Graph g = conv_relu({3.0f, 1.0f, 2.0f, -5.0f});
  g.add_variable("conv_split");  // taken
  run_pass("weight_split", g, {{"interested_layers", Layers{"conv"}}});
  EXPECT_NE(g.find_op("conv_split_1"), nullptr);
  EXPECT_EQ(g.find_op("conv_split"), nullptr);
}

// --- never silently nothing -------------------------------------------------------

TEST(WeightSplit, NamesThatSelectNothingWarn) {
  Graph g = conv_relu({3.0f, 1.0f, 2.0f, -5.0f});
  const auto out = run_pass("weight_split", g,
                            {{"interested_layers", Layers{"/no/Conv", "relu", "conv", "conv"}}, {"value_threshold", 6.0}});
  EXPECT_FALSE(out.result.modified);
  EXPECT_EQ(g.op_count(), 2u);
  EXPECT_TRUE(has_warning(out.warnings, {"weight_split.interested_layers", "'/no/Conv' is not an op of the graph"}))
      << joined(out.warnings);
  EXPECT_TRUE(has_warning(out.warnings, {"weight_split.interested_layers", "'relu' is a Relu", "Conv"}))
      << joined(out.warnings);
  EXPECT_TRUE(has_warning(out.warnings, {"'conv' is listed more than once"})) << joined(out.warnings);
  EXPECT_TRUE(has_warning(out.warnings, {"weight_split.value_threshold 6", "no weight of 'conv' exceeds it",
                                         "max |w| = 5"}))
      << joined(out.warnings);
  EXPECT_EQ(out.warnings.size(), 4u) << joined(out.warnings);
  EXPECT_EQ(out.result.notes.at(0), "split 0 of 4 named layer(s): 0 weight(s) moved, 0 op(s) added");

  Graph h = conv_relu({3.0f, 1.0f, 2.0f, -5.0f});
  const auto empty = run_pass("weight_split", h);
  EXPECT_FALSE(empty.result.modified);
  EXPECT_TRUE(has_warning(empty.warnings, {"weight_split.interested_layers is empty"})) << joined(empty.warnings);
}

// Both are PreQuantize passes; weight_split runs first, as in esp-ppq's pre-quant pipeline.
TEST(WeightSplit, RunsBeforeEqualization) {
  const auto split = test::shipped_plugins().create("pass", "weight_split");
  const auto eq = test::shipped_plugins().create("pass", "equalization");
  const auto& s = static_cast<const Pass&>(*split);
  const auto& e = static_cast<const Pass&>(*eq);
  EXPECT_EQ(s.stage(), PassStage::PreQuantize);
  EXPECT_EQ(e.stage(), PassStage::PreQuantize);
  EXPECT_LT(s.order_in_stage(), e.order_in_stage());
}

}  // namespace
}  // namespace qtune
