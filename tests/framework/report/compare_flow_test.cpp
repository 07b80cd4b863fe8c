// qtune compare's flow (reference §8) driven by the 'report_fake' test strategy, whose
// options dictate its decision: comparison.json keys and order, ranks, finalize
// categories and rules, premature rejection, best/, report preservation, run.json.
#include <sstream>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "qtune/error.h"
#include "report/compare_flow.h"
#include "report/final_report.h"
#include "run/strategy_host.h"
#include "framework/report/report_fixture.h"

namespace qtune::report_test {
namespace {

namespace fs = std::filesystem;

const StrategyHost& fake_host() {
  static const StrategyHost host({fs::path(QTUNE_TEST_PLUGIN_DIR) / "report_strategy"}, /*default_dirs=*/false);
  return host;
}

struct CompareRun {
  report::CompareResult result;
  std::string out;
  rapidjson::Document comparison;
};

CompareRun compare(const fs::path& outputs, report::CompareRequest request) {
  request.outputs_dir = outputs;
  if (request.strategy.empty() && !fs::exists(outputs / "run.json")) request.strategy = "report_fake";
  CompareRun run;
  std::ostringstream out;
  QuietLog log;
  run.result = report::run_compare(fake_host(), request, out, log);
  run.out = out.str();
  const std::string text = read_text(outputs / "comparison.json");
  run.comparison.Parse<rapidjson::kParseNanAndInfFlag>(text.c_str());
  EXPECT_FALSE(run.comparison.HasParseError()) << text;
  return run;
}

report::CompareRequest with(RawOptions options, bool finalize = false) {
  report::CompareRequest r;
  r.strategy_options = std::move(options);
  r.finalize = finalize;
  return r;
}

std::vector<std::string> keys_of(const rapidjson::Value& object) {
  std::vector<std::string> keys;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) keys.emplace_back(it->name.GetString());
  return keys;
}

// Phase-5 signals as the agent-hint strategy reports them (the parts compare reads).
const char* kPhase5Hint = R"({"next_step_hint": {"phase5_signals": {"iteration_count_total": 12,
  "phase5_iteration_count": 3, "untried_phase5_patterns": ["5gamma", "5delta", "5beta"],
  "untried_phase3_levers": ["3f", "3g"], "untried_5beta_reapply": ["percentile"]}},
  "search_state": {"phase5_signals": {"iteration_count_total": 12}, "untried": ["3f", "3g"]}})";

