// Unary activations against scalar formulas written here (std:: math), Clip bounds,
// LeakyRelu, PRelu slope broadcasting. Tolerance 1e-5 relative (Eigen's vectorised
// exp/tanh/logistic differ from libm in the last bits).
#include <cmath>
#include <functional>

#include "exec_test_util.h"

namespace qtune::test {
namespace {

void check_unary(const std::string& type, const std::function<float(float)>& f, Attributes a = {}, float lo = -4.0f,
                 float hi = 4.0f) {
  const Tensor x = random_tensor({3, 5, 7}, 42, lo, hi);
  const Tensor y = run1(type, {x}, std::move(a));
  Tensor ref(DType::Float32, x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) ref.data<float>()[i] = f(x.data<float>()[i]);
  expect_close(y, ref, 1e-5f);
}

TEST(ActivationKernel, UnaryFormulas) {
  check_unary("Relu", [](float v) { return v > 0 ? v : 0.0f; });
  check_unary("Sigmoid", [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
  check_unary("Tanh", [](float v) { return std::tanh(v); });
  check_unary("Exp", [](float v) { return std::exp(v); });
  check_unary("Neg", [](float v) { return -v; });
  check_unary("Abs", [](float v) { return std::fabs(v); });
  check_unary("Erf", [](float v) { return std::erf(v); });
  check_unary("Sqrt", [](float v) { return std::sqrt(v); }, {}, 0.0f, 9.0f);
  check_unary("Log", [](float v) { return std::log(v); }, {}, 0.1f, 9.0f);
  check_unary("HardSwish", [](float v) { return v * std::min(1.0f, std::max(0.0f, v / 6.0f + 0.5f)); });
  check_unary("HardSigmoid", [](float v) { return std::min(1.0f, std::max(0.0f, 0.3f * v + 0.4f)); },
              attrs({{"alpha", 0.3f}, {"beta", 0.4f}}));
  check_unary("LeakyRelu", [](float v) { return v >= 0 ? v : 0.2f * v; }, attrs({{"alpha", 0.2f}}));
}

TEST(ActivationKernel, ClipBoundsAsOptionalInputs) {
  const Tensor x = floats({5}, {-3, -1, 0, 2, 7});
  expect_close(run1("Clip", {x, floats({}, {-1.5f}), floats({}, {2.5f})}), floats({5}, {-1.5f, -1, 0, 2, 2.5f}));
  expect_close(run1("Clip", {x, std::nullopt, floats({}, {1})}), floats({5}, {-3, -1, 0, 1, 1}));  // no lower bound
  expect_close(run1("Clip", {x, floats({}, {0})}), floats({5}, {0, 0, 0, 2, 7}));                    // no upper bound
}

TEST(ActivationKernel, PReluPerChannelSlope) {
  const Tensor x = random_tensor({2, 3, 4, 4}, 5);
  const Tensor slope = floats({3, 1, 1}, {0.1f, 0.2f, 0.3f});
  const Tensor y = run1("PRelu", {x, slope});
  // The same slopes given as a 1-D [C] tensor (exporters emit that) mean per channel too.
  const Tensor y1 = run1("PRelu", {x, floats({3}, {0.1f, 0.2f, 0.3f})});
  Tensor ref(DType::Float32, x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const float v = x.data<float>()[i], a = 0.1f * static_cast<float>(1 + (i / 16) % 3);
    ref.data<float>()[i] = v < 0 ? a * v : v;
  }
  expect_close(y, ref, 1e-6f);
  expect_close(y1, ref, 1e-6f);
}

}  // namespace
}  // namespace qtune::test
