// Fake quantization with a trainable log2-scale: forward equal to the SDK's fake_quantize,
// backward against hand-worked values (reference §3.4), and the α gradient against finite
// differences of the straight-through surrogate q(α) = x + c·2^α inside the range (c, the
// rounding residual round(x/s) − x/s, held fixed) and q(α) = bound·2^α where clamped.
#include <cmath>
#include <numbers>

#include "grad/fake_quant_grad.h"
#include "grad_test_util.h"
#include "qtune/fake_quant.h"

namespace qtune::gradtest {
namespace {

TensorQuantConfig int8_config(std::vector<int> exponents, int axis = -1, Rounding r = Rounding::HalfEven) {
  TensorQuantConfig c;
  c.exponents = std::move(exponents);
  c.channel_axis = axis;
  c.rounding = r;
  c.state = QuantState::Calibrated;
  return c;
}

TEST(FakeQuantGradient, ForwardIsTheSdkFakeQuantization) {
  const Tensor x = uniform_tensor({2, 3, 4}, 1, -50.0f, 50.0f);
  for (Rounding r : {Rounding::HalfEven, Rounding::HalfUp}) {
    const TensorQuantConfig pt = int8_config({-2}, -1, r), pc = int8_config({-3, -1, 0}, 1, r);
    for (const TensorQuantConfig* c : {&pt, &pc}) {
      const Tensor a = grad::fake_quant_forward(x, *c, c->exponents);
      const Tensor b = fake_quantize(x, *c);
      for (std::int64_t i = 0; i < x.numel(); ++i) ASSERT_EQ(a.data<float>()[i], b.data<float>()[i]) << i;
    }
  }
}

TEST(FakeQuantGradient, HandWorkedPerTensor) {
  // s = 2^-2. x/s = 1.2, -2.4, 160 (clamped to 127), -160 (clamped to -128), 0.5 (ties to even: 0).
  const Tensor x = f32({5}, {0.3f, -0.6f, 40.0f, -40.0f, 0.125f});
  const Tensor dy = f32({5}, {1, 2, 3, 4, 5});
  const TensorQuantConfig c = int8_config({-2});
  Tensor dx;
  float dalpha = 0.0f;
  grad::fake_quant_backward(x, c, c.exponents, dy, &dx, &dalpha);
  const std::vector<float> want_dx = {1, 2, 0, 0, 5};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(dx.data<float>()[i], want_dx[static_cast<std::size_t>(i)]) << i;
  // Σ dy·(r − x/s)·s·ln2 inside, dy·bound·s·ln2 clamped:
  // 0.25·ln2·(1·(−0.2) + 2·(0.4) + 3·127 + 4·(−128) + 5·(−0.5)) = 0.25·ln2·(−132.9).
  EXPECT_NEAR(dalpha, 0.25 * std::numbers::ln2 * -132.9, 1e-4);
  // Half-up rounds 0.5 to 1: the last residual becomes +0.5.
  const TensorQuantConfig up = int8_config({-2}, -1, Rounding::HalfUp);
  float dalpha_up = 0.0f;
  grad::fake_quant_backward(x, up, up.exponents, dy, nullptr, &dalpha_up);
  EXPECT_NEAR(dalpha_up, 0.25 * std::numbers::ln2 * (-132.9 + 5.0), 1e-4);
}

TEST(FakeQuantGradient, HandWorkedPerChannelAccumulates) {
  // Channels along axis 0 with exponents 0 and -1; dalpha starts non-zero (it accumulates).
  const Tensor x = f32({2, 2}, {0.75f, 200.0f, 0.3f, -0.2f});
  const Tensor dy = f32({2, 2}, {1, 1, 2, 2});
  const TensorQuantConfig c = int8_config({0, -1}, 0);
  float dalpha[2] = {10.0f, 20.0f};
  Tensor dx;
  grad::fake_quant_backward(x, c, c.exponents, dy, &dx, dalpha);
  // Channel 0, s = 1: 0.75 -> r 1, residual 0.25; 200 clamped to 127.  (0.25 + 127)·ln2.
  EXPECT_NEAR(dalpha[0], 10.0 + std::numbers::ln2 * 127.25, 1e-4);
  // Channel 1, s = 0.5: 0.6 -> 1 (0.4), -0.4 -> 0 (0.4).  2·(0.4 + 0.4)·0.5·ln2.
  EXPECT_NEAR(dalpha[1], 20.0 + 0.8 * std::numbers::ln2, 1e-4);
  EXPECT_EQ(dx.data<float>()[1], 0.0f);
  EXPECT_EQ(dx.data<float>()[2], 2.0f);
}

TEST(FakeQuantGradient, AlphaGradientIsTheDerivativeOfTheStraightThroughSurrogate) {
  const Tensor x = uniform_tensor({3, 40}, 2, -9.0f, 9.0f);  // some clamp at 2^-4 (range ±8)
  const Tensor dy = uniform_tensor({3, 40}, 3);
  for (int axis : {-1, 0}) {
    const TensorQuantConfig c = axis < 0 ? int8_config({-4}) : int8_config({-4, -5, -3}, 0);
    std::vector<float> dalpha(c.exponents.size(), 0.0f);
    grad::fake_quant_backward(x, c, c.exponents, dy, nullptr, dalpha.data());
    for (std::size_t ch = 0; ch < c.exponents.size(); ++ch) {
      const double h = 1e-4;
      auto surrogate = [&](double alpha_shift) {
        double sum = 0.0;
        for (std::int64_t i = 0; i < x.numel(); ++i) {
          const std::size_t k = axis < 0 ? 0 : static_cast<std::size_t>(i / 40);
          const double s0 = std::ldexp(1.0, c.exponents[k]);
          const double v = x.data<float>()[i] / s0, r = std::nearbyint(v);
          const double s = k == ch ? std::pow(2.0, c.exponents[k] + alpha_shift) : s0;
          const double q = r > 127 ? 127 * s : r < -128 ? -128 * s : x.data<float>()[i] + (r - v) * s;
          sum += dy.data<float>()[i] * q;
        }
        return sum;
      };
      const double fd = (surrogate(h) - surrogate(-h)) / (2 * h);
      EXPECT_NEAR(dalpha[ch], fd, 1e-3 * std::max(1.0, std::abs(fd))) << "axis " << axis << " channel " << ch;
    }
  }
}

}  // namespace
}  // namespace qtune::gradtest
