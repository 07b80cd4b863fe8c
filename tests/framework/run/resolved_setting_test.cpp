// resolve_setting / setting_to_json(ResolvedSetting): option schemas, validation rules,
// warnings. Fake schemas (setting_test_schemas.h) stand in for the pass plugins.
#include "run/resolved_setting.h"

#include <gtest/gtest.h>

#include "framework/run/setting_test_schemas.h"
#include "qtune/error.h"

namespace qtune {
namespace {

using test::fake_plugins;

const std::vector<std::string> kOps = {"/conv1/Conv", "/features.0/Conv", "/features.1/Conv", "/add/Add"};

ResolvedSetting resolve(const std::string& text, const std::string& target = "esp32s3",
                        const std::optional<std::vector<std::string>>& ops = kOps,
                        const SettingPlugins& plugins = fake_plugins()) {
  return resolve_setting(parse_setting(text, "setting.json"), plugins, target, ops);
}

std::string resolve_error(const std::string& text, const std::string& target = "esp32s3",
                          const SettingPlugins& plugins = fake_plugins()) {
  try {
    resolve(text, target, kOps, plugins);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for " << text;
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The warnings containing every part.
std::size_t warnings_with(const ResolvedSetting& r, const std::vector<std::string>& parts) {
  std::size_t n = 0;
  for (const auto& w : r.warnings) {
    bool all = true;
    for (const auto& p : parts) all = all && contains(w, p);
    n += all ? 1 : 0;
  }
  return n;
}

std::string joined(const std::vector<std::string>& warnings) {
  std::string s;
  for (const auto& w : warnings) s += w + "\n";
  return s;
}

TEST(SettingResolve, FillsDefaultsFromThePassSchema) {
  const ResolvedSetting r = resolve(R"({"iteration_id": 2, "calib_algorithm": "MSE",
                                       "tqt_optimization": {"enabled": true, "steps": 2000}})");
  EXPECT_EQ(r.calib_algorithm, "mse");
  EXPECT_EQ(r.iteration_id, 2);
  ASSERT_EQ(r.blocks.size(), 2u);  // TQT, and alignment which always runs
  EXPECT_TRUE(r.blocks.contains("fusion_alignment"));
  const ResolvedBlock& tqt = r.blocks.at("tqt_optimization");
  EXPECT_EQ(tqt.plugin, "tqt");
  EXPECT_EQ(tqt.options.get_int("steps"), 2000);
  EXPECT_EQ(tqt.options.get_float("lr"), 1e-5);
  EXPECT_EQ(tqt.options.get_int("block_size"), 4);
  EXPECT_TRUE(tqt.options.get_bool("is_scale_trainable"));
  EXPECT_EQ(tqt.options.get_string("collecting_device"), "cuda");
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
}

TEST(SettingResolve, BaselineResolvesToKlAndNoPass) {
  const ResolvedSetting r = resolve_setting(baseline_setting(), fake_plugins(), "esp32p4", kOps);
  EXPECT_EQ(r.calib_algorithm, "kl");
  // Only alignment, which esp-ppq runs in every iteration, with its defaults.
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks.at("fusion_alignment").options.get_string("align_elementwise_to"), "Align to Output");
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
}

TEST(SettingResolveErrors, WrongOptionTypeNamesBlockOptionAndValue) {
  EXPECT_EQ(resolve_error(R"({"tqt_optimization": {"enabled": true, "lr": "x"}})"),
            "setting.json: key 'tqt_optimization.lr' must be a number, got \"x\"");
  EXPECT_EQ(resolve_error(R"({"tqt_optimization": {"enabled": true, "steps": 10.5}})"),
            "setting.json: key 'tqt_optimization.steps' must be an integer, got 10.5");
  EXPECT_EQ(resolve_error(R"({"tqt_optimization": {"enabled": true, "is_scale_trainable": 1}})"),
            "setting.json: key 'tqt_optimization.is_scale_trainable' must be true or false, got 1");
  EXPECT_EQ(resolve_error(R"({"bias_correct": {"enabled": true, "interested_layers": "/conv1/Conv"}})"),
            "setting.json: key 'bias_correct.interested_layers' must be a list of strings, got \"/conv1/Conv\"");
}

TEST(SettingResolveErrors, OutOfRangeAndUnknownChoice) {
  EXPECT_EQ(resolve_error(R"({"tqt_optimization": {"enabled": true, "lr": 2}})"),
            "setting.json: key 'tqt_optimization.lr' must be in [0, 1], got 2");
  EXPECT_EQ(resolve_error(R"({"fusion_alignment": {"align_elementwise_to": "Align to Small"}})"),
            "setting.json: key 'fusion_alignment.align_elementwise_to' must be one of 'Align to Large', "
            "'Align to Output', 'None', got \"Align to Small\"");
}

TEST(SettingResolveErrors, UnknownOptionNamesBlockAndPassAndListsOptions) {
  const std::string msg = resolve_error(R"({"tqt_optimization": {"enabled": true, "learning_rate": 1e-4}})");
  EXPECT_EQ(msg, "setting.json: unknown key 'tqt_optimization.learning_rate' (pass 'tqt' takes: enabled, lr, steps, "
                 "block_size, is_scale_trainable, gamma, int_lambda, collecting_device, interested_layers)");
}

TEST(SettingResolveErrors, DisabledBlockOptionsAreStillChecked) {
  EXPECT_TRUE(contains(resolve_error(R"({"bias_correct": {"enabled": false, "blocksize": 4}})"),
                       "unknown key 'bias_correct.blocksize'"));
}

TEST(SettingResolveErrors, RequiredOptionMissing) {
  SettingPlugins plugins = fake_plugins();
  plugins.blocks["bias_correct"].schema[0].required = true;
  plugins.blocks["bias_correct"].schema[0].default_value = std::monostate{};
  const std::string msg = resolve_error(R"({"bias_correct": {"enabled": true}})", "esp32s3", plugins);
  EXPECT_TRUE(contains(msg, "setting.json: key 'bias_correct' (pass 'bias_correct'): option 'block_size' is required"))
      << msg;
}

TEST(SettingResolve, NormalisesIntegralNumbersAndEnumCase) {
  const ResolvedSetting r = resolve(R"({"equalization": {"enabled": true, "iterations": 10.0, "opt_level": 2},
      "weight_split": {"enabled": true, "interested_layers": ["/conv1/Conv"], "method": "BALANCE", "value_threshold": 2},
      "fusion_alignment": {"align_concat_to": "align to large"}})");
  EXPECT_EQ(r.blocks.at("equalization").options.get_int("iterations"), 10);
  EXPECT_EQ(r.blocks.at("weight_split").options.get_string("method"), "balance");
  EXPECT_EQ(r.blocks.at("weight_split").options.get_float("value_threshold"), 2.0);
  EXPECT_EQ(r.blocks.at("fusion_alignment").options.get_string("align_concat_to"), "Align to Large");
}

TEST(SettingRules, LsqIsExclusiveWithTqt) {
  const std::string msg = resolve_error(R"({"lsq_optimization": {"enabled": true}, "tqt_optimization": {"enabled": true}})");
  EXPECT_TRUE(contains(msg, "setting.json: lsq_optimization and tqt_optimization are mutually exclusive")) << msg;
  // Checked before the POWER_OF_2 policy: an error even where LSQ alone would be disabled.
  EXPECT_TRUE(contains(resolve_error(R"({"lsq_optimization": {"enabled": true}, "tqt_optimization": {"enabled": true}})",
                                     "esp32p4"),
                       "mutually exclusive"));
}

TEST(SettingRules, LsqIsExclusiveWithBlockwise) {
  const std::string msg = resolve_error(
      R"({"lsq_optimization": {"enabled": true}, "blockwise_reconstruction": {"enabled": true}, "tqt_optimization": {"enabled": true}})");
  EXPECT_TRUE(contains(msg, "lsq_optimization and tqt_optimization and blockwise_reconstruction are mutually exclusive"))
      << msg;
  EXPECT_TRUE(contains(resolve_error(R"({"lsq_optimization": {"enabled": true}, "blockwise_reconstruction": {"enabled": true}})"),
                       "lsq_optimization and blockwise_reconstruction are mutually exclusive"));
}

TEST(SettingRules, TqtWithBlockwiseIsAllowed) {
  const ResolvedSetting r = resolve(R"({"tqt_optimization": {"enabled": true}, "blockwise_reconstruction": {"enabled": true}})");
  EXPECT_TRUE(r.blocks.contains("tqt_optimization"));
  EXPECT_TRUE(r.blocks.contains("blockwise_reconstruction"));
}

TEST(SettingRules, LsqOnPowerOf2TargetIsDisabledWithAWarning) {
  for (const char* target : {"esp32p4", "esp32s3", "c", " ESP32S3 "}) {
    const ResolvedSetting r = resolve(R"({"lsq_optimization": {"enabled": true, "steps": 100}})", target);
    EXPECT_FALSE(r.blocks.contains("lsq_optimization")) << target;
    ASSERT_EQ(warnings_with(r, {"lsq_optimization disabled", "POWER_OF_2", "tqt_optimization"}), 1u)
        << target << ": " << joined(r.warnings);
    EXPECT_TRUE(contains(setting_to_json(r), "\"lsq_optimization\": {\n    \"enabled\": false\n  }"));
  }
  // No target known: no target policy, LSQ runs.
  const ResolvedSetting r = resolve(R"({"lsq_optimization": {"enabled": true}})", "");
  EXPECT_TRUE(r.blocks.contains("lsq_optimization"));
}

// "linear" (qtune's non-ESP-DL target, float scales): LSQ runs there without a warning; TQT
// warns that it has no power-of-two scale to train; blockwise reconstruction is refused.
TEST(SettingRules, LinearTargetRunsLsq) {
  for (const char* target : {"linear", " LINEAR "}) {
    const ResolvedSetting r = resolve(R"({"lsq_optimization": {"enabled": true, "steps": 100}})", target);
    EXPECT_TRUE(r.blocks.contains("lsq_optimization")) << target;
    EXPECT_TRUE(r.warnings.empty()) << target << ": " << joined(r.warnings);
  }
  const ResolvedSetting t = resolve(R"({"tqt_optimization": {"enabled": true}})", "linear");
  EXPECT_TRUE(t.blocks.contains("tqt_optimization"));
  EXPECT_EQ(warnings_with(t, {"tqt_optimization", "'linear'", "only weights and biases", "lsq_optimization"}), 1u)
      << joined(t.warnings);
  const std::string msg = resolve_error(R"({"blockwise_reconstruction": {"enabled": true}})", "linear");
  EXPECT_TRUE(contains(msg, "setting.json: blockwise_reconstruction supports power-of-two targets only")) << msg;
  // LSQ stays exclusive with TQT there too.
  EXPECT_TRUE(contains(resolve_error(R"({"lsq_optimization": {"enabled": true}, "tqt_optimization": {"enabled": true}})",
                                     "linear"),
                       "mutually exclusive"));
}

TEST(SettingRules, EqualizationOnPerChannelTargetWarns) {
  const char* text = R"({"equalization": {"enabled": true, "opt_level": 2}})";
  const ResolvedSetting p4 = resolve(text, "esp32p4");
  EXPECT_TRUE(p4.blocks.contains("equalization"));  // the pass still runs
  EXPECT_EQ(warnings_with(p4, {"equalization", "esp32p4", "per-channel"}), 1u) << joined(p4.warnings);
  EXPECT_TRUE(resolve(text, "esp32s3").warnings.empty());
  EXPECT_TRUE(resolve(R"({"equalization": {"enabled": false}})", "esp32p4").warnings.empty());
}

TEST(SettingRules, EqualizationWithoutOptLevelWarns) {
  const ResolvedSetting r = resolve(R"({"equalization": {"enabled": true}})", "esp32s3");
  EXPECT_EQ(warnings_with(r, {"equalization", "opt_level", "Add/Sub"}), 1u) << joined(r.warnings);
  EXPECT_EQ(r.blocks.at("equalization").options.get_int("opt_level"), 1);
}

TEST(SettingRules, WeightSplitNeedsInterestedLayers) {
  EXPECT_EQ(resolve_error(R"({"weight_split": {"enabled": true}})"),
            "setting.json: key 'weight_split.interested_layers' must list the layers to split when weight_split is "
            "enabled (esp-ppq's HorizontalLayerSplitPass refuses an empty list), got nothing");
  EXPECT_TRUE(contains(resolve_error(R"({"weight_split": {"enabled": true, "interested_layers": []}})"),
                       "key 'weight_split.interested_layers' must list the layers to split"));
  const ResolvedSetting r = resolve(R"({"weight_split": {"enabled": true, "interested_layers": ["/conv1/Conv"]}})");
  EXPECT_EQ(r.blocks.at("weight_split").options.get_strings("interested_layers"),
            (std::vector<std::string>{"/conv1/Conv"}));
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  // Disabled: nothing to check.
  EXPECT_FALSE(resolve(R"({"weight_split": {"enabled": false}})").blocks.contains("weight_split"));
}

TEST(SettingRules, DispatchingTableNamesAreCheckedAgainstSimplifiedOps) {
  const ResolvedSetting r = resolve(
      R"({"dispatching_table": [{"op": "/conv1/Conv", "bits": 16}, {"op_name": "/features.9/Conv", "bits": 16}]})");
  ASSERT_EQ(r.warnings.size(), 1u) << joined(r.warnings);
  EXPECT_TRUE(contains(r.warnings[0], "dispatching_table: '/features.9/Conv' is not an op of the simplified graph"));
  EXPECT_EQ(r.dispatching_table.size(), 2u);  // kept: the user sees the warning, nothing is dropped
}

TEST(SettingRules, UncheckedNamesWarnRatherThanPassSilently) {
  const ResolvedSetting r = resolve(R"({"dispatching_table": [{"op": "/conv1/Conv", "bits": 16}]})", "esp32s3", std::nullopt);
  EXPECT_EQ(warnings_with(r, {"dispatching_table", "not checked"}), 1u) << joined(r.warnings);
  EXPECT_TRUE(resolve(R"({"dispatching_table": []})", "esp32s3", std::nullopt).warnings.empty());
}

TEST(SettingRules, InterestedLayersNamesAreChecked) {
  const ResolvedSetting r = resolve(R"({"bias_correct": {"enabled": true, "interested_layers": ["/conv1/Conv", "/nope"]}})");
  ASSERT_EQ(r.warnings.size(), 1u) << joined(r.warnings);
  EXPECT_TRUE(contains(r.warnings[0], "bias_correct.interested_layers: '/nope' is not an op of the simplified graph"));
}

TEST(SettingRules, EnabledPassWithoutPluginNamesBlockAndSearchedDirectories) {
  SettingPlugins plugins = fake_plugins();
  plugins.blocks.erase("tqt_optimization");
  EXPECT_EQ(resolve_error(R"({"tqt_optimization": {"enabled": true}})", "esp32s3", plugins),
            "setting.json: 'tqt_optimization' is enabled but no installed pass plugin owns that block (searched: "
            "/opt/qtune/plugins, /home/user/plugins); install the plugin that provides 'tqt_optimization' or set "
            "\"enabled\": false");
  // Disabled or absent: the missing plugin does not matter.
  EXPECT_TRUE(resolve(R"({"tqt_optimization": {"enabled": false, "whatever": 1}})", "esp32s3", kOps, plugins).blocks.size() == 1);

  plugins.blocks.erase("fusion_alignment");
  plugins.searched.clear();
  EXPECT_TRUE(contains(resolve_error(R"({"fusion_alignment": {"align_concat_to": "Align to Large"}})", "esp32s3", plugins),
                       "'fusion_alignment' is enabled but no installed pass plugin owns that block (searched: no "
                       "plugin directories); install the plugin that provides 'fusion_alignment' or leave the block "
                       "empty"));
  EXPECT_TRUE(resolve("{}", "esp32s3", kOps, plugins).blocks.empty());
}

TEST(SettingRules, BlockWithOptionsButNoEnabledFlagWarns) {
  const ResolvedSetting r = resolve(R"({"tqt_optimization": {"steps": 1000}})");
  EXPECT_FALSE(r.blocks.contains("tqt_optimization"));
  EXPECT_EQ(warnings_with(r, {"tqt_optimization", "no \"enabled\" flag", "stays off"}), 1u) << joined(r.warnings);
}

TEST(SettingRules, UnknownCalibrationListsInstalledOnes) {
  SettingPlugins plugins = fake_plugins();
  plugins.calibration_algorithms = {"kl", "minmax"};
  EXPECT_EQ(resolve_error(R"({"calib_algorithm": "percentile"})", "esp32s3", plugins),
            "setting.json: calib_algorithm 'percentile' is not an installed calibration algorithm (installed: kl, "
            "minmax; searched: /opt/qtune/plugins, /home/user/plugins)");
  plugins.calibration_algorithms.clear();
  EXPECT_TRUE(contains(resolve_error("{}", "esp32s3", plugins), "'kl' is not an installed calibration algorithm (installed: none"));
}

TEST(SettingRules, UnknownTargetIsAnError) {
  EXPECT_TRUE(contains(resolve_error("{}", "esp32x9"), "cannot apply the setting for target 'esp32x9': not an ESP-DL target"));
}

TEST(SettingRules, BlockwiseScaleTrainingIsForcedOffOnPowerOf2) {
  const ResolvedSetting r = resolve(R"({"blockwise_reconstruction": {"enabled": true, "is_scale_trainable": true}})");
  EXPECT_FALSE(r.blocks.at("blockwise_reconstruction").options.get_bool("is_scale_trainable"));
  EXPECT_EQ(warnings_with(r, {"is_scale_trainable", "POWER_OF_2"}), 1u) << joined(r.warnings);
  EXPECT_TRUE(resolve(R"({"blockwise_reconstruction": {"enabled": true}})").warnings.empty());
}

TEST(SettingRules, ExtraKeysAreRecordedWithAWarning) {
  const ResolvedSetting r = resolve(R"({"extra": {"dispatcher": "conservative"}})");
  EXPECT_EQ(warnings_with(r, {"extra.dispatcher", "not applied"}), 1u) << joined(r.warnings);
  EXPECT_TRUE(contains(setting_to_json(r), R"("dispatcher": "conservative")"));
}

TEST(SettingRules, WarningsComeInRuleOrder) {
  const ResolvedSetting r = resolve(R"({"lsq_optimization": {"enabled": true}, "equalization": {"enabled": true},
      "dispatching_table": [{"op": "/x", "bits": 16}], "extra": {"k": 1}})",
                                    "esp32p4");
  ASSERT_EQ(r.warnings.size(), 5u) << joined(r.warnings);
  EXPECT_TRUE(contains(r.warnings[0], "lsq_optimization disabled"));
  EXPECT_TRUE(contains(r.warnings[1], "per-channel"));
  EXPECT_TRUE(contains(r.warnings[2], "opt_level"));
  EXPECT_TRUE(contains(r.warnings[3], "dispatching_table"));
  EXPECT_TRUE(contains(r.warnings[4], "extra.k"));
}

