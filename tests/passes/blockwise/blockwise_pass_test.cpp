// The blockwise plugin (passes/blockwise, AdaRound) through the real plugin host and the
// iteration's PassContext: on a one-layer Gemm built so that rounding to nearest is not the
// best rounding, it finds the rounding of the weights that minimises the block's quantized
// output MSE (found here by hand and by brute force over all 2^4 up/down choices with the
// executor and the quant hook, independently of the training code) and writes it as
// grid-exact float weights; with reference_regulariser (esp-ppq's loss, whose regulariser
// never activates) the rounding stays the nearest one; a block whose loss gets worse is
// reverted; an interested_layers list that names nothing trains nothing.
#include <algorithm>

#include <gtest/gtest.h>

#include "exec/graph_executor.h"
#include "framework/grad/block_test_util.h"
#include "qtune/fake_quant.h"
#include "qtune/quant_graph.h"
#include "run/iteration_log.h"
#include "run/pass_context.h"

namespace qtune::gradtest {
namespace {

// Weight exponent forced on w: s = 1/8.
constexpr int kWeightExponent = -3;
// W/s per element (row = output feature); inputs independent, uniform in [0.5, 1.5] (mean 1,
// variance 1/12), so a row's error is E[(e0·x0 + e1·x1)²]·s² = ((e0 + e1)² + (e0² + e1²)/12)·s²
// with e = W/s − rounded. Row 0 (5.4, 6.3): nearest (5, 6) leaves e = (0.4, 0.3): 0.49 + 0.02;
// (6, 6) leaves (−0.6, 0.3): 0.09 + 0.04 — the best, and not the nearest; (5, 7): 0.09 + 0.05.
// Row 1 (−3.2, 4.9): nearest (−3, 5), e = (−0.2, −0.1): 0.09 + 0.004, is the best.
const std::vector<float> kWeightsOverScale = {5.4f, 6.3f, -3.2f, 4.9f};

// x[N,2] -> Gemm(w[2,2], transB) -> y.
Graph one_gemm() {
  Graph g;
  g.name = "one_gemm";
  g.add_variable("x", {-1, 2});
  std::vector<float> w;
  for (float v : kWeightsOverScale) w.push_back(std::ldexp(v, kWeightExponent));
  g.add_parameter("w", f32({2, 2}, w));
  g.add_op("gemm", "Gemm", {"x", "w"}, {"y"}, attrs({{"transB", std::int64_t{1}}}));
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

// 4 batches of 16 samples, both inputs independent and uniform in [0.5, 1.5].
std::vector<Batch> positive_batches() {
  std::vector<Batch> out;
  for (std::uint32_t b = 0; b < 4; ++b) out.push_back({uniform_tensor({16, 2}, 60 + b, 0.5f, 1.5f)});
  return out;
}

struct Fixture {
  Graph graph = one_gemm();
  std::vector<Batch> batches = positive_batches();
  IterationLog log{false};
  ContractConfig config;
  std::unique_ptr<IterationPassContext> context;
  Fixture() {
    context = std::make_unique<IterationPassContext>(graph, config, TargetInfo{"esp32s3", 8, false, true, Rounding::HalfUp},
                                                     batches, log);
    context->snapshot_float_graph();
    quantize_graph(graph, TargetPolicy::from_target("esp32s3"));
    calibrate_kl(graph, batches);
    std::vector<int>& e = graph.variable("w").quant->exponents;  // one, or one per row
    std::fill(e.begin(), e.end(), kWeightExponent);
    // Activation exponents that do not clip (kl clips uniform data): |x| < 1.5 -> ±1.98,
    // |y| < 2.2 -> ±3.97, so the weights' rounding dominates the loss.
    graph.variable("x").quant->exponents = {-6};
    graph.variable("y").quant->exponents = {-5};
    update_passive_configs(graph);
  }
};

PassResult run_blockwise(Fixture& s, const std::map<std::string, OptionValue>& given) {
  return run_pass_plugin("blockwise", *s.context, s.graph, given);
}

// Mean over the batches of MSE(quantized y, float y) with w's integers `q` (times s).
double loss_with(const Fixture& s, const std::vector<float>& q) {
  Graph g = s.graph;
  std::vector<float> w;
  for (float v : q) w.push_back(std::ldexp(v, kWeightExponent));
  g.variable("w").value = f32({2, 2}, w);
  return mean_output_mse(g, s.context->float_graph(), s.batches);
}

// The best of the 16 floor/ceil choices, by brute force.
std::vector<float> best_rounding(const Fixture& s) {
  std::vector<float> best;
  double best_loss = 1e300;
  for (int mask = 0; mask < 16; ++mask) {
    std::vector<float> q;
    for (int i = 0; i < 4; ++i) q.push_back(std::floor(kWeightsOverScale[static_cast<std::size_t>(i)]) + ((mask >> i) & 1));
    const double l = loss_with(s, q);
    if (l < best_loss) best_loss = l, best = q;
  }
  return best;
}

std::vector<float> weight_over_scale(const Fixture& s) {
  std::vector<float> out;
  for (float v : s.graph.variable("w").value->values<float>()) out.push_back(std::ldexp(v, -kWeightExponent));
  return out;
}

TEST(BlockwisePass, MovesAWrongRoundingToTheBestOne) {
  Fixture s;
  const std::vector<float> nearest = {5.0f, 6.0f, -3.0f, 5.0f};
  const std::vector<float> best = best_rounding(s);
  ASSERT_EQ(best, (std::vector<float>{6.0f, 6.0f, -3.0f, 5.0f}));  // the hand analysis above
  ASSERT_LT(loss_with(s, best), 0.5 * loss_with(s, nearest));
  const PassResult r = run_blockwise(s, {{"lr", 0.01}, {"steps", std::int64_t{1000}}});
  EXPECT_TRUE(r.modified);
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("1 trained"), std::string::npos) << r.notes[0];
  EXPECT_NE(r.notes[0].find("1 rounding(s) changed"), std::string::npos) << r.notes[0];
  EXPECT_EQ(weight_over_scale(s), best);  // exactly on the grid
  for (int e : s.graph.variable("w").quant->exponents) EXPECT_EQ(e, kWeightExponent);  // unchanged
}

// esp-ppq's loss (MSE only): h(V) starts at frac(W/s), where the soft weights equal the float
// ones, so nothing pulls it to the better corner and the hard rounding stays the nearest.
TEST(BlockwisePass, ReferenceRegulariserKeepsRoundingToNearest) {
  Fixture s;
  const PassResult r =
      run_blockwise(s, {{"lr", 0.01}, {"steps", std::int64_t{1000}}, {"reference_regulariser", true}});
  EXPECT_NE(r.notes[0].find("esp-ppq's behaviour"), std::string::npos) << r.notes[0];
  EXPECT_EQ(weight_over_scale(s), (std::vector<float>{5.0f, 6.0f, -3.0f, 5.0f}));
}

TEST(BlockwisePass, RevertsABlockWhoseLossGotWorse) {
  Fixture s;
  const auto before_span = s.graph.variable("w").value->values<float>();
  const std::vector<float> before(before_span.begin(), before_span.end());
  // Push every rounding the wrong way: a huge lr with the regulariser driving h to 0/1 at random.
  const PassResult r = run_blockwise(s, {{"lr", 1.0}, {"steps", std::int64_t{3}}, {"gamma", 0.0}});
  const auto after_span = s.graph.variable("w").value->values<float>();
  const std::vector<float> after(after_span.begin(), after_span.end());
  if (r.notes[0].find("1 reverted") != std::string::npos) {
    EXPECT_FALSE(r.modified);
    EXPECT_EQ(after, before);
  } else {
    // Kept: then its loss did not get worse than the graph's.
    EXPECT_LE(loss_with(s, weight_over_scale(s)), loss_with(s, {5.0f, 6.0f, -3.0f, 5.0f}) * (1 + 1e-12));
  }
}

TEST(BlockwisePass, InterestedLayersThatNameNothingTrainNothing) {
  Fixture s;
  const PassResult r = run_blockwise(s, {{"interested_layers", std::vector<std::string>{"no_such_op"}}});
  EXPECT_FALSE(r.modified);
  EXPECT_NE(r.notes[0].find("0 block(s)"), std::string::npos) << r.notes[0];
}

TEST(BlockwisePass, DeclaresItsSettingAndRunsAfterTqt) {
  PluginHost host;
  host.load_directories(PluginHost::default_search_path());
  auto blockwise = host.create("pass", "blockwise");
  auto tqt = host.create("pass", "tqt");
  const auto& b = static_cast<const Pass&>(*blockwise);
  const auto& t = static_cast<const Pass&>(*tqt);
  EXPECT_EQ(b.setting_key(), "blockwise_reconstruction");
  EXPECT_EQ(b.stage(), PassStage::Training);
  EXPECT_EQ(t.stage(), PassStage::Training);
  EXPECT_GT(b.order_in_stage(), t.order_in_stage());
  const OptionSchema schema = host.option_schema(*host.find("pass", "blockwise"));
  std::vector<std::string> names;
  for (const OptionSpec& o : schema) names.push_back(o.name);
  EXPECT_EQ(names, (std::vector<std::string>{"lr", "steps", "block_size", "gamma", "is_scale_trainable",
                                             "collecting_device", "interested_layers", "reference_regulariser"}));
}

}  // namespace
}  // namespace qtune::gradtest