TEST(CompareFlow, ComparisonJsonHasTheReferenceKeysInOrderThenQtunes) {
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs);
  const CompareRun run = compare(outputs, with({{"phase", "phase-3-residual"},
                                        {"hint_json", R"({"next_step_hint": {"lever": "3a-1", "template": {"lr": 1e-05}},
                                                          "search_state": {"phase": "phase-3-residual"}})"}}));
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(keys_of(run.comparison),
            (std::vector<std::string>{"iterations", "best_iteration", "iteration_ranks", "runtime_cost_classification",
                                      "ranking_warnings", "early_finalize_command", "next_step_hint", "search_state",
                                      "strategy"}));
  EXPECT_EQ(keys_of(run.comparison["next_step_hint"]),
            (std::vector<std::string>{"phase", "advice", "auto_finalized", "lever", "template"}));
  EXPECT_FALSE(run.comparison["next_step_hint"]["auto_finalized"].GetBool());
  EXPECT_EQ(run.comparison["iterations"].Size(), 4u);
  EXPECT_EQ(run.comparison["best_iteration"]["iteration_id"].GetInt(), 3);
  EXPECT_EQ(run.comparison["iteration_ranks"]["3"].GetInt(), 1);
  EXPECT_EQ(run.comparison["iteration_ranks"]["1"].GetInt(), 2);
  EXPECT_EQ(run.comparison["iteration_ranks"]["2"].GetInt(), 3);
  EXPECT_EQ(run.comparison["iteration_ranks"]["0"].GetInt(), 4);
  EXPECT_STREQ(run.comparison["runtime_cost_classification"]["1"]["label"].GetString(), "No");
  EXPECT_STREQ(run.comparison["search_state"]["phase"].GetString(), "phase-3-residual");
  EXPECT_STREQ(run.comparison["strategy"]["name"].GetString(), "report_fake");
  EXPECT_STREQ(run.comparison["strategy"]["action"].GetString(), "await_setting");
  EXPECT_EQ(std::string(run.comparison["early_finalize_command"].GetString()),
            "qtune compare --output-dir " + outputs.string() + " --finalize --strategy report_fake");
  // The advice came from a context built from the rows.
  EXPECT_STREQ(run.comparison["next_step_hint"]["advice"].GetString(), "advice for TestNet (top1, dispatch built in)");
  // Nothing finalized: no best/, no report; the plot is a view of the history, always written.
  EXPECT_FALSE(fs::exists(outputs / "best"));
  EXPECT_FALSE(fs::exists(outputs / "final_report.md"));
  EXPECT_TRUE(fs::exists(outputs / "metric_plot.svg"));
  EXPECT_NE(run.out.find("=== Tip: how to wrap up at any time ==="), std::string::npos);
  EXPECT_NE(run.out.find("--finalize"), std::string::npos);
  // Atomic writes leave no temp files behind.
  for (const auto& entry : fs::directory_iterator(outputs))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST(CompareFlow, DenseRanksShareTiesAndSkipNonFiniteValues) {
  const auto outputs = fresh_dir("out");
  write_iteration(outputs, {0, "70.0"});
  write_iteration(outputs, {1, "71.0"});
  write_iteration(outputs, {2, "71.0"});
  write_iteration(outputs, {3, "NaN"});
  write_iteration(outputs, {4, "null"});
  write_iteration(outputs, {5, "69.5"});
  const CompareRun run = compare(outputs, {});
  const auto& ranks = run.comparison["iteration_ranks"];
  EXPECT_EQ(ranks["1"].GetInt(), 1);
  EXPECT_EQ(ranks["2"].GetInt(), 1);
  EXPECT_EQ(ranks["0"].GetInt(), 2);
  EXPECT_EQ(ranks["5"].GetInt(), 3);
  EXPECT_STREQ(ranks["3"].GetString(), "-");
  EXPECT_STREQ(ranks["4"].GetString(), "-");
  EXPECT_EQ(run.comparison["best_iteration"]["iteration_id"].GetInt(), 1);  // ties -> smallest id
  // NaN is written as the NaN token, as Python does.
  EXPECT_NE(read_text(outputs / "comparison.json").find("\"primary_value\": NaN"), std::string::npos);
}

TEST(CompareFlow, ManualFinalizeBeforePhase5WritesBestAndReportThenRewritesIt) {
  RunConfig cfg;
  cfg.target = "72.0";
  cfg.model = "DummyNet";
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs, cfg);
  CompareRun run = compare(outputs, with({{"phase", "phase-3-residual"}}, /*finalize=*/true));
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.result.finalize_category, "manual_finalize_pre_phase5");
  const auto& reason = run.comparison["next_step_hint"]["finalize_reason"];
  EXPECT_EQ(keys_of(reason), (std::vector<std::string>{"category", "best_iteration_id", "best_primary_value",
                                                       "target_metric", "gap_to_target"}));
  EXPECT_EQ(reason["best_iteration_id"].GetInt(), 3);
  EXPECT_NEAR(reason["gap_to_target"].GetDouble(), 1.2, 1e-9);
  EXPECT_TRUE(run.comparison["next_step_hint"]["auto_finalized"].GetBool());
  EXPECT_TRUE(fs::is_symlink(outputs / "best" / "model.espdl"));
  EXPECT_EQ(fs::read_symlink(outputs / "best" / "model.espdl"), fs::path("../iter_3/model.espdl"));
  for (const char* f : {"setting.json", "metrics.json", "iteration_index.json"})
    EXPECT_EQ(read_text(outputs / "best" / f), read_text(outputs / "iter_3" / f)) << f;
  const std::string report = read_text(outputs / "final_report.md");
  EXPECT_TRUE(report.starts_with(report::kReportMarkerPrefix));
  EXPECT_NE(report.find("# Final Report: DummyNet on esp32p4"), std::string::npos);
  EXPECT_NE(report.find("- Gap to target: 1.2000 (absolute)"), std::string::npos);
  EXPECT_NE(report.find("\n## Remaining gap (if target not met)"), std::string::npos);
  EXPECT_NE(report.find("`manual_finalize_pre_phase5`"), std::string::npos);
  EXPECT_NE(run.out.find("[compare] --finalize requested; finalize results:"), std::string::npos);
  EXPECT_NE(run.out.find("outputs/best/         : written"), std::string::npos);
  EXPECT_NE(run.out.find("outputs/final_report.md: written"), std::string::npos);

  run = compare(outputs, with({{"phase", "phase-3-residual"}}, true));
  EXPECT_EQ(run.result.report_action, "rewritten");
  EXPECT_NE(run.out.find("outputs/final_report.md: rewritten"), std::string::npos);
}

