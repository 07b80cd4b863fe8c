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

#include "artifacts/atomic_file.h"
#include "run/iteration.h"

namespace qtune {
namespace {

namespace fs = std::filesystem;

const fs::path kContract = fs::path(QTUNE_BINARY_DIR) / "contracts" / "libfashion_mnist_mobilenetv2.so";

bool fashion_data_present() {
  const char* env = std::getenv("FASHION_MNIST_DIR");
  const fs::path dir = env && *env ? fs::path(env) : fs::path("/usr/share/datasets/fashion-mnist");
  return fs::exists(dir / "t10k-images-idx3-ubyte.gz") || fs::exists(dir / "t10k-images-idx3-ubyte");
}

IterationResult iterate(const std::string& name, const std::string& setting_json) {
  const fs::path root = fs::path(::testing::TempDir()) / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  write_file_atomic(root / "setting.json", setting_json);
  IterationRequest request;
  request.contract = kContract;
  request.setting = root / "setting.json";
  request.output_dir = root / "iter_1";
  request.echo = false;
  return run_iteration(request);
}

TEST(BlockwiseIterate, TqtThenBlockwiseOnMobileNetV2) {
  if (!fs::exists(kContract)) GTEST_SKIP() << "contract not built: " << kContract;
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
