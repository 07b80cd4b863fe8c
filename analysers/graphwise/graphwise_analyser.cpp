// Analyser "graphwise" (esp-ppq graphwise_error_analyse, reference §4): the cumulative
// error at every quantized computing op. The fully float graph (float parameters) and the
// fully quantized graph run on the same batch; at each computing op the first output
// (after that op's own output quantization, if any) is sampled at the same 4096 positions
// of every sample (esp-ppq's LCG, seed 10086) and the noise:signal power ratio of quantized
// vs float is averaged per sample and over batches like esp-ppq's MeasureRecorder.
// (The reference skill's "quantize up to this op, measure at the output" is not what the
// code does; this is the code.) Writes graphwise_error.json: {op: ratio} in graph order.
//
// One batch at a time: only that batch's samples (ops x samples x 4096 floats) are held.
#include <unordered_set>

#include <fmt/format.h>

#include "qtune/sdk.h"
#include "qtune_analysis/artifact_json.h"
#include "qtune_analysis/lcg_sampler.h"
#include "qtune_analysis/op_sets.h"
#include "qtune_analysis/progress.h"
#include "qtune_analysis/recording_hook.h"
#include "qtune_analysis/reference_graphs.h"
#include "qtune_analysis/snr.h"

namespace {

namespace an = qtune::analysis;
using qtune::Op;
using qtune::Tensor;

constexpr const char* kArtifact = "graphwise_error.json";

// Samples of each watched op's first output in one run: op index -> (rows, values).
struct Samples {
  std::vector<std::int64_t> rows;
  std::vector<std::vector<float>> values;
};

class GraphwiseAnalyser final : public qtune::Analyser {
 public:
  static qtune::OptionSchema option_schema() {
    return {qtune::make_option("fetches", qtune::OptionType::Int, std::int64_t{4096},
                               "elements sampled per sample of each op's output (esp-ppq graphwise_error_analyse fetchs)",
                               1.0)};
  }

  void analyse(qtune::AnalysisContext& context, const qtune::OptionValues& options) override {
    qtune::Log& log = context.log();
    const auto fetches = static_cast<std::size_t>(options.get_int("fetches"));
    const std::vector<qtune::Batch>& batches = context.analysis_batches();
    const qtune::Graph& quantized = context.graph();
    const an::DequantizedGraph reference = an::make_dequantized(quantized, context.float_graph());

    const an::TwinOps watched = an::twin_ops(reference, quantized, an::is_computing_op);
    const std::size_t n = watched.ops.size();
    log.info(fmt::format("graphwise: {} computing ops x {} batches, {} elements sampled per sample of each output",
                         n, batches.size(), fetches));

    const std::unique_ptr<qtune::Executor> float_exec = context.make_executor(reference.graph);
    const std::unique_ptr<qtune::Executor> quant_exec = context.make_executor(quantized);
    const std::unique_ptr<qtune::OpHook> quant_hook = qtune::make_quant_hook();
    std::vector<an::RunningMean> measures(n);

    auto sample_run = [&](const qtune::Executor& exec, const qtune::Graph& graph, qtune::OpHook* inner,
                          const std::unordered_set<const Op*>& ops, const qtune::Batch& batch) {
      Samples s{std::vector<std::int64_t>(n, -1), std::vector<std::vector<float>>(n)};
      an::RecordingHook hook(inner, ops, {}, [&](const Op& op, std::span<const Tensor> outputs) {
        const Tensor& out = outputs[0];
        if (out.dtype() != qtune::DType::Float32 || out.rank() < 2 || out.empty()) return;
        const std::size_t i = watched.index.at(&op);
        s.rows[i] = out.dim(0);
        s.values[i] = an::batch_random_fetch(out, fetches);
      });
      qtune::RunRequest request;
      request.hook = &hook;
      exec.run(an::feeds_of(graph, batch), request);
      return s;
    };

    for (std::size_t b = 0; b < batches.size(); ++b) {
      const Samples real = sample_run(*float_exec, reference.graph, nullptr, watched.watched_reference, batches[b]);
      const Samples pred = sample_run(*quant_exec, quantized, quant_hook.get(), watched.watched_quantized, batches[b]);
      for (std::size_t i = 0; i < n; ++i) {
        if (real.rows[i] < 0 || pred.rows[i] != real.rows[i]) continue;
        const double ratio = an::snr_rows(pred.values[i].data(), real.values[i].data(), real.rows[i],
                                          static_cast<std::int64_t>(fetches));
        measures[i].add(ratio, static_cast<double>(real.rows[i]));
      }
      if (an::progress_due(b + 1, batches.size()))
        log.progress("graphwise batches", static_cast<long>(b + 1), static_cast<long>(batches.size()));
    }

    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    for (std::size_t i = 0; i < n; ++i)
      if (measures[i].weight() > 0) doc.AddMember(an::json_string(watched.ops[i]->name, a), rapidjson::Value(measures[i].value()), a);
    context.artifacts().write_text(kArtifact, an::artifact_text(doc));
  }
};

}  // namespace

QTUNE_PLUGIN("analyser", "graphwise", "1.0.0",
             "cumulative error at each computing op's output, fully quantized vs float -> graphwise_error.json",
             GraphwiseAnalyser)
