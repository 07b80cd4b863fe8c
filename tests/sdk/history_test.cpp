// The SDK's iteration history: rows read from hand-written outputs/ folders and the
// shared predicates, checked against values worked out by hand from the reference's rules.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "qtune/error.h"
#include "qtune/history.h"

namespace fs = std::filesystem;
using namespace qtune;

namespace {

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("qtune_history_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& relative, const std::string& text) {
    const auto path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  // One iteration the way `qtune iterate` writes it (index + metrics + setting).
  void iteration(int id, const std::string& value, const std::string& setting = "{}",
                 const std::string& index_extra = "") {
    write("iter_" + std::to_string(id) + "/iteration_index.json",
          "{\"iteration_id\": " + std::to_string(id) +
              ", \"primary_metric\": \"top1\", \"primary_value\": " + value +
              ", \"metric_direction\": \"max\", \"target_metric\": 80.0" + index_extra + "}");
    write("iter_" + std::to_string(id) + "/metrics.json",
          "{\"_used\": \"evaluate_fast\", \"_primary_key\": \"top1\", \"_primary_value\": " + value +
              ", \"metric_direction\": \"max\", \"top1\": " + value + ", \"samples\": 200}");
    write("iter_" + std::to_string(id) + "/setting.json", setting);
  }

  fs::path root_;
};

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNanAndInfFlag>(text.c_str());
  return doc;
}

}  // namespace

TEST(PythonText, FloatReprMatchesPython) {
  // Values and their Python 3 repr().
  EXPECT_EQ(python_float_repr(1e-5), "1e-05");
  EXPECT_EQ(python_float_repr(5e-5), "5e-05");
  EXPECT_EQ(python_float_repr(0.001), "0.001");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(70.0), "70.0");
  EXPECT_EQ(python_float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(123456789012345.0), "123456789012345.0");
  EXPECT_EQ(python_float_repr(-2.5), "-2.5");
  EXPECT_EQ(python_float_repr(1.5e-10), "1.5e-10");
  EXPECT_EQ(python_float_repr(std::nan("")), "nan");
  EXPECT_EQ(python_float_repr(-INFINITY), "-inf");
}

TEST(PythonText, ReprAndDumpsKeepIntsAndFloatsApart) {
  const auto doc = parse(R"({"lr": 1e-05, "steps": 500, "gamma": 0.0, "on": true, "dev": "cuda", "l": ["a", null]})");
  EXPECT_EQ(python_json_dumps(doc),
            R"({"lr": 1e-05, "steps": 500, "gamma": 0.0, "on": true, "dev": "cuda", "l": ["a", null]})");
  EXPECT_EQ(python_repr(doc), "{'lr': 1e-05, 'steps': 500, 'gamma': 0.0, 'on': True, 'dev': 'cuda', 'l': ['a', None]}");
  EXPECT_EQ(python_repr(parse(R"(["it's"])")), R"(["it's"])");
  EXPECT_EQ(python_json_dumps(parse(R"(["é"])")), R"(["\u00e9"])");
  EXPECT_EQ(python_str(nullptr), "None");
  const auto text = parse(R"("text")");
  EXPECT_EQ(python_str(&text), "text");
}

TEST(JsonPredicates, PythonTruthinessAndNumbers) {
  const auto doc = parse(R"({"t": true, "z": 0, "e": "", "l": [], "o": {}, "n": null, "x": NaN, "s": "a"})");
  EXPECT_TRUE(json_truthy(json_member(&doc, "t")));
  EXPECT_FALSE(json_truthy(json_member(&doc, "z")));
  EXPECT_FALSE(json_truthy(json_member(&doc, "e")));
  EXPECT_FALSE(json_truthy(json_member(&doc, "l")));
  EXPECT_FALSE(json_truthy(json_member(&doc, "o")));
  EXPECT_FALSE(json_truthy(json_member(&doc, "n")));
  EXPECT_FALSE(json_truthy(json_member(&doc, "missing")));
  EXPECT_TRUE(json_truthy(json_member(&doc, "x")));  // NaN is truthy in Python
  EXPECT_TRUE(json_numeric(json_member(&doc, "t")));  // bool is an int
  EXPECT_FALSE(json_finite(json_member(&doc, "t")));
  EXPECT_TRUE(json_numeric(json_member(&doc, "x")));
  EXPECT_FALSE(json_finite(json_member(&doc, "x")));
  EXPECT_TRUE(json_equals_number(json_member(&doc, "t"), 1.0));
  EXPECT_FALSE(json_numeric(json_member(&doc, "s")));
}

TEST_F(HistoryTest, RowsFollowDirectoryIdsAndFallbacks) {
  iteration(2, "71.5");
  iteration(0, "70.0", R"({"rationale": "baseline"})");
  write("iter_x/metrics.json", "{}");
  write("best/metrics.json", "{}");
  fs::create_directories(root_ / "iter_5");  // neither index nor metrics: skipped
  // Only metrics.json: primary value from _primary_value; top-5 from layerwise_error.json.
  write("iter_1/metrics.json", R"({"_primary_key": "top1", "_primary_value": 69.0, "top1": 69.0, "_used": "evaluate"})");
  write("iter_1/layerwise_error.json", R"({"a": 0.5, "b": 0.4, "c": 0.3, "d": 0.2, "e": 0.1, "f": 0.05})");
  const auto rows = load_history(root_);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].id, 0);
  EXPECT_EQ(rows[1].id, 1);
  EXPECT_EQ(rows[2].id, 2);
  EXPECT_EQ(std::string(rows[0].field("rationale").GetString()), "baseline");
  EXPECT_DOUBLE_EQ(rows[1].value(), 69.0);
  EXPECT_EQ(rows[1].metric_direction(), "max");
  EXPECT_EQ(rows[1].field("top_5_error_layers").Size(), 5u);
  EXPECT_EQ(std::string(rows[1].field("top_5_error_layers")[0]["op"].GetString()), "a");
  EXPECT_FALSE(rows[1].field("extra_metrics").HasMember("_used"));
  EXPECT_TRUE(rows[1].field("extra_metrics").HasMember("top1"));
  EXPECT_EQ(*rows[0].samples(), 200.0);
  EXPECT_EQ(std::string(rows[0].field("deploy_runtime_priority").GetString()), "balanced");
}

