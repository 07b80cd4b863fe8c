// The tqt plugin (passes/tqt) through the real plugin host and the iteration's PassContext:
// on a one-layer model it moves a deliberately bad output exponent to the one that minimises
// the quantized output's MSE (found here by brute force over every exponent, independently
// of the training code); a block whose loss gets worse is reverted, leaving the graph as it
// was; an interested_layers list that names nothing trains nothing.
#include <gtest/gtest.h>

#include "block_test_util.h"
#include "exec/graph_executor.h"
#include "qtune/fake_quant.h"
#include "qtune/quant_graph.h"
#include "run/iteration_log.h"
#include "run/pass_context.h"

namespace qtune::gradtest {
namespace {

// x[8,2,4,4] -> conv (1x1, 3 outputs, no bias) -> y. |y| reaches about 3.5: int8 needs
// exponent -5 (range ±3.97); -6 clips.
Graph one_layer() {
  Graph g;
  g.name = "one_layer";
  g.add_variable("x", {-1, 2, 4, 4});
  g.add_parameter("w", f32({3, 2, 1, 1}, {2.0f, 1.5f, -1.0f, 2.5f, 0.5f, -2.0f}));
  g.add_op("conv", "Conv", {"x", "w"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

struct TqtFixture {
  Graph graph = one_layer();
  std::vector<Batch> batches = random_batches({8, 2, 4, 4}, 4, 40);
  IterationLog log{false};
  ContractConfig config;
  std::unique_ptr<IterationPassContext> context;
  explicit TqtFixture(const char* target = "esp32s3") {
    context = std::make_unique<IterationPassContext>(graph, config, TargetInfo{target, 8, false, true, Rounding::HalfUp},
                                                     batches, log);
    context->snapshot_float_graph();
    quantize_graph(graph, TargetPolicy::from_target(target));
    calibrate_kl(graph, batches);
  }
};

PassResult run_tqt(TqtFixture& s, const std::map<std::string, OptionValue>& given) {
  return run_pass_plugin("tqt", *s.context, s.graph, given);
}

// The exponent of y minimising mean MSE(fake_quantize(y_q, e), y_float) over the batches,
// where y_q is the conv of the quantized input and weight (output left unquantized).
int best_output_exponent(const TqtFixture& s) {
  Graph g = s.graph;
  g.variable("y").quant->state = QuantState::Float;  // run the conv, skip the output quantization
  const auto hook = make_quant_hook();
  const auto qexec = make_executor(g);
  const auto fexec = make_executor(s.context->float_graph());
  double best = 1e300;
  int best_e = 0;
  for (int e = -14; e <= 4; ++e) {
    TensorQuantConfig c = *s.graph.variable("y").quant;
    c.exponents = {e};
    double loss = 0.0;
    for (const Batch& b : s.batches) loss += mse(fake_quantize(qexec->run(b, hook.get()).at(0), c), fexec->run(b).at(0));
    if (loss < best) best = loss, best_e = e;
  }
  return best_e;
}

TEST(TqtPass, MovesABadExponentToTheBestOne) {
  TqtFixture s;
  const int right = best_output_exponent(s);
  EXPECT_EQ(right, -5);  // the hand estimate above agrees with the brute force
  const int bad = right - 4;
  s.graph.variable("y").quant->exponents = {bad};
  const PassResult r = run_tqt(s, {{"lr", 0.02}, {"steps", std::int64_t{400}}});
  EXPECT_TRUE(r.modified);
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("1 trained"), std::string::npos) << r.notes[0];
  EXPECT_EQ(s.graph.variable("y").quant->exponents, std::vector<int>{right});
  EXPECT_EQ(s.graph.variable("y").quant->algorithm, "tqt");
  EXPECT_EQ(s.graph.variable("y").quant->state, QuantState::Calibrated);
}

TEST(TqtPass, RevertsABlockWhoseLossGotWorse) {
  TqtFixture s;
  const Tensor w_before = *s.graph.variable("w").value;
  std::vector<std::vector<int>> before;
  for (const Variable* v : s.graph.variables())
    if (v->quant) before.push_back(v->quant->exponents);
  // lr 1: every weight and log2-scale jumps by about 1 per step; the block ends far worse.
  const PassResult r = run_tqt(s, {{"lr", 1.0}, {"steps", std::int64_t{30}}});
  EXPECT_FALSE(r.modified);
  EXPECT_NE(r.notes[0].find("0 trained, 1 reverted"), std::string::npos) << r.notes[0];
  const Tensor& w_after = *s.graph.variable("w").value;
  for (std::int64_t i = 0; i < w_before.numel(); ++i) EXPECT_EQ(w_after.data<float>()[i], w_before.data<float>()[i]);
  std::size_t k = 0;
  for (const Variable* v : s.graph.variables())
    if (v->quant) {
      EXPECT_EQ(v->quant->exponents, before[k++]) << v->name;
    }
}

TEST(TqtPass, DefaultScheduleKeepsOrImprovesTheBlockLoss) {
  TqtFixture s("esp32p4");  // per-channel weights
  const PassResult r = run_tqt(s, {});
  ASSERT_FALSE(r.notes.empty());
  // "Σ block loss A -> B": B <= A by the revert rule.
  const std::string& note = r.notes[0];
  const auto at = note.find("Σ block loss ");
  ASSERT_NE(at, std::string::npos) << note;
  double before = 0, after = 0;
  ASSERT_EQ(std::sscanf(note.c_str() + at + std::string("Σ block loss ").size(), "%lf -> %lf", &before, &after), 2) << note;
  EXPECT_LE(after, before);
}

TEST(TqtPass, InterestedLayersThatNameNothingTrainNothing) {
  TqtFixture s;
  const PassResult r = run_tqt(s, {{"interested_layers", std::vector<std::string>{"no_such_op"}}});
  EXPECT_FALSE(r.modified);
  EXPECT_NE(r.notes[0].find("0 block(s)"), std::string::npos) << r.notes[0];
}

}  // namespace
}  // namespace qtune::gradtest
