#include "host/contract_host.h"

#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

#include "exec/executor_model.h"
#include "framework/host/message_of.h"
#include "framework/host/test_paths.h"
#include "qtune/error.h"

namespace qtune {
namespace {

using test::message_of;

using test::test_contract;

// A model whose outputs no test reads: for contracts that fail before running it.
class StubModel final : public Model {
 public:
  std::vector<std::string> input_names() const override { return {"input"}; }
  std::vector<std::string> output_names() const override { return {"output"}; }
  std::vector<Shape> input_shapes() const override { return {{4, 1, 16, 16}}; }
  bool is_quantized() const override { return false; }
  std::string description() const override { return "stub"; }
  Batch run(const Batch&) const override { return {Tensor(Shape{4, 10})}; }
  std::vector<Batch> run_many(std::span<const Batch> batches) const override {
    return std::vector<Batch>(batches.size(), Batch{Tensor(Shape{4, 10})});
  }
};

class ContractHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(test::kTinyModel)) GTEST_SKIP() << "tiny model not found: " << test::kTinyModel;
  }
};

TEST_F(ContractHostTest, GoodContractConfig) {
  ContractHost host(test_contract("good"));
  EXPECT_EQ(host.name(), "tiny_good");
  EXPECT_EQ(host.config().model, test::kTinyModel);
  EXPECT_EQ(host.config().batch_size, 4);
  EXPECT_EQ(host.config().target, "esp32p4");
  EXPECT_EQ(host.config().primary_metric, "top1");
  EXPECT_EQ(host.config().input_shapes, (std::vector<Shape>{{1, 1, 16, 16}}));
  EXPECT_NE(host.config_json().find("\"contract\""), std::string::npos);  // raw text kept
  EXPECT_TRUE(host.has_evaluate_fast());
}

TEST_F(ContractHostTest, CalibrationWrapsEpochsAndAcceptsPartialLastBatch) {
  ContractHost host(test_contract("good"));
  // The loader yields 3 batches per epoch: 4, 4 and 3 samples.
  const std::vector<Batch> batches = host.calibration_batches(7);
  ASSERT_EQ(batches.size(), 7u);
  EXPECT_EQ(batches[0][0].shape(), (Shape{4, 1, 16, 16}));
  EXPECT_EQ(batches[2][0].shape(), (Shape{3, 1, 16, 16}));
  // Second epoch starts over (reset()) with the same data.
  ASSERT_EQ(batches[3][0].shape(), batches[0][0].shape());
  EXPECT_TRUE(std::equal(batches[3][0].values<float>().begin(), batches[3][0].values<float>().end(),
                         batches[0][0].values<float>().begin()));
  EXPECT_FALSE(std::equal(batches[1][0].values<float>().begin(), batches[1][0].values<float>().end(),
                          batches[0][0].values<float>().begin()));
  EXPECT_TRUE(host.calibration_batches(0).empty());
  // one_epoch (the analysers' batches): stops at the end of the first epoch.
  EXPECT_EQ(host.calibration_batches(9, /*one_epoch=*/true).size(), 3u);
  EXPECT_EQ(host.calibration_batches(2, /*one_epoch=*/true).size(), 2u);
}

TEST_F(ContractHostTest, GoodContractEvaluatesTheFloatModel) {
  ContractHost host(test_contract("good"));
  const Graph graph = host.load_graph();
  ASSERT_EQ(graph.inputs().size(), 1u);
  // The batch dim stays as the model declares it (tiny.onnx fixes 1); kernels still run
  // the contract's batches of 4, which evaluate() below relies on.
  EXPECT_EQ(graph.inputs()[0]->shape, (Shape{1, 1, 16, 16}));
  const ExecutorModel model(graph, nullptr, "float");
  const Metrics metrics = host.evaluate(model);
  // The contract's labels are the first model's predictions: the same model agrees fully.
  EXPECT_DOUBLE_EQ(metrics.at("top1"), 1.0);
  EXPECT_GT(metrics.at("mean_abs"), 0.0);
  EXPECT_DOUBLE_EQ(host.evaluate_fast(model).at("top1"), 1.0);
}