TEST(CompareFlow, BareFinalizeInPhase5IsRefusedWithExitCode1AndWritesNothingButComparison) {
  RunConfig cfg;
  cfg.target = "99.0";
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs, cfg);
  write_iteration(outputs, {4, "70.95", std::string(R"("calib_algorithm": "percentile", )") + kDefaultTqt}, cfg);
  const CompareRun run = compare(outputs, with({{"phase", "phase-5-agent-driven"}, {"hint_json", kPhase5Hint}}, true));
  EXPECT_EQ(run.result.exit_code, 1);
  EXPECT_TRUE(run.result.premature_finalize_rejected);
  EXPECT_FALSE(fs::exists(outputs / "best"));
  EXPECT_FALSE(fs::exists(outputs / "final_report.md"));
  const auto& hint = run.comparison["next_step_hint"];
  EXPECT_EQ(keys_of(hint), (std::vector<std::string>{"phase", "advice", "auto_finalized", "premature_finalize_rejected",
                                                     "phase5_signals"}));
  EXPECT_FALSE(hint["auto_finalized"].GetBool());
  EXPECT_TRUE(hint["premature_finalize_rejected"].GetBool());
  EXPECT_NE(run.out.find("[compare] PREMATURE --finalize REJECTED (phase=phase-5-agent-driven)."), std::string::npos);
  EXPECT_NE(run.out.find("(gap to target: +28.0500)"), std::string::npos);
  EXPECT_NE(run.out.find("untried Phase 5 patterns: 5gamma ABLATE, 5delta DIVE-INTO-ARTIFACTS, 5beta CROSS-POLLINATE"),
            std::string::npos);
  EXPECT_NE(run.out.find("untried Phase 3 linear-order levers: 3f, 3g"), std::string::npos);
  EXPECT_NE(run.out.find("percentile"), std::string::npos);
  EXPECT_EQ(run.out.find("=== Iteration comparison ==="), std::string::npos);  // no table on rejection
}

TEST(CompareFlow, ForceFinalizeInPhase5RecordsTheUntriedLists) {
  RunConfig cfg;
  cfg.target = "99.0";
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs, cfg);
  report::CompareRequest request = with({{"phase", "phase-5-agent-driven"}, {"hint_json", kPhase5Hint}}, true);
  request.force_finalize = true;
  const CompareRun run = compare(outputs, request);
  EXPECT_EQ(run.result.exit_code, 0);
  const auto& reason = run.comparison["next_step_hint"]["finalize_reason"];
  EXPECT_STREQ(reason["category"].GetString(), "force_finalize_phase5");
  EXPECT_EQ(reason["untried_phase3_levers"].Size(), 2u);
  EXPECT_STREQ(reason["untried_5beta_reapply"][0].GetString(), "percentile");
  EXPECT_EQ(reason["iteration_count_total"].GetInt(), 12);
  EXPECT_EQ(reason["phase5_iteration_count"].GetInt(), 3);
  const std::string report = read_text(outputs / "final_report.md");
  EXPECT_NE(report.find("## Stop reason"), std::string::npos);
  EXPECT_NE(report.find("Iterations so far: 12 total (3 in Phase 5)."), std::string::npos);
  EXPECT_NE(report.find("- **Untried Phase 5 patterns**: 5gamma ABLATE"), std::string::npos);
  EXPECT_NE(report.find("- **Untried Phase 3 linear-order levers**: 3f, 3g"), std::string::npos);
  EXPECT_NE(report.find("- **Untried 5β-reapply targets** (re-run on the deepest stack): percentile"),
            std::string::npos);
}

