// The non-ESP-DL "linear" target (quant/target_policy.h): its policy, calibration without
// power-of-two rounding (minmax through the real plugin: s = 2·absmax/(qmax − qmin), esp-ppq's
// linear symmetric formula, computed here in double), the passive bias scale s_x·s_w per
// channel, quant_params.json, and the .espdl exporter's refusal.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "export/espdl_export.h"
#include "framework/quant/plugin_calibration.h"
#include "host/plugin_host.h"
#include "quant/calibration_driver.h"
#include "quant/quant_params_json.h"
#include "quant/quantizer.h"
#include "quant/target_policy.h"
#include "qtune/error.h"

namespace qtune {
namespace {

Tensor values(Shape shape, std::uint32_t seed, float lo, float hi) {
  Tensor t(shape);
  std::uint32_t state = seed;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    state = state * 1664525u + 1013904223u;  // LCG: independent of the code under test
    t.data<float>()[i] = lo + (hi - lo) * static_cast<float>(state >> 8) / static_cast<float>(1u << 24);
  }
  return t;
}

// x[N,2,3,3] -> Conv 1x1 (w[3,2,1,1], b[3]) -> Relu -> y
Graph conv_relu() {
  Graph g;
  g.name = "conv_relu";
  g.add_variable("x", {-1, 2, 3, 3});
  g.add_parameter("w", Tensor::from<float>({3, 2, 1, 1}, {0.8f, -0.3f, 0.05f, 0.11f, -1.7f, 0.6f}));
  g.add_parameter("b", Tensor::from<float>({3}, {0.1f, -0.2f, 0.3f}));
  g.add_op("conv", "Conv", {"x", "w", "b"}, {"c"});
  g.add_op("relu", "Relu", {"c"}, {"y"});
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

void calibrate_minmax(Graph& g, const std::vector<std::vector<Tensor>>& batches) {
  test::calibrate_with_plugins(g, batches, "minmax");
}

// esp-ppq's symmetric linear scale (minmax_to_scale_offset without POWER_OF_2), int8.
double linear_scale(double absmax) { return std::max(2.0 * absmax / 255.0, 1e-8); }

TEST(LinearTarget, PolicyIsNotEspdl) {
  const TargetPolicy p = TargetPolicy::from_target("Linear");
  EXPECT_EQ(p.target(), "linear");
  EXPECT_FALSE(p.is_espdl());
  EXPECT_EQ(p.scale_kind(), ScaleKind::Linear);
  EXPECT_TRUE(p.per_channel_weights());
  EXPECT_EQ(p.rounding(), Rounding::HalfEven);
  EXPECT_EQ(p.bias_bits(8), 32);
  EXPECT_THROW(p.platform(8), Error);
  for (const char* chip : {"esp32p4", "esp32s3", "c"}) {
    EXPECT_TRUE(TargetPolicy::from_target(chip).is_espdl()) << chip;
    EXPECT_EQ(TargetPolicy::from_target(chip).scale_kind(), ScaleKind::PowerOf2) << chip;
  }
  const auto& known = TargetPolicy::known_targets();
  EXPECT_NE(std::find(known.begin(), known.end(), "linear"), known.end());
}

TEST(LinearTarget, MinmaxCalibrationGivesFloatScalesAndBiasIsTheirProduct) {
  Graph g = conv_relu();
  const TargetPolicy policy = TargetPolicy::from_target("linear");
  quantize_graph(g, policy);
  std::vector<std::vector<Tensor>> batches;
  for (std::uint32_t b = 0; b < 3; ++b) batches.push_back({values({2, 2, 3, 3}, 40 + b, -1.3f, 2.1f)});
  calibrate_minmax(g, batches);

  // Input: absmax over every batch.
  double absmax = 0;
  for (const auto& b : batches)
    for (float v : b[0].to_float()) absmax = std::max(absmax, std::fabs(static_cast<double>(v)));
  const TensorQuantConfig& x = *input_config(g.op("conv"), 0);
  ASSERT_TRUE(x.linear());
  EXPECT_TRUE(x.exponents.empty());
  ASSERT_EQ(x.scales.size(), 1u);
  EXPECT_FLOAT_EQ(x.scales[0], static_cast<float>(linear_scale(absmax)));

  // Weight: per output channel, minmax.
  const TensorQuantConfig& w = *input_config(g.op("conv"), 1);
  ASSERT_TRUE(w.linear());
  ASSERT_EQ(w.channel_axis, 0);
  ASSERT_EQ(w.scales.size(), 3u);
  const std::vector<float> wv = g.variable("w").value->to_float();
  for (std::size_t o = 0; o < 3; ++o)
    EXPECT_FLOAT_EQ(w.scales[o], static_cast<float>(linear_scale(std::max(std::fabs(wv[2 * o]), std::fabs(wv[2 * o + 1])))))
        << o;

  // Bias: s_x · s_w[c] in float32 (esp-ppq's tensors), per channel, passive.
  const TensorQuantConfig& b = *input_config(g.op("conv"), 2);
  ASSERT_TRUE(b.linear());
  EXPECT_EQ(b.state, QuantState::Passive);
  EXPECT_EQ(b.bits, 32);
  ASSERT_EQ(b.scales.size(), 3u);
  for (std::size_t o = 0; o < 3; ++o) EXPECT_EQ(b.scales[o], x.scales[0] * w.scales[o]) << o;

  // Output (Conv + Relu fused): what the observer saw — relu(conv(x, fq(w), b)), x and b not
  // yet quantized during calibration (reference §2.7) — recomputed here with a float loop.
  std::vector<float> wq(6);
  for (std::size_t i = 0; i < 6; ++i) {
    const float s = w.scales[i / 2];
    wq[i] = std::clamp(std::nearbyint(wv[i] / s), -128.0f, 127.0f) * s;
  }
  const std::vector<float> bv = g.variable("b").value->to_float();
  double ymax = 0;
  for (const auto& batch : batches) {
    const std::vector<float> xv = batch[0].to_float();
    for (std::size_t n = 0; n < 2; ++n)
      for (std::size_t o = 0; o < 3; ++o)
        for (std::size_t p = 0; p < 9; ++p) {
          const float y = wq[2 * o] * xv[(n * 2 + 0) * 9 + p] + wq[2 * o + 1] * xv[(n * 2 + 1) * 9 + p] + bv[o];
          ymax = std::max(ymax, static_cast<double>(std::max(y, 0.0f)));
        }
  }
  const TensorQuantConfig& y = *g.variable("y").quant;
  ASSERT_TRUE(y.linear());
  ASSERT_EQ(y.scales.size(), 1u);
  EXPECT_NEAR(y.scales[0], linear_scale(ymax), 1e-6 * linear_scale(ymax));
  // Not a power of two (the ESP-DL targets would have rounded it up).
  EXPECT_NE(std::exp2(std::round(std::log2(y.scales[0]))), y.scales[0]);

  const std::string json = quant_params_json(g);
  EXPECT_NE(json.find("\"scales\""), std::string::npos);
}

TEST(LinearTarget, EspdlExportRefusesLinearScales) {
  Graph g = conv_relu();
  quantize_graph(g, TargetPolicy::from_target("linear"));
  std::vector<std::vector<Tensor>> batches;
  for (std::uint32_t b = 0; b < 2; ++b) batches.push_back({values({1, 2, 3, 3}, 70 + b, -1.0f, 1.0f)});
  calibrate_minmax(g, batches);
  try {
    export_espdl(g, TargetPolicy::from_target("linear"));
    FAIL() << "expected the export to refuse the linear target";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("target 'linear' is not an ESP-DL chip"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("power-of-two"), std::string::npos) << e.what();
  }
  // An ESP-DL policy with a linear config left in the graph is refused too, naming it.
  try {
    export_espdl(g, TargetPolicy::from_target("esp32p4"));
    FAIL() << "expected the export to refuse a linear config";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("has linear (float) scales"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("the config applied at '"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qtune
