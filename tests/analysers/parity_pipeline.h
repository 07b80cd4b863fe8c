#pragma once
// The baseline quantized graph of an esp-ppq parity case, built as
// tests/framework/run/pipeline_parity_test.cpp builds it (its exponents match esp-ppq's):
// quantize, calibrate with the kl plugin, then the fusion_alignment plugin with its
// defaults through the real PassPipeline. The float graph is the graph before quantization.
#include <memory>
#include <optional>

#include "analysis_test_support.h"
#include "framework/quant/parity_cases.h"
#include "qtune/pass.h"
#include "quant/calibration_driver.h"
#include "quant/quantizer.h"
#include "quant/target_policy.h"
#include "run/calibration_plugins.h"
#include "run/pass_context.h"
#include "run/pass_pipeline.h"
#include "run/setting.h"
#include "run/setting_plugins.h"

namespace qtune::test {

struct ParityPipeline {
  Graph graph, float_graph;
  std::vector<Batch> batches;
};

// nullptr when the fixture (or, for det, the cached model) is missing.
inline std::unique_ptr<ParityPipeline> build_parity_pipeline(const ParityCase& c) {
  auto f = load_parity_fixture(c);
  if (!f) return nullptr;
  const PluginHost& host = built_plugins();
  auto p = std::make_unique<ParityPipeline>();
  p->graph = std::move(f->graph);
  p->float_graph = p->graph;
  p->batches = std::move(f->batches);
  const TargetPolicy policy = TargetPolicy::from_target(c.target);
  quantize_graph(p->graph, policy);
  CalibrationPlugins plugins(host);
  CalibrationOptions options;
  options.calib_algorithm = "kl";
  calibrate(p->graph, p->batches,
            [&](const std::string& a, const TensorQuantConfig& cfg) { return plugins.make_observer(a, cfg); }, options);
  const ResolvedSetting setting = resolve_setting(baseline_setting(), setting_plugins(host), c.target, std::nullopt);
  CapturingLog log;
  ContractConfig config;
  config.target = c.target;
  TargetInfo info{c.target, 8, policy.family() == TargetFamily::P4, true, policy.rounding()};
  IterationPassContext context(p->graph, config, info, p->batches, log);
  const PassPipeline pipeline(setting, host);
  pipeline.run_stage(PassStage::Alignment, context);
  return p;
}

}  // namespace qtune::test
