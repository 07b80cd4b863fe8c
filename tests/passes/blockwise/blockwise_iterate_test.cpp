// `qtune iterate` (run_iteration, evaluate_fast) on the MobileNetV2-style Fashion-MNIST
// example with tqt and blockwise reconstruction both enabled: the iteration completes,
// blockwise runs after tqt in the Training stage, its blocks never end worse than they
// started (revert rule), and the metric stays close to the baseline's. Short schedules keep
// the test fast (the full 500-step run is measured in docs/training.md). Skipped without
// the contract library or the Fashion-MNIST dataset.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/fashion_mnist_iterate.h"

namespace qtune {
namespace {

namespace fs = std::filesystem;

using test::fashion_data_present;
using test::kMobileNetV2Contract;

IterationResult iterate(const std::string& name, const std::string& setting_json) {
  return test::iterate_mobilenetv2(name, setting_json);
}

TEST(BlockwiseIterate, TqtThenBlockwiseOnMobileNetV2) {
  if (!fs::exists(kMobileNetV2Contract)) GTEST_SKIP() << "contract not built: " << kMobileNetV2Contract;
  if (!fashion_data_present()) GTEST_SKIP() << "Fashion-MNIST dataset not installed";
  const auto r = iterate("qtune_iterate_blockwise",
                         R"({"iteration_id": 1, "tqt_optimization": {"enabled": true, "steps": 10},
                             "blockwise_reconstruction": {"enabled": true, "steps": 30}})");
  ASSERT_TRUE(r.ok()) << r.record.error << "\n" << r.console;
  std::ptrdiff_t tqt = -1, blockwise = -1;
  for (std::size_t i = 0; i < r.record.passes.size(); ++i) {
    if (r.record.passes[i].setting_key == "tqt_optimization") tqt = static_cast<std::ptrdiff_t>(i);
    if (r.record.passes[i].setting_key == "blockwise_reconstruction") blockwise = static_cast<std::ptrdiff_t>(i);
  }
  ASSERT_GE(tqt, 0);
  ASSERT_GE(blockwise, 0);
  EXPECT_LT(tqt, blockwise);
  const PassRecord& bw = r.record.passes[static_cast<std::size_t>(blockwise)];
  EXPECT_EQ(bw.plugin, "blockwise");
  EXPECT_EQ(bw.stage, "training");
  ASSERT_FALSE(bw.notes.empty());
  const std::string& note = bw.notes[0];
  const auto at = note.find("Σ block loss ");
  ASSERT_NE(at, std::string::npos) << note;
  double before = 0, after = 0;
  ASSERT_EQ(std::sscanf(note.c_str() + at + std::string("Σ block loss ").size(), "%lf -> %lf", &before, &after), 2)
      << note;
  EXPECT_LE(after, before) << note;
  EXPECT_NE(r.console.find("blockwise block 1/"), std::string::npos);
  EXPECT_GT(r.metrics.at("top1"), 85.0);
}

}  // namespace
}  // namespace qtune
