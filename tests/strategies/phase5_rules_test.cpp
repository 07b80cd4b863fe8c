// Phase-5 signals (search_state_machine.md §7) on hand-made settings and histories.
#include <gtest/gtest.h>

#include "outputs_builder.h"
#include "qtune/search/lever_fingerprints.h"
#include "qtune/search/phase5_advice.h"
#include "qtune/search/phase5_patterns.h"
#include "qtune/search/phase5_signals.h"
#include "qtune/search/state_machine.h"

namespace qtune::search {
namespace {

using testing::parse;

// §17.11: a block without `enabled` but non-empty is ON for Phase 5, not tried for 3d.
TEST(Phase5, BlockWithoutEnabledIsOnButNotTried) {
  const auto s = parse(R"({"equalization": {"iterations": 5}})");
  EXPECT_TRUE(pass_on(s, "equalization"));
  EXPECT_FALSE(setting_matches_lever(s, "3d"));
  const auto prev = parse(R"({"calib_algorithm": "kl"})");
  EXPECT_EQ(classify_phase5_patterns(prev, s), std::vector<std::string>{"5alpha"});
}

TEST(Phase5, ClassificationOrderAndCaseInsensitiveCalib) {
  const auto prev = parse(R"({"calib_algorithm": "KL", "bias_correct": {"enabled": true},
                              "dispatching_table": [{"op": "/a", "bits": 16}]})");
  const auto next = parse(R"({"equalization": {"enabled": true}, "dispatching_table": [{"op_name": "/b", "bits": 16}]})");
  // eq on (alpha), bias off (gamma), int16 {/a} -> {/b} (delta); "KL" == absent ("kl").
  EXPECT_EQ(classify_phase5_patterns(prev, next), (std::vector<std::string>{"5alpha", "5gamma", "5delta"}));
}

TEST(Phase5, LeverStackCountsInt16AndSplitLayers) {
  const auto s = parse(R"({"calib_algorithm": "mse", "tqt_optimization": {"enabled": true},
                           "dispatching_table": [{"op": "/a", "bits": 16}, {"op": "/b", "bits": 8}],
                           "weight_split": {"enabled": true, "interested_layers": ["/x", "/y"]}})");
  const auto stack = phase5_lever_stack(s);
  EXPECT_EQ(std::vector<std::string>(stack.begin(), stack.end()),
            (std::vector<std::string>{"int16:1", "tqt_optimization", "weight_split", "weight_split:2"}));
}

// §7.4 label rules: raw Python equality (null != false, true == 1), Python str().
TEST(Phase5, LeverLabels) {
  EXPECT_EQ(phase5_lever_label_for(parse(R"({"tqt_optimization": {"enabled": null}})"),
                                   parse(R"({"tqt_optimization": {"enabled": false}})")),
            "tqt_disabled");
  EXPECT_EQ(phase5_lever_label_for(parse(R"({"tqt_optimization": {"enabled": 1, "steps": 500}})"),
                                   parse(R"({"tqt_optimization": {"enabled": true}})")),
            "tqt_steps=None");
  EXPECT_EQ(phase5_lever_label_for(parse(R"({"calib_algorithm": "KL"})"), parse(R"({"calib_algorithm": "kl"})")),
            "calib=kl");  // not lower-cased here
  EXPECT_EQ(phase5_lever_label_for(parse(R"({})"), parse(R"({"fusion_alignment": {"align_concat_to": "None"}})")),
            "fusion_alignment=on");
  EXPECT_EQ(phase5_lever_label_for(parse(R"({"dispatching_table": []})"),
                                   parse(R"({"dispatching_table": [{"op": "/a", "bits": 8}]})")),
            "dispatching_table=1_ops");
  EXPECT_FALSE(phase5_lever_label_for(parse(R"({"calib_algorithm": "kl"})"), parse(R"({})")));
}

// §17.10: 5beta-reapply counts Phase-2 legs as attempts and may list best's own calibration.
TEST(Phase5, ReapplyCanListBestsOwnCalibration) {
  testing::OutputsBuilder b;
  b.iter(0, "70.0", R"({"calib_algorithm": "kl"})")
      .iter(1, "71.0", testing::leg("mse"))
      .iter(2, "71.5", testing::leg("kl"))
      .iter(3, "72.0", fmt::format(R"({{"calib_algorithm": "kl", {}, "equalization": {{"enabled": true}}}})",
                                   testing::kTqtDefault));
  const History rows = b.load();
  const IterationRow* best = best_iteration(rows);
  ASSERT_EQ(best->id, 3);
  // mse attempt (iter_1 vs kl iter_0) and kl attempt (iter_2 vs mse iter_1), both on {tqt};
  // best (iter_3, kl) stacks equalization on iter_2, same calibration: no attempt.
  EXPECT_EQ(untried_5beta_reapply(rows, best), (std::vector<std::string>{"kl", "mse"}));
}

