#include "run/iteration.h"
#include "run/interrupt.h"

#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <exception>
#include <limits>
#include <mutex>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "artifacts/atomic_file.h"
#include "artifacts/directory_artifact_store.h"
#include "exec/executor_model.h"
#include "export/iteration_export.h"
#include "host/contract_config_parser.h"
#include "host/contract_host.h"
#include "host/plugin_host.h"
#include "onnx/simplifier.h"
#include "qtune/calibration.h"
#include "qtune/error.h"
#include "quant/calibration_driver.h"
#include "quant/conv_transpose_decomposition.h"
#include "qtune/quant_graph.h"
#include "quant/quant_params_json.h"
#include "quant/quantizer.h"
#include "quant/target_policy.h"
#include "run/analysis_context.h"
#include "run/analysis_stage.h"
#include "run/calibration_plugins.h"
#include "run/iteration_log.h"
#include "run/pass_context.h"
#include "run/pass_pipeline.h"
#include "run/resolved_setting.h"
#include "run/setting.h"
#include "run/setting_plugins.h"

namespace qtune {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Ctrl-C (run/interrupt.h): the iteration stops at the next stage boundary, recorded as
// "interrupted" (a strategy never reads it as a result: it has no metric).
struct Interrupted : Error {
  using Error::Error;
};

void stop_if_interrupted(const char* next_stage) {
  if (interrupt_requested())
    throw Interrupted(fmt::format("stopped by the user (Ctrl-C) before stage '{}'", next_stage));
}

bool reaches_target(const std::optional<double>& value, const ContractConfig& config) {
  if (!value || !config.target_metric) return false;
  return config.metric_direction == "min" ? *value <= *config.target_metric : *value >= *config.target_metric;
}

// The model handed to evaluate(): delegates to an ExecutorModel and reports progress
// (batches run) at most once a second.
class ProgressModel final : public Model {
 public:
  ProgressModel(const Model& inner, Log& log, std::string task) : inner_(inner), log_(log), task_(std::move(task)) {}
  std::vector<std::string> input_names() const override { return inner_.input_names(); }
  std::vector<std::string> output_names() const override { return inner_.output_names(); }
  std::vector<Shape> input_shapes() const override { return inner_.input_shapes(); }
  bool is_quantized() const override { return inner_.is_quantized(); }
  std::string description() const override { return inner_.description(); }
  Batch run(const Batch& inputs) const override {
    Batch out = inner_.run(inputs);
    count(1);
    return out;
  }
  std::vector<Batch> run_many(std::span<const Batch> batches) const override {
    std::vector<Batch> out = inner_.run_many(batches);
    count(static_cast<long>(batches.size()));
    return out;
  }
  long batches() const { return done_.load(); }

 private:
  void count(long n) const {
    const long done = done_ += n;
    std::lock_guard<std::mutex> lock(mutex_);
    if (seconds_since(last_) >= 1.0) {
      last_ = Clock::now();
      log_.progress(fmt::format("{}: batches run", task_), done, 0);
    }
  }
  const Model& inner_;
  Log& log_;
  std::string task_;
  mutable std::atomic<long> done_{0};
  mutable std::mutex mutex_;
  mutable Clock::time_point last_ = Clock::now();
};

TargetInfo target_info(const TargetPolicy& policy) {
  TargetInfo info;
  info.target = policy.target();
  info.bits = policy.bits();
  info.per_channel_weights = policy.per_channel_weights();
  info.power_of_2 = policy.is_espdl();
  info.rounding = policy.rounding();
  return info;
}

std::vector<std::string> op_names(const Graph& graph) {
  std::vector<std::string> names;
  for (const Op* op : graph.ops()) names.push_back(op->name);
  return names;
}

}  // namespace

std::optional<std::int64_t> iteration_id_from_dir(const std::filesystem::path& dir) {
  std::string name = dir.filename().string();
  if (name.empty()) name = dir.parent_path().filename().string();  // "outputs/iter_3/"
  static const std::regex pattern("iter_([0-9]{1,15})");
  std::smatch m;
  if (!std::regex_match(name, m, pattern)) return std::nullopt;
  return std::stoll(m[1].str());
}

