// parse_setting / setting_to_json(Setting): the plugin-independent first stage.
#include "run/setting.h"

#include <gtest/gtest.h>

#include "contracts/error_message.h"
#include "qtune/error.h"

namespace qtune {
namespace {

using test::error_message;

// Settings from the reference's conformance scenarios (state_machine_scenarios.jsonl),
// materialised as the harness writes them: {iteration_id, rationale, ...setting}.
// phase3_cap_routes_to_phase5, iteration 6.
const char* kScenarioBiasCorrectTqt = R"({
  "iteration_id": 6, "rationale": "bias correction on top of TQT",
  "bias_correct": {"enabled": true}, "calib_algorithm": "percentile",
  "tqt_optimization": {"block_size": 4, "collecting_device": "cuda", "enabled": true, "gamma": 0.0,
                       "int_lambda": 0.0, "is_scale_trainable": true, "lr": 1e-05, "steps": 500}})";
// reapply_covered_on_deepest_stack, iteration 6 (the skill's lever-3e template writes op_name).
const char* kScenarioDeepStack = R"({
  "iteration_id": 6, "rationale": "",
  "bias_correct": {"enabled": true}, "calib_algorithm": "mse",
  "dispatching_table": [{"bits": 16, "op_name": "/features.0/Conv"}, {"bits": 16, "op_name": "/features.1/Conv"}],
  "equalization": {"enabled": true},
  "tqt_optimization": {"block_size": 4, "collecting_device": "cuda", "enabled": true, "gamma": 0.0,
                       "int_lambda": 0.0, "is_scale_trainable": true, "lr": 1e-05, "steps": 1000}})";
// hindsight_mobilenetv2_esp32p4, iteration 8.
const char* kScenarioFusion = R"({
  "iteration_id": 8, "rationale": "3c: align elementwise to large",
  "calib_algorithm": "kl", "fusion_alignment": {"align_elementwise_to": "Align to Large"},
  "tqt_optimization": {"block_size": 2, "collecting_device": "cuda", "enabled": true, "gamma": 0.0,
                       "int_lambda": 0.0, "is_scale_trainable": true, "lr": 1e-05, "steps": 500}})";
// phase2_leg_covered_even_if_metric_failed, iteration 2 (upper-case calibration name).
const char* kScenarioUpperCaseCalib = R"({"iteration_id": 2, "calib_algorithm": "MSE",
  "tqt_optimization": {"enabled": true, "steps": 2000}})";
// lever_tried_other_fingerprints, iteration 0.
const char* kScenarioDispatch8 = R"({"iteration_id": 0, "calib_algorithm": "kl",
  "dispatching_table": [{"bits": 8, "op": "/a"}]})";

Setting parse(const std::string& text) { return parse_setting(text, "setting.json"); }

TEST(SettingParse, ReadsTqtAndBiasCorrectScenario) {
  const Setting s = parse_setting(kScenarioBiasCorrectTqt, "outputs/iter_6/setting.json");
  EXPECT_EQ(s.iteration_id, 6);
  EXPECT_EQ(s.rationale, "bias correction on top of TQT");
  EXPECT_EQ(s.calib_algorithm, "percentile");
  EXPECT_EQ(s.source, "outputs/iter_6/setting.json");
  EXPECT_TRUE(s.is_enabled("bias_correct"));
  EXPECT_TRUE(s.is_enabled("tqt_optimization"));
  EXPECT_FALSE(s.is_enabled("equalization"));
  EXPECT_FALSE(s.is_enabled("fusion_alignment"));
  const PassBlock& tqt = s.blocks.at("tqt_optimization");
  EXPECT_EQ(tqt.enabled, true);
  EXPECT_EQ(tqt.given.size(), 7u);  // `enabled` is the setting's, not an option
  EXPECT_EQ(std::get<double>(tqt.given.at("lr")), 1e-05);
  EXPECT_EQ(std::get<std::int64_t>(tqt.given.at("steps")), 500);
  EXPECT_EQ(std::get<double>(tqt.given.at("gamma")), 0.0);  // 0.0 stays a number, not an integer
  EXPECT_EQ(std::get<bool>(tqt.given.at("is_scale_trainable")), true);
  EXPECT_EQ(std::get<std::string>(tqt.given.at("collecting_device")), "cuda");
  EXPECT_TRUE(s.blocks.at("bias_correct").given.empty());
  EXPECT_TRUE(s.dispatching_table.empty());
  EXPECT_EQ(s.extra, "");
}