TEST(CompareFlow, BareFinalizeInPhase5IsAcceptedOnAPlateauAsTheReferenceDoes) {
  RunConfig cfg;
  cfg.target = "99.0";
  const auto outputs = fresh_dir("out");
  for (int id = 0; id < 6; ++id) write_iteration(outputs, {id, id == 0 ? "70.0" : "70.8"}, cfg);
  const CompareRun run = compare(outputs, with({{"phase", "phase-5-agent-driven"}, {"hint_json", kPhase5Hint}}, true));
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.result.finalize_category, "manual_finalize_pre_phase5");
}

TEST(CompareFlow, StrategyFinalizeOnTargetRecordsTheSignedGap) {
  RunConfig cfg;
  cfg.target = "70.5";
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs, cfg);
  const CompareRun run = compare(outputs, with({{"action", "finalize"}, {"phase", "phase-4-final-report"},
                                         {"category", "target_reached"}}));
  EXPECT_EQ(run.result.exit_code, 0);
  const auto& reason = run.comparison["next_step_hint"]["finalize_reason"];
  EXPECT_STREQ(reason["category"].GetString(), "target_reached");
  EXPECT_NEAR(reason["gap_to_target"].GetDouble(), -0.3, 1e-9);
  EXPECT_NEAR(reason["best_primary_value"].GetDouble(), 70.8, 1e-12);
  const std::string report = read_text(outputs / "final_report.md");
  EXPECT_NE(report.find("`target_reached`"), std::string::npos);
  EXPECT_NE(report.find("**Gap**: -0.3000 (target exceeded by 0.3000)"), std::string::npos);
  EXPECT_EQ(report.find("\n## Remaining gap"), std::string::npos);
  EXPECT_EQ(report.find("Gap to target"), std::string::npos);
  // evaluate_fast without a full evaluation: the report says to confirm it.
  EXPECT_NE(report.find("confirm with the full evaluate"), std::string::npos);
  EXPECT_NE(run.out.find("[compare] phase-4 detected; finalize results:"), std::string::npos);
}

TEST(CompareFlow, StrategyFinalizeOnPlateauListsTheWindow) {
  const auto outputs = fresh_dir("out");
  for (int id = 0; id < 5; ++id) write_iteration(outputs, {id, id == 0 ? "70.0" : "70.8"});
  const CompareRun run = compare(outputs, with({{"action", "finalize"}, {"phase", "phase-4-final-report"}, {"category", "plateau"}}));
  const auto& reason = run.comparison["next_step_hint"]["finalize_reason"];
  EXPECT_STREQ(reason["category"].GetString(), "plateau");
  EXPECT_EQ(reason["plateau_window"].GetInt(), 3);
  ASSERT_EQ(reason["plateau_recent_values"].Size(), 3u);
  EXPECT_EQ(reason["plateau_recent_values"][0]["iteration_id"].GetInt(), 2);
  const std::string report = read_text(outputs / "final_report.md");
  EXPECT_NE(report.find("within 0.1%"), std::string::npos);
  EXPECT_NE(report.find("Recent iterations triggering plateau:\n- iter_2: top1=70.8000"), std::string::npos);
}

TEST(CompareFlow, StrategyFinalizeWithoutCategoryFallsBackToTheFacts) {
  const auto outputs = fresh_dir("out");
  write_iteration(outputs, {0, "70.0"});
  write_iteration(outputs, {1, "70.4"});
  const CompareRun run = compare(outputs, with({{"action", "finalize"}, {"phase", "exhausted"}}));
  const auto& reason = run.comparison["next_step_hint"]["finalize_reason"];
  EXPECT_STREQ(reason["category"].GetString(), "strategy_finalize");
  EXPECT_STREQ(reason["reason"].GetString(), "fake decision on 2 rows");
  EXPECT_NE(run.out.find("strategy 'report_fake' finalized the run (strategy_finalize)"), std::string::npos);
}

