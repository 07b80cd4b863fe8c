// blocks::ValueCache (passes/block_common) against whole-graph runs of the executor.
#include <gtest/gtest.h>

#include "bias_test_support.h"
#include "exec/graph_executor.h"
#include "qtune/blocks/value_cache.h"

namespace qtune::bias_test {
namespace {

// x -> relu -> conv1 -> y1 -+-> conv2 -> y2 -> add(y1, y2) -> y
Graph residual_graph() {
  Graph g;
  g.add_variable("x", {2, 2, 3, 3});
  g.set_inputs({"x"});
  g.add_op("relu", "Relu", {"x"}, {"r"});
  for (const char* name : {"conv1", "conv2"}) {
    const std::string n = name;
    std::vector<float> w(8);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.25f * static_cast<float>(i) - (n == "conv1" ? 0.5f : 1.0f);
    g.add_parameter(n + ".w", Tensor::from<float>({2, 2, 1, 1}, std::vector<float>(w.begin(), w.begin() + 4)));
    g.add_parameter(n + ".b", Tensor::from<float>({2}, {0.1f, -0.2f}));
  }
  g.add_op("conv1", "Conv", {"r", "conv1.w", "conv1.b"}, {"y1"});
  g.add_op("conv2", "Conv", {"y1", "conv2.w", "conv2.b"}, {"y2"});
  g.add_op("add", "Add", {"y1", "y2"}, {"y"});
  g.set_outputs({"y"});
  for (Op* op : g.ops()) op->annotations[kQuantBitsAnnotation] = "8";
  g.variable("x").quant = config(-4, "relu#0");
  g.variable("y1").quant = config(-3, "y1");
  return g;
}

std::vector<Batch> some_batches() {
  std::vector<Batch> b;
  for (int i = 0; i < 3; ++i) {
    std::vector<float> v(36);
    for (std::size_t j = 0; j < v.size(); ++j) v[j] = std::sin(0.37f * static_cast<float>(j + 11 * i));
    b.push_back({Tensor::from<float>({2, 2, 3, 3}, v)});
  }
  return b;
}

TEST(ValueCache, ComputesEachOpOnceAndMatchesAWholeRun) {
  Graph g = residual_graph();
  const auto batches = some_batches();
  RecordingLog log;
  const ContractConfig config;
  IterationPassContext context(g, config, TargetInfo{}, batches, log);
  const auto hook = make_quant_hook();
  blocks::ValueCache cache(g, batches, context, hook.get(), 2);  // 2 batches per run: chunks of 2 and 1

  const auto y1 = cache.get({"y1"});
  EXPECT_EQ(cache.ops_run(), 2u);  // relu, conv1
  const auto y = cache.get({"y", "x"});
  EXPECT_EQ(cache.ops_run(), 4u);  // conv2, add: y1 was kept for them

  const auto executor = make_executor(g);
  for (std::size_t b = 0; b < batches.size(); ++b) {
    RunRequest request;
    request.fetch = {"y1", "y"};
    request.hook = hook.get();
    const TensorMap whole = executor->run(TensorMap{{"x", batches[b][0]}}, request);
    EXPECT_EQ(y1[b][0].to_float(), whole.at("y1").to_float()) << b;
    EXPECT_EQ(y[b][0].to_float(), whole.at("y").to_float()) << b;
    EXPECT_EQ(y[b][1].to_float(), batches[b][0].to_float());  // a graph input comes from the batch
  }

  // conv1's bias changes: conv1 and everything after it run again, relu does not.
  g.variable("conv1.b").value = Tensor::from<float>({2}, {1.0f, 2.0f});
  cache.invalidate({&g.op("conv1")});
  const auto y_new = cache.get({"y"});
  for (std::size_t b = 0; b < batches.size(); ++b) {
    RunRequest request;
    request.hook = hook.get();
    EXPECT_EQ(y_new[b][0].to_float(), executor->run(TensorMap{{"x", batches[b][0]}}, request).at("y").to_float()) << b;
  }
  EXPECT_EQ(cache.ops_run(), 4u + 4u);  // relu's output was dropped once conv1 had run: all four again
}

TEST(ValueCache, PutValuesAreUsedDownstream) {
  Graph g = residual_graph();
  const auto batches = some_batches();
  RecordingLog log;
  const ContractConfig config;
  IterationPassContext context(g, config, TargetInfo{}, batches, log);
  blocks::ValueCache cache(g, batches, context, nullptr);
  cache.get({"r"});
  std::vector<std::vector<Tensor>> y1(batches.size(), {Tensor::from<float>({2, 2, 3, 3}, std::vector<float>(36, 1.0f))});
  cache.put({&g.op("conv1")}, {"y1"}, y1);
  const auto y2 = cache.get({"y2"});
  EXPECT_EQ(cache.ops_run(), 2u);  // relu, then only conv2
  // conv2 of all-ones: w row + bias per channel.
  EXPECT_FLOAT_EQ(y2[0][0].to_float()[0], -1.0f + -0.75f + 0.1f);
  EXPECT_FLOAT_EQ(y2[0][0].to_float()[9], -0.5f + -0.25f - 0.2f);
}

}  // namespace
}  // namespace qtune::bias_test