TEST(SettingParse, ReadsDeepStackWithOpNameDispatchEntries) {
  const Setting s = parse(kScenarioDeepStack);
  EXPECT_EQ(s.calib_algorithm, "mse");
  EXPECT_TRUE(s.is_enabled("equalization"));
  EXPECT_TRUE(s.is_enabled("bias_correct"));
  EXPECT_EQ(std::get<std::int64_t>(s.blocks.at("tqt_optimization").given.at("steps")), 1000);
  EXPECT_EQ(s.dispatching_table, (std::map<std::string, int>{{"/features.0/Conv", 16}, {"/features.1/Conv", 16}}));
}

TEST(SettingParse, FusionAlignmentIsOnWhenNonEmpty) {
  const Setting s = parse(kScenarioFusion);
  EXPECT_TRUE(s.is_enabled("fusion_alignment"));
  const PassBlock& fusion = s.blocks.at("fusion_alignment");
  EXPECT_FALSE(fusion.enabled.has_value());
  EXPECT_EQ(std::get<std::string>(fusion.given.at("align_elementwise_to")), "Align to Large");
  EXPECT_EQ(std::get<std::int64_t>(s.blocks.at("tqt_optimization").given.at("block_size")), 2);

  EXPECT_FALSE(parse(R"({"fusion_alignment": {}})").is_enabled("fusion_alignment"));
}

TEST(SettingParse, LowerCasesCalibrationAndReadsDispatchOp) {
  EXPECT_EQ(parse(kScenarioUpperCaseCalib).calib_algorithm, "mse");
  const Setting s = parse(kScenarioDispatch8);
  EXPECT_EQ(s.iteration_id, 0);
  EXPECT_EQ(s.dispatching_table, (std::map<std::string, int>{{"/a", 8}}));
}

TEST(SettingParse, AbsentAndNullKeysTakeTheDefaults) {
  const Setting s = parse(R"({"iteration_id": null, "rationale": null, "calib_algorithm": null,
                              "equalization": null, "dispatching_table": null, "extra": null})");
  EXPECT_FALSE(s.iteration_id.has_value());
  EXPECT_EQ(s.rationale, "");
  EXPECT_EQ(s.calib_algorithm, "kl");
  EXPECT_TRUE(s.blocks.empty());
  EXPECT_TRUE(s.dispatching_table.empty());
  EXPECT_EQ(s.extra, "");
  EXPECT_EQ(parse("{}"), parse(R"({"extra": {}})"));
}

TEST(SettingParse, ReadsEveryOptionValueType) {
  const Setting s = parse(R"({"equalization": {"enabled": false, "b": true, "i": -3, "f": 2.5, "s": "x",
      "none": null, "sl": ["a", "b"], "fl": [1, 2.5], "empty": [], "m": {"k": "v"}}})");
  const auto& g = s.blocks.at("equalization").given;
  EXPECT_EQ(s.blocks.at("equalization").enabled, false);
  EXPECT_EQ(std::get<bool>(g.at("b")), true);
  EXPECT_EQ(std::get<std::int64_t>(g.at("i")), -3);
  EXPECT_EQ(std::get<double>(g.at("f")), 2.5);
  EXPECT_EQ(std::get<std::string>(g.at("s")), "x");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(g.at("none")));
  EXPECT_EQ(std::get<std::vector<std::string>>(g.at("sl")), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(std::get<std::vector<double>>(g.at("fl")), (std::vector<double>{1.0, 2.5}));
  EXPECT_TRUE(std::get<std::vector<std::string>>(g.at("empty")).empty());
  EXPECT_EQ((std::get<std::map<std::string, std::string>>(g.at("m"))), (std::map<std::string, std::string>{{"k", "v"}}));
}

