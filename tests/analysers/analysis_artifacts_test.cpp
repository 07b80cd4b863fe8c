// The analyse stage on the tiny parity case (Conv, Relu, Conv, Relu, GlobalAveragePool,
// Flatten, Gemm): which artifacts it writes, their keys and order as the reference
// harness writes them, the QUANT_CONFIG knobs, and what happens when an analyser fails or
// is misconfigured.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "parity_pipeline.h"
#include "qtune/error.h"

namespace qtune {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> keys_of(const rapidjson::Value& object) {
  std::vector<std::string> keys;
  for (const auto& m : object.GetObject()) keys.emplace_back(m.name.GetString());
  return keys;
}

const std::vector<std::string> kComputing = {"/c1/Conv", "/c2/Conv", "/fc/Gemm"};

class AnalysisArtifacts : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const test::ParityCase& c : test::parity_cases())
      if (c.name == "tiny" && c.target == "esp32p4") pipeline_ = test::build_parity_pipeline(c).release();
  }
  static void TearDownTestSuite() { delete pipeline_; }
  void SetUp() override {
    ASSERT_TRUE(pipeline_) << "parity fixture missing";
    run_.dir = test::fresh_dir("qtune_analysis_artifacts");
  }
  void TearDown() override { fs::remove_all(run_.dir); }
  void run(const AnalysisRequest& request = {}, ContractConfig config = {}) {
    test::run_into(run_, pipeline_->graph, pipeline_->float_graph, pipeline_->batches, request, config);
  }
  rapidjson::Document read(const std::string& name) { return test::read_artifact(run_.dir, name); }

  static test::ParityPipeline* pipeline_;
  test::AnalysisRun run_;
};
test::ParityPipeline* AnalysisArtifacts::pipeline_ = nullptr;

TEST_F(AnalysisArtifacts, EveryArtifactWithTheReferenceKeysInOrder) {
  ContractConfig config;
  config.top_k_layers = 2;
  config.non_computing_top_k = 2;
  config.graphwise_intervening_excess_threshold = -1.0;   // every adjacent pair is a "jump"
  run({}, config);
  ASSERT_TRUE(run_.log.warnings.empty()) << run_.log.text;

  std::vector<std::string> ran;
  for (const AnalyserRun& r : run_.summary.runs) {
    ran.push_back(r.name);
    EXPECT_TRUE(r.error.empty()) << r.name << ": " << r.error;
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"layerwise", "graphwise", "statistical", "derived"}));
  EXPECT_EQ(run_.summary.files,
            (std::vector<std::string>{"layerwise_error.json", "graphwise_error.json", "layer_stats_full.json",
                                      "layer_stats.json", "non_computing_hot_ops.json", "graphwise_jumps.json"}));

  // layerwise_error.json: the computing ops, worst first.
  const auto lw = read("layerwise_error.json");
  std::vector<std::string> lw_keys = keys_of(lw);
  std::vector<std::string> sorted_keys = lw_keys;
  std::sort(sorted_keys.begin(), sorted_keys.end());
  EXPECT_EQ(sorted_keys, kComputing);
  for (rapidjson::SizeType i = 1; i < lw.MemberCount(); ++i)
    EXPECT_GE((lw.MemberBegin() + i - 1)->value.GetDouble(), (lw.MemberBegin() + i)->value.GetDouble());
  // The strategy's copy: the first five in file order (three here).
  ASSERT_EQ(run_.summary.top_error_layers.size(), 3u);
  EXPECT_EQ(run_.summary.top_error_layers[0].first, lw_keys[0]);
  EXPECT_EQ(run_.summary.top_error_layers[0].second, lw[lw_keys[0].c_str()].GetDouble());

  // graphwise_error.json: the computing ops in graph order.
  const auto gw = read("graphwise_error.json");
  EXPECT_EQ(keys_of(gw), kComputing);

  // layer_stats_full.json: esp-ppq's record keys in esp-ppq's order; ops in graph order.
  const std::vector<std::string> record_keys = {
      "Op name", "Op type", "Is parameter", "Is input", "Is output", "Variable name", "Noise:Signal Power Ratio",
      "Noise Mean", "Noise Std", "Noise Skewness", "Noise Kurtosis", "Noise Hist", "Noise Max", "Noise Min",
      "Quantized Mean", "Quantized Std", "Quantized Skewness", "Quantized Kurtosis", "Quantized Hist",
      "Quantized Max", "Quantized Min", "Float Mean", "Float Std", "Float Skewness", "Float Kurtosis", "Float Hist",
      "Float Max", "Float Min"};
  const auto full = read("layer_stats_full.json");
  ASSERT_TRUE(full.IsArray());
  std::vector<std::string> op_order;
  for (const auto& r : full.GetArray()) {
    EXPECT_EQ(keys_of(r), record_keys);
    if (op_order.empty() || op_order.back() != r["Op name"].GetString()) op_order.emplace_back(r["Op name"].GetString());
  }
  std::vector<std::string> graph_order;   // quantized, non-passive (Flatten is passive)
  for (const Op* op : pipeline_->graph.topological_order())
    if (op->type != "Flatten") graph_order.push_back(op->name);
  EXPECT_EQ(op_order, graph_order);

  // layer_stats.json: the top_k_layers = 2 worst layerwise ops' records, in rank order.
  const auto top = read("layer_stats.json");
  std::vector<std::string> top_ops;
  for (const auto& r : top.GetArray())
    if (top_ops.empty() || top_ops.back() != r["Op name"].GetString()) top_ops.emplace_back(r["Op name"].GetString());
  EXPECT_EQ(top_ops, (std::vector<std::string>{lw_keys[0], lw_keys[1]}));

  // non_computing_hot_ops.json: non_computing_top_k = 2 entries, worst first, no computing op.
  const auto hot = read("non_computing_hot_ops.json");
  ASSERT_EQ(hot.Size(), 2u);
  EXPECT_EQ(run_.summary.non_computing_hot_ops_count, 2);
  EXPECT_GE(hot[0]["max_snr"].GetDouble(), hot[1]["max_snr"].GetDouble());
  for (const auto& e : hot.GetArray()) {
    EXPECT_EQ(keys_of(e),
              (std::vector<std::string>{"op_name", "op_type", "max_snr", "per_var_snrs", "inputs_float_std_ratio"}));
    EXPECT_TRUE(std::find(kComputing.begin(), kComputing.end(), e["op_name"].GetString()) == kComputing.end());
  }

  // graphwise_jumps.json at threshold -1: both adjacent computing pairs, from the numbers
  // of the two files, with the non-computing ops between them.
  const auto jumps = read("graphwise_jumps.json");
  ASSERT_EQ(jumps.Size(), 2u);
  EXPECT_EQ(run_.summary.graphwise_jumps_count, 2);
  EXPECT_GE(jumps[0]["intervening_excess"].GetDouble(), jumps[1]["intervening_excess"].GetDouble());
  for (const auto& j : jumps.GetArray()) {
    const std::string prev = j["op_prev"].GetString(), next = j["op_next"].GetString();
    const double delta = gw[next.c_str()].GetDouble() - gw[prev.c_str()].GetDouble();
    EXPECT_EQ(j["delta_graphwise"].GetDouble(), delta);
    EXPECT_EQ(j["intervening_excess"].GetDouble(), delta - lw[next.c_str()].GetDouble());
    std::vector<std::string> between;
    for (const auto& n : j["intervening_non_computing_ops"].GetArray()) between.emplace_back(n["type"].GetString());
    if (next == "/c2/Conv") {
      EXPECT_EQ(between, (std::vector<std::string>{"Relu"}));
    } else {
      EXPECT_EQ(next, "/fc/Gemm");
      EXPECT_EQ(between, (std::vector<std::string>{"Relu", "GlobalAveragePool", "Flatten"}));
    }
  }
}

