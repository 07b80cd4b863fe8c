// The odd rules of the reference state machine (search_state_machine.md §5, §17), each
// on a hand-made history: the port keeps them on purpose.
#include <gtest/gtest.h>

#include "outputs_builder.h"
#include "qtune/search/lever_fingerprints.h"
#include "qtune/search/phase2_coverage.h"
#include "qtune/search/state_machine.h"

namespace qtune::search {
namespace {

using testing::kTqt3a1;
using testing::kTqt3a2;
using testing::leg;
using testing::OutputsBuilder;

std::string percentile_with(const std::string& block) {
  return fmt::format(R"({{"calib_algorithm": "percentile", {}}})", block);
}

TEST(StateMachine, EmptyHistoryIsBaselinePhase) {
  OutputsBuilder b;
  const SearchState s = analyse_search(b.load());
  EXPECT_EQ(s.phase, kPhase1);
  EXPECT_NE(s.advice.find("--baseline"), std::string::npos);
  EXPECT_EQ(s.next_iteration_id, 0);
}

// §17.2: five ids >= 4 reach the Phase-3 cap even when no Phase-2 leg ran.
TEST(StateMachine, CapIsCheckedBeforePhase2Coverage) {
  OutputsBuilder b;
  b.iter(0, "70.0", R"({"calib_algorithm": "kl"})");
  for (int id = 4; id <= 8; ++id) b.iter(id, fmt::format("70.0{}", id), R"({"calib_algorithm": "kl"})");
  const SearchState s = analyse_search(b.load());
  EXPECT_EQ(s.phase, kPhase5);
  EXPECT_EQ(s.phase5_trigger, "phase3_cap");
  EXPECT_TRUE(s.phase2_calibs_covered.empty());
  EXPECT_EQ(s.phase5_cutoff_iter_id, -1);  // the cutoff insists on Phase-2 coverage first
  EXPECT_EQ(s.advice.find("\"iteration_id\""), std::string::npos);
}

// Raising the cap by option moves the same history back to Phase 2.
TEST(StateMachine, CapIsAConstant) {
  OutputsBuilder b;
  b.iter(0, "70.0", R"({"calib_algorithm": "kl"})");
  for (int id = 4; id <= 8; ++id) b.iter(id, "70.0", R"({"calib_algorithm": "kl"})");
  SearchConstants c;
  ASSERT_TRUE(c.set("_PHASE3_CAP", 100));
  const SearchState s = analyse_search(b.load(), c);
  EXPECT_EQ(s.phase, kPhase2);
  ASSERT_TRUE(s.template_json);
  EXPECT_EQ((*s.template_json)["iteration_id"].GetInt(), 9);
}

// §17.1: the Phase-2 fingerprint checks lr / steps / block_size only.
TEST(StateMachine, Phase2FingerprintIgnoresOtherTqtKeys) {
  const auto setting = testing::parse(
      R"({"calib_algorithm": "MSE", "tqt_optimization": {"enabled": true, "steps": 500.0, "gamma": 3.0,
          "is_scale_trainable": false}})");
  EXPECT_EQ(phase2_leg_calib(setting, SearchConstants{}), "mse");
  const auto non_default = testing::parse(R"({"calib_algorithm": "kl", )" + kTqt3a1 + "}");
  EXPECT_FALSE(phase2_leg_calib(non_default, SearchConstants{}));
}

// §17.4: path 2 needs 3a-1 / 3a-2 TRIED, not improved; the label is never a pivot.
TEST(StateMachine, Path2DoesNotRequireImprovement) {
  OutputsBuilder b;
  testing::phase2_done(b);
  b.iter(4, "70.5", percentile_with(kTqt3a1)).iter(5, "70.4", percentile_with(kTqt3a2));
  const SearchState s = analyse_search(b.load());
  EXPECT_EQ(s.phase, kPhase3Residual);
  EXPECT_EQ(s.lever, "3b");
  EXPECT_EQ(s.route, "path2_note");
  EXPECT_FALSE(s.pivot);
  EXPECT_NE(s.advice.find("3a-3 PATH 2 also eligible"), std::string::npos);
}

// §4: path 1 recognises a TQT escalation without block_size, while lever_tried does not.
TEST(StateMachine, Path1IgnoresBlockSizeButLeverTriedDoesNot) {
  OutputsBuilder b;
  testing::phase2_done(b);
  b.iter(4, "71.2", percentile_with(kTqt3a1), R"({"top_5_error_layers": [{"op": "/a", "snr": 0.1}]})");
  b.iter(5, "71.15",
         percentile_with(R"("tqt_optimization": {"enabled": true, "lr": 5e-05, "steps": 2000, "block_size": 8})"),
         R"({"top_5_error_layers": [{"op": "/a", "snr": 0.1}, {"op": "/new", "snr": 0.1}]})");
  const History rows = b.load();
  EXPECT_FALSE(lever_tried(rows, "3a-2"));  // block_size 8 is no 3a-2 fingerprint
  const SearchState s = analyse_search(rows);
  EXPECT_TRUE(s.path1_trigger);
  EXPECT_EQ(s.lever, "3a-3");
  EXPECT_EQ(s.route, "path1");
  EXPECT_NE(s.advice.find("3a-3 PATH 1 triggered"), std::string::npos);
  EXPECT_NE(s.advice.find("iter_5"), std::string::npos);
  // The template keeps best's schedule (steps 1000, ints stay ints) and halves the block.
  EXPECT_NE(s.advice.find(R"("steps": 1000, "block_size": 2)"), std::string::npos);
}