// The example of docs/setting_reference.md, with what the page says about it.
TEST(SettingRules, DocumentedExampleResolvesAsDocumented) {
  const char* example = R"({
  "iteration_id": 6,
  "rationale": "MSE calibration on the best stack",
  "calib_algorithm": "mse",
  "equalization": {"enabled": true, "opt_level": 2},
  "bias_correct": {"enabled": true},
  "tqt_optimization": {"enabled": true, "lr": 1e-05, "steps": 1000, "block_size": 4,
                       "is_scale_trainable": true, "gamma": 0.0, "int_lambda": 0.0,
                       "collecting_device": "cuda"},
  "dispatching_table": [{"op": "/features.0/Conv", "bits": 16},
                        {"op": "/features.1/Conv", "bits": 16}]
})";
  const ResolvedSetting r = resolve(example, "esp32p4");
  ASSERT_EQ(r.warnings.size(), 1u) << joined(r.warnings);
  EXPECT_TRUE(contains(r.warnings[0], "per-channel"));
  EXPECT_EQ(r.blocks.size(), 4u);  // equalization, bias_correct, TQT, alignment
  std::string without_opt_level = example;
  without_opt_level.replace(without_opt_level.find(R"(, "opt_level": 2)"), 16, "");
  EXPECT_EQ(resolve(without_opt_level, "esp32p4").warnings.size(), 2u);
}

