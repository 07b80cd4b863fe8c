// In-place elementwise kernels (kernel_registry.h, kernel_works_in_place): the executor hands
// an elementwise op an input that dies there as its output buffer. Checked here: it happens
// (the output's storage is the input's), values stay right, and it never touches a value
// that is still read later, kept for the caller (fetch / keep_all / graph output), a feed,
// a parameter, or a shape that does not match the output.
#include <map>
#include <mutex>

#include "exec_test_util.h"
#include "exec/kernel_registry.h"

namespace qtune::test {
namespace {

// Records, per op, the storage address of each input it was given and of its first output.
class AddressHook final : public OpHook {
 public:
  bool map_input(const Op& op, std::size_t index, const Tensor& value, Tensor&) override {
    std::lock_guard lock(mutex_);
    inputs_[op.name][index] = value.numel() ? value.data<float>() : nullptr;
    return false;
  }
  void on_outputs(const Op& op, std::span<Tensor> outputs) override {
    std::lock_guard lock(mutex_);
    outputs_[op.name] = outputs[0].data<float>();
  }
  bool reused(const std::string& op, std::size_t input) const {
    return inputs_.at(op).at(input) == outputs_.at(op);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::map<std::size_t, const float*>> inputs_;
  std::map<std::string, const float*> outputs_;
};

// x -> relu -> r ─┬─ add(r, c) -> a ─┐
//                 └───────────────── mul(a, r) -> m -> sig -> y
// r is read by add and mul: add must not reuse it, mul (its last reader) may; a dies at mul
// too; m dies at sig.
Graph chain() {
  Graph g;
  g.add_variable("x", {2, 3});
  g.add_parameter("c", floats({3}, {0.5f, -1.0f, 2.0f}));
  g.add_op("relu", "Relu", {"x"}, {"r"});
  g.add_op("add", "Add", {"r", "c"}, {"a"});
  g.add_op("mul", "Mul", {"a", "r"}, {"m"});
  g.add_op("sig", "Sigmoid", {"m"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

const std::vector<float> kX = {-1.0f, 0.5f, 2.0f, 3.0f, -0.25f, 1.5f};

// y computed here, element by element.
std::vector<float> expected_y() {
  const float c[3] = {0.5f, -1.0f, 2.0f};
  std::vector<float> y;
  for (std::size_t i = 0; i < kX.size(); ++i) {
    const float r = std::max(kX[i], 0.0f);
    const float m = (r + c[i % 3]) * r;
    y.push_back(1.0f / (1.0f + std::exp(-m)));
  }
  return y;
}

TEST(InPlaceKernels, ElementwiseOpsAreMarked) {
  for (const char* t : {"Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Clip", "HardSwish", "HardSigmoid"})
    EXPECT_TRUE(kernel_works_in_place(t)) << t;
  for (const char* t : {"Conv", "Concat", "Reshape", "Max", "Softmax"}) EXPECT_FALSE(kernel_works_in_place(t)) << t;
}

TEST(InPlaceKernels, DyingInputBecomesTheOutputAndValuesStayRight) {
  Graph g = chain();
  const Tensor x = floats({2, 3}, kX);
  AddressHook hook;
  const Tensor y = make_executor(g)->run(std::vector<Tensor>{x}, &hook).at(0);
  expect_close(y, floats({2, 3}, expected_y()), 1e-6f);
  EXPECT_FALSE(hook.reused("relu", 0)) << "the feed x was overwritten";
  EXPECT_FALSE(hook.reused("add", 0)) << "r is still read by mul";
  EXPECT_TRUE(hook.reused("mul", 0) || hook.reused("mul", 1)) << "mul's inputs both die there";
  EXPECT_TRUE(hook.reused("sig", 0));
  EXPECT_EQ(x.values<float>()[0], -1.0f);  // the feed is untouched
  EXPECT_EQ(g.variable("c").value->values<float>()[1], -1.0f);  // so is the parameter
}

TEST(InPlaceKernels, KeptValuesAreNotReused) {
  Graph g = chain();
  const auto exec = make_executor(g);
  TensorMap feeds;
  feeds.emplace("x", floats({2, 3}, kX));
  // Fetching r and m: neither may be overwritten by the op that reads it last.
  RunRequest fetch;
  fetch.fetch = {"r", "m", "y"};
  const TensorMap got = exec->run(feeds, fetch);
  std::vector<float> r, m;
  const float c[3] = {0.5f, -1.0f, 2.0f};
  for (std::size_t i = 0; i < kX.size(); ++i) {
    r.push_back(std::max(kX[i], 0.0f));
    m.push_back((r.back() + c[i % 3]) * r.back());
  }
  expect_close(got.at("r"), floats({2, 3}, r), 0.0f);
  expect_close(got.at("m"), floats({2, 3}, m), 1e-6f);
  expect_close(got.at("y"), floats({2, 3}, expected_y()), 1e-6f);
  RunRequest all;
  all.keep_all = true;
  const TensorMap every = exec->run(feeds, all);
  expect_close(every.at("r"), floats({2, 3}, r), 0.0f);
  expect_close(every.at("m"), floats({2, 3}, m), 1e-6f);
}

// A hook's mapped copy may be reused; the value it was made from may not, if still read.
class ScaleRelu final : public OpHook {
 public:
  bool map_input(const Op& op, std::size_t, const Tensor& value, Tensor& out) override {
    if (op.name != "add") return false;
    out = value;
    for (float& v : out.values<float>()) v *= 2.0f;
    return true;
  }
};

TEST(InPlaceKernels, MappedCopiesAreReusedAndTheirSourcesKept) {
  Graph g = chain();
  ScaleRelu hook;
  const Tensor y = make_executor(g)->run(std::vector<Tensor>{floats({2, 3}, kX)}, &hook).at(0);
  const float c[3] = {0.5f, -1.0f, 2.0f};
  std::vector<float> want;
  for (std::size_t i = 0; i < kX.size(); ++i) {
    const float r = std::max(kX[i], 0.0f);
    const float a = 2.0f * r + 2.0f * c[i % 3];  // both of add's inputs doubled by the hook
    want.push_back(1.0f / (1.0f + std::exp(-(a * r))));  // mul reads the unscaled r
  }
  expect_close(y, floats({2, 3}, want), 1e-6f);
}

TEST(InPlaceKernels, ABroadcastOperandIsNotWrittenOver) {
  // s [3] dies at add but is smaller than the output [2, 3]: add makes a new output.
  Graph g;
  g.add_variable("x", {2, 3});
  g.add_variable("v", {3});
  g.add_op("neg", "Neg", {"v"}, {"s"});
  g.add_op("add", "Add", {"x", "s"}, {"y"});
  g.set_inputs({"x", "v"});
  g.set_outputs({"y"});
  const Tensor y =
      make_executor(g)->run(std::vector<Tensor>{floats({2, 3}, kX), floats({3}, {1.0f, 2.0f, 3.0f})}).at(0);
  expect_close(y, floats({2, 3}, {-2.0f, -1.5f, -1.0f, 2.0f, -2.25f, -1.5f}), 0.0f);
}

}  // namespace
}  // namespace qtune::test
