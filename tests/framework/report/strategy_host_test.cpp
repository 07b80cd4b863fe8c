// StrategyHost (framework/run/strategy_host.h): the context a strategy sees when no
// contract is loaded, pass availability from the installed pass plugins, run.json.
#include <gtest/gtest.h>

#include "framework/report/report_fixture.h"
#include "qtune/error.h"
#include "run/strategy_host.h"

namespace qtune::report_test {
namespace {

namespace fs = std::filesystem;

TEST(StrategyHost, ConfigFromHistoryTakesWhatTheRowsTell) {
  RunConfig cfg;
  cfg.primary_metric = "wer";
  cfg.direction = "min";
  cfg.target = "0.1";
  cfg.priority = "speed";
  cfg.model = "Speech";
  cfg.chip = "esp32s3";
  const auto outputs = fresh_dir("out");
  write_iteration(outputs, {0, "0.3"}, cfg);
  write_iteration(outputs, {1, "0.2"}, cfg);
  const ContractConfig config = config_from_history(load_history(outputs));
  EXPECT_EQ(config.model_name, "Speech");
  EXPECT_EQ(config.target, "esp32s3");
  EXPECT_EQ(config.primary_metric, "wer");
  EXPECT_EQ(config.metric_direction, "min");
  ASSERT_TRUE(config.target_metric.has_value());
  EXPECT_DOUBLE_EQ(*config.target_metric, 0.1);
  EXPECT_EQ(config.deploy_runtime_priority, "speed");
}

TEST(StrategyHost, PassAvailabilityFollowsTheInstalledPassPlugins) {
  const StrategyHost host;  // the build tree's plugins
  if (host.plugins().of_kind("pass").empty()) GTEST_SKIP() << "no pass plugins built";
  EXPECT_TRUE(host.pass_available("tqt_optimization"));
  EXPECT_TRUE(host.pass_available("equalization"));
  EXPECT_TRUE(host.pass_available("kl"));
  EXPECT_TRUE(host.pass_available("calib_algorithm:MSE"));
  EXPECT_TRUE(host.pass_available("dispatching_table"));  // the framework's own
  EXPECT_FALSE(host.pass_available("no_such_pass"));
  EXPECT_FALSE(host.pass_available("calib_algorithm:no_such_calibration"));
}

TEST(StrategyHost, RunJsonIsReadOrRejectedWithItsName) {
  const auto outputs = fresh_dir("out");
  EXPECT_FALSE(read_recorded_strategy(outputs).has_value());
  write_text(outputs / "run.json", R"({"strategy": "phased-linear", "strategy_options": {"phase3_cap": 7}})");
  const auto recorded = read_recorded_strategy(outputs);
  ASSERT_TRUE(recorded.has_value());
  EXPECT_EQ(recorded->name, "phased-linear");
  EXPECT_EQ((*recorded->options)["phase3_cap"].GetInt(), 7);
  write_text(outputs / "run.json", R"({"strategy": 3})");
  try {
    read_recorded_strategy(outputs);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("run.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace qtune::report_test
