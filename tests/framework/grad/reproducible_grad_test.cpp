// Training must be reproducible: the gradients that sum over many elements in parallel
// (Conv dW over samples and groups, a fake-quant scale over its tensor) give the same bits
// at 1, 2 and 4 threads and on every repeat. With per-thread partial sums (the earlier
// code) the split of work between threads, and so the rounding of the sum, varied by run.
#include <cstring>

#include <tbb/global_control.h>

#include "grad/fake_quant_grad.h"
#include "grad_test_util.h"

namespace qtune::gradtest {
namespace {

std::vector<Tensor> conv_grads(const Op& op, const std::vector<std::optional<Tensor>>& inputs, const Tensor& r) {
  const grad::OpGradient* gradient = grad::find_gradient("Conv");
  std::vector<const Tensor*> ins;
  for (const auto& t : inputs) ins.push_back(t ? &*t : nullptr);
  const Tensor y = forward(op, inputs);
  bool wanted[] = {true, true, true};
  std::vector<Tensor> dx(inputs.size());
  const Tensor* outs[] = {&y};
  const Tensor* dys[] = {&r};
  std::any state;
  grad::BackwardArgs args{op, std::span<const Tensor* const>(ins.data(), ins.size()), outs, dys,
                          std::span<const bool>(wanted, 3), std::span<Tensor>(dx), state};
  gradient->backward(args);
  return dx;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.byte_size()) == 0;
}

TEST(ReproducibleGradient, ConvWeightGradientHasTheSameBitsAtEveryThreadCount) {
  GradCase c;
  c.type = "Conv";
  c.inputs = {uniform_tensor({32, 8, 12, 12}, 41), uniform_tensor({16, 8, 3, 3}, 42), uniform_tensor({16}, 43)};
  c.attributes = attrs({{"pads", std::vector<std::int64_t>{1, 1, 1, 1}}});
  Graph g;
  const Op& op = make_op(g, c);
  const Tensor r = uniform_tensor({32, 16, 12, 12}, 44);
  std::vector<Tensor> first;
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    first = conv_grads(op, c.inputs, r);
  }
  for (int threads : {2, 4, 4, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    const std::vector<Tensor> again = conv_grads(op, c.inputs, r);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(same_bits(first[i], again[i])) << "input " << i << ", " << threads << " threads";
  }
}

TEST(ReproducibleGradient, FakeQuantScaleGradientHasTheSameBitsAtEveryThreadCount) {
  const Tensor x = uniform_tensor({16, 8, 48, 48}, 51, -3.0f, 3.0f);  // 295k values: many chunks
  const Tensor dy = uniform_tensor(x.shape(), 52);
  TensorQuantConfig config;
  config.exponents = {-5};
  config.state = QuantState::Calibrated;
  const int exponents[] = {-5};
  auto scale_grad = [&] {
    float dalpha = 0.0f;
    Tensor dx;
    grad::fake_quant_backward(x, config, exponents, dy, &dx, &dalpha);
    return dalpha;
  };
  float first;
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    first = scale_grad();
  }
  for (int threads : {2, 4, 4, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    const float again = scale_grad();
    EXPECT_EQ(std::memcmp(&first, &again, sizeof(float)), 0) << first << " vs " << again << " at " << threads;
  }
}

}  // namespace
}  // namespace qtune::gradtest
