// Analyser "derived": the artifacts the reference's harness builds from the three
// analysers' outputs (espdl-quantize run_iteration.py + analysis_helpers.py), read back
// through the ArtifactStore, with the QUANT_CONFIG knobs:
//   layer_stats.json            layer_stats_full.json records of the top_k_layers ops of
//                               layerwise_error.json, in that rank order
//   non_computing_hot_ops.json  non-computing ops by worst variable ratio (non_computing_top_k)
//   graphwise_jumps.json        adjacent computing-op pairs whose cumulative error grows by
//                               more than graphwise_intervening_excess_threshold beyond the
//                               downstream op's isolated error, with the ops between them
// An input artifact that is missing (its analyser did not run or failed) counts as empty,
// as the harness writes {} / [] when an analyser fails.
#include <algorithm>

#include <fmt/format.h>

#include "qtune/sdk.h"
#include "qtune_analysis/artifact_json.h"
#include "qtune_analysis/derived_artifacts.h"

namespace {

namespace an = qtune::analysis;

class DerivedAnalyser final : public qtune::Analyser {
 public:
  std::vector<std::string> depends_on() const override { return {"layerwise", "graphwise", "statistical"}; }

  void analyse(qtune::AnalysisContext& context, const qtune::OptionValues&) override {
    qtune::Log& log = context.log();
    qtune::ArtifactStore& store = context.artifacts();
    const qtune::ContractConfig& config = context.config();
    auto read = [&](const char* name, rapidjson::Type empty) {
      const std::optional<std::string> text = store.read_text(name);
      if (!text) {
        log.info(fmt::format("derived: {} is missing; read as empty", name));
        rapidjson::Document d(empty);
        return d;
      }
      return an::parse_artifact(*text, (store.directory() / name).string());
    };
    const rapidjson::Document layerwise = read("layerwise_error.json", rapidjson::kObjectType);
    const rapidjson::Document graphwise = read("graphwise_error.json", rapidjson::kObjectType);
    const rapidjson::Document records = read("layer_stats_full.json", rapidjson::kArrayType);

    const std::vector<std::string> top = an::first_keys(layerwise, config.top_k_layers);
    store.write_text("layer_stats.json", an::artifact_text(an::filter_layer_stats(records, top)));

    const rapidjson::Document hot = an::non_computing_hot_ops(records, config.non_computing_top_k);
    store.write_text("non_computing_hot_ops.json", an::artifact_text(hot));
    if (!hot.Empty()) log.info("derived: non-COMPUTING_OP top-5 (max per-var SNR):");
    for (rapidjson::SizeType k = 0; k < std::min<rapidjson::SizeType>(5, hot.Size()); ++k) {
      const auto& e = hot[k];
      const auto& ratio = e["inputs_float_std_ratio"];
      log.info(fmt::format("   snr={:.6f}  {:<14}  {}{}", e["max_snr"].GetDouble(),
                           e["op_type"].IsString() ? e["op_type"].GetString() : "", e["op_name"].GetString(),
                           ratio.IsNumber() ? fmt::format("  std-ratio={:.2f}", ratio.GetDouble()) : std::string()));
    }

    // The simplified graph's op order (what simplified_ops.json lists).
    std::vector<an::OpEntry> ops;
    for (const qtune::Op* op : context.graph().topological_order()) ops.push_back({op->name, op->type});
    const double threshold = config.graphwise_intervening_excess_threshold;
    const rapidjson::Document jumps = an::graphwise_jumps(layerwise, graphwise, ops, threshold);
    store.write_text("graphwise_jumps.json", an::artifact_text(jumps));
    if (!jumps.Empty())
      log.info(fmt::format("derived: graphwise_jumps: {} suspicious intervening region(s) (excess > {:.3f})",
                           jumps.Size(), threshold));
  }
};

}  // namespace

QTUNE_PLUGIN("analyser", "derived", "1.0.0",
             "layer_stats.json, non_computing_hot_ops.json and graphwise_jumps.json from the three analysers' artifacts",
             DerivedAnalyser)
