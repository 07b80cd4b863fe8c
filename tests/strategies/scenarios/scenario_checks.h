#pragma once
// One function per scenario kind (search_state_machine.md §18). Each returns nullopt
// when the scenario passes, else its first mismatch.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "run/strategy_host.h"
#include "scenario_json.h"
#include "qtune/search/constants.h"

namespace qtune::scenarios {

using Outcome = std::optional<std::string>;

struct RunnerConfig {
  std::filesystem::path qtune_binary;   // for kind main
  std::string strategy = "agent-hint";
};

// Writes outputs/ for the scenario's history under `root` (§18); returns outputs/.
std::filesystem::path materialise(const JsonValue& scenario, const std::filesystem::path& root);
// The reference's constant_overrides applied to the defaults.
search::SearchConstants scenario_constants(const JsonValue& scenario);

Outcome run_next_step(const JsonValue& scenario, const std::filesystem::path& work, const RunnerConfig& config,
                      const StrategyHost& host);
Outcome run_helper(const JsonValue& scenario, const std::filesystem::path& work);
Outcome run_hindsight(const JsonValue& scenario, const std::filesystem::path& work);
Outcome run_main(const JsonValue& scenario, const std::filesystem::path& work, const RunnerConfig& config);

}  // namespace qtune::scenarios