// §17.5: a 3c skipped by R8 is not mentioned by the Phase-3 advice, only by the
// all-levers Phase-5 advice.
TEST(StateMachine, SkipReasonsOnlyInAllLeversPhase5) {
  const std::string quiet_add = R"([{"op_name": "/add", "op_type": "Add", "max_snr": 0.1}])";
  OutputsBuilder b;
  testing::phase2_done(b);
  b.iter(4, "71.0", percentile_with(kTqt3a1)).iter(5, "70.9", percentile_with(kTqt3a2));
  b.iter(6, "70.95", fmt::format(R"({{"calib_algorithm": "percentile", {}, "bias_correct": {{"enabled": true}}}})",
                                 testing::kTqtDefault));
  b.artifact(4, "non_computing_hot_ops.json", quiet_add);
  SearchConstants c;
  c.set("phase3_cap", 100);
  c.set("plateau_window", 100);
  const SearchState phase3 = analyse_search(b.load(), c);
  EXPECT_EQ(phase3.lever, "3d");
  ASSERT_EQ(phase3.skipped_levers.size(), 1u);
  EXPECT_NE(phase3.skipped_levers[0].reason.find("below-band"), std::string::npos);
  EXPECT_FALSE(phase3.skipped_levers_in_hint);
  EXPECT_EQ(phase3.advice.find("below-band"), std::string::npos);

  const char* rest[] = {R"("equalization": {"enabled": true})", R"("dispatching_table": [{"op": "/c", "bits": 16}])",
                        R"("weight_split": {"enabled": true, "interested_layers": ["/c"]})",
                        R"("blockwise_reconstruction": {"enabled": true})"};
  int id = 7;
  for (const char* block : rest)
    b.iter(id++, "70.9", fmt::format(R"({{"calib_algorithm": "percentile", {}, {}}})", testing::kTqtDefault, block));
  const SearchState phase5 = analyse_search(b.load(), c);
  EXPECT_EQ(phase5.phase, kPhase5);
  EXPECT_EQ(phase5.phase5_trigger, "all_levers_tried");
  EXPECT_TRUE(phase5.skipped_levers_in_hint);
  EXPECT_NE(phase5.advice.find("Levers skipped by trigger rules in Phase 3: 3c ("), std::string::npos);
}

// §17.2: in a cap-triggered Phase 5 a plateau never moves the search to Phase 4.
TEST(StateMachine, PlateauMaskedByCap) {
  OutputsBuilder b;
  testing::phase2_done(b);
  for (int id = 4; id <= 8; ++id) b.iter(id, "70.79", percentile_with(kTqt3a1));
  const SearchState s = analyse_search(b.load());
  EXPECT_TRUE(s.plateau);
  EXPECT_EQ(s.phase, kPhase5);
}

// §2.5 / §17.12: a NaN inside the plateau window counts as flat.
TEST(StateMachine, NanInPlateauWindowCountsAsFlat) {
  OutputsBuilder b;
  testing::phase2_done(b);
  b.iter(4, "NaN", percentile_with(kTqt3a1)).iter(5, "70.79", percentile_with(kTqt3a2));
  const SearchState s = analyse_search(b.load());
  EXPECT_TRUE(s.plateau);
  EXPECT_EQ(s.phase, kPhase4);
  EXPECT_EQ(s.phase4_reason, "plateau");
}

// §2.4 / §17.12: +inf satisfies a target although it can never be best.
TEST(StateMachine, InfiniteValueReachesTarget) {
  OutputsBuilder b;
  b.iter(0, "70.0", R"({"calib_algorithm": "kl"})", R"({"target_metric": 99.0})")
      .iter(1, "Infinity", leg("kl"), R"({"target_metric": 99.0})");
  const SearchState s = analyse_search(b.load());
  EXPECT_EQ(s.best_iteration_id, 0);
  EXPECT_TRUE(s.target_reached);
  EXPECT_EQ(s.phase, kPhase4);
  EXPECT_EQ(s.phase4_reason, "target_reached");
}

TEST(StateMachine, JsonCarriesTheOracleFields) {
  OutputsBuilder b;
  testing::phase2_done(b);
  const SearchState s = analyse_search(b.load());
  const auto doc = testing::parse(to_json(s));
  ASSERT_TRUE(doc.IsObject());
  for (const char* key : {"phase", "lever", "route", "pivot", "phase4_reason", "phase5_trigger", "skipped_lever_ids",
                          "template", "next_iteration_id", "best_iteration_id", "runtime_priority", "target_metric",
                          "target_reached", "plateau", "phase3_iteration_count", "phase2_calibs_covered",
                          "lever_tried", "all_phase3_levers_tried", "path1_trigger", "path2_eligible", "r8", "ranks",
                          "ranking_warnings", "runtime_cost", "phase5_cutoff_iter_id", "phase5_pattern_coverage",
                          "untried_phase5_patterns_raw", "phase5_signals", "advice", "phase5_advice"})
    EXPECT_TRUE(doc.HasMember(key)) << key;
  EXPECT_EQ(doc["lever_tried"].MemberCount(), 9u);
  EXPECT_STREQ(doc["lever"].GetString(), "3a-1");
  EXPECT_EQ(doc["ranks"]["3"].GetInt(), 1);
}

}  // namespace
}  // namespace qtune::search
