// The phased-linear strategy plugin, loaded through the framework's StrategyHost (as
// `qtune run` loads it), deciding on hand-made outputs/ folders. Each expectation is
// worked out from the reference's rules (search_state_machine.md) and docs/search.md.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "../outputs_builder.h"
#include "qtune/log.h"
#include "run/strategy_host.h"

namespace {

using qtune::StrategyDecision;
using qtune::testing::leg;
using qtune::testing::OutputsBuilder;

const qtune::StrategyHost& host() {
  static const qtune::StrategyHost instance({QTUNE_TEST_PLUGIN_DIR}, /*default_dirs=*/false);
  return instance;
}

StrategyDecision decide(const OutputsBuilder& out, int iterations_left = -1, qtune::RawOptions options = {}) {
  const auto values = host().options("phased-linear", options);
  return host().decide("phased-linear", out.outputs(), values, iterations_left, nullptr, qtune::stderr_log());
}

rapidjson::Document setting_of(const StrategyDecision& d) {
  rapidjson::Document doc;
  doc.Parse(d.setting_json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << d.setting_json;
  return doc;
}

// The three Phase-2 legs after the baseline: kl 70.0 (iter_0) then kl/mse/percentile + TQT.
OutputsBuilder& sweep_done(OutputsBuilder& out, const char* best_value = "72.0") {
  return out.iter(0, "70.0", R"({"calib_algorithm": "kl"})")
      .iter(1, best_value, leg("kl"))
      .iter(2, "71.0", leg("mse"))
      .iter(3, "70.5", leg("percentile"));
}

}  // namespace

TEST(PhasedLinear, EmptyOutputsRunsTheBaseline) {
  OutputsBuilder out;
  const auto d = decide(out);
  ASSERT_EQ(d.action, StrategyDecision::Action::Iterate);
  EXPECT_EQ(d.phase, "phase-1-baseline");
  const auto s = setting_of(d);
  EXPECT_FALSE(s.HasMember("tqt_optimization"));
}

TEST(PhasedLinear, BaselineOnlyProposesTheKlTqtLeg) {
  OutputsBuilder out;
  out.iter(0, "70.0", R"({"calib_algorithm": "kl"})");
  const auto d = decide(out);
  ASSERT_EQ(d.action, StrategyDecision::Action::Iterate);
  EXPECT_EQ(d.phase, "phase-2-calib-tqt-sweep");
  const auto s = setting_of(d);
  EXPECT_STREQ(s["calib_algorithm"].GetString(), "kl");
  EXPECT_TRUE(s["tqt_optimization"]["enabled"].GetBool());
  EXPECT_EQ(s["tqt_optimization"]["steps"].GetInt(), 500);
  EXPECT_DOUBLE_EQ(s["tqt_optimization"]["lr"].GetDouble(), 1e-5);
}

TEST(PhasedLinear, Phase3MergesTheLeverOntoBest) {
  OutputsBuilder out;
  sweep_done(out);
  const auto d = decide(out);
  ASSERT_EQ(d.action, StrategyDecision::Action::Iterate);
  // The last two rows (mse 71.0, percentile 70.5) are both below best: a pivot (§5 step 11).
  EXPECT_EQ(d.phase, "phase-3-pivot");
  const auto s = setting_of(d);
  // 3a-1 on best iter_1 (kl + default TQT): 1000 steps, calibration kept.
  EXPECT_STREQ(s["calib_algorithm"].GetString(), "kl");
  EXPECT_EQ(s["tqt_optimization"]["steps"].GetInt(), 1000);
  EXPECT_NE(d.reason.find("iter_1"), std::string::npos) << d.reason;
}

TEST(PhasedLinear, Int16LeverPromotesTheWorstLayerOfBest) {
  // 3a-1, 3a-2, 3b, 3d tried; 3c skipped (no hot ops: R8 does not fire) -> 3e next.
  OutputsBuilder out;
  sweep_done(out)
      .iter(4, "71.9", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true, "steps": 1000}})")
      .iter(5, "71.8", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true, "steps": 2000, "lr": 5e-05}})")
      .iter(6, "71.7", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true}, "bias_correct": {"enabled": true}})")
      .iter(7, "71.6", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true}, "equalization": {"enabled": true}})")
      .artifact(1, "layerwise_error.json", R"({"/conv3/Conv": 0.31, "/fc/Gemm": 0.2})");
  const auto d = decide(out, -1, {{"phase3_cap", "100"}});
  ASSERT_EQ(d.action, StrategyDecision::Action::Iterate) << d.reason;
  const auto s = setting_of(d);
  ASSERT_TRUE(s.HasMember("dispatching_table")) << d.setting_json;
  ASSERT_EQ(s["dispatching_table"].Size(), 1u);
  EXPECT_STREQ(s["dispatching_table"][0]["op"].GetString(), "/conv3/Conv");
  EXPECT_EQ(s["dispatching_table"][0]["bits"].GetInt(), 16);
  EXPECT_NE(d.reason.find("layerwise_error.json"), std::string::npos) << d.reason;
}

