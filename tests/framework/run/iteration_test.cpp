// qtune iterate end to end on the Fashion-MNIST CNN contract (skipped without the dataset),
// its error paths, and the iteration-id rule.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "artifacts/atomic_file.h"
#include "artifacts/json.h"
#include "exec/executor_model.h"
#include "framework/cli/run_qtune.h"
#include "framework/run/cnn_contract.h"
#include "host/contract_host.h"
#include "run/interrupt.h"
#include "run/iteration.h"

namespace qtune {
namespace {

using test::quoted;
using test::run_qtune;

namespace fs = std::filesystem;

using test::fashion_data_present;
using test::kCnnContract;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

rapidjson::Document read_json(const fs::path& path) { return parse_json(read_file(path), path.string()); }

TEST(Iteration, IdFromDirectoryName) {
  EXPECT_EQ(iteration_id_from_dir("outputs/iter_3"), 3);
  EXPECT_EQ(iteration_id_from_dir("outputs/iter_12/"), 12);
  EXPECT_EQ(iteration_id_from_dir("outputs/baseline"), std::nullopt);
  EXPECT_EQ(iteration_id_from_dir("outputs/iter_3b"), std::nullopt);
}

class IterateCnn : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kCnnContract)) GTEST_SKIP() << "contract not built: " << kCnnContract;
    if (!fashion_data_present()) GTEST_SKIP() << "Fashion-MNIST dataset not installed";
  }
};

