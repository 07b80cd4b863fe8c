// The baseline pipeline end to end against esp-ppq's own exponents (tests/fixtures/parity):
// quantize, calibrate with the kl plugin, then the fusion_alignment plugin with its
// defaults through the real PassPipeline, then passive configs. Every op socket esp-ppq
// quantizes must carry esp-ppq's exponent(s), and every socket esp-ppq made PASSIVE
// (aligned inputs, re-mastered producers, biases) must be applied there as Passive.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "framework/quant/parity_cases.h"
#include "host/plugin_host.h"
#include "qtune/quant_graph.h"
#include "quant/calibration_driver.h"
#include "quant/quantizer.h"
#include "run/calibration_plugins.h"
#include "run/iteration_log.h"
#include "run/pass_context.h"
#include "run/pass_pipeline.h"
#include "run/setting.h"
#include "run/setting_plugins.h"

namespace qtune {
namespace {

using test::ParityCase;

class PipelineParity : public testing::TestWithParam<ParityCase> {};

TEST_P(PipelineParity, EverySocketExponentMatchesEspPpqAfterAlignment) {
  auto f = test::load_parity_fixture(GetParam());
  ASSERT_TRUE(f) << "parity fixture missing (or the model: run scripts/fetch_models.sh)";
  PluginHost host;
  host.load_directories(PluginHost::default_search_path());
  const ResolvedSetting setting = resolve_setting(baseline_setting(), setting_plugins(host), GetParam().target, std::nullopt);
  ASSERT_TRUE(setting.blocks.contains("fusion_alignment")) << "the fusion_alignment plugin is not built";

  Graph& g = f->graph;
  const TargetPolicy policy = TargetPolicy::from_target(GetParam().target);
  quantize_graph(g, policy);
  CalibrationPlugins plugins(host);
  CalibrationOptions options;
  options.calib_algorithm = "kl";
  calibrate(g, f->batches, [&](const std::string& a, const TensorQuantConfig& c) { return plugins.make_observer(a, c); },
            options);
  IterationLog log(false);
  ContractConfig config;
  config.target = GetParam().target;
  TargetInfo info{GetParam().target, 8, policy.family() == TargetFamily::P4, true, policy.rounding()};
  IterationPassContext context(g, config, info, f->batches, log);
  const PassPipeline pipeline(setting, host);
  const auto records = pipeline.run_stage(PassStage::Alignment, context);
  ASSERT_EQ(records.size(), 1u);

  std::size_t compared = 0, passive = 0, insert_zeros = 0;
  std::vector<std::string> differ;
  for (const auto& r : f->exponents["configs"].GetArray()) {
    const std::string state = r["state"].GetString();
    if (state == "FP32") continue;
    // esp-ppq's ConvTranspose decomposition (InsertZeros + Conv) is qtune's too (the fixture
    // loader runs it): its ops and variables have the same names and are compared directly.
    const Op* op = g.find_op(r["op"].GetString());
    if (!op) {
      differ.push_back(fmt::format("op '{}' ({}) is not in our graph", r["op"].GetString(), r["op_type"].GetString()));
      continue;
    }
    if (op->type != r["op_type"].GetString())
      differ.push_back(fmt::format("op '{}': type {} in ours, {} in esp-ppq's", op->name, op->type, r["op_type"].GetString()));
    insert_zeros += op->type == "InsertZeros";
    const bool in = std::string(r["role"].GetString()) == "input";
    const std::size_t idx = r["index"].GetUint();
    const QuantSlot& c = in ? input_config(*op, idx) : op->outputs.at(idx)->quant;
    const std::string where = fmt::format("{} {} {} '{}'", op->name, r["role"].GetString(), idx, r["var"].GetString());
    if (!c) {
      differ.push_back(where + ": no config in ours");
      continue;
    }
    ++compared;
    const std::vector<double> ours(c->exponents.begin(), c->exponents.end());
    const std::vector<double> theirs = test::parity_exponents(r["exponent"]);
    if (ours != theirs) differ.push_back(fmt::format("{}: exponents ours [{}] esp-ppq [{}]", where, fmt::join(ours, ","), fmt::join(theirs, ",")));
    if (state == "PASSIVE") {
      ++passive;
      const std::string here = in ? input_socket_id(*op, idx) : op->outputs[idx]->name;
      if (c->state != QuantState::Passive || c->applied_at != here)
        differ.push_back(fmt::format("{}: esp-ppq PASSIVE here; ours {} applied at '{}'", where,
                                     c->state == QuantState::Passive ? "passive" : "not passive", c->applied_at));
    }
  }
  std::cout << fmt::format("[parity] pipeline {}/{}: {} sockets compared ({} PASSIVE, {} of InsertZeros ops), {} differ\n",
                           GetParam().name, GetParam().target, compared, passive, insert_zeros, differ.size());
  for (const auto& d : differ) ADD_FAILURE() << d;
  EXPECT_GT(compared, 0u);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PipelineParity, testing::ValuesIn(test::parity_cases()), test::parity_case_name);

}  // namespace
}  // namespace qtune
