#pragma once
// `qtune run`: the whole search loop on one outputs/ folder — the baseline when absent,
// then strategy -> iterate -> compare until the strategy finalizes (target confirmed on
// the full evaluation, plateau, nothing left to try) or the user's budget is spent, when
// the run finalizes with what was left untried. Re-running on an existing outputs/
// continues from what is there; Ctrl-C stops at the next safe point and keeps every
// finished iteration (an interrupted one is set aside as iter_N.interrupted-<time>).
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "run/strategy_host.h"

namespace qtune {

// The strategy `qtune run` uses when none is named and outputs/run.json names none.
inline constexpr const char* kDefaultRunStrategy = "phased-linear";

struct RunRequest {
  std::filesystem::path contract;
  std::optional<std::filesystem::path> contract_config;
  std::filesystem::path outputs_dir;
  std::string strategy;                 // "" -> outputs/run.json's, else kDefaultRunStrategy
  RawOptions strategy_options;          // --strategy-option key=value
  int iterations = -1;                  // iterations this invocation may run (<0: until the strategy stops)
  std::optional<double> target_metric;  // --target: overrides QUANT_CONFIG's target_metric
  std::optional<std::string> target_chip;
  bool use_full_eval = false;           // every iteration evaluates with evaluate()
  bool analyse = true;
  std::vector<std::filesystem::path> plugin_dirs;
};

struct RunResult {
  int exit_code = 0;          // 0 finished or waiting for an agent; 1 failure; 130 interrupted
  int iterations_run = 0;
  std::string stop_reason;    // finalize category, "await_setting", "interrupted", "error: ..."
};

RunResult run_search(const RunRequest& request, std::ostream& out);

}  // namespace qtune