TEST_F(IterateCnn, BaselineWritesEveryArtifact) {
  const fs::path root = fresh_dir("qtune_iterate_baseline");
  const fs::path dir = root / "outputs" / "iter_0";
  const auto r = run_qtune("iterate --contract " + quoted(kCnnContract.string()) + " --baseline --output-dir " +
                           quoted(dir.string()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("calibrate (kl, pass 1): 32/32"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("evaluate_fast() on esp32p4 int8 (iter_0)"), std::string::npos) << r.out;

  for (const char* file : {kSettingFile, kMetricsFile, kSimplifiedOpsFile, kQuantParamsFile, kIterationIndexFile})
    ASSERT_TRUE(fs::exists(dir / file)) << file;
  EXPECT_EQ(read_file(dir / kConsoleLogFile), r.out);  // console.log is what was printed

  const auto metrics = read_json(dir / kMetricsFile);
  ASSERT_TRUE(metrics.HasMember("top1"));
  EXPECT_STREQ(metrics["_primary_key"].GetString(), "top1");
  EXPECT_EQ(metrics["_primary_value"].GetDouble(), metrics["top1"].GetDouble());
  EXPECT_STREQ(metrics["metric_direction"].GetString(), "max");
  EXPECT_STREQ(metrics["_used"].GetString(), "evaluate_fast");  // no --use-full-eval: the contract's subset
  EXPECT_EQ(metrics.MemberCount(), 7u);  // samples, top1, top5 + the four framework keys

  const auto index = read_json(dir / kIterationIndexFile);
  for (const char* key : {"iteration_id", "rationale", "model_path", "model_name", "target_chip", "primary_metric",
                          "primary_value", "metric_direction", "target_metric", "deploy_runtime_priority",
                          "non_computing_top_k", "started_at", "finished_at", "stage_seconds", "warnings", "evaluation",
                          "status", "error", "paths"})
    EXPECT_TRUE(index.HasMember(key)) << key;
  EXPECT_EQ(index["iteration_id"].GetInt64(), 0);
  EXPECT_STREQ(index["status"].GetString(), "ok");
  EXPECT_TRUE(index["error"].IsNull());
  EXPECT_STREQ(index["evaluation"].GetString(), "evaluate_fast");
  EXPECT_STREQ(index["target_chip"].GetString(), "esp32p4");
  EXPECT_EQ(index["primary_value"].GetDouble(), metrics["top1"].GetDouble());
  for (const char* stage : {"import", "prequantize", "quantize", "calibrate", "passes", "evaluate", "write"})
    EXPECT_TRUE(index["stage_seconds"].HasMember(stage)) << stage;
  // The baseline runs one pass plugin: alignment, which esp-ppq runs in every iteration.
  ASSERT_EQ(index["passes"].Size(), 1u);
  EXPECT_STREQ(index["passes"][0]["setting_key"].GetString(), "fusion_alignment");
  EXPECT_STREQ(index["passes"][0]["stage"].GetString(), "alignment");
  EXPECT_EQ(index["int16_ops"].Size(), 0u);
  EXPECT_EQ(std::string(index["started_at"].GetString()).back(), 'Z');

  const auto setting = read_json(dir / kAppliedSettingFile);
  EXPECT_STREQ(setting["calib_algorithm"].GetString(), "kl");
  EXPECT_FALSE(setting["tqt_optimization"]["enabled"].GetBool());
  // setting.json keeps the request: no pass block the baseline did not ask for, so a
  // strategy does not read the default fusion_alignment as "lever 3c tried".
  const auto requested = read_json(dir / kSettingFile);
  EXPECT_EQ(requested["iteration_id"].GetInt(), 0);
  EXPECT_FALSE(requested.HasMember("fusion_alignment"));
  EXPECT_FALSE(requested.HasMember("tqt_optimization"));
  const auto ops = read_json(dir / kSimplifiedOpsFile);
  ASSERT_TRUE(ops.IsArray());
  EXPECT_GT(ops.Size(), 0u);

  // P4: conv weights per channel (one exponent per output channel, axis 0).
  const auto params = read_json(dir / kQuantParamsFile);
  std::size_t conv_weights = 0;
  for (const auto& v : params["variables"].GetObject()) {
    const std::string name = v.name.GetString();
    if (name.find("conv") == std::string::npos || name.find(".weight") == std::string::npos) continue;
    ++conv_weights;
    EXPECT_EQ(v.value["channel_axis"].GetInt(), 0) << name;
    EXPECT_GT(v.value["exponents"].Size(), 1u) << name;
    EXPECT_STREQ(v.value["state"].GetString(), "calibrated") << name;
  }
  EXPECT_GE(conv_weights, 2u);

  // The float model through the same contract: int8 top1 within 2 points of it.
  ContractHost host(kCnnContract);
  const Graph graph = host.load_graph();
  const ExecutorModel float_model(graph, nullptr, "float");
  const double float_top1 = host.evaluate_fast(float_model).at("top1");
  EXPECT_NEAR(metrics["top1"].GetDouble(), float_top1, 2.0) << "float top1 " << float_top1;
  fs::remove_all(root);
}

// Mixed precision from the setting's dispatching_table (reference §3.9, P4 constants
// §1.2): the dispatched Conv gets 16-bit weights and activations and a 40-bit bias; the
// next Conv stays int8; an op name the graph lacks is a recorded warning, not a no-op.
TEST_F(IterateCnn, DispatchingTablePromotesOneConvToInt16) {
  const fs::path root = fresh_dir("qtune_iterate_int16");
  const fs::path setting = root / "int16_setting.json";
  write_file_atomic(setting,
                    "{\"iteration_id\": 1, \"calib_algorithm\": \"kl\", \"dispatching_table\": ["
                    "{\"op\": \"/conv1/Conv\", \"bits\": 16}, {\"op\": \"/no_such/Conv\", \"bits\": 16}]}\n");
  const fs::path dir = root / "iter_1";
  const auto r = run_qtune("iterate --contract " + quoted(kCnnContract.string()) + " --setting " +
                           quoted(setting.string()) + " --output-dir " + quoted(dir.string()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  const auto params = read_json(dir / kQuantParamsFile);
  const auto& vars = params["variables"];
  EXPECT_EQ(vars["conv1.weight"]["bits"].GetInt(), 16);
  EXPECT_EQ(vars["conv1.bias"]["bits"].GetInt(), 40);
  EXPECT_EQ(vars["/conv1/Conv_output_0"]["bits"].GetInt(), 16);
  EXPECT_EQ(vars["conv2.weight"]["bits"].GetInt(), 8);
  // Bias exponent = input exponent + weight exponent, per output channel.
  const int input_exp = vars["input"]["exponents"][0].GetInt();
  for (rapidjson::SizeType c = 0; c < vars["conv1.weight"]["exponents"].Size(); ++c)
    EXPECT_EQ(vars["conv1.bias"]["exponents"][c].GetInt(), input_exp + vars["conv1.weight"]["exponents"][c].GetInt());

  const auto index = read_json(dir / kIterationIndexFile);
  bool warned = false;
  for (const auto& w : index["warnings"].GetArray())
    warned = warned || std::string(w.GetString()).find("/no_such/Conv") != std::string::npos;
  EXPECT_TRUE(warned) << read_file(dir / kIterationIndexFile);
  // The promoted op is recorded as costing on-device speed (with the Relu fused into it,
  // which runs at int16 too: reference Errata 5).
  std::vector<std::string> int16;
  for (const auto& op : index["int16_ops"].GetArray()) int16.emplace_back(op.GetString());
  EXPECT_NE(std::find(int16.begin(), int16.end(), "/conv1/Conv"), int16.end()) << read_file(dir / kIterationIndexFile);
  EXPECT_EQ(std::find(int16.begin(), int16.end(), "/conv2/Conv"), int16.end());
}

// --target overrides QUANT_CONFIG's chip: esp32s3 quantizes Conv weights per tensor (one
// exponent, percentile observer), rounds half-up and keeps 20-bit biases (reference §1.2).
TEST_F(IterateCnn, TargetOverrideQuantizesForEsp32s3) {
  const fs::path dir = fresh_dir("qtune_iterate_s3") / "iter_0";
  const auto r = run_qtune("iterate --contract " + quoted(kCnnContract.string()) + " --baseline --target ESP32S3" +
                           " --output-dir " + quoted(dir.string()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto params = read_json(dir / kQuantParamsFile);
  const auto& vars = params["variables"];
  EXPECT_EQ(vars["conv1.weight"]["exponents"].Size(), 1u);
  EXPECT_TRUE(vars["conv1.weight"]["channel_axis"].IsNull());
  EXPECT_STREQ(vars["conv1.weight"]["rounding"].GetString(), "half_up");
  EXPECT_EQ(vars["conv1.bias"]["bits"].GetInt(), 20);
  EXPECT_STREQ(read_json(dir / kIterationIndexFile)["target_chip"].GetString(), "esp32s3");

  const auto bad = run_qtune("iterate --contract " + quoted(kCnnContract.string()) + " --baseline --target esp99" +
                             " --output-dir " + quoted((dir.parent_path() / "iter_1").string()));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--target 'esp99' is not a known target (known: esp32p4"), std::string::npos) << bad.err;
}

TEST_F(IterateCnn, ErrorsAreRecordedAndLeaveOtherIterationsIntact) {
  const fs::path root = fresh_dir("qtune_iterate_errors");
  const fs::path earlier = root / "iter_0";
  fs::create_directories(earlier);
  write_file_atomic(earlier / "metrics.json", "{\"top1\": 1}\n");

  // A pass option the plugin does not accept: bad input, named in the record.
  const fs::path setting = root / "bad_option_setting.json";
  write_file_atomic(setting, "{\"iteration_id\": 1, \"fusion_alignment\": {\"align_concat_to\": \"Align to Small\"}}\n");
  const fs::path dir = root / "iter_1";
  auto r = run_qtune("iterate --contract " + quoted(kCnnContract.string()) + " --setting " + quoted(setting.string()) +
                     " --output-dir " + quoted(dir.string()));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("fusion_alignment.align_concat_to"), std::string::npos) << r.err;
  ASSERT_TRUE(fs::exists(dir / kConsoleLogFile));
  EXPECT_NE(read_file(dir / kConsoleLogFile).find("error: "), std::string::npos);
  auto index = read_json(dir / kIterationIndexFile);
  EXPECT_STREQ(index["status"].GetString(), "error");
  EXPECT_EQ(index["iteration_id"].GetInt64(), 1);
  EXPECT_NE(std::string(index["error"].GetString()).find("fusion_alignment.align_concat_to"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / kMetricsFile));

  // A malformed setting.json: bad input naming the file.
  const fs::path bad = root / "bad_setting.json";
  write_file_atomic(bad, "{\"calib_algorithm\": \"kl\",");
  const fs::path dir2 = root / "iter_2";
  r = run_qtune("iterate --contract " + quoted(kCnnContract.string()) + " --setting " + quoted(bad.string()) +
                " --output-dir " + quoted(dir2.string()));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(bad.string()), std::string::npos) << r.err;
  index = read_json(dir2 / kIterationIndexFile);
  EXPECT_STREQ(index["status"].GetString(), "error");
  EXPECT_EQ(index["iteration_id"].GetInt64(), 2);  // from the folder name
  EXPECT_NE(std::string(index["error"].GetString()).find(bad.string()), std::string::npos);
  EXPECT_TRUE(fs::exists(dir2 / kConsoleLogFile));

  // Usage: --baseline and --setting together.
  r = run_qtune("iterate --contract " + quoted(kCnnContract.string()) + " --baseline --setting " + quoted(bad.string()) +
                " --output-dir " + quoted((root / "iter_3").string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("exactly one of --baseline and --setting"), std::string::npos) << r.err;

  EXPECT_EQ(read_file(earlier / "metrics.json"), "{\"top1\": 1}\n");  // untouched
  fs::remove_all(root);
}

}  // namespace
}  // namespace qtune

namespace qtune {
namespace {

TEST_F(IterateCnn, CtrlCStopsAtTheNextStageAndRecordsInterrupted) {
  // The first Ctrl-C only raises the flag (run/interrupt.h); the iteration stops before
  // its next stage, writes its record as "interrupted" with exit 130, and no metrics.
  const fs::path root = fresh_dir("qtune_iterate_interrupted");
  IterationRequest request;
  request.contract = kCnnContract;
  request.output_dir = root / "iter_0";
  request.echo = false;
  request_interrupt();
  const IterationResult result = run_iteration(request);
  reset_interrupt();
  EXPECT_EQ(result.record.status, "interrupted");
  EXPECT_EQ(result.exit_code, kExitInterrupted);
  EXPECT_NE(result.record.error.find("before stage 'prequantize'"), std::string::npos) << result.record.error;
  const auto index = read_json(request.output_dir / kIterationIndexFile);
  EXPECT_STREQ(index["status"].GetString(), "interrupted");
  EXPECT_FALSE(fs::exists(request.output_dir / kMetricsFile));
  fs::remove_all(root);
}

}  // namespace
}  // namespace qtune
