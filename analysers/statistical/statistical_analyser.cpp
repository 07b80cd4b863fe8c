// Analyser "statistical" (esp-ppq statistical_analyse, reference §4): distributions of
// every input and output of each quantized, non-passive op, float vs quantized. The fully
// float graph (float parameters) and the fully quantized graph run on each batch; a hook
// takes 1024 elements (esp-ppq's LCG, seed 10086, over the whole flattened tensor) of each
// value as the op sees it: inputs after this op's input quantization, outputs after its
// output quantization, parameters included. Per variable, over the concatenated samples
// x_fp, x_qt and e = x_qt - x_fp: mean, std, min, max, skewness, kurtosis, a 32-bin
// histogram, and the noise:signal power ratio sum(e^2) / (sum(x_fp^2) + 1e-7).
// Writes layer_stats_full.json: one record per (op, variable) with esp-ppq's keys, ops in
// graph order, an op's inputs then outputs.
//
// Like the reference run's patch for empty tensors (shared/parity README), only non-empty
// float tensors are sampled; a variable without samples has no record.
#include <algorithm>

#include <fmt/format.h>

#include "qtune/sdk.h"
#include "qtune_analysis/artifact_json.h"
#include "qtune_analysis/lcg_sampler.h"
#include "qtune_analysis/memory_estimate.h"
#include "qtune_analysis/op_sets.h"
#include "qtune_analysis/progress.h"
#include "qtune_analysis/recording_hook.h"
#include "qtune_analysis/reference_graphs.h"
#include "qtune_analysis/series_stats.h"

namespace {

namespace an = qtune::analysis;
using qtune::Op;
using qtune::Tensor;
using rapidjson::Value;

constexpr const char* kArtifact = "layer_stats_full.json";

// One recorded socket of an op: input `index` or output `index`.
struct Slot {
  std::size_t op;          // index into the analysed ops
  bool input;
  std::size_t index;
  std::vector<float> fp, qt;
};

// "<prefix> Mean", ... in esp-ppq's key order.
void add_stats(const char* prefix, const an::SeriesStats& s, Value& record, rapidjson::Document::AllocatorType& a) {
  auto key = [&](const char* what) { return an::json_string(fmt::format("{} {}", prefix, what), a); };
  record.AddMember(key("Mean"), Value(s.mean), a);
  record.AddMember(key("Std"), Value(s.std), a);
  record.AddMember(key("Skewness"), Value(s.skewness), a);
  record.AddMember(key("Kurtosis"), Value(s.kurtosis), a);
  Value hist(rapidjson::kArrayType);
  for (double h : s.hist) hist.PushBack(Value(h), a);
  record.AddMember(key("Hist"), hist, a);
  record.AddMember(key("Max"), Value(s.max), a);
  record.AddMember(key("Min"), Value(s.min), a);
}

class StatisticalAnalyser final : public qtune::Analyser {
 public:
  static qtune::OptionSchema option_schema() {
    return {qtune::make_option("fetches", qtune::OptionType::Int, std::int64_t{1024},
                               "elements sampled per tensor per batch (esp-ppq statistical_analyse DetailedRecorder fetchs)",
                               1.0)};
  }

