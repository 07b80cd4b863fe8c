#pragma once
// Strategy: decides the next iteration's setting, or to finalize, from outputs/ alone.
#include <filesystem>
#include <string>

#include "qtune/artifacts.h"
#include "qtune/contract_config.h"
#include "qtune/log.h"
#include "qtune/options.h"
#include "qtune/plugin.h"

namespace qtune {

struct StrategyDecision {
  enum class Action { Iterate, Finalize } action = Action::Finalize;
  std::string setting_json;   // the next setting.json when action == Iterate
  std::string reason;         // why (cites the iterations whose data motivated it)
};

class BOOST_SYMBOL_VISIBLE StrategyContext {
 public:
  virtual ~StrategyContext();
  // outputs/: every iter_N folder with its setting, metrics and analyser artifacts.
  virtual std::filesystem::path outputs_dir() const = 0;
  virtual const ContractConfig& config() const = 0;
  // Iterations the user's budget still allows (<0: unlimited).
  virtual int iterations_left() const = 0;
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
