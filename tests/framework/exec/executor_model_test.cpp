// ExecutorModel: batch validation errors and run / run_many results (hand-computed).
#include "exec/executor_model.h"
#include "exec_test_util.h"

namespace qtune::test {
namespace {

Graph scale_graph() {
  Graph g;
  g.name = "scale";
  g.add_variable("x", {-1, 3});
  g.add_parameter("k", floats({3}, {1, 2, 3}));
  g.add_op("mul", "Mul", {"x", "k"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

struct NegateOutputs : OpHook {
  void on_outputs(const Op&, std::span<Tensor> outputs) override { outputs[0].flat() *= -1.0f; }
};

TEST(ExecutorModel, RunsAndDescribes) {
  const Graph g = scale_graph();
  ExecutorModel model(g, nullptr, "float");
  EXPECT_FALSE(model.is_quantized());
  EXPECT_EQ(model.input_names(), std::vector<std::string>{"x"});
  EXPECT_EQ(model.output_names(), std::vector<std::string>{"y"});
  EXPECT_EQ(model.input_shapes().at(0), (Shape{-1, 3}));
  EXPECT_EQ(model.run({floats({2, 3}, {1, 1, 1, 2, 2, 2})}).at(0).to_float(), (std::vector<float>{1, 2, 3, 2, 4, 6}));
  const std::vector<Batch> batches = {{floats({1, 3}, {1, 0, 1})}, {floats({1, 3}, {0, 1, 0})}};
  const auto results = model.run_many(batches);
  EXPECT_EQ(results.at(0).at(0).to_float(), (std::vector<float>{1, 0, 3}));
  EXPECT_EQ(results.at(1).at(0).to_float(), (std::vector<float>{0, 2, 0}));

  ExecutorModel hooked(g, std::make_shared<NegateOutputs>(), "negated");
  EXPECT_TRUE(hooked.is_quantized());
  EXPECT_EQ(hooked.run({floats({1, 3}, {1, 1, 1})}).at(0).to_float(), (std::vector<float>{-1, -2, -3}));
}

TEST(ExecutorModel, RejectsMalformedBatches) {
  const Graph g = scale_graph();
  ExecutorModel model(g, nullptr, "float");
  auto message = [&](const Batch& b) {
    try {
      model.run(b);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({}).find("0 tensors"), std::string::npos);
  EXPECT_NE(message({ints({1, 3}, {1, 2, 3})}).find("expected float32"), std::string::npos);
  EXPECT_NE(message({floats({3}, {1, 2, 3})}).find("expected rank 2"), std::string::npos);
  const std::vector<Batch> bad = {{floats({1, 3}, {1, 2, 3})}, {floats({3}, {1, 2, 3})}};
  EXPECT_THROW(model.run_many(bad), Error);
}

}  // namespace
}  // namespace qtune::test
