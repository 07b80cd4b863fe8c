// The derived-artifact rules (analysers/analysis_common/derived_artifacts.h) on hand-made
// analyser outputs: keys and their order, ranking, ties, and the reference harness's edge
// cases (Python truthiness, numbers that are booleans or NaN, the 1e-9 floor, strict >).
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "qtune/error.h"
#include "qtune_analysis/artifact_json.h"
#include "qtune_analysis/derived_artifacts.h"

namespace qtune::analysis {
namespace {

std::vector<std::string> keys_of(const rapidjson::Value& object) {
  std::vector<std::string> keys;
  for (const auto& m : object.GetObject()) keys.emplace_back(m.name.GetString());
  return keys;
}

rapidjson::Document parse(const std::string& text) { return parse_artifact(text, "test"); }

const char* kRecords = R"([
  {"Op name": "conv", "Op type": "Conv", "Is parameter": false, "Is input": true, "Is output": false,
   "Variable name": "x", "Noise:Signal Power Ratio": 0.9, "Float Std": 1.0},
  {"Op name": "add1", "Op type": "Add", "Is parameter": false, "Is input": true, "Is output": false,
   "Variable name": "a", "Noise:Signal Power Ratio": 0.1, "Float Std": 2.0},
  {"Op name": "add1", "Op type": "Add", "Is parameter": false, "Is input": true, "Is output": false,
   "Variable name": "b", "Noise:Signal Power Ratio": 0.3, "Float Std": 0.5},
  {"Op name": "relu1", "Op type": "Relu", "Is parameter": false, "Is input": true, "Is output": false,
   "Variable name": "r_in", "Noise:Signal Power Ratio": NaN, "Float Std": 1.0},
  {"Op name": "relu1", "Op type": "Relu", "Is parameter": false, "Is input": false, "Is output": true,
   "Variable name": "r_out", "Noise:Signal Power Ratio": 0.05, "Float Std": 1.0},
  {"Op name": "relu1", "Op type": "Relu", "Is parameter": false, "Is input": false, "Is output": true,
   "Variable name": "skipped", "Noise:Signal Power Ratio": "n/a"},
  {"Op name": "add1", "Op type": "Add", "Is parameter": false, "Is input": false, "Is output": true,
   "Variable name": "s", "Noise:Signal Power Ratio": 0.2, "Float Std": 9.0},
  {"Op name": "mul1", "Op type": "Mul", "Is parameter": true, "Is input": true, "Is output": false,
   "Variable name": "w", "Noise:Signal Power Ratio": 0.3, "Float Std": 10.0},
  {"Op name": "mul1", "Op type": "Mul", "Is parameter": false, "Is input": true, "Is output": false,
   "Variable name": "m", "Noise:Signal Power Ratio": true, "Float Std": 3.0},
  {"Op name": "", "Op type": "Add", "Is input": true, "Noise:Signal Power Ratio": 5.0}
])";

TEST(NonComputingHotOps, RanksByWorstVariableWithTheHarnesssKeys) {
  const auto records = parse(kRecords);
  const auto hot = non_computing_hot_ops(records, 10);
  ASSERT_EQ(hot.Size(), 3u);   // conv (computing) and the nameless record are skipped
  // mul1's max is 1.0 (a JSON `true` is numeric to Python), then add1 0.3, relu1 0.05.
  EXPECT_STREQ(hot[0]["op_name"].GetString(), "mul1");
  EXPECT_EQ(hot[0]["max_snr"].GetDouble(), 1.0);
  EXPECT_STREQ(hot[1]["op_name"].GetString(), "add1");
  EXPECT_EQ(hot[1]["max_snr"].GetDouble(), 0.3);
  EXPECT_STREQ(hot[2]["op_name"].GetString(), "relu1");
  EXPECT_EQ(hot[2]["max_snr"].GetDouble(), 0.05);   // the NaN variable never wins max()

  EXPECT_EQ(keys_of(hot[1]),
            (std::vector<std::string>{"op_name", "op_type", "max_snr", "per_var_snrs", "inputs_float_std_ratio"}));
  EXPECT_STREQ(hot[1]["op_type"].GetString(), "Add");
  const auto& vars = hot[1]["per_var_snrs"];
  ASSERT_EQ(vars.Size(), 3u);   // a, b, s in record order
  EXPECT_EQ(keys_of(vars[0]), (std::vector<std::string>{"var", "is_input", "is_output", "is_parameter", "snr"}));
  EXPECT_STREQ(vars[2]["var"].GetString(), "s");
  EXPECT_FALSE(vars[2]["is_input"].GetBool());
  EXPECT_TRUE(vars[2]["is_output"].GetBool());
  // Float Std over non-parameter inputs a (2.0) and b (0.5): 2.0 / 0.5.
  EXPECT_EQ(hot[1]["inputs_float_std_ratio"].GetDouble(), 4.0);
  // mul1 has one non-parameter input: no ratio. relu1's NaN variable is listed, the string one is not.
  EXPECT_TRUE(hot[0]["inputs_float_std_ratio"].IsNull());
  ASSERT_EQ(hot[2]["per_var_snrs"].Size(), 2u);
  EXPECT_TRUE(std::isnan(hot[2]["per_var_snrs"][0]["snr"].GetDouble()));

  EXPECT_EQ(non_computing_hot_ops(records, 1).Size(), 1u);
  EXPECT_EQ(non_computing_hot_ops(records, 0).Size(), 0u);
  EXPECT_EQ(non_computing_hot_ops(records, -3).Size(), 0u);
}