TEST(CompareFlow, RunFinalizesOnItsBudgetWithItsOwnCategoryAndTheUntriedLists) {
  RunConfig cfg;
  cfg.target = "99.0";
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs, cfg);
  report::CompareRequest request = with({{"phase", "phase-5-agent-driven"}, {"hint_json", kPhase5Hint}});
  request.finalize_category = "budget_exhausted";
  const CompareRun run = compare(outputs, request);
  EXPECT_EQ(run.result.exit_code, 0);
  const auto& reason = run.comparison["next_step_hint"]["finalize_reason"];
  EXPECT_STREQ(reason["category"].GetString(), "budget_exhausted");
  EXPECT_EQ(reason["untried_phase3_levers"].Size(), 2u);
  EXPECT_STREQ(reason["reason"].GetString(), "fake decision on 4 rows");
  const std::string report = read_text(outputs / "final_report.md");
  EXPECT_NE(report.find("- **Category**: `budget_exhausted`"), std::string::npos);
  EXPECT_NE(report.find("The run was finalized; the strategy's last decision: fake decision on 4 rows"), std::string::npos);
  EXPECT_NE(report.find("- **Untried Phase 3 linear-order levers**: 3f, 3g"), std::string::npos);
  EXPECT_NE(run.out.find("[compare] finalizing (budget_exhausted); finalize results:"), std::string::npos);
}

TEST(CompareFlow, AReportEditedByHandIsPreservedUnlessForced) {
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs);
  compare(outputs, with({}, true));
  const std::string edited = "# My own notes\n\nkeep me\n";
  write_text(outputs / "final_report.md", edited);
  CompareRun run = compare(outputs, with({}, true));
  EXPECT_EQ(run.result.report_action, "preserved-by-agent-edit");
  EXPECT_EQ(read_text(outputs / "final_report.md"), edited);
  EXPECT_NE(run.out.find("preserved-by-agent-edit"), std::string::npos);
  report::CompareRequest forced = with({}, true);
  forced.force = true;
  run = compare(outputs, forced);
  EXPECT_EQ(run.result.report_action, "rewritten-forced");
  EXPECT_TRUE(read_text(outputs / "final_report.md").starts_with(report::kReportMarkerPrefix));
}

TEST(CompareFlow, BestDirFollowsTheNewBestAndDropsFilesItLacks) {
  const auto outputs = fresh_dir("out");
  write_iteration(outputs, {0, "70.0"});
  write_iteration(outputs, {1, "71.0"});
  write_text(outputs / "iter_1" / "model.info", "info of 1");
  compare(outputs, with({}, true));
  EXPECT_TRUE(fs::exists(outputs / "best" / "model.espdl"));
  EXPECT_EQ(read_text(outputs / "best" / "model.info"), "info of 1");
  IterationSpec two{2, "72.0"};
  two.model = false;
  write_iteration(outputs, two);
  compare(outputs, with({}, true));
  // The reference keeps the stale link to iter_1's model (its §17.17); qtune removes it.
  EXPECT_FALSE(fs::exists(fs::symlink_status(outputs / "best" / "model.espdl")));
  EXPECT_FALSE(fs::exists(outputs / "best" / "model.info"));
  EXPECT_EQ(read_text(outputs / "best" / "setting.json"), read_text(outputs / "iter_2" / "setting.json"));
}

TEST(CompareFlow, NoFiniteIterationSkipsBestButStillWritesTheReport) {
  const auto outputs = fresh_dir("out");
  write_iteration(outputs, {0, "null", "", "", "failed"});
  const CompareRun run = compare(outputs, with({}, true));
  EXPECT_EQ(run.result.best_action, "skipped (no finite-metric iteration)");
  EXPECT_FALSE(fs::exists(outputs / "best"));
  const std::string report = read_text(outputs / "final_report.md");
  EXPECT_NE(report.find("**No successful iteration**"), std::string::npos);
  EXPECT_NE(report.find("_No best iteration available._"), std::string::npos);
}