TEST(PhasedLinear, LeverWithoutQualifyingLayerIsSkippedWithItsReason) {
  // 3e tried too -> 3f next, but no weight has kurtosis > 10: skipped with its reason;
  // the next lever, 3g (blockwise reconstruction after TQT), is proposed instead.
  OutputsBuilder out;
  sweep_done(out)
      .iter(4, "71.9", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true, "steps": 1000}})")
      .iter(5, "71.8", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true, "steps": 2000, "lr": 5e-05}})")
      .iter(6, "71.7", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true}, "bias_correct": {"enabled": true}})")
      .iter(7, "71.6", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true}, "equalization": {"enabled": true}})")
      .iter(8, "71.5", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true}, "dispatching_table": [{"op": "a", "bits": 16}]})")
      .artifact(1, "layer_stats_full.json",
                R"([{"Op name": "/c/Conv", "Op type": "Conv", "Is parameter": true, "Is input": true, "Float Kurtosis": 3.0}])");
  const auto d = decide(out, -1, {{"phase3_cap", "100"}});
  EXPECT_NE(d.reason.find("lever 3f skipped"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("kurtosis"), std::string::npos) << d.reason;
  EXPECT_NE(d.hint_json.find("levers_not_applicable"), std::string::npos);
  ASSERT_EQ(d.action, StrategyDecision::Action::Iterate) << d.reason;
  const auto s = setting_of(d);
  EXPECT_TRUE(s["blockwise_reconstruction"]["enabled"].GetBool()) << d.setting_json;
  EXPECT_TRUE(s["tqt_optimization"]["enabled"].GetBool()) << "3g keeps TQT on (AdaRound after TQT)";
  EXPECT_FALSE(s.HasMember("weight_split"));
}

TEST(PhasedLinear, LeverWhosePluginIsMissingIsSkipped) {
  // A plugin folder holding phased-linear alone: no pass plugin is installed, so every
  // Phase-3 lever is skipped with "not installed" and the search finalizes (exhausted)
  // instead of proposing a setting the harness would refuse.
  OutputsBuilder out;
  sweep_done(out);
  const auto dir = out.outputs().parent_path() / "plugins";
  std::filesystem::create_directories(dir);
  std::filesystem::create_symlink(std::filesystem::path(QTUNE_TEST_PLUGIN_DIR) / "libqtune_strategy_phased_linear.so",
                                  dir / "libqtune_strategy_phased_linear.so");
  const qtune::StrategyHost alone({dir}, /*default_dirs=*/false);
  const auto d = alone.decide("phased-linear", out.outputs(), alone.options("phased-linear"), -1, nullptr,
                              qtune::stderr_log());
  EXPECT_NE(d.reason.find("plugin is not installed"), std::string::npos) << d.reason;
  EXPECT_NE(d.action, StrategyDecision::Action::Iterate) << d.setting_json;
}