TEST(SettingParse, KeepsExtraVerbatim) {
  const Setting s = parse(R"({"extra": {"custom": {"deep": [1, 2]}, "flag": true}})");
  EXPECT_EQ(s.extra, R"({"custom":{"deep":[1,2]},"flag":true})");
}

TEST(SettingParseErrors, MalformedJsonNamesFileAndOffset) {
  const std::string msg = error_message([] { parse_setting(R"({"calib_algorithm": "kl",})", "iter_3/setting.json"); });
  EXPECT_NE(msg.find("iter_3/setting.json: invalid JSON at offset 25"), std::string::npos) << msg;
}

// Asserts the InputError message of parsing `text` contains every part.
void expect_error(const std::string& text, const std::vector<std::string>& parts) {
  std::string msg;
  try {
    parse(text);
  } catch (const InputError& e) {
    msg = e.what();
  }
  ASSERT_FALSE(msg.empty()) << "no InputError for " << text;
  for (const auto& part : parts) EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
}

TEST(SettingParseErrors, RootMustBeAnObject) {
  expect_error("[1, 2]", {"setting.json: a setting must be a JSON object, got array"});
}

TEST(SettingParseErrors, UnknownTopLevelKeyListsKnownKeys) {
  expect_error(R"({"tqt": {"enabled": true}})",
               {"setting.json: unknown key 'tqt'",
                "known keys: iteration_id, rationale, calib_algorithm, equalization, bias_correct, weight_split, "
                "tqt_optimization, lsq_optimization, blockwise_reconstruction, fusion_alignment, dispatching_table, "
                "extra"});
}

TEST(SettingParseErrors, DuplicateKeys) {
  expect_error(R"({"rationale": "a", "rationale": "b"})", {"setting.json: key 'rationale' appears more than once"});
  expect_error(R"({"tqt_optimization": {"lr": 1, "lr": 2}})", {"key 'tqt_optimization.lr' appears more than once"});
}

TEST(SettingParseErrors, WrongTopLevelTypesNameTheKeyAndTheValue) {
  expect_error(R"({"iteration_id": "3"})", {"setting.json: key 'iteration_id' must be an integer >= 0, got \"3\""});
  expect_error(R"({"iteration_id": -1})", {"key 'iteration_id' must be an integer >= 0, got -1"});
  expect_error(R"({"iteration_id": true})", {"key 'iteration_id' must be an integer >= 0, got true"});
  expect_error(R"({"rationale": 5})", {"key 'rationale' must be a string, got 5"});
  expect_error(R"({"calib_algorithm": ["kl"]})", {"key 'calib_algorithm' must be a calibration algorithm name, got [\"kl\"]"});
  expect_error(R"({"extra": [1]})", {"key 'extra' must be an object, got [1]"});
}

TEST(SettingParseErrors, PassBlocksMustBeObjectsWithABooleanEnabled) {
  expect_error(R"({"equalization": true})", {"key 'equalization' must be an object (the pass's options) or null, got true"});
  expect_error(R"({"tqt_optimization": {"enabled": "yes"}})",
               {"key 'tqt_optimization.enabled' must be true or false, got \"yes\""});
  expect_error(R"({"tqt_optimization": {"steps": 18446744073709551615}})",
               {"key 'tqt_optimization.steps' must be an integer within the 64-bit signed range"});
  expect_error(R"({"tqt_optimization": {"interested_layers": ["a", 1]}})",
               {"key 'tqt_optimization.interested_layers' must be a list of strings or a list of numbers, got [\"a\",1]"});
  expect_error(R"({"tqt_optimization": {"m": {"a": 1}}})",
               {"key 'tqt_optimization.m' must be an object whose values are strings"});
}

TEST(SettingParseErrors, FusionAlignmentHasNoEnabledFlag) {
  expect_error(R"({"fusion_alignment": {"enabled": true}})",
               {"key 'fusion_alignment.enabled' does not exist", "alignment always runs"});
}