TEST(CompareFlow, WriteBestMirrorsWithoutFinalizing) {
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs);
  report::CompareRequest request;
  request.write_best = true;
  const CompareRun run = compare(outputs, request);
  EXPECT_TRUE(fs::exists(outputs / "best" / "setting.json"));
  EXPECT_TRUE(fs::exists(outputs / "best" / "model.espdl"));
  EXPECT_FALSE(fs::exists(outputs / "final_report.md"));
  EXPECT_NE(run.out.find("[compare] copied setting.json -> "), std::string::npos);
  EXPECT_NE(run.out.find("best iteration artifacts written to " + (outputs / "best").string() + "/"), std::string::npos);
  EXPECT_FALSE(run.comparison["next_step_hint"].HasMember("finalize_reason"));
}

TEST(CompareFlow, RunJsonNamesTheDefaultStrategyAndItsOptions) {
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs);
  write_text(outputs / "run.json",
             R"({"strategy": "report_fake", "strategy_options": {"phase": "from-run-json", "plateau_window": 4}})");
  CompareRun run = compare(outputs, {});
  EXPECT_EQ(run.result.strategy, "report_fake");
  EXPECT_STREQ(run.comparison["next_step_hint"]["phase"].GetString(), "from-run-json");
  // The recorded strategy needs no --strategy in the early-finalize command.
  EXPECT_EQ(std::string(run.comparison["early_finalize_command"].GetString()),
            "qtune compare --output-dir " + outputs.string() + " --finalize");
  run = compare(outputs, with({{"phase", "from-command-line"}}));
  EXPECT_STREQ(run.comparison["next_step_hint"]["phase"].GetString(), "from-command-line");
}

TEST(CompareFlow, BadStrategyNamesAndOptionsAreInputErrors) {
  const auto outputs = fresh_dir("out");
  write_three_legs(outputs);
  report::CompareRequest request = with({{"no_such_option", "1"}});
  EXPECT_THROW(compare(outputs, request), InputError);
  request = with({{"plateau_window", "three"}});
  EXPECT_THROW(compare(outputs, request), InputError);
  request = {};
  request.strategy = "no-such-strategy";
  try {
    compare(outputs, request);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("report_fake"), std::string::npos) << e.what();
  }
  request = with({{"fail", "true"}});
  try {
    compare(outputs, request);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("strategy 'report_fake'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("asked to fail"), std::string::npos) << e.what();
  }
}

TEST(StrategyHostOptions, TextValuesFollowTheSchemaTypes) {
  const OptionValues values =
      fake_host().options("report_fake", parse_option_assignments({"plateau_window=5", "plateau_rel_tol=0.01", "fail=no"}));
  EXPECT_EQ(values.get_int("plateau_window"), 5);
  EXPECT_DOUBLE_EQ(values.get_float("plateau_rel_tol"), 0.01);
  EXPECT_FALSE(values.get_bool("fail"));
  EXPECT_EQ(values.get_string("phase"), "phase-3-residual");  // default
  EXPECT_THROW(parse_option_assignments({"novalue"}), InputError);
  EXPECT_THROW(fake_host().options("report_fake", {{"action", "dance"}}), InputError);
}

TEST(StrategyHostOptions, APluginOptionChangesThePlateauRuleCompareChecks) {
  RunConfig cfg;
  cfg.target = "99.0";
  const auto outputs = fresh_dir("out");
  for (int id = 0; id < 6; ++id) write_iteration(outputs, {id, id == 0 ? "70.0" : "70.8"}, cfg);
  // With a window longer than the history, there is no plateau: the bare --finalize is refused.
  const CompareRun run = compare(outputs, with({{"phase", "phase-5-agent-driven"}, {"plateau_window", "10"}}, true));
  EXPECT_EQ(run.result.exit_code, 1);
}

}  // namespace
}  // namespace qtune::report_test