TEST(SettingResolvedWriter, WritesEveryKeyWithDefaultsAndRoundTrips) {
  const ResolvedSetting r = resolve(R"({"iteration_id": 8, "rationale": "3c", "calib_algorithm": "kl",
      "fusion_alignment": {"align_elementwise_to": "Align to Large"},
      "tqt_optimization": {"block_size": 2, "collecting_device": "cuda", "enabled": true, "gamma": 0.0,
                           "int_lambda": 0.0, "is_scale_trainable": true, "lr": 1e-05, "steps": 500},
      "dispatching_table": [{"op": "/conv1/Conv", "bits": 16}], "extra": {"note": "kept"}})");
  const std::string json = setting_to_json(r);
  const std::string expected = R"({
  "iteration_id": 8,
  "rationale": "3c",
  "calib_algorithm": "kl",
  "equalization": {
    "enabled": false
  },
  "bias_correct": {
    "enabled": false
  },
  "weight_split": {
    "enabled": false
  },
  "tqt_optimization": {
    "enabled": true,
    "lr": 0.00001,
    "steps": 500,
    "block_size": 2,
    "is_scale_trainable": true,
    "gamma": 0.0,
    "int_lambda": 0.0,
    "collecting_device": "cuda",
    "interested_layers": []
  },
  "lsq_optimization": {
    "enabled": false
  },
  "blockwise_reconstruction": {
    "enabled": false
  },
  "fusion_alignment": {
    "align_avgpooling_to": "None",
    "align_elementwise_to": "Align to Large",
    "align_concat_to": "Align to Output",
    "align_resize_to": "Align to Output",
    "force_alignment_overlap": false
  },
  "dispatching_table": [{
      "op": "/conv1/Conv",
      "bits": 16
    }],
  "extra": {
    "note": "kept"
  }
}
)";
  EXPECT_EQ(json, expected);
  // Parse + resolve the written file again: the same file, the same warnings.
  const ResolvedSetting again = resolve(json);
  EXPECT_EQ(setting_to_json(again), json);
  EXPECT_EQ(again.warnings, r.warnings);
}

TEST(SettingResolvedWriter, RoundTripsEveryRuleOutcome) {
  for (const char* text : {
           R"({"lsq_optimization": {"enabled": true}})",
           R"({"equalization": {"enabled": true, "including_act": true}, "bias_correct": {"enabled": true, "steps": 8}})",
           R"({"weight_split": {"enabled": true, "interested_layers": ["/add/Add"], "method": "random"}})",
           R"({"blockwise_reconstruction": {"enabled": true, "is_scale_trainable": true, "lr": 0.002}})",
       }) {
    const std::string json = setting_to_json(resolve(text, "esp32p4"));
    EXPECT_EQ(setting_to_json(resolve(json, "esp32p4")), json) << text;
  }
}

}  // namespace
}  // namespace qtune
