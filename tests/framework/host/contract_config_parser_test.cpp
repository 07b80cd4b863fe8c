#include "host/contract_config_parser.h"

#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

#include "qtune/error.h"

namespace qtune {
namespace {

// A folder with an (empty) model file: the parser checks only that the model exists.
class ContractConfigParser : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("qtune_config_parser_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "models");
    std::ofstream(dir_ / "models" / "net.onnx") << "x";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ContractConfig parse(const std::string& extra) const {
    return parse_contract_config(
        R"({"model": "models/net.onnx", "input_shape": [1, 3, 8, 8], "primary_metric": "top1")" + extra + "}", "cfg",
        dir_);
  }
  std::string error(const std::string& extra) const {
    try {
      parse(extra);
    } catch (const InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no InputError for: " << extra;
    return "";
  }

  std::filesystem::path dir_;
};

TEST_F(ContractConfigParser, MinimalConfigGetsReferenceDefaults) {
  const ContractConfig c = parse("");
  EXPECT_EQ(c.model, dir_ / "models" / "net.onnx");  // resolved against the base directory
  EXPECT_TRUE(c.model.is_absolute());
  EXPECT_EQ(c.model_name, "net");
  ASSERT_EQ(c.input_shapes.size(), 1u);
  EXPECT_EQ(c.input_shapes[0], (Shape{1, 3, 8, 8}));
  EXPECT_EQ(c.primary_metric, "top1");
  EXPECT_EQ(c.batch_size, 32);
  EXPECT_EQ(c.target, "esp32p4");
  EXPECT_EQ(c.num_of_bits, 8);
  EXPECT_EQ(c.calib_steps, 32);
  EXPECT_EQ(c.metric_direction, "max");
  EXPECT_FALSE(c.target_metric.has_value());
  EXPECT_EQ(c.analyse_steps, 8);
  EXPECT_EQ(c.top_k_layers, 20);
  EXPECT_EQ(c.non_computing_top_k, 10);
  EXPECT_DOUBLE_EQ(c.graphwise_intervening_excess_threshold, 0.02);
  EXPECT_EQ(c.deploy_runtime_priority, "balanced");
}

TEST_F(ContractConfigParser, EveryOptionalKeyIsRead) {
  const ContractConfig c = parse(
      R"(, "model_name": "mynet", "batch_size": 4, "target": "ESP32S3", "num_of_bits": 16, "calib_steps": 2,
         "metric_direction": "min", "target_metric": 0.91, "analyse_steps": 3, "top_k_layers": 5,
         "non_computing_top_k": 2, "graphwise_intervening_excess_threshold": 0, "deploy_runtime_priority": "speed",
         "contract": {"labels": "labels.txt", "nested": [1, 2]})");
  EXPECT_EQ(c.model_name, "mynet");
  EXPECT_EQ(c.batch_size, 4);
  EXPECT_EQ(c.target, "esp32s3");  // case-insensitive, stored lower-case
  EXPECT_EQ(c.num_of_bits, 16);
  EXPECT_EQ(c.calib_steps, 2);
  EXPECT_EQ(c.metric_direction, "min");
  ASSERT_TRUE(c.target_metric.has_value());
  EXPECT_DOUBLE_EQ(*c.target_metric, 0.91);
  EXPECT_EQ(c.analyse_steps, 3);
  EXPECT_EQ(c.top_k_layers, 5);
  EXPECT_EQ(c.non_computing_top_k, 2);
  EXPECT_EQ(c.graphwise_intervening_excess_threshold, 0.0);
  EXPECT_EQ(c.deploy_runtime_priority, "speed");
}

TEST_F(ContractConfigParser, SeveralInputsAndAbsoluteModelPath) {
  const std::string model = (dir_ / "models" / "net.onnx").string();
  const ContractConfig c = parse_contract_config(
      R"({"model": ")" + model + R"(", "input_shape": [[1, 3, 8, 8], [1, 10]], "primary_metric": "map", "target_metric": null})",
      "cfg", "/somewhere/else");
  EXPECT_EQ(c.model, model);
  ASSERT_EQ(c.input_shapes.size(), 2u);
  EXPECT_EQ(c.input_shapes[1], (Shape{1, 10}));
  EXPECT_FALSE(c.target_metric.has_value());
}

TEST_F(ContractConfigParser, WrongTypeMessageNamesSourceKeyAndValue) {
  EXPECT_EQ(error(R"(, "batch_size": "32")"), R"(cfg: QUANT_CONFIG key 'batch_size' must be an integer >= 1, got "32")");
}

TEST_F(ContractConfigParser, MissingModelFileNamesResolvedPath) {
  const std::string msg = [&] {
    try {
      parse_contract_config(R"({"model": "gone.onnx", "input_shape": [1], "primary_metric": "m"})", "cfg", dir_);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_NE(msg.find((dir_ / "gone.onnx").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
}

TEST_F(ContractConfigParser, MalformedJsonGivesOffset) {
  try {
    parse_contract_config(R"({"model": "x",, })", "my_contract", dir_);
    FAIL() << "no error";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("my_contract"), std::string::npos) << msg;
    EXPECT_NE(msg.find("invalid JSON at offset 14: Missing a name for object member"), std::string::npos) << msg;
  }
}

TEST_F(ContractConfigParser, TopLevelMustBeObject) {
  EXPECT_THROW(parse_contract_config("[1, 2]", "cfg", dir_), InputError);
}

// (extra JSON members, text the error must contain)
using BadCase = std::pair<std::string, std::string>;
class ContractConfigParserBad : public ContractConfigParser, public ::testing::WithParamInterface<BadCase> {};

TEST_P(ContractConfigParserBad, NamesTheKey) {
  const std::string msg = error(GetParam().first);
  EXPECT_NE(msg.find(GetParam().second), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind("cfg: ", 0), 0u) << msg;  // always starts with the source
}

INSTANTIATE_TEST_SUITE_P(
    Keys, ContractConfigParserBad,
    ::testing::Values(
        BadCase{R"(, "calib_step": 4)", "unknown QUANT_CONFIG key 'calib_step'; known keys: model, model_name"},
        BadCase{R"(, "target": "esp8266")", "key 'target' must be one of \"esp32p4\", \"esp32s31\""},
        BadCase{R"(, "num_of_bits": 12)", "key 'num_of_bits' must be 8 or 16, got 12"},
        BadCase{R"(, "calib_steps": 1)", "key 'calib_steps' must be an integer in [2, 5000], got 1"},
        BadCase{R"(, "calib_steps": 5001)", "key 'calib_steps' must be an integer in [2, 5000], got 5001"},
        BadCase{R"(, "batch_size": 0)", "key 'batch_size' must be an integer >= 1, got 0"},
        BadCase{R"(, "batch_size": 2.5)", "key 'batch_size' must be an integer >= 1, got 2.5"},
        BadCase{R"(, "metric_direction": "up")", "key 'metric_direction' must be one of \"max\", \"min\""},
        BadCase{R"(, "target_metric": "0.9")", "key 'target_metric' must be a number or null"},
        BadCase{R"(, "analyse_steps": 0)", "key 'analyse_steps'"},
        BadCase{R"(, "top_k_layers": -1)", "key 'top_k_layers'"},
        BadCase{R"(, "non_computing_top_k": 0)", "key 'non_computing_top_k'"},
        BadCase{R"(, "graphwise_intervening_excess_threshold": -0.1)",
                "key 'graphwise_intervening_excess_threshold' must be a number >= 0"},
        BadCase{R"(, "deploy_runtime_priority": "fast")", "key 'deploy_runtime_priority' must be one of"},
        BadCase{R"(, "model_name": 7)", "key 'model_name' must be a non-empty string, got 7"},
        BadCase{R"(, "contract": 3)", "key 'contract' must be an object"},
        BadCase{R"(, "batch_size": 4, "batch_size": 8)", "key 'batch_size' appears more than once"}));

TEST_F(ContractConfigParser, RequiredKeysAndInputShapeChecks) {
  auto fails_with = [&](const std::string& json, const std::string& text) {
    try {
      parse_contract_config(json, "cfg", dir_);
    } catch (const InputError& e) {
      return std::string(e.what()).find(text) != std::string::npos;
    }
    return false;
  };
  EXPECT_TRUE(fails_with(R"({"model": "models/net.onnx", "input_shape": [1]})", "missing the required key 'primary_metric'"));
  EXPECT_TRUE(fails_with(R"({"input_shape": [1], "primary_metric": "m"})", "missing the required key 'model'"));
  EXPECT_TRUE(fails_with(R"({"model": "models/net.onnx", "primary_metric": "m"})", "missing the required key 'input_shape'"));
  for (const char* shape : {"[]", "[1, 0, 4]", "[[1, 2], 3]", "[1, [2]]", "\"1x3\"", "[[]]"})
    EXPECT_TRUE(fails_with(std::string(R"({"model": "models/net.onnx", "primary_metric": "m", "input_shape": )") + shape + "}",
                           "key 'input_shape' must be a list of positive integers"))
        << shape;
}

TEST(KnownTargets, ListsTheReferenceTargets) {
  const auto& targets = known_targets();
  for (const char* t : {"esp32p4", "esp32s3", "c", "esp32c6"})
    EXPECT_NE(std::find(targets.begin(), targets.end(), t), targets.end()) << t;
}

}  // namespace
}  // namespace qtune
