// GraphExecutor: planning errors, feeds, freeing after last use, keep_all/fetch,
// suffix replay (run_from), parallel batches and OpHook. Expected values are computed
// by hand-written scalar loops here. Tolerance 1e-6 (a few float ops per element).
#include <atomic>
#include <map>
#include <mutex>

#include "exec/kernel_registry.h"
#include "exec_test_util.h"

namespace qtune::test {
namespace {

// x -> A: a = x * w1 -> B: b = relu(a) -> C: c = a + b -> D: y = c * w2.
// `a` is read by B and C, so freeing it after B would break C.
struct ChainGraph {
  Graph g;
  ChainGraph() {
    g.name = "chain";
    g.add_variable("x", {1, 4});
    g.add_parameter("w1", floats({4}, {1, -2, 3, -4}));
    g.add_parameter("w2", floats({4}, {0.5f, 0.5f, 2, 2}));
    g.add_op("A", "Mul", {"x", "w1"}, {"a"});
    g.add_op("B", "Relu", {"a"}, {"b"});
    g.add_op("C", "Add", {"a", "b"}, {"c"});
    g.add_op("D", "Mul", {"c", "w2"}, {"y"});
    g.set_inputs({"x"});
    g.set_outputs({"y"});
  }
  // y computed elementwise from the current parameter values.
  std::vector<float> expected(const Tensor& x) const {
    const auto w1 = g.variable("w1").value->to_float(), w2 = g.variable("w2").value->to_float();
    std::vector<float> y;
    for (std::size_t i = 0; i < 4; ++i) {
      const float a = x.data<float>()[i] * w1[i];
      y.push_back((a + std::max(a, 0.0f)) * w2[i]);
    }
    return y;
  }
};

// Counts how often each op ran (on_outputs), thread-safe.
struct CountingHook : OpHook {
  std::mutex mutex;
  std::map<std::string, int> runs;
  void on_outputs(const Op& op, std::span<Tensor>) override {
    std::lock_guard lock(mutex);
    ++runs[op.name];
  }
};

TEST(GraphExecutor, ValueReadByTwoOpsSurvivesFreeing) {
  ChainGraph c;
  const auto exec = make_executor(c.g);
  const Tensor x = floats({1, 4}, {1, 2, 3, 4});
  const TensorMap out = exec->run(TensorMap{{"x", x}});
  ASSERT_EQ(out.size(), 1u);
  // a = [1, -4, 9, -16]; c = 2a for a > 0 else a; y = c * w2 = [1, -2, 36, -32].
  EXPECT_EQ(out.at("y").to_float(), (std::vector<float>{1, -2, 36, -32}));
  EXPECT_EQ(out.at("y").to_float(), c.expected(x));
  EXPECT_EQ(exec->run(std::vector<Tensor>{x}).at(0).to_float(), c.expected(x));
}

TEST(GraphExecutor, KeepAllReturnsEveryVariableAndFetchSelects) {
  ChainGraph c;
  const auto exec = make_executor(c.g);
  const Tensor x = floats({1, 4}, {1, 2, 3, 4});
  RunRequest all;
  all.keep_all = true;
  const TensorMap cache = exec->run({{"x", x}}, all);
  for (const char* name : {"x", "a", "b", "c", "y"}) EXPECT_TRUE(cache.count(name)) << name;
  EXPECT_FALSE(cache.count("w1"));  // parameters stay in the graph
  EXPECT_EQ(cache.at("b").to_float(), (std::vector<float>{1, 0, 9, 0}));
  RunRequest fetch;
  fetch.fetch = {"a", "y"};
  const TensorMap some = exec->run({{"x", x}}, fetch);
  EXPECT_EQ(some.size(), 2u);
  EXPECT_EQ(some.at("a").to_float(), (std::vector<float>{1, -4, 9, -16}));
  fetch.fetch = {"nope"};
  EXPECT_THROW(exec->run({{"x", x}}, fetch), Error);
}

TEST(GraphExecutor, RunFromReplaysOnlyTheSuffix) {
  ChainGraph c;
  const auto exec = make_executor(c.g);
  const Tensor x = floats({1, 4}, {1, 2, 3, 4});
  RunRequest all;
  all.keep_all = true;
  const TensorMap cache = exec->run({{"x", x}}, all);

  // Change D's weight: only D runs again, and the result equals a full re-run.
  c.g.variable("w2").value = floats({4}, {-1, 3, 0.25f, 1});
  CountingHook hook;
  RunRequest req;
  req.hook = &hook;
  const TensorMap replay = exec->run_from(cache, {&c.g.op("D")}, req);
  EXPECT_EQ(replay.at("y").to_float(), exec->run({{"x", x}}).at("y").to_float());
  EXPECT_EQ(replay.at("y").to_float(), c.expected(x));
  EXPECT_EQ(hook.runs, (std::map<std::string, int>{{"D", 1}}));

  // Change A's weight: A and everything downstream (B, C, D) run, once each.
  c.g.variable("w1").value = floats({4}, {2, 2, -1, 1});
  CountingHook hook2;
  req.hook = &hook2;
  EXPECT_EQ(exec->run_from(cache, {&c.g.op("A")}, req).at("y").to_float(), c.expected(x));
  EXPECT_EQ(hook2.runs, (std::map<std::string, int>{{"A", 1}, {"B", 1}, {"C", 1}, {"D", 1}}));

  // keep_all on a replay returns what it recomputed.
  RunRequest keep;
  keep.keep_all = true;
  const TensorMap suffix = exec->run_from(cache, {&c.g.op("C")}, keep);
  EXPECT_TRUE(suffix.count("c") && suffix.count("y"));
  EXPECT_FALSE(suffix.count("a"));

  // A value the replay needs but the cache lacks is an error naming it.
  TensorMap partial = cache;
  partial.erase("c");
  try {
    exec->run_from(partial, {&c.g.op("D")});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'c'"), std::string::npos) << e.what();
  }
}

TEST(GraphExecutor, RunBatchesEqualsSequentialRuns) {
  ChainGraph c;
  const auto exec = make_executor(c.g);
  std::vector<std::vector<Tensor>> batches;
  for (std::uint32_t i = 0; i < 16; ++i) batches.push_back({random_tensor({1, 4}, i)});
  const auto results = exec->run_batches(batches);
  ASSERT_EQ(results.size(), batches.size());
  for (std::size_t i = 0; i < batches.size(); ++i) EXPECT_EQ(results[i].at(0).to_float(), c.expected(batches[i][0]));
}

// Doubles B's output, and adds 1 to input 1 of C as C sees it.
struct PerturbHook : OpHook {
  bool map_input(const Op& op, std::size_t index, const Tensor& value, Tensor& out) override {
    if (op.name != "C" || index != 1) return false;
    out = value;
    out.flat() += 1.0f;
    return true;
  }
  void on_outputs(const Op& op, std::span<Tensor> outputs) override {
    if (op.name == "B") outputs[0].flat() *= 2.0f;
  }
};

TEST(GraphExecutor, HookMapsInputsAndOutputs) {
  ChainGraph c;
  const auto exec = make_executor(c.g);
  PerturbHook hook;
  const Tensor x = floats({1, 4}, {1, 2, 3, 4});
  // a = [1, -4, 9, -16]; b' = 2 relu(a) = [2, 0, 18, 0]; C sees b' + 1; y = (a + b' + 1) * w2.
  const std::vector<float> expected = {(1 + 2 + 1) * 0.5f, (-4 + 0 + 1) * 0.5f, (9 + 18 + 1) * 2.0f, (-16 + 0 + 1) * 2.0f};
  EXPECT_EQ(exec->run(std::vector<Tensor>{x}, &hook).at(0).to_float(), expected);
  const auto batched = exec->run_batches(std::vector<std::vector<Tensor>>{{x}, {x}}, &hook);
  EXPECT_EQ(batched.at(1).at(0).to_float(), expected);
}

TEST(GraphExecutor, FeedErrorsNameTheInput) {
  ChainGraph c;
  const auto exec = make_executor(c.g);
  auto message = [&](const TensorMap& feeds) {
    try {
      exec->run(feeds);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({}).find("missing feed for graph input 'x'"), std::string::npos);
  EXPECT_NE(message({{"x", floats({1, 4}, {1, 2, 3, 4})}, {"zz", floats({1}, {1})}}).find("'zz'"), std::string::npos);
  const std::string rank = message({{"x", floats({4}, {1, 2, 3, 4})}});
  EXPECT_NE(rank.find("'x'"), std::string::npos) << rank;
  EXPECT_NE(rank.find("rank"), std::string::npos) << rank;
  EXPECT_THROW(exec->run(std::vector<Tensor>{}), Error);
}

TEST(GraphExecutor, UnknownOpTypeFailsAtConstructionNamingTheOp) {
  Graph g;
  g.add_variable("x", {1});
  g.add_op("weird_one", "NoSuchOp", {"x"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  try {
    make_executor(g);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("op 'weird_one' (NoSuchOp)"), std::string::npos) << e.what();
  }
}

TEST(GraphExecutor, KernelErrorsAreRethrownWithTheOpLabel) {
  Graph g;
  g.add_variable("x", {1, -1});
  g.add_parameter("w", floats({3}, {1, 2, 3}));
  g.add_op("adder", "Add", {"x", "w"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  const auto exec = make_executor(g);
  try {
    exec->run(std::vector<Tensor>{floats({1, 2}, {1, 2})});
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("op 'adder' (Add): ", 0), 0u) << m;
    EXPECT_EQ(m.find("op 'adder'", 1), std::string::npos) << "label repeated: " << m;
  }
}

void triple(const Op&, std::span<const Tensor* const> in, std::span<Tensor> out) {
  out[0] = *in[0];
  out[0].flat() *= 3.0f;
}

TEST(KernelRegistry, BuiltinsListedAndCustomKernelsRun) {
  const auto types = supported_op_types();
  for (const char* t : {"Conv", "ConvTranspose", "Gemm", "MatMul", "Relu", "Clip", "LeakyRelu", "PRelu", "Sigmoid",
                        "HardSigmoid", "HardSwish", "Tanh", "Softmax", "Add", "Sub", "Mul", "Div", "Max", "Min", "Pow",
                        "Sqrt", "Exp", "Log", "Neg", "Abs", "Erf", "ReduceMean", "ReduceMax", "ReduceSum", "ReduceMin",
                        "Concat", "Split", "Slice", "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Pad",
                        "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Resize", "Gather", "Cast",
                        "Shape", "ConstantOfShape", "Identity", "Dropout", "BatchNormalization", "Equal", "Greater",
                        "Less", "Where", "Expand", "Tile"})
    EXPECT_TRUE(std::find(types.begin(), types.end(), t) != types.end()) << t;
  EXPECT_EQ(find_kernel("NoSuchOp"), nullptr);
  register_kernel("TestTriple", triple);
  EXPECT_EQ(run1("TestTriple", {floats({2}, {1, -2})}).to_float(), (std::vector<float>{3, -6}));
}

}  // namespace
}  // namespace qtune::test