TEST_F(ContractHostTest, MissingExportNamesFileAndMacro) {
  const std::string msg = message_of<InputError>([] { ContractHost host(test_contract("no_export")); });
  EXPECT_NE(msg.find("libtc_no_export.so: not a qtune contract: no 'qtune_plugin' export (did you use QTUNE_CONTRACT?)"),
            std::string::npos)
      << msg;
}

TEST_F(ContractHostTest, RefusesPluginOfAnotherKindAndOtherAbi) {
  std::string msg = message_of<InputError>(
      [] { ContractHost host(test::plugin_case_dir("good") / "libqtune_tp_good_scale.so"); });
  EXPECT_NE(msg.find("is a pass plugin ('test_scale'), not a contract"), std::string::npos) << msg;
  msg = message_of<InputError>([] { ContractHost host(test::plugin_case_dir("bad_abi") / "libqtune_tp_bad_abi.so"); });
  EXPECT_NE(msg.find("built for SDK ABI 999"), std::string::npos) << msg;
}

TEST_F(ContractHostTest, ThrowingQuantConfigNamesFunction) {
  const std::string msg = message_of<Error>([] { ContractHost host(test_contract("throwing_config")); });
  EXPECT_EQ(msg, "contract 'throwing_config': quant_config() failed: config.yaml unreadable");
}

TEST_F(ContractHostTest, ConfigErrorsNameContractAndKey) {
  std::string msg = message_of<InputError>([] { ContractHost host(test_contract("missing_primary")); });
  EXPECT_EQ(msg, "contract 'missing_primary': QUANT_CONFIG is missing the required key 'primary_metric'");
  msg = message_of<InputError>([] { ContractHost host(test_contract("wrong_type")); });
  EXPECT_EQ(msg, R"(contract 'wrong_type': QUANT_CONFIG key 'batch_size' must be an integer >= 1, got "32")");
  msg = message_of<InputError>([] { ContractHost host(test_contract("unknown_key")); });
  EXPECT_NE(msg.find("contract 'unknown_key': unknown QUANT_CONFIG key 'calib_step'"), std::string::npos) << msg;
}

TEST_F(ContractHostTest, ConfigPathIsNamedInSource) {
  const auto cfg = std::filesystem::temp_directory_path() / ("qtune_contract_host_cfg_" + std::to_string(::getpid()) + ".json");
  { std::ofstream(cfg) << "{}"; }
  const std::string msg = message_of<InputError>([&] { ContractHost host(test_contract("wrong_type"), cfg); });
  EXPECT_NE(msg.find("(config " + cfg.string() + ")"), std::string::npos) << msg;
  std::filesystem::remove(cfg);
}

TEST_F(ContractHostTest, WrongCalibrationShapeNamesBatchInputAndShapes) {
  ContractHost host(test_contract("bad_batch"));
  const std::string msg = message_of<Error>([&] { host.calibration_batches(2); });
  EXPECT_EQ(msg, "contract 'bad_batch': calibration batch 0, input 0: shape [4, 3, 16, 16], expected [N, ...] "
                 "matching input_shape [1, 1, 16, 16] (N >= 1)");
}

TEST_F(ContractHostTest, EvaluateFailuresNameContractAndFunction) {
  const StubModel model;
  ContractHost throwing(test_contract("throwing_evaluate"));
  EXPECT_EQ(message_of<Error>([&] { throwing.evaluate(model); }),
            "contract 'throwing_evaluate': evaluate() failed: labels.txt not found");
  EXPECT_FALSE(throwing.has_evaluate_fast());
  EXPECT_NE(message_of<Error>([&] { throwing.evaluate_fast(model); }).find("evaluate_fast() is not provided"),
            std::string::npos);

  ContractHost nan(test_contract("nan_metric"));
  EXPECT_EQ(message_of<Error>([&] { nan.evaluate(model); }),
            "contract 'nan_metric': evaluate() returned NaN for metric 'top1'");

  ContractHost missing(test_contract("metric_missing"));
  EXPECT_EQ(message_of<Error>([&] { missing.evaluate(model); }),
            "contract 'metric_missing': evaluate() returned no primary_metric 'top1'; it returned: accuracy, loss");
}

}  // namespace
}  // namespace qtune