TEST_F(HistoryTest, InvalidJsonNamesTheFile) {
  write("iter_0/iteration_index.json", "{\"primary_value\": ");
  try {
    load_history(root_);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("iter_0/iteration_index.json"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_history(root_ / "missing"), InputError);
}

TEST_F(HistoryTest, BestRanksTargetAndPlateau) {
  iteration(0, "70.0");
  iteration(1, "72.0");
  iteration(2, "72.0");
  iteration(3, "NaN");
  iteration(4, "71.95");
  auto rows = load_history(root_);
  const auto* best = best_iteration(rows);
  ASSERT_NE(best, nullptr);
  EXPECT_EQ(best->id, 1);  // tie with iter_2: the smaller id
  const auto ranks = dense_ranks(rows);
  EXPECT_EQ(ranks.rank.at(1), 1);
  EXPECT_EQ(ranks.rank.at(2), 1);
  EXPECT_EQ(ranks.rank.at(4), 2);
  EXPECT_EQ(ranks.rank.at(0), 3);
  EXPECT_EQ(ranks.rank.count(3), 0u);  // NaN: "-"
  EXPECT_TRUE(ranks.warnings.empty());
  EXPECT_EQ(*target_metric(rows), 80.0);
  EXPECT_FALSE(target_reached(rows, 80.0, "max"));
  EXPECT_TRUE(target_reached(rows, 72.0, "max"));
  EXPECT_TRUE(target_reached(rows, 70.0, "min"));
  EXPECT_FALSE(target_reached(rows, 70.0, "sideways"));
  // Last 3 rows: 72.0, NaN, 71.95 -> shortfalls 0, NaN (passes, as in the reference), 0.069%.
  EXPECT_TRUE(plateau(rows, best));
  EXPECT_FALSE(plateau(rows, best, PlateauRule{3, 0.0005}));
  EXPECT_FALSE(plateau(rows, best, PlateauRule{5, 0.001}));  // needs 6 rows
}

TEST(RuntimeCost, Int16AndWeightSplitReasons) {
  const auto s = parse(R"({"dispatching_table": [{"op": "a", "bits": 16}, {"op_name": "b", "bits": 16},
      {"op": "c", "bits": 8}, {"bits": 16}, {"op": "d", "bits": 16}, {"op": "e", "bits": 16}],
      "weight_split": {"enabled": true, "interested_layers": ["x", "y"]}})");
  const auto cost = runtime_cost(s);
  EXPECT_TRUE(cost.affects_speed);
  EXPECT_EQ(cost.label, "Yes (int16 promotion on 4 op(s): a, b, d, +1 more; weight_split on 2 layer(s))");
  EXPECT_EQ(runtime_cost(parse(R"({"weight_split": {"enabled": false}})")).label, "No");
  EXPECT_EQ(runtime_cost(parse(R"({"weight_split": {"enabled": true}})")).label, "Yes (weight_split enabled)");
}

TEST_F(HistoryTest, NoiseRuleTreatsOneImageAsATie) {
  // 200 images: 98.0 vs 98.5 is one image; binomial SE ~0.99 and ~0.86 points.
  iteration(0, "98.0");
  iteration(1, "98.5");
  iteration(2, "60.0");
  const auto rows = load_history(root_);
  const double se = *metric_standard_error(rows[0]);
  EXPECT_NEAR(se, 100.0 * std::sqrt(0.98 * 0.02 / 200.0), 1e-12);
  EXPECT_EQ(compare_beyond_noise(rows[1], rows[0], "max"), 0);
  EXPECT_EQ(compare_beyond_noise(rows[1], rows[0], "max", NoiseRule{1.0, false}), 1);
  EXPECT_EQ(compare_beyond_noise(rows[0], rows[2], "max"), 1);
  EXPECT_EQ(compare_beyond_noise(rows[2], rows[0], "max"), -1);
  EXPECT_EQ(compare_beyond_noise(rows[2], rows[0], "min"), 1);
}