TEST(SettingParseErrors, DispatchingTableEntries) {
  expect_error(R"({"dispatching_table": {"/a": 16}})", {"key 'dispatching_table' must be a list of"});
  expect_error(R"({"dispatching_table": ["/a"]})", {"key 'dispatching_table[0]' must be an object"});
  expect_error(R"({"dispatching_table": [{"op": "/a"}]})", {"key 'dispatching_table[0]' is missing 'bits' (8 or 16)"});
  expect_error(R"({"dispatching_table": [{"bits": 16}]})", {"key 'dispatching_table[0]' is missing 'op'"});
  expect_error(R"({"dispatching_table": [{"op": "/a", "bits": 4}]})",
               {"key 'dispatching_table[0].bits' must be 8 or 16, got 4"});
  expect_error(R"({"dispatching_table": [{"op": "/a", "bits": "16"}]})",
               {"key 'dispatching_table[0].bits' must be 8 or 16, got \"16\""});
  expect_error(R"({"dispatching_table": [{"op": "/a", "bits": 4294967304}]})",  // 2^32 + 8 must not wrap to 8
               {"key 'dispatching_table[0].bits' must be 8 or 16, got 4294967304"});
  expect_error(R"({"dispatching_table": [{"op": "", "bits": 16}]})",
               {"key 'dispatching_table[0].op' must be a non-empty op name"});
  expect_error(R"({"dispatching_table": [{"op": "/a", "op_name": "/a", "bits": 16}]})",
               {"key 'dispatching_table[0]' has both 'op' and 'op_name'"});
  expect_error(R"({"dispatching_table": [{"op": "/a", "bits": 16, "platform": 552}]})",
               {"unknown key 'dispatching_table[0].platform' (known: op, bits"});
  expect_error(R"({"dispatching_table": [{"op": "/a", "bits": 16}, {"op_name": "/a", "bits": 8}]})",
               {"key 'dispatching_table[1]' dispatches op '/a' a second time"});
}

TEST(SettingBaseline, IsKlWithNothingEnabled) {
  const Setting s = baseline_setting();
  EXPECT_EQ(s.calib_algorithm, "kl");
  EXPECT_TRUE(s.blocks.empty());
  EXPECT_TRUE(s.dispatching_table.empty());
  EXPECT_EQ(s.extra, "");
  EXPECT_EQ(s.rationale, "default espdl_setting() baseline");
  for (const auto& key : setting_block_keys()) EXPECT_FALSE(s.is_enabled(key)) << key;
}

TEST(SettingWriter, RoundTripsEveryScenario) {
  for (const char* text : {kScenarioBiasCorrectTqt, kScenarioDeepStack, kScenarioFusion, kScenarioUpperCaseCalib,
                           kScenarioDispatch8}) {
    const Setting first = parse(text);
    const std::string json = setting_to_json(first);
    EXPECT_EQ(parse(json), first) << json;
    EXPECT_EQ(setting_to_json(parse(json)), json);
  }
  const Setting extra = parse(R"({"extra": {"z": 1, "a": [true]}, "weight_split": {"enabled": true,
      "interested_layers": ["/c"], "value_threshold": 1.5, "fl": [0.1, 2], "m": {"k": "v"}, "n": null}})");
  EXPECT_EQ(parse(setting_to_json(extra)), extra) << setting_to_json(extra);
  EXPECT_EQ(parse(setting_to_json(baseline_setting())), baseline_setting());
}

TEST(SettingWriter, WritesKeysInTheReferenceOrder) {
  const std::string json = setting_to_json(parse(kScenarioDeepStack));
  const std::vector<std::string> order = {"\"iteration_id\"", "\"rationale\"", "\"calib_algorithm\"",
                                          "\"equalization\"", "\"bias_correct\"", "\"tqt_optimization\"",
                                          "\"dispatching_table\"", "\"extra\""};
  std::size_t last = 0;
  for (const auto& key : order) {
    const std::size_t at = json.find(key);
    ASSERT_NE(at, std::string::npos) << key << " in " << json;
    EXPECT_GT(at, last) << key << " out of order in " << json;
    last = at;
  }
  // op_name entries are written back with the reference reader's key, `op`.
  EXPECT_NE(json.find(R"("op": "/features.0/Conv")"), std::string::npos) << json;
  EXPECT_EQ(json.find("op_name"), std::string::npos) << json;
}

}  // namespace
}  // namespace qtune
