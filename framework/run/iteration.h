#pragma once
// One iteration of the tuning loop, end to end (`qtune iterate`): import + simplify the
// contract's model, quantize it with the target policy, calibrate with the setting's
// calib_algorithm through the calibration plugins, evaluate (evaluate_fast unless asked
// for the full evaluate), and write the iteration's artifacts atomically into its output
// folder (iteration_artifacts.h lists them). Only calibration passes exist today: a
// setting that enables any other pass block is an error naming the block.
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
  bool echo = true;                                // print the log to stdout as well
};

struct IterationResult {
  IterationRecord record;   // what iteration_index.json holds
  Metrics metrics;          // the contract's metrics (empty on error)
  int exit_code = 0;        // 0 ok, 1 run-time failure, 2 bad input (the CLI's policy)
  std::string console;      // console.log text
  bool ok() const { return record.status == "ok"; }
};

// The iteration id from a folder name "iter_N" (N decimal), else nullopt.
std::optional<std::int64_t> iteration_id_from_dir(const std::filesystem::path& dir);

IterationResult run_iteration(const IterationRequest& request);

}  // namespace qtune