// §7.2: the cutoff is the last id of the first prefix in Phase 5; coverage counts > cutoff.
TEST(Phase5, CutoffAndCoverage) {
  testing::OutputsBuilder b;
  testing::phase2_done(b);
  const std::string p = R"("calib_algorithm": "percentile")";
  b.iter(4, "70.9", fmt::format("{{{}, {}}}", p, testing::kTqt3a1))
      .iter(5, "70.7", fmt::format("{{{}, {}}}", p, testing::kTqt3a2))
      .iter(6, "70.6", fmt::format(R"({{{}, {}, "bias_correct": {{"enabled": true}}}})", p, testing::kTqtDefault))
      .iter(7, "70.6", fmt::format(R"({{{}, {}, "equalization": {{"enabled": true}}}})", p, testing::kTqtDefault))
      .iter(8, "70.6", fmt::format(R"({{{}, {}, "weight_split": {{"enabled": true, "interested_layers": ["/w"]}}}})", p,
                                   testing::kTqtDefault))
      // Phase 5: stack equalization on best (iter_4), then swap its calibration.
      .iter(9, "71.0", fmt::format(R"({{{}, {}, "equalization": {{"enabled": true}}}})", p, testing::kTqt3a1))
      .iter(10, "70.95",
            fmt::format(R"({{"calib_algorithm": "mse", {}, "equalization": {{"enabled": true}}}})", testing::kTqt3a1));
  const History rows = b.load();
  const int cutoff = phase5_cutoff_iter_id(rows, SearchConstants{});
  EXPECT_EQ(cutoff, 8);
  const PatternCoverage coverage = phase5_pattern_coverage(rows, cutoff);
  EXPECT_EQ(coverage.at("5alpha"), std::vector<int>{9});
  EXPECT_EQ(coverage.at("5beta"), std::vector<int>{10});
  const auto signals = phase5_signals(rows, best_iteration(rows), SearchConstants{});
  EXPECT_EQ(signals["phase5_iteration_count"].GetInt(), 2);
  EXPECT_EQ(signals["best_iteration_id"].GetInt(), 9);
  // 3c is not tried and R8 has no hot ops on best: skipped, so only 3e / 3g stay.
  const auto& untried = signals["untried_phase3_levers"];
  ASSERT_EQ(untried.Size(), 2u);
  EXPECT_STREQ(untried[0].GetString(), "3e");
  EXPECT_STREQ(untried[1].GetString(), "3g");
}

TEST(Phase5, TunableParameterLines) {
  const auto s = parse(R"({"calib_algorithm": "Percentile", "tqt_optimization": {"enabled": true, "lr": 5e-05},
                           "equalization": {"enabled": true, "opt_level": 1}})");
  const auto lines = phase5_tunable_params_lines(s);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("tqt_optimization (current: lr=5e-05, steps=500, block_size=4)", 0), 0u);
  EXPECT_EQ(lines[1].rfind("equalization (current: opt_level=1, iterations=5)", 0), 0u);
  EXPECT_NE(lines[2].find("99.999"), std::string::npos);
}

TEST(Phase5, AdviceHasNoTemplate) {
  testing::OutputsBuilder b;
  testing::phase2_done(b);
  const History rows = b.load();
  const auto signals = phase5_signals(rows, best_iteration(rows), SearchConstants{});
  const std::string advice =
      phase5_advice(rows, best_iteration(rows), signals, kPhase5DefaultTrigger, {}, SearchConstants{});
  EXPECT_EQ(advice.find("\"iteration_id\""), std::string::npos);
  EXPECT_EQ(advice.find("pretending"), std::string::npos);
  EXPECT_NE(advice.find("Composition discipline #5"), std::string::npos);
  EXPECT_NE(advice.find("USER-GIVEN ITERATION BUDGET REACHED"), std::string::npos);
}

}  // namespace
}  // namespace qtune::search
