// The generic ONNX contract: everything (QUANT_CONFIG, calibration .npy, evaluation .npy
// and metric) comes from a JSON file given with --contract-config.
#include <cmath>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "generic_config.h"
#include "npy_inputs.h"
#include "output_metrics.h"
#include "qtune/contract.h"
#include "qtune/error.h"
#include "qtune/npy.h"

namespace qtune::generic_onnx {

namespace {

namespace fs = std::filesystem;
constexpr const char* kName = "generic_onnx";

// Calibration batches cut on demand from the loaded .npy arrays. Only full batches:
// the graph is quantized at QUANT_CONFIG's batch size, so the remainder is dropped.
class NpyBatchLoader final : public BatchLoader {
 public:
  NpyBatchLoader(std::shared_ptr<const std::vector<Tensor>> inputs, std::int64_t batch_size)
      : inputs_(std::move(inputs)), batch_size_(batch_size), batches_(inputs_->front().dim(0) / batch_size) {}
  std::optional<Batch> next() override {
    if (position_ >= batches_) return std::nullopt;
    const std::int64_t begin = position_++ * batch_size_;
    return make_batches(*inputs_, begin, begin + batch_size_, batch_size_).front();
  }
  void reset() override { position_ = 0; }
  std::optional<std::size_t> size() const override { return static_cast<std::size_t>(batches_); }

 private:
  std::shared_ptr<const std::vector<Tensor>> inputs_;
  std::int64_t batch_size_;
  std::int64_t batches_;
  std::int64_t position_ = 0;
};

struct EvalSet {
  std::vector<Tensor> inputs;
  std::optional<std::vector<std::int64_t>> labels;
  std::optional<OutputRows> reference;   // from reference_outputs, or the first float model
};

// The first graph output of `model` over samples [0, n), one row per sample.
OutputRows run_rows(const Model& model, const std::vector<Tensor>& inputs, std::int64_t n, std::int64_t batch_size) {
  const std::vector<Batch> batches = make_batches(inputs, 0, n, batch_size);
  const std::vector<Batch> outputs = model.run_many(batches);
  if (outputs.size() != batches.size())
    throw Error(fmt::format("model.run_many returned {} results for {} batches", outputs.size(), batches.size()));
  OutputRows rows;
  for (std::size_t b = 0; b < outputs.size(); ++b) {
    const std::int64_t count = batches[b].front().dim(0);
    if (outputs[b].empty()) throw Error(fmt::format("model returned no output for batch {}", b));
    const Tensor& out = outputs[b].front();
    if (out.dtype() != DType::Float32 || out.numel() % count != 0 || (rows.width && out.numel() / count != rows.width))
      throw Error(fmt::format("model output 0 of batch {} is {} {}, expected float32 [{}, ...]{}", b,
                              dtype_name(out.dtype()), shape_str(out.shape()), count,
                              rows.width ? fmt::format(" with {} values per sample", rows.width) : ""));
    rows.width = out.numel() / count;
    for (float v : out.values<float>()) {
      if (!std::isfinite(v))
        throw Error(fmt::format("model ({}) output 0 has a non-finite value ({}) in batch {}", model.description(), v, b));
      rows.values.push_back(v);
    }
    rows.samples += count;
  }
  return rows;
}

}  // namespace

class GenericOnnxContract final : public Contract {
 public:
  void init(const ContractEnv& env) override {
    Contract::init(env);
    if (!env.config_path)
      throw InputError(fmt::format("contract '{}' ({}) is configured by a JSON file: pass --contract-config <file.json> "
                                   "(keys: docs/contract_guide.md)", kName, env.library_path.string()));
    config_ = read_generic_config(*env.config_path);
  }
  // Relative paths in the config (the model included) are relative to the config file.
  fs::path base_directory() const override { return config_.file.parent_path(); }
  std::string quant_config() const override { return config_.quant_config_json; }

  std::unique_ptr<BatchLoader> calibration_data(const ContractConfig& config) override {
    std::lock_guard lock(mutex_);
    if (!calibration_)
      calibration_ = std::make_shared<const std::vector<Tensor>>(
          load_inputs(config_.calibration, config.input_shapes, config_.file, "calibration"));
    const std::int64_t samples = calibration_->front().dim(0);
    if (samples < config.batch_size)
      throw InputError(fmt::format("{}: \"calibration\" holds {} sample(s), fewer than batch_size {}",
                                   config_.file.string(), samples, config.batch_size));
    return std::make_unique<NpyBatchLoader>(calibration_, config.batch_size);
  }

  Metrics evaluate(const Model& model) override { return evaluate_first(model, -1); }
  bool has_evaluate_fast() const override { return config_.evaluation.has_value(); }
  Metrics evaluate_fast(const Model& model) override { return evaluate_first(model, eval().fast_samples); }

 private:
  const EvaluationConfig& eval() const {
    if (!config_.evaluation)
      throw InputError(fmt::format("{}: no \"evaluation\" section, so models cannot be evaluated; add one "
                                   "(docs/contract_guide.md)", config_.file.string()));
    return *config_.evaluation;
  }

