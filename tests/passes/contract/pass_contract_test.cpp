// The pass contract, checked for every pass plugin the build ships (TEST_P over the
// plugins found on PluginHost::default_search_path(), so a pass added later is covered
// without an edit here): it loads, describes its options, rejects an unknown option key
// with an InputError naming it, and runs with its defaults: a pass on a small graph (float
// for PreQuantize passes, quantized and calibrated for the later stages) leaving it valid,
// a calibration algorithm as the calibration driver runs it (an observer that renders).
#include <cctype>
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "framework/cli/run_qtune.h"
#include "framework/host/message_of.h"
#include "passes/support/pass_test_support.h"
#include "qtune/calibration.h"
#include "qtune/quant_graph.h"
#include "quant/calibration_driver.h"
#include "quant/quantizer.h"
#include "quant/target_policy.h"
#include "run/calibration_plugins.h"
#include "run/resolved_setting.h"
#include "run/setting.h"
#include "run/setting_plugins.h"

namespace qtune {
namespace {

using test::add_conv;
using test::add_gemm;
using test::random_tensor;
using test::shipped_plugins;

std::vector<std::string> pass_plugin_names() {
  std::vector<std::string> names;
  for (const LoadedPlugin* p : shipped_plugins().of_kind("pass")) names.push_back(p->name);
  return names;
}

bool holds_type(const OptionValue& v, OptionType t) {
  switch (t) {
    case OptionType::Bool: return std::holds_alternative<bool>(v);
    case OptionType::Int: return std::holds_alternative<std::int64_t>(v);
    case OptionType::Float: return std::holds_alternative<double>(v) || std::holds_alternative<std::int64_t>(v);
    case OptionType::String:
    case OptionType::Enum: return std::holds_alternative<std::string>(v);
    case OptionType::StringList: return std::holds_alternative<std::vector<std::string>>(v);
    case OptionType::FloatList: return std::holds_alternative<std::vector<double>>(v);
    case OptionType::StringMap: return std::holds_alternative<std::map<std::string, std::string>>(v);
  }
  return false;
}

// x -> Conv 3x3 -> Relu -> depthwise 3x3 -> Relu -> Conv 1x1 -> Add(first Relu) -> Relu
//   -> GlobalAveragePool -> Flatten -> Gemm: the op mix the passes handle (residual Add,
// depthwise, Gemm head), weights large enough that weight thresholds select some.
Graph contract_graph() {
  Graph g;
  g.add_variable("x", {2, 3, 8, 8});
  add_conv(g, "c0", "x", "h0", random_tensor({8, 3, 3, 3}, 1, -3, 3), random_tensor({8}, 2));
  g.add_op("r0", "Relu", {"h0"}, {"a0"});
  add_conv(g, "dw", "a0", "h1", random_tensor({8, 1, 3, 3}, 3, -3, 3), random_tensor({8}, 4), 8);
  g.add_op("r1", "Relu", {"h1"}, {"a1"});
  add_conv(g, "c2", "a1", "h2", random_tensor({8, 8, 1, 1}, 5), random_tensor({8}, 6));
  g.add_op("add", "Add", {"a0", "h2"}, {"s"});
  g.add_op("r2", "Relu", {"s"}, {"a2"});
  g.add_op("gap", "GlobalAveragePool", {"a2"}, {"p"});
  Attributes flat;
  flat.set("axis", std::int64_t{1});
  g.add_op("flat", "Flatten", {"p"}, {"f"}, flat);
  add_gemm(g, "fc", "f", "y", random_tensor({4, 8}, 7), random_tensor({4}, 8), true);
  g.set_inputs({"x"});
  g.set_outputs({"y"});
  return g;
}

std::vector<Batch> contract_batches() {
  std::vector<Batch> b;
  for (std::uint32_t i = 0; i < 4; ++i) b.push_back({random_tensor({2, 3, 8, 8}, 50 + i)});
  return b;
}

class PassContract : public ::testing::TestWithParam<std::string> {
 protected:
  const LoadedPlugin& plugin() const { return *shipped_plugins().find("pass", GetParam()); }
  OptionSchema schema() const { return shipped_plugins().option_schema(plugin()); }
};

TEST_P(PassContract, LoadsAsAPass) {
  const LoadedPlugin& p = plugin();
  EXPECT_EQ(p.descriptor->abi_version, kAbiVersion);
  EXPECT_FALSE(p.version.empty());
  EXPECT_FALSE(p.summary.empty());
  const auto instance = shipped_plugins().create("pass", p.name);
  ASSERT_NE(instance, nullptr);
  const Pass& pass = static_cast<const Pass&>(*instance);
  const std::set<PassStage> stages = {PassStage::PreQuantize,    PassStage::Fusion,   PassStage::Calibration,
                                      PassStage::Alignment,      PassStage::BiasCorrection, PassStage::Training,
                                      PassStage::Finalize};
  EXPECT_TRUE(stages.contains(pass.stage()));
  // Calibration algorithms are chosen by calib_algorithm; every other pass owns a block.
  EXPECT_EQ(pass.setting_key().empty(), pass.stage() == PassStage::Calibration) << pass.setting_key();
}

TEST_P(PassContract, DescribesItsOptions) {
  const OptionSchema specs = schema();
  std::set<std::string> names;
  bool required = false;
  for (const OptionSpec& s : specs) {
    SCOPED_TRACE(s.name);
    EXPECT_FALSE(s.name.empty());
    EXPECT_TRUE(names.insert(s.name).second) << "declared twice";
    EXPECT_NE(s.name, "enabled");  // belongs to the setting, not to the pass
    EXPECT_FALSE(s.doc.empty());
    required = required || s.required;
    if (std::holds_alternative<std::monostate>(s.default_value)) continue;
    EXPECT_TRUE(holds_type(s.default_value, s.type)) << "default of another type than " << option_type_name(s.type);
    if (s.type == OptionType::Int || s.type == OptionType::Float) {
      const double d = std::holds_alternative<double>(s.default_value)
                           ? std::get<double>(s.default_value)
                           : static_cast<double>(std::get<std::int64_t>(s.default_value));
      if (s.min) {
        EXPECT_GE(d, *s.min);
      }
      if (s.max) {
        EXPECT_LE(d, *s.max);
      }
    }
    if (s.type == OptionType::Enum) {
      ASSERT_FALSE(s.choices.empty());
      EXPECT_NE(std::find(s.choices.begin(), s.choices.end(), std::get<std::string>(s.default_value)), s.choices.end());
    }
  }
  if (!required) {
    EXPECT_NO_THROW(resolve_options(specs, {}, "pass '" + GetParam() + "'"));
  }

  const auto r = test::run_qtune("plugins --describe " + test::quoted(GetParam()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pass plugin '" + GetParam() + "'"), std::string::npos) << r.out;
  for (const OptionSpec& s : specs) EXPECT_NE(r.out.find(s.name), std::string::npos) << s.name << "\n" << r.out;
}

TEST_P(PassContract, RejectsAnUnknownOptionKey) {
  const std::string msg = test::message_of<InputError>(
      [&] { resolve_options(schema(), {{"no_such_option_xyz", true}}, "pass '" + GetParam() + "'"); });
  EXPECT_NE(msg.find("no_such_option_xyz"), std::string::npos) << msg;
  EXPECT_NE(msg.find(GetParam()), std::string::npos) << msg;

  // Through setting.json too, when the pass owns a block.
  const auto instance = shipped_plugins().create("pass", GetParam());
  const std::string key = static_cast<const Pass&>(*instance).setting_key();
  if (key.empty()) return;
  const Setting setting = parse_setting("{\"" + key + "\": {\"no_such_option_xyz\": 1}}", "setting.json");
  const std::string via_setting = test::message_of<InputError>(
      [&] { resolve_setting(setting, setting_plugins(shipped_plugins()), "esp32p4", std::nullopt); });
  EXPECT_NE(via_setting.find("unknown key '" + key + ".no_such_option_xyz'"), std::string::npos) << via_setting;
}

// A calibration algorithm serves the calibration driver: with its defaults, an observer
// for an int8 per-tensor activation sees two batches (and a second pass when it asks for
// one) and renders one finite log2 scale.
void expect_observer_renders(const std::string& name) {
  CalibrationPlugins calibration(shipped_plugins());
  TensorQuantConfig config;
  config.observer = name;
  const std::unique_ptr<Observer> observer = calibration.make_observer(name, config);
  ASSERT_NE(observer, nullptr);
  const std::vector<Tensor> batches = {random_tensor({2, 3, 8, 8}, 91, -3, 3), random_tensor({2, 3, 8, 8}, 92, -3, 3)};
  for (const Tensor& b : batches) observer->observe(b);
  if (observer->needs_second_pass())
    for (const Tensor& b : batches) observer->observe_second_pass(b);
  const std::vector<double> exponents = observer->render();
  ASSERT_EQ(exponents.size(), 1u);
  EXPECT_TRUE(std::isfinite(exponents[0]));
  EXPECT_LT(exponents[0], 0.0);  // |x| <= 3 in int8: a scale below 1
}

// Non-calibration passes: with their defaults on the small graph (float for PreQuantize
// passes, quantized and calibrated for the later stages), the graph stays valid.
TEST_P(PassContract, RunsWithDefaults) {
  const auto instance = shipped_plugins().create("pass", GetParam());
  Pass& pass = static_cast<Pass&>(*instance);
  if (pass.stage() == PassStage::Calibration) return expect_observer_renders(GetParam());
  const OptionSchema specs = schema();
  for (const OptionSpec& s : specs)
    if (s.required) GTEST_SKIP() << "option '" << s.name << "' has no default";
  const OptionValues defaults = resolve_options(specs, {}, "pass '" + GetParam() + "'");

  Graph graph = contract_graph();
  const Graph original = graph;
  const std::vector<Batch> batches = contract_batches();
  ContractConfig config;
  TargetInfo target;
  target.target = "esp32p4";
  target.per_channel_weights = true;
  test::RecordingLog log;
  IterationPassContext context(graph, config, target, batches, log);
  const bool prequant = pass.stage() == PassStage::PreQuantize;
  if (!prequant) {  // as run_iteration: float reference, quantize, calibrate, then the pass
    context.snapshot_float_graph();
    quantize_graph(graph, TargetPolicy::from_target("esp32p4"));
    CalibrationPlugins calibration(shipped_plugins());
    CalibrationOptions options;
    options.calib_algorithm = "kl";
    calibrate(
        graph, batches,
        [&](const std::string& a, const TensorQuantConfig& c) { return calibration.make_observer(a, c); }, options);
  }
  const auto reference = make_executor(original)->run(batches[0]);

  const PassResult result = pass.run(context, defaults);
  EXPECT_NO_THROW(graph.validate());
  for (const std::string& note : result.notes) EXPECT_EQ(note.find('\n'), std::string::npos) << "notes are one line";
  if (!result.modified && result.notes.empty()) {
    EXPECT_FALSE(log.warnings.empty()) << "a no-op must say why";
  }

  std::vector<Tensor> outputs;
  ASSERT_NO_THROW(outputs = prequant ? make_executor(graph)->run(batches[0])
                                     : make_executor(graph)->run(batches[0], make_quant_hook().get()));
  ASSERT_EQ(outputs.size(), reference.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(outputs[i].shape(), reference[i].shape());
    for (float v : outputs[i].values<float>()) ASSERT_TRUE(std::isfinite(v));
  }
  if (prequant) {
    // Float-graph rewrites keep the float function and add no quantization.
    test::expect_outputs_close(outputs, reference, 1e-5);
    for (const Variable* v : graph.variables()) EXPECT_FALSE(v->quant) << v->name;
  } else {
    // Later passes change configs and values, never the structure.
    std::vector<std::string> before, after;
    for (const Op* op : original.ops()) before.push_back(op->name + ":" + op->type);
    for (const Op* op : graph.ops()) after.push_back(op->name + ":" + op->type);
    EXPECT_EQ(after, before);
  }
}

// Test names from plugin names (any character outside [A-Za-z0-9_] becomes '_').
std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(EveryShippedPass, PassContract, ::testing::ValuesIn(pass_plugin_names()), test_name);

// The registry really is the build's: the passes this project ships are all in it.
TEST(PassRegistry, HoldsTheShippedPasses) {
  const auto names = pass_plugin_names();
  for (const char* expected : {"minmax", "percentile", "kl", "mse", "isotone", "fusion_alignment", "equalization",
                               "weight_split", "lsq"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
}

}  // namespace
}  // namespace qtune
