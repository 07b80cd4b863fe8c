// qtune iterate runs the analysers after evaluate (Fashion-MNIST CNN contract; skipped
// without the dataset): their artifacts land in the iteration folder, iteration_index.json
// records their paths, the analyse stage and what the strategy reads (top_5_error_layers,
// non_computing_hot_ops_count, graphwise_jumps_count); --no-analyse skips them.
#include <cstdlib>

#include <gtest/gtest.h>

#include "analysis_test_support.h"
#include "artifacts/json.h"
#include "framework/cli/run_qtune.h"
#include "support/fashion_mnist_iterate.h"

namespace qtune {
namespace {

namespace fs = std::filesystem;
using test::quoted;

const fs::path kCnnContract = fs::path(QTUNE_BINARY_DIR) / "contracts" / "libfashion_mnist_cnn.so";

using test::fashion_data_present;

const char* kAnalyserFiles[] = {"layerwise_error.json", "graphwise_error.json", "layer_stats_full.json",
                                "layer_stats.json", "non_computing_hot_ops.json", "graphwise_jumps.json"};

class IterateAnalyse : public testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kCnnContract)) GTEST_SKIP() << "contract not built: " << kCnnContract;
    if (!fashion_data_present()) GTEST_SKIP() << "Fashion-MNIST dataset not installed";
    root_ = test::fresh_dir("qtune_iterate_analyse");
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(IterateAnalyse, BaselineWritesTheAnalyserArtifacts) {
  const fs::path dir = root_ / "iter_0";
  const auto r = test::run_qtune("iterate --contract " + quoted(kCnnContract.string()) + " --baseline --output-dir " +
                                 quoted(dir.string()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* file : kAnalyserFiles) EXPECT_TRUE(fs::exists(dir / file)) << file;
  EXPECT_NE(r.out.find("analyse: 9 batches of 32"), std::string::npos) << r.out;   // analyse_steps 8 + 1
  EXPECT_NE(r.out.find("analyser layerwise -> layerwise_error.json"), std::string::npos) << r.out;

  const auto index = parse_json(read_file(dir / "iteration_index.json"), "iteration_index.json");
  EXPECT_TRUE(index["stage_seconds"].HasMember("analyse"));
  EXPECT_STREQ(index["paths"]["layerwise_error"].GetString(), "layerwise_error.json");
  EXPECT_STREQ(index["paths"]["graphwise_jumps"].GetString(), "graphwise_jumps.json");
  EXPECT_TRUE(index["warnings"].Empty()) << read_file(dir / "iteration_index.json");
  // top_5_error_layers = the first five of layerwise_error.json, as {op, snr}.
  const auto lw = test::read_artifact(dir, "layerwise_error.json");
  const auto& top5 = index["top_5_error_layers"];
  ASSERT_EQ(top5.Size(), std::min<rapidjson::SizeType>(5, lw.MemberCount()));
  auto it = lw.MemberBegin();
  for (const auto& e : top5.GetArray()) {
    EXPECT_STREQ(e["op"].GetString(), it->name.GetString());
    EXPECT_EQ(e["snr"].GetDouble(), it->value.GetDouble());
    ++it;
  }
  EXPECT_EQ(index["non_computing_hot_ops_count"].GetInt64(), test::read_artifact(dir, "non_computing_hot_ops.json").Size());
  EXPECT_EQ(index["graphwise_jumps_count"].GetInt64(), test::read_artifact(dir, "graphwise_jumps.json").Size());
}

TEST_F(IterateAnalyse, NoAnalyseSkipsThem) {
  const fs::path dir = root_ / "iter_1";
  const auto r = test::run_qtune("iterate --contract " + quoted(kCnnContract.string()) +
                                 " --baseline --no-analyse --output-dir " + quoted(dir.string()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* file : kAnalyserFiles) EXPECT_FALSE(fs::exists(dir / file)) << file;
  const auto index = parse_json(read_file(dir / "iteration_index.json"), "iteration_index.json");
  EXPECT_FALSE(index["stage_seconds"].HasMember("analyse"));
  EXPECT_EQ(index["top_5_error_layers"].Size(), 0u);
  EXPECT_EQ(index["non_computing_hot_ops_count"].GetInt64(), 0);
}

}  // namespace
}  // namespace qtune
