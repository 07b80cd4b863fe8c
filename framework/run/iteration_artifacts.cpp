#include "run/iteration_artifacts.h"

#include <chrono>
#include <ctime>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "artifacts/json.h"

namespace qtune {
namespace {

using rapidjson::Value;

Value str(const std::string& s, rapidjson::Document::AllocatorType& a) { return Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a); }

}  // namespace

const std::vector<std::string>& iteration_stages() {
  static const std::vector<std::string> stages = {"import", "prequantize", "quantize", "calibrate", "passes", "evaluate", "export", "analyse", "write"};
  return stages;
}

void IterationRecord::fill_from(const ContractConfig& config) {
  model_path = config.model.string();
  model_name = config.model_name;
  target_chip = config.target;
  primary_metric = config.primary_metric;
  metric_direction = config.metric_direction;
  target_metric = config.target_metric;
  deploy_runtime_priority = config.deploy_runtime_priority;
  non_computing_top_k = config.non_computing_top_k;
}

std::string iso8601_utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::string metrics_json(const Metrics& metrics, const ContractConfig& config, const std::string& used) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("_used", str(used, a), a);
  for (const auto& [key, value] : metrics) doc.AddMember(str(key, a), Value(value), a);
  doc.AddMember("_primary_key", str(config.primary_metric, a), a);
  const auto it = metrics.find(config.primary_metric);
  if (it != metrics.end())
    doc.AddMember("_primary_value", Value(it->second), a);
  else
    doc.AddMember("_primary_value", Value(rapidjson::kNullType), a);
  doc.AddMember("metric_direction", str(config.metric_direction, a), a);
  return json_pretty(doc) + "\n";
}

std::string iteration_index_json(const IterationRecord& r) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  auto opt_double = [&](const std::optional<double>& v) { return v ? Value(*v) : Value(rapidjson::kNullType); };
  doc.AddMember("iteration_id", Value(static_cast<int64_t>(r.iteration_id)), a);
  doc.AddMember("rationale", str(r.rationale, a), a);
  doc.AddMember("contract", str(r.contract, a), a);
  doc.AddMember("contract_config", r.contract_config.empty() ? Value(rapidjson::kNullType) : str(r.contract_config, a), a);
  doc.AddMember("model_path", str(r.model_path, a), a);
  doc.AddMember("model_name", str(r.model_name, a), a);
  doc.AddMember("target_chip", str(r.target_chip, a), a);
  doc.AddMember("primary_metric", str(r.primary_metric, a), a);
  doc.AddMember("primary_value", opt_double(r.primary_value), a);
  doc.AddMember("metric_direction", str(r.metric_direction, a), a);
  doc.AddMember("target_metric", opt_double(r.target_metric), a);
  doc.AddMember("deploy_runtime_priority", str(r.deploy_runtime_priority, a), a);
  doc.AddMember("non_computing_top_k",
                r.non_computing_top_k ? Value(static_cast<int64_t>(*r.non_computing_top_k)) : Value(rapidjson::kNullType), a);
  doc.AddMember("non_computing_hot_ops_count", Value(static_cast<int64_t>(r.non_computing_hot_ops_count)), a);
  doc.AddMember("graphwise_jumps_count", Value(static_cast<int64_t>(r.graphwise_jumps_count)), a);
  Value top5(rapidjson::kArrayType);
  for (const auto& [op, snr] : r.top_5_error_layers) {
    Value entry(rapidjson::kObjectType);
    entry.AddMember("op", str(op, a), a);
    entry.AddMember("snr", Value(snr), a);
    top5.PushBack(entry, a);
  }
  doc.AddMember("top_5_error_layers", top5, a);
  // The reference's key for the iteration's warnings (its comparator reads this one).
  Value applied_warnings(rapidjson::kArrayType);
  for (const std::string& w : r.warnings) applied_warnings.PushBack(str(w, a), a);
  doc.AddMember("applied_setting_warnings", applied_warnings, a);
  double elapsed = 0;
  for (const auto& [stage, seconds] : r.stage_seconds) elapsed += seconds;
  doc.AddMember("elapsed_seconds", Value(elapsed), a);
  doc.AddMember("started_at", str(r.started_at, a), a);
  doc.AddMember("finished_at", str(r.finished_at, a), a);
  Value stages(rapidjson::kObjectType);
  for (const std::string& stage : iteration_stages())
    if (auto it = r.stage_seconds.find(stage); it != r.stage_seconds.end()) stages.AddMember(str(stage, a), Value(it->second), a);
  doc.AddMember("stage_seconds", stages, a);
  Value passes(rapidjson::kArrayType);
  for (const PassRecord& p : r.passes) {
    Value pass(rapidjson::kObjectType);
    pass.AddMember("setting_key", str(p.setting_key, a), a);
    pass.AddMember("plugin", str(p.plugin, a), a);
    pass.AddMember("stage", str(p.stage, a), a);
    pass.AddMember("seconds", Value(p.seconds), a);
    pass.AddMember("modified", Value(p.modified), a);
    Value notes(rapidjson::kArrayType);
    for (const std::string& n : p.notes) notes.PushBack(str(n, a), a);
    pass.AddMember("notes", notes, a);
    passes.PushBack(pass, a);
  }
  doc.AddMember("passes", passes, a);
  Value int16(rapidjson::kArrayType);
  for (const std::string& op : r.int16_ops) int16.PushBack(str(op, a), a);
  doc.AddMember("int16_ops", int16, a);
  Value warnings(rapidjson::kArrayType);
  for (const std::string& w : r.warnings) warnings.PushBack(str(w, a), a);
  doc.AddMember("warnings", warnings, a);
  doc.AddMember("evaluation", r.evaluation.empty() ? Value(rapidjson::kNullType) : str(r.evaluation, a), a);
  if (r.full_eval) {
    Value full(rapidjson::kObjectType);
    full.AddMember("primary_value", opt_double(r.full_eval->primary_value), a);
    full.AddMember("samples", opt_double(r.full_eval->samples), a);
    full.AddMember("reaches_target", Value(r.full_eval->reaches_target), a);
    full.AddMember("seconds", Value(r.full_eval->seconds), a);
    full.AddMember("metrics_file", str(kMetricsFullFile, a), a);
    doc.AddMember("full_eval", full, a);
  }
  doc.AddMember("status", str(r.status, a), a);
  doc.AddMember("error", r.error.empty() ? Value(rapidjson::kNullType) : str(r.error, a), a);
  Value paths(rapidjson::kObjectType);
  for (const auto& [key, file] : r.paths) paths.AddMember(str(key, a), str(file, a), a);
  doc.AddMember("paths", paths, a);
  return json_pretty(doc) + "\n";
}

}  // namespace qtune