TEST(PhasedLinear, FastTargetIsOnlyFinalWhenTheFullEvaluationConfirmsIt) {
  OutputsBuilder missed;
  missed.iter(0, "91.5", R"({"calib_algorithm": "kl"})",
              R"({"target_metric": 91.0, "full_eval": {"primary_value": 89.9, "reaches_target": false}})");
  auto d = decide(missed);
  EXPECT_EQ(d.action, StrategyDecision::Action::Iterate) << "the full evaluation missed the target: search on";
  EXPECT_EQ(d.phase, "phase-2-calib-tqt-sweep");

  OutputsBuilder confirmed;
  confirmed.iter(0, "91.5", R"({"calib_algorithm": "kl"})",
                 R"({"target_metric": 91.0, "full_eval": {"primary_value": 91.2, "reaches_target": true}})");
  d = decide(confirmed);
  EXPECT_EQ(d.action, StrategyDecision::Action::Finalize);
  EXPECT_EQ(d.finalize_category, "target_reached");
}

TEST(PhasedLinear, SpentBudgetFinalizes) {
  OutputsBuilder out;
  out.iter(0, "70.0", R"({"calib_algorithm": "kl"})");
  const auto d = decide(out, /*iterations_left=*/0);
  EXPECT_EQ(d.action, StrategyDecision::Action::Finalize);
  EXPECT_EQ(d.finalize_category, "budget_spent");
}

TEST(PhasedLinear, Phase5StacksOnlyImprovementsBeyondNoise) {
  // Cap 1 -> Phase 5 right after iter_4. iter_4 (bias_correct on the kl+TQT stack) beat
  // the best before it by 0.4 points on 200 images: within one standard error (~1.4),
  // so phased-linear does not stack it; with noise_sigmas=0 it does.
  auto build = [](OutputsBuilder& out) {
    sweep_done(out, "72.0");
    out.iter(4, "72.4", R"({"calib_algorithm": "mse", "tqt_optimization": {"enabled": true}, "bias_correct": {"enabled": true}})");
    for (int id = 0; id <= 4; ++id) {
      const char* values[] = {"70.0", "72.0", "71.0", "70.5", "72.4"};
      out.artifact(id, "metrics.json",
                   fmt::format(R"({{"_used": "evaluate_fast", "_primary_key": "top1", "_primary_value": {}, "samples": 200}})",
                               values[id]));
    }
  };
  OutputsBuilder noisy;
  build(noisy);
  const auto with_noise = decide(noisy, -1, {{"phase3_cap", "1"}});
  OutputsBuilder plain;
  build(plain);
  const auto without_noise = decide(plain, -1, {{"phase3_cap", "1"}, {"noise_sigmas", "0"}});
  EXPECT_EQ(with_noise.phase, "phase-5-agent-driven");
  EXPECT_EQ(without_noise.phase, "phase-5-agent-driven");
  // Either way the first Phase-5 proposals are untried levers stacked on best (iter_4);
  // the noise rule shows where phased-linear stacks history: never a within-noise one.
  EXPECT_EQ(with_noise.action, StrategyDecision::Action::Iterate);
  EXPECT_EQ(with_noise.reason.find("beyond the metric's noise"), std::string::npos) << with_noise.reason;
}

TEST(PhasedLinear, NeverProposesASettingThatAlreadyRan) {
  // The kl leg exists with extra disabled blocks and a different rationale: the mse leg
  // is next, not kl again.
  OutputsBuilder out;
  out.iter(0, "70.0", R"({"calib_algorithm": "kl"})")
      .iter(1, "71.0", R"({"rationale": "x", "calib_algorithm": "KL", "equalization": {"enabled": false},
                          "tqt_optimization": {"enabled": true, "lr": 1e-05, "steps": 500, "block_size": 4}})");
  const auto d = decide(out);
  const auto s = setting_of(d);
  EXPECT_STREQ(s["calib_algorithm"].GetString(), "mse");
}