  // Metrics over the first `samples` evaluation samples (all when < 0).
  Metrics evaluate_first(const Model& model, std::int64_t samples) {
    const EvaluationConfig& e = eval();
    std::lock_guard lock(mutex_);
    EvalSet& set = eval_set(model);
    const std::int64_t total = set.inputs.front().dim(0);
    const std::int64_t n = samples < 0 ? total : std::min(samples, total);

    OutputRows out;
    if (!set.reference && e.metric != EvalMetric::Top1) {
      if (model.is_quantized())
        throw Error(fmt::format("{}: metric \"{}\" compares against the float model's outputs, but a quantized model "
                                "({}) was evaluated before any float one; give \"evaluation.reference_outputs\" or "
                                "evaluate the float model first", config_.file.string(), metric_name(e.metric),
                                model.description()));
      // The reference covers every sample, so a later evaluate() after evaluate_fast() has it.
      set.reference = run_rows(model, set.inputs, total, config_.batch_size);
      out = set.reference->first(n);
    } else {
      out = run_rows(model, set.inputs, n, config_.batch_size);
    }

    Metrics metrics{{"samples", static_cast<double>(n)}};
    if (set.labels) {
      const std::span<const std::int64_t> labels(set.labels->data(), static_cast<std::size_t>(n));
      for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] < 0 || labels[i] >= out.width)
          throw InputError(fmt::format("{}: \"evaluation.labels\" ({}) sample {} has label {}, but the model outputs {} "
                                       "classes", config_.file.string(), e.labels->string(), i, labels[i], out.width));
      metrics["top1"] = top1_accuracy(out, labels);
    }
    if (set.reference) {
      if (set.reference->width != out.width)
        throw InputError(fmt::format("{}: the reference outputs ({}) have {} values per sample, the model's output 0 "
                                     "has {}", config_.file.string(),
                                     e.reference_outputs ? e.reference_outputs->string() : "float model", set.reference->width,
                                     out.width));
      const OutputRows ref = set.reference->first(n);
      metrics["snr"] = snr_db(out, ref);
      metrics["cosine"] = mean_cosine(out, ref);
      metrics["top1_agreement"] = top1_agreement(out, ref);
    }
    return metrics;
  }

  // Loaded on first use and kept for every later evaluation.
  EvalSet& eval_set(const Model& model) {
    if (eval_set_) return *eval_set_;
    const EvaluationConfig& e = eval();
    EvalSet set;
    const auto shapes = config_.input_shapes.empty() ? model.input_shapes() : config_.input_shapes;
    set.inputs = load_inputs(e.inputs, shapes, config_.file, "evaluation.inputs");
    const std::int64_t total = set.inputs.front().dim(0);
    if (e.labels) set.labels = read_labels(*e.labels, total);
    if (e.reference_outputs) set.reference = read_reference(*e.reference_outputs, total);
    eval_set_ = std::move(set);
    return *eval_set_;
  }

  std::vector<std::int64_t> read_labels(const fs::path& file, std::int64_t samples) const {
    const Tensor t = read_npy(file);
    const auto where = fmt::format("{}: \"evaluation.labels\" file {}", config_.file.string(), file.string());
    if (t.dtype() == DType::Float32 || t.dtype() == DType::Float64 || t.dtype() == DType::Bool)
      throw InputError(fmt::format("{} is {}, expected integer class ids (int64 or int32)", where, dtype_name(t.dtype())));
    const bool shape_ok = (t.rank() == 1 || (t.rank() == 2 && t.dim(1) == 1)) && t.dim(0) == samples;
    if (!shape_ok)
      throw InputError(fmt::format("{} has shape {}, expected [{}] (one label per evaluation sample)", where,
                                   shape_str(t.shape()), samples));
    return t.to_int64();
  }

  OutputRows read_reference(const fs::path& file, std::int64_t samples) const {
    const Tensor t = read_npy(file);
    const auto where = fmt::format("{}: \"evaluation.reference_outputs\" file {}", config_.file.string(), file.string());
    if (t.dtype() != DType::Float32 && t.dtype() != DType::Float64)
      throw InputError(fmt::format("{} is {}, expected float32", where, dtype_name(t.dtype())));
    if (t.rank() < 1 || t.dim(0) != samples || t.numel() == 0)
      throw InputError(fmt::format("{} has shape {}, expected [{}, ...] (output 0 for every evaluation sample)", where,
                                   shape_str(t.shape()), samples));
    OutputRows rows{samples, t.numel() / samples, t.to_float()};
    for (float v : rows.values)
      if (!std::isfinite(v)) throw InputError(fmt::format("{} holds a non-finite value", where));
    return rows;
  }

  GenericConfig config_;
  std::mutex mutex_;
  std::shared_ptr<const std::vector<Tensor>> calibration_;
  std::optional<EvalSet> eval_set_;
};

}  // namespace qtune::generic_onnx

QTUNE_CONTRACT("generic_onnx", "1.0.0", qtune::generic_onnx::GenericOnnxContract)
