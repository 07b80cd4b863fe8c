// Analyser "layerwise" (esp-ppq layerwise_error_analyse, reference §4): the isolated error
// of every quantized computing op. The whole graph runs float (float parameters); only that
// op's own quantization is applied (its weights, bias and the configs applied at its
// inputs/outputs; overlapped ones stay off); the noise:signal power ratio is measured at
// the graph outputs and averaged over the analysis batches and outputs like esp-ppq's
// MeasureRecorder. Writes layerwise_error.json: {op: ratio}, worst first.
//
// Fast by construction: the float activations of a batch are computed once (keep_all); each
// op then replays only itself and its downstream ops from that cache (Executor::run_from),
// ops in parallel (AnalysisContext::parallel_for). Batches stream: one cache alive at a time.
#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "qtune/error.h"
#include "qtune/sdk.h"
#include "qtune_analysis/artifact_json.h"
#include "qtune_analysis/memory_estimate.h"
#include "qtune_analysis/op_sets.h"
#include "qtune_analysis/progress.h"
#include "qtune_analysis/reference_graphs.h"
#include "qtune_analysis/snr.h"

namespace {

namespace an = qtune::analysis;
using qtune::Op;
using qtune::Tensor;

constexpr const char* kArtifact = "layerwise_error.json";

class LayerwiseAnalyser final : public qtune::Analyser {
 public:
  static qtune::OptionSchema option_schema() {
    return {qtune::make_option("interested_outputs", qtune::OptionType::StringList, std::vector<std::string>{},
                               "variables the error is measured at (esp-ppq interested_outputs); empty = every graph "
                               "output")};
  }

  void analyse(qtune::AnalysisContext& context, const qtune::OptionValues& options) override {
    qtune::Log& log = context.log();
    const std::vector<qtune::Batch>& batches = context.analysis_batches();
    const an::DequantizedGraph reference = an::make_dequantized(context.graph(), context.float_graph());
    const qtune::Graph& graph = reference.graph;

    std::vector<const Op*> ops;
    for (const Op* op : graph.topological_order())
      if (an::is_computing_op(*op)) ops.push_back(op);
    std::vector<std::string> outputs = options.get_strings("interested_outputs");
    if (outputs.empty())
      for (const qtune::Variable* v : graph.outputs()) outputs.push_back(v->name);
    for (const std::string& name : outputs)
      if (!graph.find_variable(name))
        throw qtune::InputError(fmt::format("analyser 'layerwise': interested_outputs names '{}', which is not a "
                                            "variable of the graph",
                                            name));

    // How much work suffix replay saves over re-running the whole graph per op.
    std::size_t replayed = 0;
    for (const Op* op : ops) replayed += graph.downstream_of({op}).size();
    const std::size_t whole = ops.size() * graph.op_count();
    log.info(fmt::format("layerwise: {} computing ops x {} batches; suffix replay runs {} op executions per batch "
                         "instead of {} ({:.0f}%)",
                         ops.size(), batches.size(), replayed, whole, whole ? 100.0 * replayed / whole : 0.0));

    const std::unique_ptr<qtune::Executor> executor = context.make_executor(graph);
    std::vector<an::RunningMean> measures(ops.size());
    for (std::size_t b = 0; b < batches.size(); ++b) {
      qtune::RunRequest cache_request;
      cache_request.keep_all = true;
      const qtune::TensorMap cache = executor->run(an::feeds_of(graph, batches[b]), cache_request);
      if (b == 0) {
        const std::size_t cached = an::total_bytes(cache), live = an::peak_live_bytes(graph, cache);
        const std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
        log.info(fmt::format("layerwise: memory ~{} (float cache {} per batch + up to {} replays of <= {})",
                             an::mib(cached + threads * live), an::mib(cached), threads, an::mib(live)));
      }
      // Per op, per output: (ratio, weight); folded in esp-ppq's order below.
      std::vector<std::vector<std::pair<double, double>>> results(ops.size());
      context.parallel_for(ops.size(), [&](std::size_t i) {
        const std::unique_ptr<qtune::OpHook> hook = an::make_isolated_hook(*ops[i], reference);
        qtune::RunRequest request;
        request.fetch = outputs;
        request.hook = hook.get();
        const qtune::TensorMap quantized = executor->run_from(cache, {ops[i]}, request);
        for (const std::string& name : outputs) {
          const Tensor& real = cache.at(name);
          const Tensor& pred = quantized.at(name);
          if (real.dtype() != qtune::DType::Float32) continue;
          results[i].emplace_back(an::snr_tensor(pred, real), an::snr_weight(real));
        }
      });
      for (std::size_t i = 0; i < ops.size(); ++i)
        for (const auto& [ratio, weight] : results[i]) measures[i].add(ratio, weight);
      if (an::progress_due(b + 1, batches.size()))
        log.progress("layerwise batches", static_cast<long>(b + 1), static_cast<long>(batches.size()));
    }

    // Worst first; ties keep graph order (Python's stable sort of the reference harness).
    std::vector<std::size_t> order(ops.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t x, std::size_t y) { return measures[x].value() > measures[y].value(); });
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    for (std::size_t i : order) doc.AddMember(an::json_string(ops[i]->name, a), rapidjson::Value(measures[i].value()), a);
    context.artifacts().write_text(kArtifact, an::artifact_text(doc));
    log.info("layerwise: top-5 error layers:");
    for (std::size_t k = 0; k < std::min<std::size_t>(5, order.size()); ++k)
      log.info(fmt::format("   {:.6f}  {}", measures[order[k]].value(), ops[order[k]]->name));
  }
};

}  // namespace

QTUNE_PLUGIN("analyser", "layerwise", "1.0.0",
             "isolated error of each computing op (only it quantized), at the graph outputs -> layerwise_error.json",
             LayerwiseAnalyser)
