// The fusion_alignment plugin on a hand-built graph whose expected exponents are worked out
// by hand from reference §3.8:
//
//   x ─ conv1 ─ c1 ─┐
//   x ─ conv2 ─ c2 ─┴─ add ─ a        (c2 also feeds conv3 ─ z)
//
// Calibrated exponents are set by the test: c1 −5, c2 −3, a −4.
#include <gtest/gtest.h>

#include "host/plugin_host.h"
#include "qtune/quant_graph.h"
#include "quant/quantizer.h"
#include "run/iteration_log.h"
#include "run/pass_context.h"

namespace qtune {
namespace {

Graph branch_graph() {
  Graph g;
  g.add_variable("x", {1, 1, 2, 2});
  for (const char* w : {"w1", "w2", "w3"}) g.add_parameter(w, Tensor::from<float>({1, 1, 1, 1}, {0.5f}));
  g.add_op("conv1", "Conv", {"x", "w1"}, {"c1"});
  g.add_op("conv2", "Conv", {"x", "w2"}, {"c2"});
  g.add_op("add", "Add", {"c1", "c2"}, {"a"});
  g.add_op("conv3", "Conv", {"c2", "w3"}, {"z"});
  g.set_inputs({"x"});
  g.set_outputs({"a", "z"});
  return g;
}

void calibrated(const QuantSlot& c, int exponent) {
  c->exponents = {exponent};
  c->state = QuantState::Calibrated;
}

// Quantizes for esp32s3 (per-tensor weights) and sets the calibrated exponents by hand.
Graph quantized_branch_graph() {
  Graph g = branch_graph();
  quantize_graph(g, TargetPolicy::from_target("esp32s3"));
  calibrated(g.variable("x").quant, -6);
  calibrated(g.op("conv2").input_quant[0], -6);
  for (const char* w : {"w1", "w2", "w3"}) calibrated(g.variable(w).quant, -8);
  calibrated(g.variable("c1").quant, -5);
  calibrated(g.variable("c2").quant, -3);
  calibrated(g.variable("a").quant, -4);
  calibrated(g.variable("z").quant, -2);
  return g;
}

PassResult run_alignment(Graph& g, const std::map<std::string, OptionValue>& given,
                         const TargetInfo& target = TargetInfo{"esp32s3", 8, false, true, Rounding::HalfUp}) {
  PluginHost host;
  host.load_directories(PluginHost::default_search_path());
  const LoadedPlugin* plugin = host.find("pass", "fusion_alignment");
  if (!plugin) throw Error("the fusion_alignment plugin is not built");
  auto pass = host.create("pass", "fusion_alignment");
  const OptionValues options = resolve_options(host.option_schema(*plugin), given, "test");
  IterationLog log(false);
  ContractConfig config;
  const std::vector<Batch> batches;
  IterationPassContext context(g, config, target, batches, log);
  PassResult r = static_cast<Pass&>(*pass).run(context, options);
  update_passive_configs(g);
  return r;
}

int exponent_at_input(const Graph& g, const char* op, std::size_t i) { return input_config(g.op(op), i)->exponents.at(0); }

TEST(FusionAlignment, AlignToOutputRemastersTheSoleConsumerProducerAndRequantizesTheShared) {
  Graph g = quantized_branch_graph();
  const PassResult r = run_alignment(g, {});  // defaults: elementwise 'Align to Output'
  EXPECT_TRUE(r.modified);
  // c1 feeds only the Add: its producer takes the Add's output exponent (−4), applied at c1.
  EXPECT_EQ(g.variable("c1").quant->exponents, std::vector<int>{-4});
  EXPECT_EQ(g.variable("c1").quant->state, QuantState::Passive);
  EXPECT_TRUE(applied_at_output(g.op("conv1"), 0));
  // c2 also feeds conv3: it keeps −3, conv3 reads −3, and the Add input is requantized to −4.
  EXPECT_EQ(g.variable("c2").quant->exponents, std::vector<int>{-3});
  EXPECT_EQ(exponent_at_input(g, "conv3", 0), -3);
  EXPECT_EQ(exponent_at_input(g, "add", 1), -4);
  EXPECT_TRUE(applied_at_input(g.op("add"), 1));
  EXPECT_EQ(exponent_at_input(g, "add", 0), -4);
  // The note names the requantized input.
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_NE(r.notes[1].find("add#1"), std::string::npos) << r.notes[1];
  EXPECT_NE(r.notes[1].find("1 producer output(s)"), std::string::npos) << r.notes[1];
}

TEST(FusionAlignment, AlignToLargeDoublesTheLargestInputScale) {
  Graph g = quantized_branch_graph();
  run_alignment(g, {{"align_elementwise_to", std::string("Align to Large")}});
  // Range of the inputs: [−128·2^−3, 127·2^−3] ∪ [−128·2^−5, ...] → scale 2·128·2^−3/255,
  // pow2-ceil → 2^−2.
  EXPECT_EQ(exponent_at_input(g, "add", 0), -2);
  EXPECT_EQ(exponent_at_input(g, "add", 1), -2);
  EXPECT_EQ(g.variable("c1").quant->exponents, std::vector<int>{-2});  // sole consumer: re-mastered
  EXPECT_EQ(g.variable("c2").quant->exponents, std::vector<int>{-3});  // shared: keeps its own
  EXPECT_EQ(g.variable("a").quant->exponents, std::vector<int>{-4});   // output untouched
}

// The "linear" target (float scales, no power-of-two rounding): Align to Large keeps the
// union's minmax scale itself. c1 at 0.03, c2 at 0.1: range [−128·0.1, 127·0.1] →
// scale = 2·12.8 / 255 (esp-ppq's minmax_to_scale_offset, symmetric int8).
TEST(FusionAlignment, AlignToLargeOnTheLinearTargetKeepsTheFloatScale) {
  Graph g = branch_graph();
  quantize_graph(g, TargetPolicy::from_target("linear"));
  auto scaled = [](const QuantSlot& c, float scale) {
    ASSERT_TRUE(c->linear());
    c->scales = {scale};  // per-tensor, or the one output channel of the 1x1x1x1 weights
    c->state = QuantState::Calibrated;
  };
  scaled(g.variable("x").quant, 0.02f);
  scaled(g.op("conv2").input_quant[0], 0.02f);
  for (const char* w : {"w1", "w2", "w3"}) scaled(g.variable(w).quant, 0.004f);
  scaled(g.variable("c1").quant, 0.03f);
  scaled(g.variable("c2").quant, 0.1f);
  scaled(g.variable("a").quant, 0.05f);
  scaled(g.variable("z").quant, 0.2f);
  run_alignment(g, {{"align_elementwise_to", std::string("Align to Large")}},
                TargetInfo{"linear", 8, true, false, Rounding::HalfEven});
  const float expected = static_cast<float>(2.0 * 128.0 * static_cast<double>(0.1f) / 255.0);
  for (std::size_t i = 0; i < 2; ++i) {
    const QuantSlot& c = input_config(g.op("add"), i);
    EXPECT_TRUE(c->exponents.empty()) << i;
    ASSERT_EQ(c->scales.size(), 1u) << i;
    EXPECT_FLOAT_EQ(c->scales[0], expected) << i;
  }
  EXPECT_FLOAT_EQ(g.variable("c1").quant->scales.at(0), expected);  // sole consumer: re-mastered
  EXPECT_FLOAT_EQ(g.variable("c2").quant->scales.at(0), 0.1f);      // shared: keeps its own
}

TEST(FusionAlignment, ForceOverlapRemastersASharedProducerToo) {
  Graph g = quantized_branch_graph();
  run_alignment(g, {{"force_alignment_overlap", true}});
  EXPECT_EQ(g.variable("c2").quant->exponents, std::vector<int>{-4});
  EXPECT_EQ(exponent_at_input(g, "conv3", 0), -4);
}

TEST(FusionAlignment, NoneLeavesEveryExponent) {
  Graph g = quantized_branch_graph();
  const PassResult r = run_alignment(g, {{"align_elementwise_to", std::string("None")}});
  EXPECT_FALSE(r.modified);
  EXPECT_EQ(g.variable("c1").quant->exponents, std::vector<int>{-5});
  EXPECT_EQ(exponent_at_input(g, "add", 1), -3);
}

TEST(FusionAlignment, AlignedInputIsRequantizedWhenTheGraphRuns) {
  Graph g = quantized_branch_graph();
  run_alignment(g, {});
  // The Add's input 1 is requantized to the −4 grid (esp32s3 rounds half-up) while c2 keeps −3.
  const auto hook = make_quant_hook();
  EXPECT_TRUE(applied_at_input(g.op("add"), 1));
  Tensor v = Tensor::from<float>({1}, {0.1875f}), out;
  ASSERT_TRUE(hook->map_input(g.op("add"), 1, v, out));
  EXPECT_FLOAT_EQ(out.data<float>()[0], 0.1875f);  // on the 2^−4 grid already: unchanged
  Tensor w = Tensor::from<float>({1}, {0.09375f});  // 1.5·2^−4 → half-up → 2·2^−4
  ASSERT_TRUE(hook->map_input(g.op("add"), 1, w, out));
  EXPECT_FLOAT_EQ(out.data<float>()[0], 0.125f);
}

}  // namespace
}  // namespace qtune
