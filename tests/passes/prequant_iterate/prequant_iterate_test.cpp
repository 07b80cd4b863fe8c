// equalization and weight_split on the bundled MobileNetV2-style Fashion-MNIST model:
// the float model unchanged by each pass (real weights, real calibration images), and one
// `qtune iterate` per pass (run_iteration, evaluate_fast) with its artifacts: pass record,
// split ops in simplified_ops.json and quant_params.json, warnings in iteration_index.json.
// Skipped without the contract library or the Fashion-MNIST dataset.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "artifacts/atomic_file.h"
#include "artifacts/json.h"
#include "host/contract_host.h"
#include "passes/support/pass_test_support.h"
#include "run/iteration.h"
#include "support/fashion_mnist_iterate.h"

namespace qtune {
namespace {

namespace fs = std::filesystem;
using test::joined;

const fs::path kContract = fs::path(QTUNE_BINARY_DIR) / "contracts" / "libfashion_mnist_mobilenetv2.so";
// A depthwise conv of the model with 5 of its 576 weights above the default threshold 2.
const std::string kSplitLayer = "/features/features.3/block/block.3/Conv";

using test::fashion_data_present;

class MobileNetV2Passes : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kContract)) GTEST_SKIP() << "contract not built: " << kContract;
    if (!fashion_data_present()) GTEST_SKIP() << "Fashion-MNIST dataset not installed";
  }
  static fs::path fresh_dir(const std::string& name) {
    const fs::path dir = fs::path(::testing::TempDir()) / (name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
  }
  static IterationResult iterate(const fs::path& root, const std::string& setting_json) {
    const fs::path setting = root / "setting.json";
    write_file_atomic(setting, setting_json);
    IterationRequest request;
    request.contract = kContract;
    request.setting = setting;
    request.output_dir = root / "iter_1";
    request.echo = false;
    return run_iteration(request);
  }
  static rapidjson::Document read_json(const fs::path& path) { return parse_json(read_file(path), path.string()); }
};

// Both passes keep the float function of the real model on real images (1e-5 relative).
TEST_F(MobileNetV2Passes, FloatOutputsUnchanged) {
  ContractHost host(kContract);
  const std::vector<Batch> batches = host.calibration_batches(2);
  const Graph original = host.load_graph();
  const auto reference = test::run_float(original, batches[0]);

  Graph equalized = original;
  const auto eq = test::run_pass("equalization", equalized, {{"opt_level", std::int64_t{2}}, {"including_act", true}},
                                 batches, "esp32p4");
  EXPECT_TRUE(eq.result.modified);
  EXPECT_NE(eq.result.notes.at(0).find("3 pair(s) equalized"), std::string::npos) << joined(eq.result.notes);
  test::expect_outputs_close(test::run_float(equalized, batches[0]), reference, 1e-5);

  Graph split = original;
  const auto ws = test::run_pass("weight_split", split, {{"interested_layers", std::vector<std::string>{kSplitLayer}}},
                                 batches, "esp32p4");
  EXPECT_TRUE(ws.result.modified) << joined(ws.warnings);
  EXPECT_EQ(split.op_count(), original.op_count() + 2);
  test::expect_outputs_close(test::run_float(split, batches[0]), reference, 1e-5);
}

TEST_F(MobileNetV2Passes, IterateWithEqualizationOptLevel2) {
  const fs::path root = fresh_dir("qtune_iterate_equalization");
  const auto r = iterate(root, R"({"iteration_id": 1, "equalization": {"enabled": true, "opt_level": 2}})");
  ASSERT_TRUE(r.ok()) << r.record.error << "\n" << r.console;
  ASSERT_EQ(r.record.passes.size(), 2u);  // equalization, fusion_alignment
  const PassRecord& eq = r.record.passes[0];
  EXPECT_EQ(eq.setting_key, "equalization");
  EXPECT_EQ(eq.stage, "pre-quantize");
  EXPECT_TRUE(eq.modified);
  // opt_level 2 reaches the two residual chains (features.5-7, features.7-10) and the
  // features.10 -> features.11 pair; the features.3/4 chain starts at a Clip (ReLU6).
  ASSERT_EQ(eq.notes.size(), 4u) << joined(eq.notes);
  EXPECT_NE(eq.notes[0].find("3 pair(s) equalized (6 upstream, 6 downstream layer(s))"), std::string::npos) << eq.notes[0];
  EXPECT_NE(eq.notes[3].find("['/features/features.10/block/block.6/Conv'] -> ['/features/features.11/Conv']"),
            std::string::npos)
      << eq.notes[3];
  EXPECT_GT(r.metrics.at("top1"), 85.0);

  const auto index = read_json(root / "iter_1" / kIterationIndexFile);
  bool per_channel_warning = false;
  for (const auto& w : index["warnings"].GetArray())
    per_channel_warning = per_channel_warning || std::string(w.GetString()).find("per-channel") != std::string::npos;
  EXPECT_TRUE(per_channel_warning);
  fs::remove_all(root);
}

TEST_F(MobileNetV2Passes, IterateWithWeightSplitOnOneLayer) {
  const fs::path root = fresh_dir("qtune_iterate_weight_split");
  const auto r = iterate(root, R"({"iteration_id": 1, "weight_split": {"enabled": true, "interested_layers": [")" +
                                   kSplitLayer + R"(", "/features/no_such/Conv"]}})");
  ASSERT_TRUE(r.ok()) << r.record.error << "\n" << r.console;
  const PassRecord& ws = r.record.passes.at(0);
  EXPECT_EQ(ws.setting_key, "weight_split");
  EXPECT_TRUE(ws.modified);
  EXPECT_NE(ws.notes.at(1).find("5 of 576 weights with |w| > 2"), std::string::npos) << joined(ws.notes);
  EXPECT_GT(r.metrics.at("top1"), 85.0);

  const fs::path dir = root / "iter_1";
  // simplified_ops.json is written after the PreQuantize passes: it lists the split ops,
  // each right after the op it was split from.
  const auto ops = read_json(dir / kSimplifiedOpsFile);
  std::vector<std::string> names;
  for (const auto& op : ops.GetArray()) names.push_back(op["name"].GetString());
  EXPECT_EQ(names.size(), 54u);
  const auto at = std::find(names.begin(), names.end(), kSplitLayer);
  ASSERT_NE(at, names.end());
  ASSERT_LT(at + 2, names.end());
  EXPECT_EQ(*(at + 1), kSplitLayer + "_split");
  EXPECT_EQ(*(at + 2), kSplitLayer + "_split_add");

  // quant_params.json quantizes the new weight and both partial outputs.
  const auto params = read_json(dir / kQuantParamsFile);
  const auto& vars = params["variables"];
  for (const std::string& v : {std::string("features.3.block.3.weight_split"), kSplitLayer + "_split_output",
                              kSplitLayer + "_kept_output"}) {
    ASSERT_TRUE(vars.HasMember(v.c_str())) << v;
    EXPECT_EQ(vars[v.c_str()]["bits"].GetInt(), 8) << v;
  }

  // The name the graph lacks is a recorded warning from the pass itself.
  const auto index = read_json(dir / kIterationIndexFile);
  bool warned = false;
  for (const auto& w : index["warnings"].GetArray()) {
    const std::string text = w.GetString();
    warned = warned || (text.find("weight_split.interested_layers: '/features/no_such/Conv'") != std::string::npos &&
                        text.find("selects nothing") != std::string::npos);
  }
  EXPECT_TRUE(warned) << read_file(dir / kIterationIndexFile);
  fs::remove_all(root);
}

}  // namespace
}  // namespace qtune