  void analyse(qtune::AnalysisContext& context, const qtune::OptionValues& options) override {
    qtune::Log& log = context.log();
    const auto fetches = static_cast<std::size_t>(options.get_int("fetches"));
    const std::vector<qtune::Batch>& batches = context.analysis_batches();
    const qtune::Graph& quantized = context.graph();
    const an::DequantizedGraph reference = an::make_dequantized(quantized, context.float_graph());

    const an::TwinOps watched = an::twin_ops(reference, quantized, an::is_statistical_op);
    const std::vector<const Op*>& ops = watched.ops;  // the quantized graph's ops (record fields come from them)
    // Slots in record order: per op, its inputs then its outputs.
    std::vector<Slot> slots;
    std::vector<std::size_t> first_slot(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) {
      first_slot[i] = slots.size();
      for (std::size_t k = 0; k < ops[i]->inputs.size(); ++k) slots.push_back({i, true, k, {}, {}});
      for (std::size_t k = 0; k < ops[i]->outputs.size(); ++k) slots.push_back({i, false, k, {}, {}});
    }
    log.info(fmt::format("statistical: {} ops, {} variables x {} batches, {} samples per tensor per batch", ops.size(),
                         slots.size(), batches.size(), fetches));

    auto record_into = [&](bool quant) {
      auto append = [&, quant](const Op& op, bool input, std::size_t k, const Tensor& t) {
        if (t.dtype() != qtune::DType::Float32 || t.empty()) return;
        const std::size_t i = watched.index.at(&op);
        Slot& s = slots[first_slot[i] + (input ? k : ops[i]->inputs.size() + k)];
        const std::vector<float> v = an::tensor_random_fetch(t, fetches);
        std::vector<float>& dst = quant ? s.qt : s.fp;
        dst.insert(dst.end(), v.begin(), v.end());
      };
      return std::make_pair(
          [append](const Op& op, std::size_t k, const Tensor& t) { append(op, true, k, t); },
          [append](const Op& op, std::span<const Tensor> outs) {
            for (std::size_t k = 0; k < outs.size(); ++k) append(op, false, k, outs[k]);
          });
    };

    const std::unique_ptr<qtune::Executor> float_exec = context.make_executor(reference.graph);
    const std::unique_ptr<qtune::Executor> quant_exec = context.make_executor(quantized);
    const std::unique_ptr<qtune::OpHook> quant_hook = qtune::make_quant_hook();
    const auto [float_in, float_out] = record_into(false);
    const auto [quant_in, quant_out] = record_into(true);
    an::RecordingHook float_hook(nullptr, watched.watched_reference, float_in, float_out);
    an::RecordingHook quant_recorder(quant_hook.get(), watched.watched_quantized, quant_in, quant_out);
    for (std::size_t b = 0; b < batches.size(); ++b) {
      qtune::RunRequest request;
      request.hook = &float_hook;
      float_exec->run(an::feeds_of(reference.graph, batches[b]), request);
      request.hook = &quant_recorder;
      quant_exec->run(an::feeds_of(quantized, batches[b]), request);
      if (an::progress_due(b + 1, batches.size()))
        log.progress("statistical batches", static_cast<long>(b + 1), static_cast<long>(batches.size()));
    }
    std::size_t held = 0;
    for (const Slot& s : slots) held += (s.fp.size() + s.qt.size()) * sizeof(float);
    log.info(fmt::format("statistical: {} of samples held", an::mib(held)));

    // Statistics per slot in parallel; records written in slot order.
    struct Stats {
      bool present = false;
      double ratio = 0;
      an::SeriesStats noise, quant, real;
    };
    std::vector<Stats> stats(slots.size());
    context.parallel_for(slots.size(), [&](std::size_t k) {
      const Slot& s = slots[k];
      if (s.fp.empty() || s.fp.size() != s.qt.size()) return;
      std::vector<float> noise(s.fp.size());
      for (std::size_t j = 0; j < noise.size(); ++j) noise[j] = s.qt[j] - s.fp[j];   // float32, as torch
      stats[k] = {true, an::power_ratio(s.qt, s.fp), an::series_stats(noise), an::series_stats(s.qt),
                  an::series_stats(s.fp)};
    });
    rapidjson::Document doc(rapidjson::kArrayType);
    auto& a = doc.GetAllocator();
    for (std::size_t k = 0; k < slots.size(); ++k) {
      if (!stats[k].present) continue;
      const Slot& s = slots[k];
      const Op& op = *ops[s.op];
      const qtune::Variable& var = s.input ? op.input(s.index) : *op.outputs[s.index];
      Value r(rapidjson::kObjectType);
      r.AddMember("Op name", an::json_string(op.name, a), a);
      r.AddMember("Op type", an::json_string(op.type, a), a);
      r.AddMember("Is parameter", Value(var.is_parameter), a);
      r.AddMember("Is input", Value(std::find(op.inputs.begin(), op.inputs.end(), &var) != op.inputs.end()), a);
      r.AddMember("Is output", Value(std::find(op.outputs.begin(), op.outputs.end(), &var) != op.outputs.end()), a);
      r.AddMember("Variable name", an::json_string(var.name, a), a);
      r.AddMember("Noise:Signal Power Ratio", Value(stats[k].ratio), a);
      add_stats("Noise", stats[k].noise, r, a);
      add_stats("Quantized", stats[k].quant, r, a);
      add_stats("Float", stats[k].real, r, a);
      doc.PushBack(r, a);
    }
    context.artifacts().write_text(kArtifact, an::artifact_text(doc));
  }
};

}  // namespace

QTUNE_PLUGIN("analyser", "statistical", "1.0.0",
             "float vs quantized distribution of every variable of each non-passive op -> layer_stats_full.json",
             StatisticalAnalyser)
