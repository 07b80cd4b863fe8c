#pragma once
// Strategy: decides the next iteration's setting, or to finalize, from outputs/ alone.
// `qtune compare` renders its decision into comparison.json's next_step_hint and decides
// finalization with it; `qtune run` loops strategy -> iterate -> compare.
#include <filesystem>
#include <string>

#include "qtune/artifacts.h"
#include "qtune/contract_config.h"
#include "qtune/history.h"
#include "qtune/log.h"
#include "qtune/options.h"
#include "qtune/plugin.h"

namespace qtune {

struct StrategyDecision {
  enum class Action {
    Iterate,       // setting_json is the next iteration's setting.json
    Finalize,      // stop: finalize_category says why
    AwaitSetting,  // an external agent or person writes the next setting (agent-hint)
  } action = Action::Finalize;
  std::string setting_json;       // the next setting.json when action == Iterate
  std::string reason;             // why (cites the iterations whose data motivated it)
  std::string phase;              // e.g. "phase-3-residual" (comparison.json next_step_hint.phase)
  std::string advice;             // the hint text a person or an agent reads
  // JSON object with the structured hint (lever, route, template, phase5_signals, ...):
  // merged into comparison.json's next_step_hint. "{}" when the strategy has none.
  std::string hint_json = "{}";
  // When action == Finalize: "target_reached", "plateau", "exhausted" (nothing left to
  // try), or a strategy-specific category.
  std::string finalize_category;
};

class BOOST_SYMBOL_VISIBLE StrategyContext {
 public:
  virtual ~StrategyContext();
  // outputs/: every iter_N folder with its setting, metrics and analyser artifacts.
  virtual std::filesystem::path outputs_dir() const = 0;
  // The rows of outputs/ (load_history), read once by the host for this decision.
  virtual const History& history() const = 0;
  virtual const ContractConfig& config() const = 0;
  // Iterations the user's budget still allows (<0: unlimited).
  virtual int iterations_left() const = 0;
  // Pass plugins installed, by setting key ("tqt_optimization", "equalization", ...): a
  // strategy skips a lever whose plugin is missing and records why.
  virtual bool pass_available(const std::string& setting_key) const = 0;
  // outputs/ itself, for comparison.json and other run-level artifacts.
  virtual ArtifactStore& run_artifacts() = 0;
  virtual Log& log() = 0;
};

class BOOST_SYMBOL_VISIBLE Strategy : public Plugin {
 public:
  ~Strategy() override;
  virtual StrategyDecision decide(StrategyContext& context, const OptionValues& options) = 0;
};

}  // namespace qtune
