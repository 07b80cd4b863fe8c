// The ablation strategy plugin through the framework's StrategyHost, on hand-made
// outputs/: which setting it runs next and the minimal recipe it reports.
#include <fstream>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "../outputs_builder.h"
#include "qtune/log.h"
#include "run/strategy_host.h"

namespace {

using qtune::StrategyDecision;
using qtune::testing::OutputsBuilder;

const qtune::StrategyHost& host() {
  static const qtune::StrategyHost instance({QTUNE_TEST_PLUGIN_DIR}, /*default_dirs=*/false);
  return instance;
}

StrategyDecision decide(const OutputsBuilder& out, qtune::RawOptions options = {}) {
  return host().decide("ablation", out.outputs(), host().options("ablation", options), -1, nullptr,
                       qtune::stderr_log());
}

const std::string kBest =
    R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true}, "bias_correct": {"enabled": true},
        "dispatching_table": [{"op": "/a/Conv", "bits": 16}]})";

}  // namespace

TEST(Ablation, DropsOneComponentAtATimeInOrder) {
  OutputsBuilder out;
  out.iter(0, "70.0", R"({"calib_algorithm": "kl"})").iter(1, "75.0", kBest);
  auto d = decide(out);
  ASSERT_EQ(d.action, StrategyDecision::Action::Iterate);
  rapidjson::Document s;
  s.Parse(d.setting_json.c_str());
  EXPECT_FALSE(s.HasMember("tqt_optimization")) << d.setting_json;  // first component: TQT
  EXPECT_TRUE(s["bias_correct"]["enabled"].GetBool());
  EXPECT_EQ(s["dispatching_table"].Size(), 1u);
}

TEST(Ablation, ReportsTheMinimalRecipeWithinTolerance) {
  // Without TQT: 72 (needed). Without bias correction: 74.95, without the int16 op:
  // 74.9 (both within tolerance 0.2). Both removed together: 74.85 -> minimal recipe.
  OutputsBuilder out;
  out.iter(0, "70.0", R"({"calib_algorithm": "kl"})")
      .iter(1, "75.0", kBest)
      .iter(2, "72.0", R"({"calib_algorithm": "kl", "bias_correct": {"enabled": true}, "dispatching_table": [{"op": "/a/Conv", "bits": 16}]})")
      .iter(3, "74.95", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true}, "dispatching_table": [{"op": "/a/Conv", "bits": 16}]})")
      .iter(4, "74.9", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true}, "bias_correct": {"enabled": true}})");
  auto d = decide(out, {{"tolerance", "0.2"}});
  ASSERT_EQ(d.action, StrategyDecision::Action::Iterate) << d.reason;  // the combination is next
  rapidjson::Document s;
  s.Parse(d.setting_json.c_str());
  EXPECT_TRUE(s["tqt_optimization"]["enabled"].GetBool());
  EXPECT_FALSE(s.HasMember("bias_correct"));
  EXPECT_FALSE(s.HasMember("dispatching_table"));

  out.iter(5, "74.85", R"({"calib_algorithm": "kl", "tqt_optimization": {"enabled": true}})");
  d = decide(out, {{"tolerance", "0.2"}, {"from_iteration", "1"}});
  ASSERT_EQ(d.action, StrategyDecision::Action::Finalize) << d.reason;
  EXPECT_EQ(d.finalize_category, "ablation_complete");
  EXPECT_NE(d.reason.find("minimal recipe: iter_5"), std::string::npos) << d.reason;
  std::ifstream in(out.outputs() / "ablation.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rapidjson::Document report;
  report.Parse(text.c_str());
  ASSERT_TRUE(report.IsObject()) << text;
  EXPECT_EQ(report["minimal_recipe"]["iteration"].GetInt(), 5);
  EXPECT_EQ(report["minimal_recipe"]["removed"].Size(), 2u);
  EXPECT_STREQ(report["minimal_recipe"]["runtime_cost_after"].GetString(), "No");
  EXPECT_FALSE(report["components"][0]["within_tolerance"].GetBool());  // TQT is needed
}