IterationResult run_iteration(const IterationRequest& request) {
  IterationResult result;
  IterationRecord& record = result.record;
  IterationLog log(request.echo);
  record.started_at = iso8601_utc_now();
  const auto dir = request.output_dir;
  double write_seconds = 0;
  auto write = [&](const char* file, const std::string& key, std::string_view content) {
    const auto t = Clock::now();
    write_file_atomic(dir / file, content);
    record.paths[key] = file;
    write_seconds += seconds_since(t);
  };
  auto stage_line = [&](const std::string& what, double s) { log.info(fmt::format("[{:7.2f} s] {}", s, what)); };

  try {
    record.iteration_id = iteration_id_from_dir(dir).value_or(0);  // until the setting says otherwise
    std::filesystem::create_directories(dir);
    auto t = Clock::now();
    // Setting first: a malformed file fails before anything slow runs.
    const Setting setting = request.setting ? read_setting_file(*request.setting) : baseline_setting();
    record.rationale = setting.rationale;
    record.iteration_id = setting.iteration_id.value_or(record.iteration_id);
    log.info(fmt::format("qtune iterate: iteration {} -> {}", record.iteration_id, dir.string()));
    log.info(fmt::format("setting: {}", request.setting ? request.setting->string() : std::string("--baseline (kl calibration, no pass)")));

    // Stage import: plugins (main thread, before any TBB work), contract, model, setting.
    PluginHost plugins;
    std::vector<std::filesystem::path> plugin_dirs = PluginHost::default_search_path();
    plugin_dirs.insert(plugin_dirs.end(), request.plugin_dirs.begin(), request.plugin_dirs.end());
    plugins.load_directories(plugin_dirs);
    ContractHost host(request.contract, request.contract_config);
    ContractConfig config = host.config();
    if (request.target) {
      std::string wanted = *request.target;
      std::transform(wanted.begin(), wanted.end(), wanted.begin(), [](unsigned char c) { return std::tolower(c); });
      const auto& known = known_targets();
      if (std::find(known.begin(), known.end(), wanted) == known.end())
        throw InputError(fmt::format("--target '{}' is not a known target (known: {})", *request.target,
                                     fmt::join(known, ", ")));
      log.info(fmt::format("target: {} (--target; the contract's QUANT_CONFIG says {})", wanted, config.target));
      config.target = wanted;
    }
    if (request.target_metric) {
      log.info(fmt::format("target_metric: {} (qtune run --target)", *request.target_metric));
      config.target_metric = request.target_metric;
    }
    record.fill_from(config);
    record.contract = host.path().string();
    if (request.contract_config) record.contract_config = std::filesystem::absolute(*request.contract_config).string();
    log.info(fmt::format("contract '{}' ({}): model {}, target {}, int{}", host.name(), host.path().string(),
                         config.model.string(), config.target, config.num_of_bits));
    Graph graph = host.load_graph();
    const ResolvedSetting resolved = resolve_setting(setting, setting_plugins(plugins), config.target, op_names(graph));
    for (const std::string& w : resolved.warnings) log.warn(w);
    // setting.json is the setting as asked (what strategies read: a pass block the user
    // did not write stays absent, as in the reference); applied_setting.json is what ran,
    // every default filled in.
    Setting requested = setting;
    requested.iteration_id = record.iteration_id;
    write(kSettingFile, "setting", setting_to_json(requested));
    write(kAppliedSettingFile, "applied_setting", setting_to_json(resolved));
    const PassPipeline pipeline(resolved, plugins);
    record.stage_seconds["import"] = seconds_since(t);
    stage_line(fmt::format("import: {} ops after simplification; calib_algorithm {}; {} pass plugin(s){}{}",
                           graph.op_count(), resolved.calib_algorithm, pipeline.size(), pipeline.size() ? ": " : "",
                           fmt::join(pipeline.describe(), ", ")),
               record.stage_seconds["import"]);

    // Calibration batches: loaded once, shared by calibration and every pass.
    const std::vector<Batch> batches = host.calibration_batches(static_cast<std::size_t>(config.calib_steps));
    TargetPolicy policy = TargetPolicy::from_target(config.target, config.num_of_bits);
    for (const auto& [op, bits] : resolved.dispatching_table) policy.dispatch(op, bits);
    IterationPassContext context(graph, config, target_info(policy), batches, log);
    auto run_passes = [&](PassStage stage) {
      for (PassRecord& r : pipeline.run_stage(stage, context)) record.passes.push_back(std::move(r));
    };

    stop_if_interrupted("prequantize");
    // Stage prequantize: float-graph rewrites (weight split, equalization, then esp-ppq's
    // ConvTranspose decomposition), then the float reference every later pass and analyser
    // compares against. simplified_ops.json lists the ops a setting names (as the
    // reference's does: ConvTransposes, no InsertZeros).
    t = Clock::now();
    run_passes(PassStage::PreQuantize);
    write(kSimplifiedOpsFile, "simplified_ops", simplified_ops_json(graph));
    if (policy.convtranspose_decomposition()) {
      const ConvTransposeDecompositionReport d = decompose_conv_transposes(graph, policy);
      for (const std::string& note : d.notes) log.warn(note);
      if (d.converted)
        log.info(fmt::format("prequantize: {} ConvTranspose(s) rewritten as Conv, {} InsertZeros inserted (esp-ppq's "
                             "convtranspose_decomposition)", d.converted, d.insert_zeros));
    }
    context.snapshot_float_graph();
    record.stage_seconds["prequantize"] = seconds_since(t);

    stop_if_interrupted("quantize");
    // Stage quantize (+ Fusion-stage plugins, after the quantizer's own fusion).
    t = Clock::now();
    const QuantizeReport q = quantize_graph(graph, policy);
    run_passes(PassStage::Fusion);
    for (const Op* op : graph.ops())
      if (op_quant_bits(*op) == 16 && config.num_of_bits == 8) record.int16_ops.push_back(op->name);
    record.stage_seconds["quantize"] = seconds_since(t);
    stage_line(fmt::format("quantize: {} ops quantized, {} configs, {} fused activations{}", q.quantized_ops, q.configs,
                           q.fused_activations,
                           record.int16_ops.empty() ? std::string()
                                                    : fmt::format("; int16 (costs on-device speed): {}",
                                                                  fmt::join(record.int16_ops, ", "))),
               record.stage_seconds["quantize"]);

    stop_if_interrupted("calibrate");
    // Stage calibrate.
    t = Clock::now();
    log.info(fmt::format("calibration: {} batches of {}", batches.size(), config.batch_size));
    CalibrationPlugins calibration(plugins);
    CalibrationOptions options;
    options.calib_algorithm = resolved.calib_algorithm;
    options.progress = [&](int phase, std::size_t done, std::size_t total) {
      const std::size_t step = std::max<std::size_t>(1, total / 4);   // about four lines per pass
      if (done % step != 0 && done != total) return;
      log.progress(fmt::format("calibrate ({}, pass {})", resolved.calib_algorithm, phase), static_cast<long>(done),
                   static_cast<long>(total));
    };
    const CalibrationReport c = calibrate(
        graph, batches,
        [&](const std::string& algorithm, const TensorQuantConfig& cfg) { return calibration.make_observer(algorithm, cfg); },
        options);
    record.stage_seconds["calibrate"] = seconds_since(t);
    stage_line(fmt::format("calibrate: {} parameter, {} activation ({} two-pass), {} passive configs", c.parameters,
                           c.activations, c.second_pass, c.passive),
               record.stage_seconds["calibrate"]);

    stop_if_interrupted("passes");
    // Stage passes: alignment, bias correction, training, finalize (reference §1.7 order).
    t = Clock::now();
    for (PassStage stage : {PassStage::Alignment, PassStage::BiasCorrection, PassStage::Training, PassStage::Finalize})
      run_passes(stage);
    record.stage_seconds["passes"] = seconds_since(t);
    write(kQuantParamsFile, "quant_params", quant_params_json(graph));

    stop_if_interrupted("evaluate");
    // Stage evaluate.
    t = Clock::now();
    const bool fast = host.has_evaluate_fast() && !request.use_full_eval;
    record.evaluation = fast ? "evaluate_fast" : "evaluate";
    const std::shared_ptr<OpHook> hook = make_quant_hook();
    const ExecutorModel quantized(graph, hook,
                                  fmt::format("{} int{} (iter_{})", config.target, config.num_of_bits, record.iteration_id));
    const ProgressModel model(quantized, log, record.evaluation);
    log.info(fmt::format("{}() on {} ...", record.evaluation, quantized.description()));
    result.metrics = fast ? host.evaluate_fast(model) : host.evaluate(model);
    record.primary_value = result.metrics.at(config.primary_metric);
    record.stage_seconds["evaluate"] = seconds_since(t);
    stage_line(fmt::format("{}: {} batches", record.evaluation, model.batches()), record.stage_seconds["evaluate"]);
    for (const auto& [key, value] : result.metrics)
      log.info(fmt::format("  {} = {}{}", key, value, key == config.primary_metric ? "   (primary)" : ""));
    write(kMetricsFile, "metrics", metrics_json(result.metrics, config, record.evaluation));
    if (fast && request.confirm_target && reaches_target(record.primary_value, config)) {
      // evaluate_fast() reached the target: confirm on the full evaluation before any
      // strategy may stop on it (a small fast subset can pass a target the full set misses).
      t = Clock::now();
      const ProgressModel full_model(quantized, log, "evaluate");
      log.info(fmt::format("target {} reached on evaluate_fast(); confirming with evaluate() ...", *config.target_metric));
      const Metrics full = host.evaluate(full_model);
      FullEvaluation confirmation;
      if (auto it = full.find(config.primary_metric); it != full.end()) confirmation.primary_value = it->second;
      if (auto it = full.find("samples"); it != full.end()) confirmation.samples = it->second;
      confirmation.reaches_target = reaches_target(confirmation.primary_value, config);
      confirmation.seconds = seconds_since(t);
      record.full_eval = confirmation;
      write(kMetricsFullFile, "metrics_full", metrics_json(full, config, "evaluate"));
      stage_line(fmt::format("evaluate (confirmation): {} = {} -> target {}", config.primary_metric,
                             confirmation.primary_value ? fmt::format("{}", *confirmation.primary_value) : "missing",
                             confirmation.reaches_target ? "confirmed" : "NOT reached on the full evaluation"),
                 confirmation.seconds);
    }

    stop_if_interrupted("export");
    // Stage export: the deployable model.espdl (+ .info, .json) of this iteration; test
    // values from calibration sample 0 so a person can check the chip against qtune.
    // A non-ESP-DL target (linear scales) has nothing to deploy: the stage is skipped.
    t = Clock::now();
    if (policy.is_espdl()) {
      for (const auto& [key, file] : export_iteration_model(graph, policy, config, dir, log, batches.front()))
        record.paths[key] = file;
      record.stage_seconds["export"] = seconds_since(t);
      stage_line("export: model.espdl, model.info, model.json", record.stage_seconds["export"]);
    } else {
      log.info(fmt::format("export: skipped: target '{}' is not an ESP-DL chip (linear scales cannot be written to "
                           ".espdl)", policy.target()));
    }

    stop_if_interrupted("analyse");
    // Stage analyse: the error analysers on the first analyse_steps + 1 batches of one
    // epoch of the calibration loader (reference §4), artifacts into this folder.
    if (request.analyse) {
      t = Clock::now();
      const std::size_t wanted = analysis_batch_count(config.analyse_steps, std::numeric_limits<std::size_t>::max());
      DirectoryArtifactStore store(dir);
      IterationAnalysisContext analysis(graph, context.float_graph(), config,
                                        host.calibration_batches(wanted, /*one_epoch=*/true), store, log);
      log.info(fmt::format("analyse: {} batches of {}", analysis.analysis_batches().size(), config.batch_size));
      const AnalysisSummary s = run_analysers(plugins, analysis);
      for (const std::string& file : s.files) record.paths[std::filesystem::path(file).stem().string()] = file;
      record.top_5_error_layers = s.top_error_layers;
      record.non_computing_hot_ops_count = s.non_computing_hot_ops_count;
      record.graphwise_jumps_count = s.graphwise_jumps_count;
      record.stage_seconds["analyse"] = seconds_since(t);
      stage_line(fmt::format("analyse: {} analyser(s), {} artifact(s)", s.runs.size(), s.files.size()),
                 record.stage_seconds["analyse"]);
    }
  } catch (const Interrupted& e) {
    record.status = "interrupted";
    record.error = e.what();
    result.exit_code = kExitInterrupted;
    log.record_only(fmt::format("interrupted: {}", record.error));
  } catch (const std::exception& e) {
    record.status = "error";
    record.error = e.what();
    result.exit_code = dynamic_cast<const InputError*>(&e) ? 2 : 1;  // the CLI's exit-code policy
    log.record_only(fmt::format("error: {}", record.error));
  }

  // console.log and iteration_index.json are written in every case.
  record.warnings = log.warnings();
  try {
    std::filesystem::create_directories(dir);
    record.paths["console"] = kConsoleLogFile;
    record.paths["iteration_index"] = kIterationIndexFile;
    if (record.status == "ok") log.info(fmt::format("wrote {}", dir.string()));
    record.stage_seconds["write"] = write_seconds;
    const auto t = Clock::now();
    record.finished_at = iso8601_utc_now();
    write_file_atomic(dir / kIterationIndexFile, iteration_index_json(record));
    result.console = log.text();
    write_file_atomic(dir / kConsoleLogFile, result.console);
    record.stage_seconds["write"] = write_seconds + seconds_since(t);
  } catch (const std::exception& e) {
    if (record.status == "ok") {
      record.status = "error";
      record.error = e.what();
      result.exit_code = 1;
    } else {
      record.error += fmt::format(" (and writing the iteration record failed: {})", e.what());
    }
    result.console = log.text();
  }
  return result;
}

}  // namespace qtune
