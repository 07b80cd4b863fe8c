#pragma once
// One iteration of the tuning loop, end to end (`qtune iterate`), in esp-ppq's order
// (reference §1.7): import + simplify the contract's model; resolve the setting against the
// installed plugins; PreQuantize passes on the float graph (weight split, equalization);
// quantize with the target policy (+ Fusion-stage passes); calibrate with calib_algorithm
// through the calibration plugins; Alignment, BiasCorrection, Training and Finalize passes
// (framework/run/pass_pipeline.h); evaluate (evaluate_fast unless asked for the full
// evaluate); analyse (the analyser plugins, run/analysis_stage.h); write the iteration's
// artifacts atomically into its output folder (iteration_artifacts.h lists them).
//
// run_iteration never throws: a failure is returned (status "error", message, exit code)
// after console.log and iteration_index.json were written with that message. Other
// iter_* folders are never touched; files of this iteration's folder are overwritten.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qtune/contract.h"
#include "run/iteration_artifacts.h"

namespace qtune {

struct IterationRequest {
  std::filesystem::path contract;
  std::optional<std::filesystem::path> contract_config;
  std::optional<std::filesystem::path> setting;   // nullopt: --baseline
  std::filesystem::path output_dir;
  bool use_full_eval = false;
  std::optional<std::string> target;              // overrides QUANT_CONFIG's target (--target)
  std::vector<std::filesystem::path> plugin_dirs;  // scanned after the default path
  bool analyse = true;                             // run the analysers (--no-analyse: false)
  bool echo = true;                                // print the log to stdout as well
  std::optional<double> target_metric;             // overrides QUANT_CONFIG's target_metric (run --target)
  // When evaluate_fast() reaches the target metric, also run the full evaluate() on the
  // same quantized model and record it as iteration_index.json "full_eval" (+
  // metrics_full.json): a target is only confirmed on the full evaluation (qtune run).
  bool confirm_target = false;
};

// Exit code of an iteration stopped by Ctrl-C (128 + SIGINT, the shell's convention).
inline constexpr int kExitInterrupted = 130;

struct IterationResult {
  IterationRecord record;   // what iteration_index.json holds
  Metrics metrics;          // the contract's metrics (empty on error)
  int exit_code = 0;        // 0 ok, 1 run-time failure, 2 bad input, 130 interrupted
  std::string console;      // console.log text
  bool ok() const { return record.status == "ok"; }
};

// The iteration id from a folder name "iter_N" (N decimal), else nullopt.
std::optional<std::int64_t> iteration_id_from_dir(const std::filesystem::path& dir);

IterationResult run_iteration(const IterationRequest& request);

}  // namespace qtune