TEST(NonComputingHotOps, StdRatioFloorAndTiesKeepRecordOrder) {
  const auto records = parse(R"([
    {"Op name": "cat", "Op type": "Concat", "Is input": 1, "Is parameter": 0, "Noise:Signal Power Ratio": 0.2, "Float Std": 1e-12},
    {"Op name": "cat", "Op type": "Concat", "Is input": 1, "Is parameter": 0, "Noise:Signal Power Ratio": 0.1, "Float Std": 1.0},
    {"Op name": "pool", "Op type": "AveragePool", "Is input": true, "Noise:Signal Power Ratio": 0.2, "Float Std": 1.0}])");
  const auto hot = non_computing_hot_ops(records, 10);
  ASSERT_EQ(hot.Size(), 2u);
  EXPECT_STREQ(hot[0]["op_name"].GetString(), "cat");   // tie at 0.2: first seen first
  EXPECT_DOUBLE_EQ(hot[0]["inputs_float_std_ratio"].GetDouble(), 1.0 / 1e-9);
  EXPECT_TRUE(hot[0]["per_var_snrs"][0]["is_input"].GetBool());   // truthy 1 -> true
  EXPECT_TRUE(hot[0]["per_var_snrs"][0]["var"].IsNull());         // absent -> null
}

TEST(GraphwiseJumps, AdjacentComputingPairsWithTheOpsBetween) {
  const std::vector<OpEntry> ops = {{"c1", "Conv"}, {"r1", "Relu"}, {"c2", "Conv"},  {"add", "Add"},
                                    {"cat", "Concat"}, {"c3", "Gemm"}, {"c4", "Conv"}, {"c5", "MatMul"}};
  const auto gw = parse(R"({"c1": 0.25, "c2": 0.5, "c3": 1.5, "c5": 4.0})");
  const auto lw = parse(R"({"c2": 0.125, "c3": 0.5, "c4": 0.0, "c5": 0.0})");
  const auto jumps = graphwise_jumps(lw, gw, ops, 0.02);
  // (c1, c2): 0.25 - 0.125 = 0.125. (c2, c3): 1.0 - 0.5 = 0.5. c4 has no graphwise value,
  // so neither (c3, c4) nor (c4, c5) is listed.
  ASSERT_EQ(jumps.Size(), 2u);
  EXPECT_EQ(keys_of(jumps[0]), (std::vector<std::string>{"op_prev", "op_next", "delta_graphwise",
                                                          "isolated_layerwise_op_next", "intervening_excess",
                                                          "intervening_non_computing_ops"}));
  EXPECT_STREQ(jumps[0]["op_prev"].GetString(), "c2");
  EXPECT_STREQ(jumps[0]["op_next"].GetString(), "c3");
  EXPECT_EQ(jumps[0]["delta_graphwise"].GetDouble(), 1.0);
  EXPECT_EQ(jumps[0]["isolated_layerwise_op_next"].GetDouble(), 0.5);
  EXPECT_EQ(jumps[0]["intervening_excess"].GetDouble(), 0.5);
  const auto& between = jumps[0]["intervening_non_computing_ops"];
  ASSERT_EQ(between.Size(), 2u);
  EXPECT_EQ(keys_of(between[0]), (std::vector<std::string>{"name", "type"}));
  EXPECT_STREQ(between[0]["name"].GetString(), "add");
  EXPECT_STREQ(between[1]["type"].GetString(), "Concat");
  EXPECT_STREQ(jumps[1]["op_prev"].GetString(), "c1");
  EXPECT_EQ(jumps[1]["intervening_excess"].GetDouble(), 0.125);
  EXPECT_STREQ(jumps[1]["intervening_non_computing_ops"][0]["name"].GetString(), "r1");

  // Strictly greater than the threshold: an excess of exactly 0.125 is not listed at 0.125.
  EXPECT_EQ(graphwise_jumps(lw, gw, ops, 0.125).Size(), 1u);
  EXPECT_EQ(graphwise_jumps(lw, gw, {}, 0.02).Size(), 0u);
}

TEST(LayerStats, TopOpsInRankOrderRecordsOfAnOpKeepTheirOrder) {
  const auto records = parse(R"([
    {"Op name": "a", "Variable name": "a0"}, {"Op name": "b", "Variable name": "b0"},
    {"Op name": "c", "Variable name": "c0"}, {"Op name": "a", "Variable name": "a1"},
    {"Op name": "b", "Variable name": "b1"}])");
  const auto top = filter_layer_stats(records, {"b", "a"});
  ASSERT_EQ(top.Size(), 4u);
  const char* expected[] = {"b0", "b1", "a0", "a1"};
  for (rapidjson::SizeType i = 0; i < 4; ++i) EXPECT_STREQ(top[i]["Variable name"].GetString(), expected[i]);
  EXPECT_EQ(filter_layer_stats(records, {}).Size(), 0u);
}

TEST(LayerStats, FirstKeysIsPythonsSlice) {
  const auto lw = parse(R"({"x": 3, "y": 2, "z": 1})");
  EXPECT_EQ(first_keys(lw, 2), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(first_keys(lw, 20), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(first_keys(lw, -1), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(first_keys(lw, 0).size(), 0u);
}

TEST(ArtifactJson, NanAndInfinityRoundTripAsPythonWritesThem) {
  rapidjson::Document d(rapidjson::kObjectType);
  d.AddMember("n", rapidjson::Value(std::nan("")), d.GetAllocator());
  d.AddMember("i", rapidjson::Value(-INFINITY), d.GetAllocator());
  const std::string text = artifact_text(d);
  EXPECT_NE(text.find("NaN"), std::string::npos) << text;
  EXPECT_NE(text.find("-Infinity"), std::string::npos) << text;
  const auto back = parse_artifact(text, "t");
  EXPECT_TRUE(std::isnan(back["n"].GetDouble()));
  EXPECT_THROW(parse_artifact("{", "broken.json"), Error);
}

}  // namespace
}  // namespace qtune::analysis
