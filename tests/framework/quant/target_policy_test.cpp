#include "quant/target_policy.h"

#include <gtest/gtest.h>

#include "qtune/error.h"

namespace qtune {
namespace {

TEST(TargetPolicy, PlatformConstants) {
  struct Row { const char* target; int bits; int bias; Rounding r; TargetFamily f; EspdlPlatform p; };
  const Row rows[] = {
      {"esp32p4", 8, 32, Rounding::HalfEven, TargetFamily::P4, EspdlPlatform::Int8},
      {"esp32p4", 16, 40, Rounding::HalfEven, TargetFamily::P4, EspdlPlatform::Int16},
      {"ESP32S31", 8, 32, Rounding::HalfEven, TargetFamily::P4, EspdlPlatform::Int8},
      {"esp32s3", 8, 20, Rounding::HalfUp, TargetFamily::S3, EspdlPlatform::S3Int8},
      {"esp32s3", 16, 40, Rounding::HalfUp, TargetFamily::S3, EspdlPlatform::S3Int16},
      {"c", 8, 32, Rounding::HalfUp, TargetFamily::C, EspdlPlatform::CInt8},
      {"esp32c6", 16, 64, Rounding::HalfUp, TargetFamily::C, EspdlPlatform::CInt16},
  };
  for (const Row& r : rows) {
    auto p = TargetPolicy::from_target(r.target, r.bits);
    EXPECT_EQ(p.bits(), r.bits) << r.target;
    EXPECT_EQ(p.bias_bits(r.bits), r.bias) << r.target;
    EXPECT_EQ(p.rounding(), r.r) << r.target;
    EXPECT_EQ(p.family(), r.f) << r.target;
    EXPECT_EQ(p.platform(r.bits), r.p) << r.target;
  }
  EXPECT_EQ(TargetPolicy::kl_bins(8), 4096);
  EXPECT_EQ(TargetPolicy::kl_bins(16), 1048576);
}

TEST(TargetPolicy, UnknownTargetListsKnownOnes) {
  try {
    TargetPolicy::from_target("esp8266");
    FAIL();
  } catch (const InputError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("esp8266"), std::string::npos);
    EXPECT_NE(m.find("esp32p4"), std::string::npos);
    EXPECT_NE(m.find("esp32s3"), std::string::npos);
  }
  EXPECT_THROW(TargetPolicy::from_target("esp32p4", 4), InputError);
}

TEST(TargetPolicy, PerChannelWeightsOnP4Only) {
  Graph g;
  g.add_variable("x", {1, 4});
  g.add_parameter("w", Tensor({3, 4}));
  g.add_parameter("w2", Tensor({4, 3}));
  Attributes tb;
  tb.set("transB", std::int64_t{1});
  Op& gemm_t = g.add_op("g1", "Gemm", {"x", "w"}, {"y1"}, tb);
  Op& gemm = g.add_op("g2", "Gemm", {"x", "w2"}, {"y2"});
  Op& mm = g.add_op("m", "MatMul", {"x", "w2"}, {"y3"});
  auto p4 = TargetPolicy::from_target("esp32p4");
  auto s3 = TargetPolicy::from_target("esp32s3");
  EXPECT_EQ(p4.weight_channel_axis(gemm_t), 0);
  EXPECT_EQ(p4.weight_channel_axis(gemm), 1);
  EXPECT_FALSE(p4.weight_channel_axis(mm));
  EXPECT_FALSE(s3.weight_channel_axis(gemm_t));
  EXPECT_EQ(p4.parameter_observer(gemm_t, 1), "minmax");
  EXPECT_EQ(s3.parameter_observer(gemm_t, 1), "percentile");
}

TEST(TargetPolicy, OpSetsSocketsAndDispatch) {
  EXPECT_TRUE(TargetPolicy::is_quantizable_type("Conv"));
  EXPECT_TRUE(TargetPolicy::is_quantizable_type("InsertZeros"));
  EXPECT_FALSE(TargetPolicy::is_quantizable_type("Shape"));
  EXPECT_FALSE(TargetPolicy::is_quantizable_type("Pow"));
  EXPECT_TRUE(TargetPolicy::is_passive_type("MaxPool"));
  EXPECT_FALSE(TargetPolicy::is_passive_type("Resize"));
  EXPECT_FALSE(TargetPolicy::is_passive_type("Concat"));
  // InsertZeros (esp-ppq's ConvTranspose decomposition): quantable, not in PASSIVE_OPERATIONS
  // (its output gets a config of its own), not a COMPUTING_OP, its input quantized.
  EXPECT_FALSE(TargetPolicy::is_passive_type("InsertZeros"));
  EXPECT_FALSE(TargetPolicy::is_computing_type("InsertZeros"));
  Graph g;
  g.add_variable("x", {1, 4});
  g.add_parameter("s", Tensor::from<std::int64_t>({2}, {4, 1}));
  Op& r = g.add_op("r", "Reshape", {"x", "s"}, {"y"});
  Op& sm = g.add_op("sm", "Softmax", {"y"}, {"z"});
  EXPECT_FALSE(TargetPolicy::is_fp32_input(r, 0));
  EXPECT_TRUE(TargetPolicy::is_fp32_input(r, 1));
  EXPECT_TRUE(TargetPolicy::is_fp32_output(sm, 0));
  auto p = TargetPolicy::from_target("esp32p4");
  p.dispatch("sm", 16);
  EXPECT_EQ(p.op_bits(sm), 16);
  EXPECT_EQ(p.op_bits(r), 8);
  EXPECT_THROW(p.dispatch("r", 12), InputError);
  Op& iz = g.add_op("iz", "InsertZeros", {"z"}, {"w"});
  EXPECT_FALSE(TargetPolicy::is_fp32_input(iz, 0));
  EXPECT_FALSE(TargetPolicy::is_fp32_output(iz, 0));
}

TEST(TargetPolicy, ConvTransposeDecompositionIsOnForEveryTarget) {
  // esp-ppq's QuantizationSetting.convtranspose_decomposition defaults to True.
  for (const std::string& t : TargetPolicy::known_targets())
    for (int bits : {8, 16}) EXPECT_TRUE(TargetPolicy::from_target(t, bits).convtranspose_decomposition()) << t << bits;
  auto p = TargetPolicy::from_target("esp32s3");
  p.set_convtranspose_decomposition(false);
  EXPECT_FALSE(p.convtranspose_decomposition());
}

}  // namespace
}  // namespace qtune
