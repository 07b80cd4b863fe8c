#pragma once
// One `qtune compare` (reference §8): ask the strategy for its decision on outputs/,
// write comparison.json and the plot, finalize when the strategy says so or the user
// asks (outputs/best/ + final_report.md), refuse a premature --finalize in Phase 5, and
// print the human table. `qtune run` calls it after every iteration with its own
// StrategyHost (plugins loaded once).
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "qtune/contract_config.h"
#include "qtune/log.h"
#include "qtune/strategy.h"
#include "run/strategy_host.h"

namespace qtune::report {

struct CompareRequest {
  std::filesystem::path outputs_dir;
  std::string strategy;             // "" -> outputs/run.json's, else kDefaultStrategy
  RawOptions strategy_options;      // --strategy-option key=value
  bool finalize = false;            // --finalize
  bool force_finalize = false;      // --force-finalize (confirms --finalize in Phase 5)
  bool force = false;               // --force (overwrite a report edited by hand)
  bool write_best = false;          // --write-best (mirror best/ without finalizing)
  int iterations_left = -1;         // the user's remaining budget (<0: none)
  // qtune run: finalize now with this category (e.g. "budget_exhausted"), never refused;
  // its finalize_reason carries the strategy's reason and the untried lists.
  std::string finalize_category;
  const ContractConfig* contract_config = nullptr;  // null: built from the rows
};

struct CompareResult {
  int exit_code = 0;                // 0 ok, 1 premature --finalize refused
  std::string strategy;             // the strategy that decided
  StrategyDecision decision;
  bool premature_finalize_rejected = false;
  std::string finalize_category;    // "" when nothing was finalized
  std::string best_action;          // "written" / "skipped (...)" / "" when not attempted
  std::string report_action;        // "written" / "rewritten" / ... / ""
};

// Exit codes of `qtune compare` beyond the CLI's usual ones.
inline constexpr int kExitPrematureFinalize = 1;

// `out` receives what the reference prints on stdout. Errors: InputError (bad outputs/,
// unknown strategy or option), Error (a strategy failed).
CompareResult run_compare(const StrategyHost& host, const CompareRequest& request, std::ostream& out, Log& log);

// `qtune compare --output-dir <abs> --finalize` (+ --strategy NAME when one was named).
std::string early_finalize_command(const std::filesystem::path& outputs_dir, const std::string& explicit_strategy);

}  // namespace qtune::report