TEST_F(AnalysisArtifacts, AFailedAnalyserIsAWarningAndItsStaleFileIsNotRead) {
  // A layerwise_error.json left by an earlier run of this folder must not feed derived.
  write_file_atomic(run_.dir / "layerwise_error.json", "{\"stale\": 1.0}\n");
  AnalysisRequest request;
  request.options["layerwise"]["interested_outputs"] = std::vector<std::string>{"no_such_variable"};
  run(request);
  ASSERT_EQ(run_.log.warnings.size(), 1u) << run_.log.text;
  EXPECT_NE(run_.log.warnings[0].find("analyser 'layerwise'"), std::string::npos) << run_.log.warnings[0];
  EXPECT_NE(run_.log.warnings[0].find("no_such_variable"), std::string::npos) << run_.log.warnings[0];
  EXPECT_FALSE(run_.summary.runs[0].error.empty());
  // The others ran; derived treated layerwise as empty.
  EXPECT_EQ(read("layer_stats.json").Size(), 0u);
  EXPECT_EQ(read("graphwise_jumps.json").Size(), 0u);
  EXPECT_GT(read("non_computing_hot_ops.json").Size(), 0u);
  EXPECT_TRUE(run_.summary.top_error_layers.empty());
  EXPECT_TRUE(read("layerwise_error.json").HasMember("stale"));   // left alone, not rewritten
}

TEST_F(AnalysisArtifacts, OptionsAndNamesAreChecked) {
  AnalysisRequest unknown_key;
  unknown_key.options["graphwise"]["no_such_option"] = std::int64_t{3};
  try {
    run(unknown_key);
    ADD_FAILURE() << "an unknown option key was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_option"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("analyser 'graphwise'"), std::string::npos) << e.what();
  }
  AnalysisRequest not_running;
  not_running.names = {"graphwise"};
  not_running.names_given = true;
  not_running.options["statistical"]["fetches"] = std::int64_t{16};
  EXPECT_THROW(run(not_running), InputError);
  AnalysisRequest unknown_name;
  unknown_name.names = {"no_such_analyser"};
  unknown_name.names_given = true;
  EXPECT_THROW(run(unknown_name), InputError);
  EXPECT_FALSE(fs::exists(run_.dir / "graphwise_error.json"));   // checks fail before anything runs
}

TEST_F(AnalysisArtifacts, DependenciesRunFirst) {
  AnalysisRequest request;
  request.names = {"derived"};
  request.names_given = true;
  EXPECT_EQ(analyser_order(test::built_plugins(), request),
            (std::vector<std::string>{"layerwise", "graphwise", "statistical", "derived"}));
  request.names = {"statistical", "layerwise"};
  EXPECT_EQ(analyser_order(test::built_plugins(), request), (std::vector<std::string>{"statistical", "layerwise"}));
}

}  // namespace
}  // namespace qtune
