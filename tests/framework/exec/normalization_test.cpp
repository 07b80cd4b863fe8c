// Softmax / LogSoftmax over inner and middle axes, inference BatchNormalization and
// LayerNormalization against formulas written here. Tolerance 1e-5 relative.
#include <cmath>

#include "exec_test_util.h"

namespace qtune::test {
namespace {

TEST(NormalizationKernel, SoftmaxHandWorked) {
  // softmax([0, ln 2, ln 5]) = [1, 2, 5] / 8.
  const Tensor x = floats({1, 3}, {0.0f, std::log(2.0f), std::log(5.0f)});
  expect_close(run1("Softmax", {x}), floats({1, 3}, {0.125f, 0.25f, 0.625f}), 1e-6f);
  expect_close(run1("LogSoftmax", {x}), floats({1, 3}, {std::log(0.125f), std::log(0.25f), std::log(0.625f)}), 1e-6f);
}

TEST(NormalizationKernel, SoftmaxMiddleAxis) {
  // Axis 1 of [2, 4, 3]: normalise across the 4 entries at each (n, k).
  const Tensor x = random_tensor({2, 4, 3}, 1, -3.0f, 3.0f);
  const Tensor y = run1("Softmax", {x}, attrs({{"axis", std::int64_t{1}}}));
  Tensor ref(DType::Float32, x.shape());
  for (std::int64_t n = 0; n < 2; ++n)
    for (std::int64_t k = 0; k < 3; ++k) {
      double s = 0;
      for (std::int64_t c = 0; c < 4; ++c) s += std::exp(double(x.data<float>()[(n * 4 + c) * 3 + k]));
      for (std::int64_t c = 0; c < 4; ++c)
        ref.data<float>()[(n * 4 + c) * 3 + k] = static_cast<float>(std::exp(double(x.data<float>()[(n * 4 + c) * 3 + k])) / s);
    }
  expect_close(y, ref, 1e-5f);
}

TEST(NormalizationKernel, BatchNormInference) {
  const Tensor x = random_tensor({2, 3, 2, 2}, 2);
  const Tensor scale = floats({3}, {1, 2, 0.5f}), bias = floats({3}, {0, 1, -1});
  const Tensor mean = floats({3}, {0.1f, -0.2f, 0.3f}), var = floats({3}, {1, 4, 0.25f});
  const Tensor y = run1("BatchNormalization", {x, scale, bias, mean, var}, attrs({{"epsilon", 1e-3f}}));
  Tensor ref(DType::Float32, x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const auto c = static_cast<std::size_t>((i / 4) % 3);
    const float s = scale.to_float()[c], b = bias.to_float()[c], m = mean.to_float()[c], v = var.to_float()[c];
    ref.data<float>()[i] = (x.data<float>()[i] - m) / std::sqrt(v + 1e-3f) * s + b;
  }
  expect_close(y, ref, 1e-5f);
}

TEST(NormalizationKernel, LayerNormLastAxis) {
  const Tensor x = floats({2, 2}, {1, 3, 4, 0});
  // Row [1, 3]: mean 2, std 1 -> [-1, 1]; row [4, 0]: mean 2, std 2 -> [1, -1]; then * [2, 3] + [.5, 0].
  const Tensor y = run1("LayerNormalization", {x, floats({2}, {2, 3}), floats({2}, {0.5f, 0})}, attrs({{"epsilon", 0.0f}}));
  expect_close(y, floats({2, 2}, {-1.5f, 3, 2.5f, -3}), 1e-6f);
}

}  // namespace
}  // namespace qtune::test
