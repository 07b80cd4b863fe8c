// R8 (search_state_machine.md §3), the templates' Python text (§6) and the constants.
#include <gtest/gtest.h>

#include "outputs_builder.h"
#include "qtune/search/constants.h"
#include "qtune/search/r8_trigger.h"
#include "qtune/search/templates.h"

namespace qtune::search {
namespace {

using testing::parse;

// The band rejection is returned before the activation veto is looked at.
TEST(R8, BandRejectionBeforeVeto) {
  const auto ops = parse(R"([{"op_name": "/relu", "op_type": "Relu", "max_snr": 0.9},
                             {"op_name": "/add", "op_type": "Add", "max_snr": 0.15, "inputs_float_std_ratio": 1.0}])");
  const R8Result r = r8_fires(ops, SearchConstants{});
  EXPECT_FALSE(r.fires);
  EXPECT_NE(r.reason.find("below-band"), std::string::npos);
  EXPECT_NE(r.reason.find("0.20 lower bound"), std::string::npos);
}

// The veto only looks at the first three entries, of any type.
TEST(R8, VetoWindowIsTheFirstThree) {
  const auto ops = parse(R"([{"op_name": "/a", "op_type": "Add", "max_snr": 0.25},
                             {"op_name": "/x", "op_type": "Conv", "max_snr": 0.2},
                             {"op_name": "/y", "op_type": "Mul", "max_snr": 0.1},
                             {"op_name": "/relu", "op_type": "Relu", "max_snr": 0.9}])");
  const R8Result r = r8_fires(ops, SearchConstants{});
  EXPECT_TRUE(r.fires);
  EXPECT_NE(r.reason.find("R8 fired on /a (Add): primary band"), std::string::npos);
}

TEST(R8, NonNumericSnrReadsAsZero) {
  const auto ops = parse(R"([{"op_name": "/c", "op_type": "Concat", "max_snr": "high", "inputs_float_std_ratio": 6}])");
  const R8Result r = r8_fires(ops, SearchConstants{});
  EXPECT_TRUE(r.fires);  // reinforcement fires below the band
  EXPECT_NE(r.reason.find("below band"), std::string::npos);
}

TEST(R8, BestWithoutHotOpsFileSkips) {
  testing::OutputsBuilder b;
  b.iter(0, "70.0", "{}").artifact(0, "non_computing_hot_ops.json", "{\"not\": \"a list\"}");
  const History rows = b.load();
  EXPECT_FALSE(r8_check_for_best(&rows[0], SearchConstants{}).fires);
  EXPECT_NE(r8_check_for_best(nullptr, SearchConstants{}).reason.find("no best iteration"), std::string::npos);
}

TEST(R8, BandsAreConstants) {
  const auto ops = parse(R"([{"op_name": "/a", "op_type": "Add", "max_snr": 0.35}])");
  SearchConstants c;
  EXPECT_FALSE(r8_fires(ops, c).fires);
  ASSERT_TRUE(c.set("r8_max_snr_upper", 0.4));
  EXPECT_TRUE(r8_fires(ops, c).fires);
}

// Python json.dumps text: float repr (1e-05, 0.0), ints stay ints, key order kept.
TEST(Templates, Phase2TemplateText) {
  EXPECT_EQ(render_template(phase2_template(2, "kl")),
            R"({"iteration_id": 2, "calib_algorithm": "kl", "tqt_optimization": {"enabled": true, "lr": 1e-05, )"
            R"("steps": 500, "block_size": 4, "is_scale_trainable": true, "gamma": 0.0, "int_lambda": 0.0, )"
            R"("collecting_device": "cuda"}})");
}

TEST(Templates, Phase3TqtTakesBestsRawValues) {
  testing::OutputsBuilder b;
  b.iter(3, "70.0", R"({"tqt_optimization": {"enabled": false, "lr": 2e-05, "steps": 700.0, "gamma": 1}})");
  const History rows = b.load();
  const auto t = phase3_template("3a-3", 4, &rows[0]);
  EXPECT_EQ(render_template(t["tqt_optimization"]),
            R"({"enabled": true, "lr": 2e-05, "steps": 700.0, "block_size": 2, "is_scale_trainable": true, )"
            R"("gamma": 1, "int_lambda": 0.0, "collecting_device": "cuda"})");
  EXPECT_STREQ(t["rationale"].GetString(), kRationaleFill);
  const auto blockwise = phase3_template("3g", 4, &rows[0]);
  EXPECT_FALSE(blockwise.HasMember("tqt_optimization"));  // TQT untouched: the snippet is merged onto best
  EXPECT_EQ(render_template(blockwise["blockwise_reconstruction"]),
            R"({"enabled": true, "lr": 0.001, "steps": 5000, "gamma": 1.0, "block_size": 4, )"
            R"("is_scale_trainable": false, "collecting_device": "cuda"})");
}

TEST(Constants, OverridableByBothNames) {
  SearchConstants c;
  EXPECT_TRUE(c.set("_PLATEAU_WINDOW", 7));
  EXPECT_TRUE(c.set("path1_rel_tol", 0.01));
  EXPECT_FALSE(c.set("_NO_SUCH", 1));
  EXPECT_EQ(c.plateau_window, 7);
  EXPECT_DOUBLE_EQ(c.path1_rel_tol, 0.01);
  EXPECT_EQ(constant_option_name("_R8_ACTIVATION_VETO_RATIO"), "r8_activation_veto_ratio");
}

}  // namespace
}  // namespace qtune::search
