// The lsq plugin (passes/lsq, esp-ppq LearnedStepSizePass) through the real plugin host and
// the iteration's PassContext, on a one-layer Gemm quantized for the "linear" target: an
// output scale set deliberately too small (heavy clipping) moves toward the scale that
// minimises the block's quantized output MSE — found here by brute force over a grid of
// scales with the executor and the quant hook, independently of the training code — and the
// block loss drops; with is_scale_trainable false the scale does not move.
// (On these data the brute-force optimum lies about 9 % above the minmax scale.)
#include <cmath>
#include <cstdio>
#include <map>

#include <gtest/gtest.h>

#include "exec/graph_executor.h"
#include "framework/grad/block_test_util.h"
#include "qtune/quant_graph.h"
#include "run/iteration_log.h"
#include "run/pass_context.h"

namespace qtune::gradtest {
namespace {

// How far below the calibrated output scale the test starts LSQ (clipping at ±0.3·absmax).
constexpr float kBadFactor = 0.3f;

// x[N,4] -> Gemm(w[3,4], transB) -> y.
Graph one_gemm() {
  Graph g;
  g.name = "one_gemm";
  g.add_variable("x", {-1, 4});
  g.add_parameter("w", uniform_tensor({3, 4}, 31, -1.0f, 1.0f));
  g.add_op("gemm", "Gemm", {"x", "w"}, {"y"}, attrs({{"transB", std::int64_t{1}}}));
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

void calibrate_minmax(Graph& g, const std::vector<Batch>& batches) {
  test::calibrate_with_plugins(g, batches, "minmax");
}

struct Fixture {
  Graph graph = one_gemm();
  std::vector<Batch> batches = random_batches({16, 4}, 8, 500);
  IterationLog log{false};
  ContractConfig config;
  std::unique_ptr<IterationPassContext> context;
  float calibrated = 0.0f;  // y's minmax scale
  Fixture() {
    context = std::make_unique<IterationPassContext>(graph, config, TargetInfo{"linear", 8, true, false, Rounding::HalfEven},
                                                     batches, log);
    context->snapshot_float_graph();
    quantize_graph(graph, TargetPolicy::from_target("linear"));
    calibrate_minmax(graph, batches);
    TensorQuantConfig& y = *graph.variable("y").quant;
    if (!y.linear() || y.scales.size() != 1) throw Error("y is not a per-tensor linear config");
    calibrated = y.scales[0];
    y.scales[0] = kBadFactor * calibrated;
  }
};

PassResult run_lsq(Fixture& s, const std::map<std::string, OptionValue>& given) {
  return run_pass_plugin("lsq", *s.context, s.graph, given);
}

// Mean over the batches of MSE(quantized y, float y) with y's scale `scale` and everything
// else as the graph holds it.
double loss_with(const Fixture& s, const Graph& graph, float scale) {
  Graph g = graph;
  g.variable("y").quant->scales = {scale};
  return mean_output_mse(g, s.context->float_graph(), s.batches);
}

// The MSE-optimal output scale on a grid of 0.5 % steps from 0.2 to 1.5 times the minmax one.
float brute_force_scale(const Fixture& s) {
  float best = 0.0f;
  double best_loss = 1e300;
  for (int k = 40; k <= 300; ++k) {
    const float scale = s.calibrated * static_cast<float>(k) / 200.0f;
    const double l = loss_with(s, s.graph, scale);
    if (l < best_loss) best_loss = l, best = scale;
  }
  return best;
}

std::pair<double, double> block_loss(const PassResult& r) {
  const std::string& note = r.notes.at(0);
  const auto at = note.find("Σ block loss ");
  double before = -1, after = -1;
  if (at != std::string::npos) std::sscanf(note.c_str() + at + std::string("Σ block loss ").size(), "%lf -> %lf", &before, &after);
  return {before, after};
}

TEST(LsqPass, MovesABadLinearScaleTowardTheMseOptimum) {
  Fixture s;
  const float optimum = brute_force_scale(s);
  ASSERT_GT(optimum, 0.2f * s.calibrated);  // interior of the grid
  ASSERT_LT(optimum, 1.5f * s.calibrated);
  const float bad = s.graph.variable("y").quant->scales[0];
  ASSERT_GT(std::fabs(bad - optimum), 0.5f * optimum);
  const Graph original = s.graph;
  // Adam moves s by about lr per step: 1500 steps of 2e-4 let it travel the ~0.01 and settle.
  const PassResult r = run_lsq(s, {{"lr", 2e-4}, {"steps", std::int64_t{1500}}});
  ASSERT_FALSE(r.notes.empty());
  EXPECT_TRUE(r.modified) << r.notes[0];
  EXPECT_NE(r.notes[0].find("1 trained"), std::string::npos) << r.notes[0];
  const TensorQuantConfig& y = *s.graph.variable("y").quant;
  ASSERT_TRUE(y.linear());
  EXPECT_EQ(y.algorithm, "lsq");
  const float trained = y.scales.at(0);
  EXPECT_LT(std::fabs(trained - optimum), 0.1f * optimum)
      << "bad " << bad << ", trained " << trained << ", brute-force optimum " << optimum;
  // With the other values as they were, the trained scale alone is nearly as good as the
  // optimum (LSQ's straight-through gradient settles near, not exactly at, the MSE minimum);
  // the bad one was thousands of times worse.
  EXPECT_LT(loss_with(s, original, trained), 1.25 * loss_with(s, original, optimum));
  EXPECT_GT(loss_with(s, original, bad), 100.0 * loss_with(s, original, optimum));
  const auto [before, after] = block_loss(r);
  ASSERT_GT(before, 0.0) << r.notes[0];
  EXPECT_LT(after, 0.5 * before) << r.notes[0];
  // The loss the note reports is the graph's own: recomputed independently.
  EXPECT_NEAR(after, loss_with(s, s.graph, trained), 1e-6 + 1e-3 * after);
}

TEST(LsqPass, ScaleStaysWhenNotTrainable) {
  Fixture s;
  const float bad = s.graph.variable("y").quant->scales[0];
  const PassResult r = run_lsq(s, {{"lr", 2e-4}, {"steps", std::int64_t{50}}, {"is_scale_trainable", false}});
  EXPECT_EQ(s.graph.variable("y").quant->scales.at(0), bad);
  EXPECT_NE(r.notes.at(0).find("0 scale value(s) changed"), std::string::npos) << r.notes[0];
}

TEST(LsqPass, DefaultsAreTheReference) {
  PluginHost host;
  host.load_directories(PluginHost::default_search_path());
  const LoadedPlugin* plugin = host.find("pass", "lsq");
  ASSERT_NE(plugin, nullptr);
  const OptionValues o = resolve_options(host.option_schema(*plugin), {}, "test");
  EXPECT_EQ(o.get_float("lr"), 1e-5);
  EXPECT_EQ(o.get_int("steps"), 500);
  EXPECT_EQ(o.get_int("block_size"), 4);
  EXPECT_EQ(o.get_float("gamma"), 0.0);
  EXPECT_TRUE(o.get_bool("is_scale_trainable"));
  EXPECT_EQ(o.get_string("collecting_device"), "cuda");
  EXPECT_TRUE(o.get_strings("interested_layers").empty());
}

}  // namespace
}  // namespace qtune::gradtest
