// bias_correct through one real iteration (qtune iterate: run_iteration) on the
// MobileNetV2-style Fashion-MNIST contract (skipped without the contract or the dataset).
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "support/fashion_mnist_iterate.h"

namespace qtune {
namespace {

namespace fs = std::filesystem;

using test::fashion_data_present;
using test::kMobileNetV2Contract;

IterationResult iterate(const std::string& name, const std::string& setting_json, const std::string& target) {
  return test::iterate_mobilenetv2(name, setting_json, target);
}

const PassRecord* bias_record(const IterationResult& r) {
  for (const PassRecord& p : r.record.passes)
    if (p.setting_key == "bias_correct") return &p;
  return nullptr;
}

class BiasIterate : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!fs::exists(kMobileNetV2Contract)) GTEST_SKIP() << "contract not built: " << kMobileNetV2Contract;
    if (!fashion_data_present()) GTEST_SKIP() << "Fashion-MNIST dataset not installed";
  }
};

TEST_P(BiasIterate, CorrectsTheMobileNetBlocks) {
  const IterationResult r =
      iterate("qtune_bias_iterate", "{\"iteration_id\": 1, \"bias_correct\": {\"enabled\": true}}\n", GetParam());
  ASSERT_TRUE(r.ok()) << r.record.error << "\n" << r.console;
  const PassRecord* p = bias_record(r);
  ASSERT_NE(p, nullptr) << r.console;
  EXPECT_EQ(p->stage, "bias-correction");
  EXPECT_TRUE(p->modified) << r.console;
  ASSERT_GE(p->notes.size(), 2u);
  // Every block of this model ends in a biased Conv or Gemm (BatchNorm is folded into the convs).
  EXPECT_NE(p->notes[0].find("block(s) with a biased Conv/Gemm"), std::string::npos) << p->notes[0];
  EXPECT_EQ(p->notes[1].find("0 bias(es) changed"), std::string::npos) << p->notes[1];
  EXPECT_NE(r.console.find("bias_correct: block ["), std::string::npos);
  for (const std::string& w : r.record.warnings) EXPECT_EQ(w.find("bias_correct"), std::string::npos) << w;
  EXPECT_GT(r.metrics.at("top1"), 80.0);
}

INSTANTIATE_TEST_SUITE_P(Targets, BiasIterate, ::testing::Values("esp32p4", "esp32s3"));

TEST(BiasIterateWarnings, AnUnknownInterestedLayerIsRecorded) {
  if (!fs::exists(kMobileNetV2Contract) || !fashion_data_present()) GTEST_SKIP() << "contract or dataset missing";
  const IterationResult r = iterate(
      "qtune_bias_iterate_unknown",
      "{\"iteration_id\": 1, \"bias_correct\": {\"enabled\": true, \"interested_layers\": [\"/no/Conv\"]}}\n", "esp32p4");
  ASSERT_TRUE(r.ok()) << r.record.error;
  bool named = false, nothing = false;
  for (const std::string& w : r.record.warnings) {
    named = named || w.find("bias_correct: interested_layers names no op of the graph: /no/Conv") != std::string::npos;
    nothing = nothing || w.find("bias_correct: nothing corrected") != std::string::npos;
  }
  EXPECT_TRUE(named && nothing) << r.console;
  ASSERT_NE(bias_record(r), nullptr);
  EXPECT_FALSE(bias_record(r)->modified);
}

}  // namespace
}  // namespace qtune
