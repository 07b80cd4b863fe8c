#pragma once
// The files one iteration writes into its folder, and their JSON:
//   setting.json          the setting as asked (+ iteration_id): what strategies read
//   applied_setting.json  the resolved setting (defaults filled): what ran
//   metrics.json          the contract's metrics + "_primary_key", "_primary_value",
//                         "metric_direction"
//   simplified_ops.json   the simplified graph's ops
//   quant_params.json     every quantized variable's config
//   iteration_index.json  the IterationRecord below
//   console.log           everything the iteration printed
//   + the analysers' artifacts (run/analysis_stage.h, docs/artifacts.md)
// Every file is written with write_file_atomic.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "qtune/contract.h"
#include "qtune/contract_config.h"

namespace qtune {

inline constexpr const char* kSettingFile = "setting.json";                 // as asked
inline constexpr const char* kAppliedSettingFile = "applied_setting.json";  // as run, defaults filled
inline constexpr const char* kMetricsFile = "metrics.json";
inline constexpr const char* kSimplifiedOpsFile = "simplified_ops.json";
inline constexpr const char* kQuantParamsFile = "quant_params.json";
inline constexpr const char* kIterationIndexFile = "iteration_index.json";
inline constexpr const char* kConsoleLogFile = "console.log";
inline constexpr const char* kMetricsFullFile = "metrics_full.json";

// Stage names of stage_seconds, in order.
const std::vector<std::string>& iteration_stages();

// What one pass plugin did (framework/run/pass_pipeline.h fills it).
struct PassRecord {
  std::string setting_key;
  std::string plugin;
  std::string stage;
  double seconds = 0;
  bool modified = false;
  std::vector<std::string> notes;
};

// The full evaluate() run to confirm a target reached on evaluate_fast().
struct FullEvaluation {
  std::optional<double> primary_value;
  std::optional<double> samples;   // the contract's "samples" metric, when it reports one
  double seconds = 0;
  bool reaches_target = false;
};

struct IterationRecord {
  std::int64_t iteration_id = 0;
  std::string rationale;
  std::string contract;          // the contract library, absolute (qtune export re-runs it)
  std::string contract_config;   // --contract-config given, absolute; "" = none
  std::string model_path;
  std::string model_name;
  std::string target_chip;
  std::string primary_metric;
  std::optional<double> primary_value;
  std::string metric_direction;
  std::optional<double> target_metric;
  std::string deploy_runtime_priority;
  std::optional<std::int64_t> non_computing_top_k;
  std::string started_at;    // ISO-8601 UTC
  std::string finished_at;
  std::map<std::string, double> stage_seconds;   // stages that ran
  std::vector<PassRecord> passes;                // pass plugins, in run order
  // Ops promoted to int16 by the dispatching table: each costs on-device speed (the
  // report's "affects inference speed" column).
  std::vector<std::string> int16_ops;
  std::vector<std::string> warnings;
  // From the analysers (zero / empty when they did not run): the strategy reads these.
  std::vector<std::pair<std::string, double>> top_5_error_layers;   // layerwise_error.json's first 5
  std::int64_t non_computing_hot_ops_count = 0;
  std::int64_t graphwise_jumps_count = 0;
  std::string evaluation;    // "evaluate_fast" | "evaluate" | "" (not reached)
  std::optional<FullEvaluation> full_eval;
  std::string status = "ok"; // "ok" | "error"
  std::string error;
  std::map<std::string, std::string> paths;      // artifact -> file name, for files written
  void fill_from(const ContractConfig& config);
};

// "2026-11-22T22:07:15.123Z"
std::string iso8601_utc_now();

// metrics.json; `used` is the evaluation that produced it ("evaluate_fast" | "evaluate").
std::string metrics_json(const Metrics& metrics, const ContractConfig& config, const std::string& used);
std::string iteration_index_json(const IterationRecord& record);

}  // namespace qtune
