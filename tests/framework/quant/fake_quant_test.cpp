// Fake quantization against hand-worked values (reference §6.2, §1.2, Errata 1), and with
// linear (float) scales against a float32 loop written here.
#include "qtune/fake_quant.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "qtune/error.h"

namespace qtune {
namespace {

TensorQuantConfig cfg(int e, Rounding r, int bits = 8) {
  TensorQuantConfig c;
  c.bits = bits;
  c.exponents = {e};
  c.rounding = r;
  c.quant_min = -(std::int64_t{1} << (bits - 1));
  c.quant_max = (std::int64_t{1} << (bits - 1)) - 1;
  c.state = QuantState::Calibrated;
  return c;
}

TEST(FakeQuant, TiesHalfEvenAndHalfUp) {
  Tensor x = Tensor::from<float>({6}, {2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -0.5f});
  auto even = fake_quantize(x, cfg(0, Rounding::HalfEven)).to_float();
  EXPECT_EQ(even, (std::vector<float>{2, 4, -2, -4, 0, -0}));
  auto up = fake_quantize(x, cfg(0, Rounding::HalfUp)).to_float();  // floor(x + 0.5)
  EXPECT_EQ(up, (std::vector<float>{3, 4, -2, -3, 1, 0}));
}

TEST(FakeQuant, ScaleIsPowerOfTwo) {
  // e = -2: s = 0.25. 0.3 / 0.25 = 1.2 -> 1 -> 0.25; 0.375 / 0.25 = 1.5 -> 2 (even) / 2 (up).
  Tensor x = Tensor::from<float>({3}, {0.3f, 0.375f, 0.125f});
  EXPECT_EQ(fake_quantize(x, cfg(-2, Rounding::HalfEven)).to_float(), (std::vector<float>{0.25f, 0.5f, 0.0f}));
  EXPECT_EQ(fake_quantize(x, cfg(-2, Rounding::HalfUp)).to_float(), (std::vector<float>{0.25f, 0.5f, 0.25f}));
}

TEST(FakeQuant, HalfUpIsFloat32FloorOfXPlusHalf) {
  // Errata 1: odd integers in [2^23, 2^24) become x + 1 under float32 x + 0.5.
  const float odd = 8388609.0f;  // 2^23 + 1
  EXPECT_EQ(round_as(odd, Rounding::HalfUp), 8388610.0f);
  EXPECT_EQ(round_as(odd, Rounding::HalfEven), odd);
  EXPECT_EQ(round_as(8388608.0f, Rounding::HalfUp), 8388608.0f);  // even stays
  // Through quantize_to_int with a 32-bit (bias) config.
  TensorQuantConfig c = cfg(0, Rounding::HalfUp, 32);
  EXPECT_EQ(quantize_to_int(Tensor::from<float>({1}, {odd}), c), (std::vector<std::int64_t>{8388610}));
  c.rounding = Rounding::HalfEven;
  EXPECT_EQ(quantize_to_int(Tensor::from<float>({1}, {odd}), c), (std::vector<std::int64_t>{8388609}));
}

TEST(FakeQuant, Saturation) {
  Tensor x = Tensor::from<float>({4}, {1000.0f, -1000.0f, 127.4f, -128.6f});
  EXPECT_EQ(fake_quantize(x, cfg(0, Rounding::HalfEven)).to_float(), (std::vector<float>{127, -128, 127, -128}));
  EXPECT_EQ(quantize_to_int(x, cfg(0, Rounding::HalfUp)), (std::vector<std::int64_t>{127, -128, 127, -128}));
  // int16 range, e = -8.
  Tensor y = Tensor::from<float>({2}, {200.0f, -200.0f});
  EXPECT_EQ(quantize_to_int(y, cfg(-8, Rounding::HalfEven, 16)), (std::vector<std::int64_t>{32767, -32768}));
}

TEST(FakeQuant, PerChannelAlongAxis) {
  // Shape [2, 3], axis 1: exponents per column.
  Tensor x = Tensor::from<float>({2, 3}, {1.3f, 1.3f, 1.3f, -0.7f, -0.7f, -0.7f});
  TensorQuantConfig c = cfg(0, Rounding::HalfEven);
  c.channel_axis = 1;
  c.exponents = {0, -1, -2};
  EXPECT_EQ(fake_quantize(x, c).to_float(), (std::vector<float>{1.0f, 1.5f, 1.25f, -1.0f, -0.5f, -0.75f}));
  EXPECT_EQ(quantize_to_int(x, c), (std::vector<std::int64_t>{1, 3, 5, -1, -1, -3}));
  // Axis 0 of [3, 2].
  Tensor w = Tensor::from<float>({3, 2}, {0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f});
  c.channel_axis = 0;
  EXPECT_EQ(fake_quantize(w, c).to_float(), (std::vector<float>{0, 0, 0.5f, 0.5f, 0.25f, 0.25f}));
  c.exponents = {0, 1};
  EXPECT_THROW(fake_quantize(w, c), Error);
}

// Linear scales (the "linear" target): q = clamp(round(x / s), qmin, qmax)·s with a float32
// division, per channel along axis 1, both roundings; quantize_to_int gives the integers.
TEST(FakeQuant, LinearScalesPerChannelMatchAFloatLoop) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-4.0f, 4.0f);
  std::vector<float> v(2 * 3 * 7);
  for (float& f : v) f = u(rng);
  v[0] = 0.0135f * 2.5f;  // a tie in channel 0 (x/s computed below decides)
  const Tensor x = Tensor::from<float>({2, 3, 7}, v);
  const std::vector<float> scales = {0.0135f, 0.021f, 0.0077f};
  for (Rounding r : {Rounding::HalfEven, Rounding::HalfUp}) {
    TensorQuantConfig c;
    c.scale_kind = ScaleKind::Linear;
    c.scales = scales;
    c.channel_axis = 1;
    c.rounding = r;
    c.state = QuantState::Calibrated;
    const std::vector<float> q = fake_quantize(x, c).to_float();
    const std::vector<std::int64_t> ints = quantize_to_int(x, c);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const float s = scales[(i / 7) % 3];
      const float d = v[i] / s;
      const float rounded = r == Rounding::HalfEven ? std::nearbyint(d) : std::floor(d + 0.5f);
      const float want = std::clamp(rounded, -128.0f, 127.0f);
      ASSERT_EQ(q[i], want * s) << i;
      ASSERT_EQ(ints[i], static_cast<std::int64_t>(want)) << i;
    }
  }
}

TEST(FakeQuant, LinearScaleErrors) {
  const Tensor x = Tensor::from<float>({2, 2}, {1, 2, 3, 4});
  TensorQuantConfig c;
  c.scale_kind = ScaleKind::Linear;
  c.state = QuantState::Calibrated;
  c.applied_at = "conv#1";
  c.exponents = {-3};  // a linear config ignores exponents: no scale is no scale
  try {
    fake_quantize(x, c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("0 linear scales, expected 1"), std::string::npos) << e.what();
  }
  c.scales = {-0.5f};
  try {
    fake_quantize(x, c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'conv#1'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("finite positive"), std::string::npos) << e.what();
  }
  c.scales = {0.5f, 0.25f, 0.125f};
  c.channel_axis = 0;
  EXPECT_THROW(fake_quantize(x, c), Error);  // 3 scales for 2 channels
}

}  // namespace
}  // namespace qtune
